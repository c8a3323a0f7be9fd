package org.virtfx.engine.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;

class VmOperationsTest {
    @TempDir
    Path dir;

    private VmLibrary lib() {
        return new VmLibrary(dir.resolve("machines"));
    }

    /** Every file under {@code root} with its SHA-256: equal maps mean byte-identical trees. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    out.put(rel + "/", "dir");
                } else {
                    try {
                        out.put(rel, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    /** A qcow2 disk with a recognisable pattern in its first MiBs (and a hole after it). */
    private Path patternedDisk(Path file, int mib) throws IOException {
        Files.createDirectories(file.getParent());
        try (DiskImage img = DiskImages.create(file, "qcow2", CreateOptions.ofSize(64L << 20))) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            for (int m = 0; m < mib; m++) {
                b.clear();
                for (int i = 0; i < b.capacity(); i += 4) {
                    b.putInt(i, m * 1_000_003 + i);
                }
                img.write((long) m * 2 << 20, b);   // every other MiB: data, hole, data...
            }
            img.flush();
        }
        return file;
    }

    private static byte[] contents(Path image) throws IOException {
        try (DiskImage img = DiskImages.open(image, true)) {
            ByteBuffer b = ByteBuffer.allocate((int) img.size());
            img.read(0, b);
            return b.array();
        }
    }

    @Test
    void createMakesTheDiskAndSavesTheDefinitionWithIt() throws IOException {
        VmOperations ops = new VmOperations(lib());
        Path disk = dir.resolve("images/Web.qcow2");
        VmDefinition saved = ops.create(VmDefinition.create("Web", "debian12", 512, 1),
                new VmOperations.NewDisk(disk, "qcow2", 20L << 30), OperationProgress.NONE);
        assertEquals(List.of(disk.toAbsolutePath().toString()), saved.disks());
        assertEquals(saved, lib().find("Web").orElseThrow());
        try (DiskImage img = DiskImages.open(disk, true)) {
            assertEquals("qcow2", img.format().name());
            assertEquals(20L << 30, img.size());
        }
        assertTrue(Files.size(disk) < 1 << 20, "qcow2 is sparse");
        IOException dup = assertThrows(IOException.class, () -> ops.create(VmDefinition.create("Web", "", 64, 1), null, OperationProgress.NONE));
        assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());
    }

    @Test
    void cancelledCreateLeavesNoFileAndNoFolderBehind() throws IOException {
        VmOperations ops = new VmOperations(lib());
        Files.createDirectories(lib().directory());
        ops.create(VmDefinition.create("Existing", "", 64, 1), null, OperationProgress.NONE);
        Map<String, String> before = tree(dir);
        OperationProgress cancelAfterDisk = new OperationProgress() {
            boolean diskMade;

            @Override
            public void progress(long done, long total) {
                diskMade = true;
            }

            @Override
            public boolean cancelRequested() {
                return diskMade;
            }
        };
        assertThrows(CancellationException.class, () -> ops.create(VmDefinition.create("New", "", 64, 1),
                new VmOperations.NewDisk(dir.resolve("new-folder/sub/New.qcow2"), "qcow2", 1L << 30), cancelAfterDisk));
        assertEquals(before, tree(dir));
    }

    @Test
    void fullCloneCopiesEveryByteIntoAStandaloneImageWithNewMacs() throws IOException {
        VmLibrary lib = lib();
        VmOperations ops = new VmOperations(lib);
        Path disk = patternedDisk(dir.resolve("images/src.qcow2"), 3);
        lib.create(VmDefinition.create("Src", "linux", 128, 1).withDisks(List.of(disk.toString())));
        ops.addNic("Src", "e1000", "user", null);
        VmDefinition src = lib.find("Src").orElseThrow();
        List<long[]> seen = new java.util.ArrayList<>();
        VmDefinition clone = ops.cloneMachine("Src", "Copy", VmOperations.CloneMode.FULL, null, new OperationProgress() {
            @Override
            public void progress(long done, long total) {
                seen.add(new long[] {done, total});
            }
        });
        Path copy = Path.of(clone.disks().get(0));
        assertEquals(dir.resolve("images/Copy.qcow2").toAbsolutePath(), copy);
        assertArrayEquals(contents(disk), contents(copy));
        try (DiskImage img = DiskImages.open(copy, true)) {
            assertEquals(null, img.backing());
            assertEquals("qcow2", img.format().name());
        }
        assertEquals(3L << 20, seen.getLast()[1], "progress counts the data, not the holes");
        assertEquals(seen.getLast()[1], seen.getLast()[0]);
        assertEquals(1, clone.nics().size());
        assertNotEquals(src.nics().get(0).mac(), clone.nics().get(0).mac());
        assertTrue(clone.nics().get(0).mac().startsWith(MacAddresses.PREFIX));
        assertEquals(src.memoryMiB(), clone.memoryMiB());
        assertEquals(clone, lib.find("Copy").orElseThrow());
    }

    @Test
    void cancelledCloneLeavesLibraryAndDiskFolderByteIdentical() throws IOException {
        VmLibrary lib = lib();
        VmOperations ops = new VmOperations(lib);
        Path a = patternedDisk(dir.resolve("images/a.qcow2"), 10);
        Path b = patternedDisk(dir.resolve("images/b.qcow2"), 2);
        lib.create(VmDefinition.create("Src", "linux", 128, 1).withDisks(List.of(b.toString(), a.toString())));
        Map<String, String> before = tree(dir);
        OperationProgress cancelHalfway = new OperationProgress() {
            boolean cancel;

            @Override
            public void progress(long done, long total) {
                cancel = done > total / 2;   // the first disk is complete, the second partly copied
            }

            @Override
            public boolean cancelRequested() {
                return cancel;
            }
        };
        assertThrows(CancellationException.class,
                () -> ops.cloneMachine("Src", "Copy", VmOperations.CloneMode.FULL, null, cancelHalfway));
        assertEquals(before, tree(dir));
        // an interrupted worker (JavaFX Task.cancel) undoes as well
        Thread.currentThread().interrupt();
        try {
            assertThrows(Exception.class, () -> ops.cloneMachine("Src", "Copy", VmOperations.CloneMode.LINKED,
                    dir.resolve("clones"), OperationProgress.NONE));
        } finally {
            Thread.interrupted();
        }
        assertEquals(before, tree(dir));
    }

    @Test
    void linkedCloneIsAnOverlayAndItsBaseIsNeverDeleted() throws IOException {
        VmLibrary lib = lib();
        VmOperations ops = new VmOperations(lib);
        Path disk = patternedDisk(dir.resolve("images/base.qcow2"), 2);
        lib.create(VmDefinition.create("Base", "linux", 128, 1).withDisks(List.of(disk.toString())));
        VmDefinition clone = ops.cloneMachine("Base", "Linked", VmOperations.CloneMode.LINKED, dir.resolve("clones"), OperationProgress.NONE);
        Path overlay = Path.of(clone.disks().get(0));
        assertEquals(dir.resolve("clones/Linked.qcow2").toAbsolutePath(), overlay);
        try (DiskImage img = DiskImages.open(overlay, true)) {
            assertEquals(disk.toRealPath(), img.backing().file().toRealPath());
        }
        assertTrue(Files.size(overlay) < Files.size(disk), "the overlay holds no data yet");
        assertArrayEquals(contents(disk), contents(overlay));

        // the source now writes to an overlay of its own: the shared base never changes under the clone
        Path sourceOverlay = Path.of(lib.find("Base").orElseThrow().disks().get(0));
        assertEquals(dir.resolve("images/Base.qcow2").toAbsolutePath(), sourceOverlay);
        try (DiskImage img = DiskImages.open(sourceOverlay, false)) {
            assertEquals(disk.toRealPath(), img.backing().file().toRealPath());
            img.write(0, java.nio.ByteBuffer.wrap(new byte[4096]));
            img.flush();
        }
        assertArrayEquals(contents(disk), contents(overlay), "a write by the source does not reach the clone");

        List<VmOperations.Storage> storage = ops.storageOf("Base");
        assertTrue(storage.get(0).deletable(), storage.get(0).keptBecause());
        VmOperations.DeleteResult r = ops.delete("Base", List.of(sourceOverlay, disk));
        assertEquals(List.of(sourceOverlay), r.deleted());
        assertTrue(r.kept().get(disk).contains("backing file"), String.valueOf(r.kept()));
        assertTrue(Files.exists(disk));
        assertTrue(lib.find("Base").isEmpty());
        // the clone itself goes with its storage
        r = ops.delete("Linked", List.of(overlay));
        assertEquals(List.of(overlay), r.deleted());
        assertFalse(Files.exists(overlay));
        assertTrue(Files.exists(disk));
    }

    @Test
    void deleteKeepsStorageWhenNotAskedAndADiskSharedWithAnotherMachine() throws IOException {
        VmLibrary lib = lib();
        VmOperations ops = new VmOperations(lib);
        Path own = patternedDisk(dir.resolve("images/own.qcow2"), 1);
        Path shared = patternedDisk(dir.resolve("images/shared.qcow2"), 1);
        lib.create(VmDefinition.create("A", "", 64, 1).withDisks(List.of(own.toString(), shared.toString())));
        lib.create(VmDefinition.create("B", "", 64, 1).withDisks(List.of(shared.toString())));
        lib.create(VmDefinition.create("C", "", 64, 1).withDisks(List.of(own.toString())));
        ops.delete("C", List.of());
        assertTrue(Files.exists(own), "without storage selected nothing is deleted");
        VmOperations.DeleteResult r = ops.delete("A", List.of(own, shared));
        assertEquals(List.of(own), r.deleted());
        assertEquals("it is also a disk of machine 'B'", r.kept().get(shared));
        assertFalse(Files.exists(own));
        assertTrue(Files.exists(shared));
    }

    @Test
    void addHardwareAttachesDevicesAndChecksLimits() throws IOException {
        VmLibrary lib = lib();
        VmOperations ops = new VmOperations(lib);
        lib.create(VmDefinition.create("M", "", 64, 1));
        Path iso = Files.writeString(dir.resolve("x.iso"), "iso");
        ops.addNewDisk("M", new VmOperations.NewDisk(dir.resolve("img/M.qcow2"), "qcow2", 1L << 30), OperationProgress.NONE);
        Path raw = dir.resolve("img/data.img");
        DiskImages.create(raw, "raw", CreateOptions.ofSize(8 << 20)).close();
        ops.attachDisk("M", raw);
        assertThrows(IOException.class, () -> ops.attachDisk("M", raw), "the same image twice");
        ops.addCdrom("M", iso);
        assertThrows(IOException.class, () -> ops.addCdrom("M", iso));
        ops.addNic("M", "virtio-net", "user", "52:54:00:AB:CD:EF");
        assertThrows(IOException.class, () -> ops.addNic("M", "e1000", "user", "52:54:00:ab:cd:ef"), "duplicate MAC");
        assertThrows(IllegalArgumentException.class, () -> ops.addNic("M", "e1000", "user", "01:00:5e:00:00:01"), "multicast");
        ops.addSerialPort("M", 2, dir.resolve("com2.log"));
        assertThrows(IllegalArgumentException.class, () -> ops.addSerialPort("M", 2, null));
        ops.addInput("M", "tablet");
        VmDefinition m = lib.find("M").orElseThrow();
        assertEquals(2, m.disks().size());
        assertEquals(iso.toAbsolutePath().toString(), m.cdrom());
        assertEquals("52:54:00:ab:cd:ef", m.nics().get(0).mac());
        assertEquals(3, VmOperations.freeSerialPort(m).orElseThrow());
        assertEquals("tablet", m.inputs().get(0).type());
        ops.addNewDisk("M", new VmOperations.NewDisk(dir.resolve("img/M3.qcow2"), "qcow2", 1L << 30), OperationProgress.NONE);
        Map<String, String> before = tree(dir);
        IOException full = assertThrows(IOException.class, () -> ops.addNewDisk("M",
                new VmOperations.NewDisk(dir.resolve("img/M4.qcow2"), "qcow2", 1L << 30), OperationProgress.NONE));
        assertTrue(full.getMessage().contains("IDE"), full.getMessage());
        assertEquals(before, tree(dir));
    }

    @Test
    void namesAreValidatedAndNewDefinitionFieldsRoundTrip() throws IOException {
        VmLibrary lib = lib();
        VmOperations ops = new VmOperations(lib);
        assertTrue(ops.nameProblem("").isPresent());
        assertTrue(ops.nameProblem("a/b").orElseThrow().contains("'/'"));
        assertTrue(ops.nameProblem(".hidden").isPresent());
        assertTrue(ops.nameProblem("x".repeat(65)).isPresent());
        assertTrue(ops.nameProblem("Debian 12 (test)").isEmpty());
        lib.create(VmDefinition.create("Debian", "", 64, 1).withNics(List.of(new VmDefinition.Nic("e1000", "52:54:00:00:00:01", "user")))
                .withSerialPorts(List.of(new VmDefinition.SerialPort(3, "/tmp/x.log"))).withInputs(List.of(new VmDefinition.InputDevice("tablet"))));
        assertEquals("Debian (2)", ops.unusedName("Debian"));
        VmDefinition back = lib.find("Debian").orElseThrow();
        assertEquals("52:54:00:00:00:01", back.nics().get(0).mac());
        assertEquals(3, back.serialPorts().get(0).port());
        lib.create(VmDefinition.create("Plain", "", 64, 1));
        String json = Files.readString(lib.fileFor("Plain"));
        assertFalse(json.contains("nics"), "files without the new devices look as before: " + json);
    }

    @Test
    void vmCommandCreatesClonesAndDeletes() throws IOException {
        Path libDir = dir.resolve("machines");
        Path images = dir.resolve("images");
        StringBuilder out = new StringBuilder();
        assertEquals(0, run(out, "vm", "create", "--library", libDir.toString(), "-m", "256M", "--disk-size", "2G",
                "--disk-dir", images.toString(), "Cli VM"));
        assertTrue(Files.exists(images.resolve("Cli VM.qcow2")), out.toString());
        assertEquals(0, run(out, "vm", "clone", "--library", libDir.toString(), "--linked", "Cli VM", "Cli Clone"));
        assertTrue(Files.exists(images.resolve("Cli Clone.qcow2")));
        assertEquals(0, run(out, "vm", "add-disk", "--library", libDir.toString(), "--size", "1G", "--disk-dir", images.toString(), "Cli Clone"));
        assertTrue(Files.exists(images.resolve("Cli Clone-2.qcow2")));
        assertEquals(0, run(out, "vm", "delete", "--library", libDir.toString(), "--delete-storage", "Cli VM"));
        assertTrue(out.toString().contains("kept " + images.resolve("Cli VM.qcow2").toAbsolutePath() + ": it is the backing file"), out.toString());
        assertEquals(0, run(out, "vm", "delete", "--library", libDir.toString(), "--delete-storage", "Cli Clone"));
        assertFalse(Files.exists(images.resolve("Cli Clone.qcow2")));
        assertFalse(Files.exists(images.resolve("Cli Clone-2.qcow2")));
        assertEquals(1, run(out, "vm", "clone", "--library", libDir.toString(), "Nope", "X"));
    }

    private static int run(StringBuilder log, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintWriter pw = new PrintWriter(bytes, true);
        var cl = Main.commandLine();
        cl.setOut(pw);
        cl.setErr(pw);
        int rc = cl.execute(args);
        pw.flush();
        log.append(bytes);
        return rc;
    }
}
