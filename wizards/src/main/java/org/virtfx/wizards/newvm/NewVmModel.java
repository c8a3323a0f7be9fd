package org.virtfx.wizards.newvm;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.virtfx.engine.boot.KernelImage;
import org.virtfx.engine.library.MacAddresses;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.IsoImage;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.wizards.WizardContext;

/**
 * The New VM wizard's state, shared by its five pages, and every check of it. No JavaFX node here: the rules are
 * plain methods returning the message to show (null when fine), so they are testable without a window.
 */
public final class NewVmModel {
    public enum Source { ISO, IMPORT, KERNEL }

    public enum StorageChoice { NEW, EXISTING, NONE }

    public static final long GIB = 1L << 30;

    final WizardContext context;
    public final ObjectProperty<Source> source = new SimpleObjectProperty<>(Source.ISO);
    public final ObjectProperty<Path> iso = new SimpleObjectProperty<>();
    public final ObjectProperty<Path> importDisk = new SimpleObjectProperty<>();
    public final ObjectProperty<Path> kernel = new SimpleObjectProperty<>();
    public final ObjectProperty<Path> initrd = new SimpleObjectProperty<>();
    public final StringProperty kernelArgs = new SimpleStringProperty("console=ttyS0 console=tty0");
    public final ObjectProperty<OsEntry> os = new SimpleObjectProperty<>();
    /** How the OS was recognised, or why it was not. */
    public final StringProperty detection = new SimpleStringProperty("");
    public final LongProperty memoryMiB = new SimpleLongProperty(1024);
    public final IntegerProperty cpus = new SimpleIntegerProperty(1);
    public final ObjectProperty<StorageChoice> storage = new SimpleObjectProperty<>(StorageChoice.NEW);
    public final ObjectProperty<Path> diskFolder = new SimpleObjectProperty<>();
    public final LongProperty diskSizeGiB = new SimpleLongProperty(20);
    public final StringProperty diskFormat = new SimpleStringProperty("qcow2");
    public final ObjectProperty<Path> existingDisk = new SimpleObjectProperty<>();
    public final StringProperty name = new SimpleStringProperty("");
    /** "user": a {@link #NIC_MODEL} card on the user-mode NAT network; "none": no card. */
    public final StringProperty network = new SimpleStringProperty("user");
    /** The card a new machine gets: the first emulated model (virtio-net). */
    public static final String NIC_MODEL = VmDefinition.Nic.MODELS.getFirst();
    public final BooleanProperty customize = new SimpleBooleanProperty(false);
    /** Whether the user typed a name (then an OS change no longer renames the machine). */
    boolean nameEdited;

    public NewVmModel(WizardContext context) {
        this.context = context;
        diskFolder.set(context.imageFolder());
        diskFormat.set(context.imageFormat());
        source.addListener((o, a, b) -> storage.set(b == Source.IMPORT ? StorageChoice.NONE : StorageChoice.NEW));
        os.addListener((o, a, b) -> applyRecommendations(b));
    }

    public WizardContext context() {
        return context;
    }

    /** The medium OS detection looks at for the chosen source. */
    public Path medium() {
        return switch (source.get()) {
            case ISO -> iso.get();
            case IMPORT -> null;
            case KERNEL -> kernel.get();
        };
    }

    /** Memory, CPUs and disk size as the OS recommends, within what the host allows; the name follows the OS. */
    void applyRecommendations(OsEntry e) {
        if (e == null) {
            return;
        }
        long rec = e.recommendedRam() > 0 ? e.recommendedRam() >> 20 : 1024;
        memoryMiB.set(Math.min(Math.max(rec, 64), context.host().maxMemoryMiB()));
        cpus.set(Math.max(1, Math.min(e.recommendedCpus() > 0 ? e.recommendedCpus() : 1, context.host().maxCpus())));
        if (e.recommendedStorage() > 0) {
            diskSizeGiB.set(Math.max(1, (e.recommendedStorage() + GIB - 1) / GIB));
        }
        if (!nameEdited) {
            try {
                name.set(context.operations().unusedName(e.name()));
            } catch (IOException ex) {
                name.set(e.name());
            }
        }
    }

    // ------------------------------------------------------------------ rules (message or null)

    public String sourceProblem() {
        return switch (source.get()) {
            case ISO -> fileProblem(iso.get(), "Choose an ISO image (or a CD image).");
            case IMPORT -> {
                String p = fileProblem(importDisk.get(), "Choose the disk image to import.");
                if (p != null) {
                    yield p;
                }
                try {
                    DiskImages.open(importDisk.get(), true).close();
                    yield null;
                } catch (IOException | RuntimeException e) {
                    yield "VirtFX cannot open " + importDisk.get().getFileName() + ": " + e.getMessage();
                }
            }
            case KERNEL -> {
                String p = fileProblem(kernel.get(), "Choose the kernel to boot.");
                if (p != null) {
                    yield p;
                }
                try {
                    KernelImage.detect(kernel.get());
                } catch (IOException e) {
                    yield e.getMessage();
                }
                yield initrd.get() == null ? null : fileProblem(initrd.get(), null);
            }
        };
    }

    /** A warning about the medium (e.g. a file that is not an ISO 9660 image), or null. */
    public String sourceWarning() {
        if (source.get() == Source.ISO && iso.get() != null && Files.isRegularFile(iso.get()) && !IsoImage.looksLikeIso(iso.get())) {
            return iso.get().getFileName() + " does not look like an ISO 9660 image; the firmware may not boot it.";
        }
        return null;
    }

    private static String fileProblem(Path p, String whenEmpty) {
        if (p == null) {
            return whenEmpty;
        }
        if (!Files.isRegularFile(p)) {
            return "No such file: " + p;
        }
        if (!Files.isReadable(p)) {
            return "Cannot read " + p;
        }
        return null;
    }

