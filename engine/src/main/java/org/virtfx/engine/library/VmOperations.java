package org.virtfx.engine.library;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageCopier;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.MapExtent;

/**
 * What the wizards and {@code virtfx vm} do to the library beyond plain saving: create a machine with a new disk,
 * clone one (full copy of every disk, or a linked clone on qcow2 overlays), attach devices, and delete a machine with
 * the storage the user picked.
 *
 * <p>Every operation either completes or leaves the library folder and the disk folders as they were: new disks are
 * written under a hidden temporary name and renamed only when all of them are complete, the definition is saved last,
 * and a failure or cancellation deletes whatever was made (including a disk folder the operation created).
 */
public final class VmOperations {
    /** The IDE bus has four places and the CD-ROM drive always takes the secondary master. */
    public static final int MAX_DISKS = 3;
    private static final String PART_SUFFIX = ".virtfx-part";

    private final VmLibrary library;

    public VmOperations(VmLibrary library) {
        this.library = library;
    }

    public VmLibrary library() {
        return library;
    }

    /** The folder new disk images go to by default: {@code images/} beside the library's {@code machines/}. */
    public Path defaultImageFolder() {
        Path parent = library.directory().toAbsolutePath().getParent();
        return (parent == null ? library.directory() : parent).resolve("images");
    }

    // ------------------------------------------------------------------ names