    public String osProblem() {
        return os.get() == null ? "Choose the operating system (type part of its name to search)." : null;
    }

    public String memoryProblem() {
        long max = context.host().maxMemoryMiB();
        if (memoryMiB.get() < 16) {
            return "A machine needs at least 16 MiB of memory.";
        }
        if (memoryMiB.get() > max) {
            return "At most " + max + " MiB: this host has " + context.host().totalMemoryMiB() + " MiB and keeps "
                    + org.virtfx.wizards.HostLimits.HOST_RESERVE_MIB + " MiB for itself.";
        }
        return null;
    }

    public String memoryWarning() {
        OsEntry e = os.get();
        if (e != null && e.minimumRam() > 0 && memoryMiB.get() < e.minimumRam() >> 20) {
            return e.name() + " needs at least " + (e.minimumRam() >> 20) + " MiB.";
        }
        if (memoryMiB.get() > context.host().freeMemoryMiB()) {
            return "Only " + context.host().freeMemoryMiB() + " MiB of the host's memory is free now; the host may swap.";
        }
        return null;
    }

    public String cpusProblem() {
        int max = context.host().maxCpus();
        return cpus.get() < 1 || cpus.get() > max ? "From 1 to " + max + " CPUs: this host has " + context.host().cpus()
                + " hardware threads and each virtual CPU runs on one." : null;
    }

    public String storageProblem() {
        return switch (storage.get()) {
            case NONE -> null;
            case EXISTING -> {
                String p = fileProblem(existingDisk.get(), "Choose the disk image to use.");
                if (p != null) {
                    yield p;
                }
                try {
                    DiskImages.open(existingDisk.get(), true).close();
                    yield null;
                } catch (IOException | RuntimeException e) {
                    yield "VirtFX cannot open " + existingDisk.get().getFileName() + ": " + e.getMessage();
                }
            }
            case NEW -> {
                if (diskFolder.get() == null) {
                    yield "Choose the folder for the new disk.";
                }
                if (Files.exists(diskFolder.get()) && !Files.isDirectory(diskFolder.get())) {
                    yield diskFolder.get() + " is a file, not a folder.";
                }
                if (diskSizeGiB.get() < 1 || diskSizeGiB.get() > 64 * 1024) {
                    yield "The disk size must be from 1 to 65536 GiB.";
                }
                yield null;
            }
        };
    }

    public String storageWarning() {
        if (storage.get() != StorageChoice.NEW || storageProblem() != null) {
            return null;
        }
        OsEntry e = os.get();
        long size = diskSizeGiB.get() * GIB;
        if (e != null && e.recommendedStorage() > 0 && size < e.recommendedStorage()) {
            return e.name() + " recommends at least " + VmOperations.size(e.recommendedStorage()) + " of disk.";
        }
        long free = freeSpace();
        if (free >= 0 && free < size) {
            return "Only " + VmOperations.size(free) + " is free there: the disk starts small but can grow to "
                    + VmOperations.size(size) + ".";
        }
        return null;
    }

    /** Usable bytes on the file system the new disk goes to (its nearest existing folder), or -1. */
    public long freeSpace() {
        Path p = diskFolder.get();
        while (p != null && !Files.exists(p)) {
            p = p.toAbsolutePath().getParent();
        }
        if (p == null) {
            return -1;
        }
        try {
            FileStore store = Files.getFileStore(p);
            return store.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    public String nameProblem() {
        try {
            return context.operations().nameProblem(name.get()).orElse(null);
        } catch (IOException e) {
            return "Cannot read the library: " + e.getMessage();
        }
    }

    /** Where the new disk will go (a free name in the chosen folder), or null when no new disk is made. */
    public Path plannedDiskFile() {
        if (storage.get() != StorageChoice.NEW || diskFolder.get() == null || name.get() == null || name.get().isBlank()) {
            return null;
        }
        return VmOperations.unusedImagePath(diskFolder.get(), name.get(), diskFormat.get(), List.of());
    }

    /** The first problem of the whole wizard, or null when Finish may run. */
    public String firstProblem() {
        for (String p : new String[] {sourceProblem(), osProblem(), memoryProblem(), cpusProblem(), storageProblem(), nameProblem()}) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ result

    /** The definition Finish saves (without the new disk, which {@link VmOperations#create} adds). */
    public VmDefinition definition() throws IOException {
        VmDefinition d = VmDefinition.create(name.get(), os.get() == null ? "" : os.get().shortId(), memoryMiB.get(), cpus.get());
        List<String> disks = new ArrayList<>();
        switch (source.get()) {
            case ISO -> d = d.withCdrom(iso.get().toAbsolutePath().toString());
            case IMPORT -> disks.add(importDisk.get().toAbsolutePath().toString());
            case KERNEL -> d = d.withBoot(null, kernel.get().toAbsolutePath().toString(),
                    initrd.get() == null ? null : initrd.get().toAbsolutePath().toString(), kernelArgs.get());
        }
        if (storage.get() == StorageChoice.EXISTING) {
            disks.add(existingDisk.get().toAbsolutePath().toString());
        }
        d = d.withDisks(disks);
        if ("user".equals(network.get())) {
            d = d.withNics(List.of(new VmDefinition.Nic(NIC_MODEL, MacAddresses.random(context.operations().macsInUse()), "user")));
        }
        return d;
    }

    public Optional<VmOperations.NewDisk> newDisk() {
        Path f = plannedDiskFile();
        return f == null ? Optional.empty() : Optional.of(new VmOperations.NewDisk(f, diskFormat.get(), diskSizeGiB.get() * GIB));
    }
}