    /**
     * Why {@code name} cannot name a new machine, or empty when it can: 1-64 characters, letters, digits, spaces and
     * {@code - _ . ( ) +}, not starting with a dot or a space, not taken by another machine (or its file).
     */
    public Optional<String> nameProblem(String name) throws IOException {
        if (name == null || name.isEmpty()) {
            return Optional.of("Enter a name.");
        }
        if (name.length() > 64) {
            return Optional.of("The name is longer than 64 characters.");
        }
        if (name.startsWith(".") || name.startsWith(" ") || name.endsWith(" ")) {
            return Optional.of("The name must not start with a dot or start or end with a space.");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || " -_.()+".indexOf(c) >= 0)) {
                return Optional.of("'" + c + "' is not allowed in a name (letters, digits, spaces and - _ . ( ) + are).");
            }
        }
        if (library.find(name).isPresent() || Files.exists(library.fileFor(name))) {
            return Optional.of("A machine called '" + name + "' already exists.");
        }
        return Optional.empty();
    }

    /** "NAME", or "NAME (2)", "NAME (3)"... whichever is free first. */
    public String unusedName(String base) throws IOException {
        if (nameProblem(base).isEmpty()) {
            return base;
        }
        for (int i = 2; ; i++) {
            String n = base + " (" + i + ")";
            if (nameProblem(n).isEmpty()) {
                return n;
            }
        }
    }

    /** A file in {@code folder} named after the machine, e.g. {@code Web server.qcow2}, {@code Web server-2.qcow2}. */
    public static Path unusedImagePath(Path folder, String machineName, String format, Collection<Path> alsoTaken) {
        String stem = VmLibrary.fileStem(machineName);
        String ext = extension(format);
        for (int i = 1; ; i++) {
            Path p = folder.resolve(stem + (i == 1 ? "" : "-" + i) + "." + ext);
            if (!Files.exists(p) && !Files.exists(partFile(p)) && !alsoTaken.contains(p)) {
                return p;
            }
        }
    }

    private static String extension(String format) {
        return switch (format) {
            case "raw" -> "img";
            case "vpc" -> "vhd";
            default -> format;
        };
    }

    // ------------------------------------------------------------------ create

    /**
     * A disk to create.
     *
     * @param file   where it goes (must not exist)
     * @param format "qcow2" (sparse) or "raw" (sparse file)
     * @param size   virtual size in bytes
     */
    public record NewDisk(Path file, String format, long size) {
        public NewDisk {
            if (!format.equals("qcow2") && !format.equals("raw")) {
                throw new IllegalArgumentException("new disks are qcow2 or raw, not '" + format + "'");
            }
            if (size < 1 << 20) {
                throw new IllegalArgumentException("a disk needs at least 1 MiB, got " + size + " bytes");
            }
        }
    }

    /**
     * Saves a new machine; with {@code disk}, creates that disk first and attaches it after the machine's other disks.
     * Returns the saved definition.
     */
    public VmDefinition create(VmDefinition def, NewDisk disk, OperationProgress progress) throws IOException {
        Optional<String> problem = nameProblem(def.name());
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
        if (disk == null) {
            library.create(def);
            return def;
        }
        if (def.disks().size() >= MAX_DISKS) {
            throw new IOException("machine '" + def.name() + "' already has " + MAX_DISKS + " disks, the most the IDE bus takes");
        }
        Staging staging = new Staging();
        try {
            progress.step("Creating disk " + disk.file().getFileName());
            staging.createEmpty(disk);
            progress.progress(1, 1);
            progress.checkCancelled();
            List<String> disks = new ArrayList<>(def.disks());
            disks.add(disk.file().toAbsolutePath().toString());
            VmDefinition saved = def.withDisks(disks);
            staging.commit(() -> library.create(saved));
            return saved;
        } catch (IOException | RuntimeException e) {
            staging.rollback();
            throw e;
        }
    }

    // ------------------------------------------------------------------ clone

    public enum CloneMode {
        /** Every disk copied into a standalone image (qcow2 stays qcow2, raw stays raw, other formats become qcow2). */
        FULL,
        /**
         * Every disk becomes a shared, read-only base: the clone gets a new qcow2 overlay on it, and so does the source
         * machine (its definition then names its overlay), so neither machine's writes can change the other's disk —
         * as VirtualBox does for linked clones.
         */
        LINKED
    }

    /** The disks a clone of {@code source} will create, in order (for the wizard to show before it starts). */
    public List<Path> plannedCloneDisks(VmDefinition source, String newName, CloneMode mode, Path folder) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String d : source.disks()) {
            Path original = Path.of(d);
            Path dir = folder != null ? folder : original.toAbsolutePath().getParent();
            out.add(unusedImagePath(dir, newName, mode == CloneMode.LINKED ? "qcow2" : fullCloneFormat(original), out));
        }
        return out;
    }

    private static String fullCloneFormat(Path original) throws IOException {
        String f = DiskImages.probe(original).name();
        return f.equals("raw") ? "raw" : "qcow2";
    }

    /**
     * Clones machine {@code sourceName} as {@code newName}: same hardware, new MAC addresses, every disk copied (or
     * overlaid). {@code folder} holds the new disks (null: beside each original). The source must not be running
     * (its disks would change under the copy).
     */
    public VmDefinition cloneMachine(String sourceName, String newName, CloneMode mode, Path folder,
                                     OperationProgress progress) throws IOException {
        VmDefinition source = library.find(sourceName)
                .orElseThrow(() -> new IOException("machine '" + sourceName + "' is not in the library at " + library.directory()));
        Optional<String> problem = nameProblem(newName);
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
        List<Path> targets = plannedCloneDisks(source, newName, mode, folder);
        // the source's own overlays (linked clones only), beside each base
        List<Path> sourceOverlays = new ArrayList<>();
        if (mode == CloneMode.LINKED) {
            List<Path> taken = new ArrayList<>(targets);
            for (String d : source.disks()) {
                Path p = unusedImagePath(Path.of(d).toAbsolutePath().getParent(), sourceName, "qcow2", taken);
                taken.add(p);
                sourceOverlays.add(p);
            }
        }
        Staging staging = new Staging();
        try {
            List<DiskImage> sources = new ArrayList<>();
            long total = 0;
            try {
                for (String d : source.disks()) {
                    DiskImage img = DiskImages.open(Path.of(d), true);
                    sources.add(img);
                    total += mode == CloneMode.FULL ? dataBytes(img) : 1;
                }
                long[] done = {0};
                for (int i = 0; i < sources.size(); i++) {
                    progress.checkCancelled();
                    DiskImage src = sources.get(i);
                    Path target = targets.get(i);
                    if (mode == CloneMode.LINKED) {
                        progress.step("Creating overlay " + target.getFileName() + " on " + src.file().getFileName());
                        staging.createOverlay(target, src.file().toAbsolutePath(), src.format().name());
                        staging.createOverlay(sourceOverlays.get(i), src.file().toAbsolutePath(), src.format().name());
                        done[0]++;
                        progress.progress(done[0], total);
                    } else {
                        progress.step("Copying disk " + (i + 1) + " of " + sources.size() + ": "
                                + src.file().getFileName() + " to " + target.getFileName());
                        String fmt = fullCloneFormat(src.file());
                        try (DiskImage dst = staging.createImage(target, fmt, CreateOptions.ofSize(src.size()))) {
                            long base = done[0];
                            long all = total;
                            copyData(src, dst, progress, n -> {
                                done[0] = base + n;
                                progress.progress(done[0], all);
                            });
                            dst.flush();
                        }
                    }
                }
            } finally {
                for (DiskImage img : sources) {
                    img.close();
                }
            }
            progress.checkCancelled();
            Set<String> taken = new java.util.HashSet<>(allMacs());
            List<VmDefinition.Nic> nics = new ArrayList<>();
            for (VmDefinition.Nic n : source.nics()) {
                String mac = MacAddresses.random(taken);
                taken.add(mac);
                nics.add(new VmDefinition.Nic(n.model(), mac, n.network()));
            }
            VmDefinition clone = source.withName(newName)
                    .withDisks(targets.stream().map(p -> p.toAbsolutePath().toString()).toList())
                    .withNics(nics)
                    .withNotes(source.notes().isEmpty() ? (mode == CloneMode.LINKED ? "Linked clone of " : "Clone of ") + sourceName
                            : source.notes());
            staging.commit(() -> {
                library.create(clone);
                if (mode == CloneMode.LINKED) {
                    try {
                        library.update(sourceName, source.withDisks(
                                sourceOverlays.stream().map(p -> p.toAbsolutePath().toString()).toList()));
                    } catch (IOException | RuntimeException e) {
                        library.delete(newName);
                        throw e;
                    }
                }
            });
            return clone;
        } catch (IOException | RuntimeException e) {
            staging.rollback();
            throw e;
        }
    }

    /** Bytes of {@code img} (through its backing chain) that hold data, i.e. what a full copy reads. */
    private static long dataBytes(DiskImage img) throws IOException {
        long n = 0;
        for (MapExtent e : img.map(0, img.size())) {
            if (e.data() || !e.zero()) {
                n += e.length();
            }
        }
        return n;
    }

    private interface Counter {
        void copied(long bytes);
    }

    /** Copies every data extent of {@code src} into the fresh {@code dst}; all-zero blocks stay holes. */
    private static void copyData(DiskImage src, DiskImage dst, OperationProgress progress, Counter counter) throws IOException {
        try {
            ImageCopier.copy(src, dst, ImageCopier.Options.sparseCopy(ImageCopier.defaultThreads()),
                    (done, total) -> {
                        progress.checkCancelled();
                        counter.copied(done);
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("cancelled");
        }
    }

    /** Every MAC address the library's machines use (a new card must take another). */
    public List<String> macsInUse() throws IOException {
        return allMacs();
    }

    private List<String> allMacs() throws IOException {
        List<String> out = new ArrayList<>();
        for (LibraryEntry e : library.list()) {
            if (!e.broken()) {
                e.definition().nics().forEach(n -> out.add(n.mac()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ add hardware

    /** Creates {@code disk} and attaches it to machine {@code name}. */
    public VmDefinition addNewDisk(String name, NewDisk disk, OperationProgress progress) throws IOException {
        VmDefinition def = existing(name);
        checkDiskSlot(def);
        Staging staging = new Staging();
        try {
            progress.step("Creating disk " + disk.file().getFileName());
            staging.createEmpty(disk);
            progress.checkCancelled();
            List<String> disks = new ArrayList<>(def.disks());
            disks.add(disk.file().toAbsolutePath().toString());
            VmDefinition updated = def.withDisks(disks);
            staging.commit(() -> library.update(name, updated));
            return updated;
        } catch (IOException | RuntimeException e) {
            staging.rollback();
            throw e;
        }
    }

    /** Attaches an existing image (any format VirtFX opens; it is opened once to check it). */
    public VmDefinition attachDisk(String name, Path image) throws IOException {
        VmDefinition def = existing(name);
        checkDiskSlot(def);
        String abs = image.toAbsolutePath().toString();
        if (def.disks().contains(abs)) {
            throw new IOException(image + " is already a disk of machine '" + name + "'");
        }
        try (DiskImage img = DiskImages.open(image, true)) {
            img.size();
        }
        List<String> disks = new ArrayList<>(def.disks());
        disks.add(abs);
        VmDefinition updated = def.withDisks(disks);
        library.update(name, updated);
        return updated;
    }

    /** Adds the CD-ROM drive with {@code iso} in it; the machine has one drive (secondary master) at most. */
    public VmDefinition addCdrom(String name, Path iso) throws IOException {
        VmDefinition def = existing(name);
        if (def.cdrom() != null && !def.cdrom().isBlank()) {
            throw new IOException("machine '" + name + "' already has a CD-ROM drive (with " + def.cdrom()
                    + "); change its medium on the CD-ROM page");
        }
        if (!Files.isRegularFile(iso)) {
            throw new IOException("no such CD image: " + iso);
        }
        VmDefinition updated = def.withCdrom(iso.toAbsolutePath().toString());
        library.update(name, updated);
        return updated;
    }

    /** Adds a network card with a new unique MAC address (or {@code mac} when given). */
    public VmDefinition addNic(String name, String model, String network, String mac) throws IOException {
        VmDefinition def = existing(name);
        List<String> taken = allMacs();
        String address = mac == null || mac.isBlank() ? MacAddresses.random(taken) : MacAddresses.parse(mac);
        if (taken.contains(address)) {
            throw new IOException("MAC address " + address + " is already used by another network card in the library");
        }
        List<VmDefinition.Nic> nics = new ArrayList<>(def.nics());
        nics.add(new VmDefinition.Nic(model, address, network));
        VmDefinition updated = def.withNics(nics);
        library.update(name, updated);
        return updated;
    }

    /** Adds serial port COM{@code port} (2-4), its output written to {@code logFile} (or unconnected). */
    public VmDefinition addSerialPort(String name, int port, Path logFile) throws IOException {
        VmDefinition def = existing(name);
        List<VmDefinition.SerialPort> ports = new ArrayList<>(def.serialPorts());
        ports.add(new VmDefinition.SerialPort(port, logFile == null ? null : logFile.toAbsolutePath().toString()));
        VmDefinition updated = def.withSerialPorts(ports);
        library.update(name, updated);
        return updated;
    }

    /** The lowest free COM port number (2-4), or empty when all are taken. */
    public static Optional<Integer> freeSerialPort(VmDefinition def) {
        for (int p = 2; p <= 4; p++) {
            int port = p;
            if (def.serialPorts().stream().noneMatch(s -> s.port() == port)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public VmDefinition addInput(String name, String type) throws IOException {
        VmDefinition def = existing(name);
        List<VmDefinition.InputDevice> inputs = new ArrayList<>(def.inputs());
        inputs.add(new VmDefinition.InputDevice(type));
        VmDefinition updated = def.withInputs(inputs);
        library.update(name, updated);
        return updated;
    }

    private VmDefinition existing(String name) throws IOException {
        return library.find(name)
                .orElseThrow(() -> new IOException("machine '" + name + "' is not in the library at " + library.directory()));
    }

    private static void checkDiskSlot(VmDefinition def) throws IOException {
        if (def.disks().size() >= MAX_DISKS) {
            throw new IOException("machine '" + def.name() + "' already has " + MAX_DISKS
                    + " disks, the most the IDE bus takes beside the CD-ROM drive");
        }
    }

    // ------------------------------------------------------------------ delete

    /**
     * One disk of a machine about to be deleted.
     *
     * @param file     the image
     * @param exists   whether the file is there
     * @param keptBecause why it must be kept (another machine uses it, directly or as a backing file), or null
     */
    public record Storage(Path file, boolean exists, String keptBecause) {
        public boolean deletable() {
            return exists && keptBecause == null;
        }
    }

    /**
     * The disks of machine {@code name}, each followed by its backing files (a linked clone's shared base), and
     * whether each may be deleted with it.
     */
    public List<Storage> storageOf(String name) throws IOException {
        VmDefinition def = existing(name);
        Map<Path, String> users = usersOutside(name);
        List<Storage> out = new ArrayList<>();
        java.util.Set<Path> listed = new java.util.HashSet<>();
        for (String d : def.disks()) {
            Path p = Path.of(d);
            String reason = Files.exists(p) ? users.get(realOrAbsolute(p)) : null;
            if (listed.add(realOrAbsolute(p))) {
                out.add(new Storage(p, Files.exists(p), reason));
            }
            if (!Files.exists(p)) {
                continue;
            }
            try (DiskImage img = DiskImages.open(p, true)) {
                for (DiskImage b = img.backing(); b != null; b = b.backing()) {
                    Path bf = b.file().toAbsolutePath().normalize();
                    if (listed.add(realOrAbsolute(bf))) {
                        out.add(new Storage(bf, Files.exists(bf), users.get(realOrAbsolute(bf))));
                    }
                }
            } catch (IOException | RuntimeException ex) {
                // an image that cannot be opened names no backing file to offer
            }
        }
        return out;
    }

    /** Every image other machines use, directly or through backing chains, with who uses it. */
    private Map<Path, String> usersOutside(String name) throws IOException {
        Map<Path, String> users = new LinkedHashMap<>();
        for (LibraryEntry e : library.list()) {
            if (e.broken() || e.definition().name().equals(name)) {
                continue;
            }
            String other = e.definition().name();
            for (String d : e.definition().disks()) {
                Path p = Path.of(d);
                users.putIfAbsent(realOrAbsolute(p), "it is also a disk of machine '" + other + "'");
                try (DiskImage img = DiskImages.open(p, true)) {
                    for (DiskImage b = img.backing(); b != null; b = b.backing()) {
                        users.putIfAbsent(realOrAbsolute(b.file()), "it is the backing file of " + p.getFileName()
                                + ", a disk of machine '" + other + "' (a linked clone)");
                    }
                } catch (IOException | RuntimeException ex) {
                    // an image that cannot be opened names no backing file we could protect
                }
            }
            if (e.definition().cdrom() != null) {
                users.putIfAbsent(realOrAbsolute(Path.of(e.definition().cdrom())),
                        "it is in the CD-ROM drive of machine '" + other + "'");
            }
        }
        return users;
    }

    private static Path realOrAbsolute(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** What {@link #delete} did with each disk. */
    public record DeleteResult(List<Path> deleted, Map<Path, String> kept) {
    }

    /**
     * Removes machine {@code name} from the library, then deletes those of {@code storageToDelete} that belong to it
     * and no other machine uses; the others are kept and the result says why.
     */
    public DeleteResult delete(String name, Collection<Path> storageToDelete) throws IOException {
        List<Storage> storage = storageOf(name);
        library.delete(name);
        List<Path> deleted = new ArrayList<>();
        Map<Path, String> kept = new LinkedHashMap<>();
        for (Storage s : storage) {
            if (!storageToDelete.contains(s.file())) {
                continue;
            }
            if (!s.exists()) {
                kept.put(s.file(), "it does not exist");
            } else if (s.keptBecause() != null) {
                kept.put(s.file(), s.keptBecause());
            } else {
                try {
                    Files.delete(s.file());
                    deleted.add(s.file());
                } catch (IOException e) {
                    kept.put(s.file(), "it could not be deleted: " + e.getMessage());
                }
            }
        }
        for (Path p : storageToDelete) {
            if (storage.stream().noneMatch(s -> s.file().equals(p))) {
                kept.put(p, "it is not a disk of machine '" + name + "'");
            }
        }
        return new DeleteResult(deleted, kept);
    }

    // ------------------------------------------------------------------ staging

    private static Path partFile(Path target) {
        return target.resolveSibling("." + target.getFileName() + PART_SUFFIX);
    }

    /** Action run once every new file is in place (saving the definition). */
    private interface Commit {
        void run() throws IOException;
    }

    /**
     * New images under construction: each is written to a hidden part file beside its target, renamed at commit, and
     * every trace (part files, renamed files, folders made for them) is removed on rollback.
     */
    private static final class Staging {
        private final Map<Path, Path> parts = new LinkedHashMap<>();
        private final List<Path> createdDirs = new ArrayList<>();
        private final List<Path> renamed = new ArrayList<>();

        private Path prepare(Path target) throws IOException {
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString(), null, "a file of this name is already there");
            }
            Path dir = target.toAbsolutePath().getParent();
            List<Path> missing = new ArrayList<>();
            for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) {
                missing.addFirst(d);
            }
            for (Path d : missing) {
                Files.createDirectory(d);
                createdDirs.add(d);
            }
            Path part = partFile(target.toAbsolutePath());
            Files.deleteIfExists(part);
            parts.put(target.toAbsolutePath(), part);
            return part;
        }

        void createEmpty(NewDisk disk) throws IOException {
            createImage(disk.file(), disk.format(), CreateOptions.ofSize(disk.size())).close();
        }

        DiskImage createImage(Path target, String format, CreateOptions options) throws IOException {
            return DiskImages.create(prepare(target), format, options);
        }

        void createOverlay(Path target, Path backing, String backingFormat) throws IOException {
            CreateOptions o = CreateOptions.ofSize(1 << 20).withBacking(backing.toString(), backingFormat).withSize(-1);
            DiskImages.create(prepare(target), "qcow2", o).close();
        }

        void commit(Commit save) throws IOException {
            for (Map.Entry<Path, Path> e : parts.entrySet()) {
                try {
                    Files.move(e.getValue(), e.getKey(), StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException ex) {
                    Files.move(e.getValue(), e.getKey());
                }
                renamed.add(e.getKey());
            }
            save.run();
        }

        /** Undoes everything; runs with the interrupt flag cleared so that cleanup I/O is not refused. */
        void rollback() {
            boolean interrupted = Thread.interrupted();
            try {
                for (Path p : renamed) {
                    deleteQuietly(p);
                }
                for (Path p : parts.values()) {
                    deleteQuietly(p);
                }
                for (Path d : createdDirs.reversed()) {
                    deleteQuietly(d);
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private static void deleteQuietly(Path p) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                System.getLogger(VmOperations.class.getName()).log(System.Logger.Level.WARNING,
                        "could not remove " + p + " while undoing: " + e.getMessage());
            }
        }
    }

    /** Formats a byte count for messages ("20 GiB", "512 MiB"). */
    public static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
    }

    /** Whether {@code e} is a cancellation (possibly wrapped by an I/O layer that was interrupted). */
    public static boolean isCancellation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CancellationException || t instanceof java.nio.channels.ClosedByInterruptException
                    || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /** The image format names VirtFX can open, for file choosers. */
    public static List<String> readableFormats() {
        return DiskImages.formats().stream().map(ImageFormat::name).toList();
    }
}
