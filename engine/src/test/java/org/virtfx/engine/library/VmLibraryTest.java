package org.virtfx.engine.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;

class VmLibraryTest {
    @TempDir
    Path dir;

    private VmDefinition sample(String name) {
        return VmDefinition.create(name, "debian12", 768, 2)
                .withBoot(null, "/k/vmlinuz", "/k/initrd", "console=ttyS0")
                .withCdrom("/isos/debian.iso")
                .withDisks(List.of("/img/a.qcow2", "/img/b.raw"));
    }

    @Test
    void savedDefinitionReadsBackEqual() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        Path f = lib.create(sample("Web server"));
        assertEquals(dir.resolve("Web server.json"), f);
        List<LibraryEntry> all = lib.list();
        assertEquals(1, all.size());
        assertEquals(sample("Web server"), all.get(0).definition());
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.UTF_8).contains("\"formatVersion\" : 1"));
    }

    @Test
    void noTemporaryFileIsLeftBehind() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(sample("a"));
        lib.update("a", sample("a").withMemoryMiB(1024));
        try (var s = Files.list(dir)) {
            assertEquals(List.of("a.json"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(1024, lib.find("a").orElseThrow().memoryMiB());
    }

    @Test
    void renameMovesTheFile() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(sample("old"));
        lib.update("old", sample("new/name"));
        assertFalse(Files.exists(dir.resolve("old.json")));
        assertTrue(Files.exists(dir.resolve("new_name.json")));
        assertEquals("new/name", lib.list().get(0).definition().name());
    }

    @Test
    void duplicateNamesAreRefused() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(sample("x"));
        IOException e = assertThrows(IOException.class, () -> lib.create(sample("x")));
        assertTrue(e.getMessage().contains("'x' already exists"), e.getMessage());
    }

    @Test
    void brokenAndUnknownVersionFilesAreListedAndLeftByteIdentical() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(sample("good"));
        byte[] garbage = "{\"formatVersion\": 1, \"name\": \"half\", \"memoryMiB\": ".getBytes(StandardCharsets.UTF_8);
        byte[] future = "{\"formatVersion\": 99, \"name\": \"future\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] missing = "{\"formatVersion\": 1, \"memoryMiB\": 5, \"cpus\": 1}".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("half.json"), garbage);
        Files.write(dir.resolve("future.json"), future);
        Files.write(dir.resolve("noname.json"), missing);
        List<LibraryEntry> all = lib.list();
        assertEquals(4, all.size());
        LibraryEntry half = all.stream().filter(e -> e.displayName().equals("half")).findFirst().orElseThrow();
        assertTrue(half.broken());
        assertTrue(half.error().contains("half.json"), half.error());
        LibraryEntry fut = all.stream().filter(e -> e.displayName().equals("future")).findFirst().orElseThrow();
        assertTrue(fut.error().contains("format version 99"), fut.error());
        LibraryEntry noname = all.stream().filter(e -> e.displayName().equals("noname")).findFirst().orElseThrow();
        assertTrue(noname.broken(), "a definition without a name is broken");
        assertThrows(IOException.class, () -> lib.update("future", sample("future")));
        assertArrayEquals(garbage, Files.readAllBytes(dir.resolve("half.json")));
        assertArrayEquals(future, Files.readAllBytes(dir.resolve("future.json")));
        assertArrayEquals(missing, Files.readAllBytes(dir.resolve("noname.json")));
    }

    @Test
    void aCardModelTheEngineDoesNotEmulateMakesTheDefinitionBrokenNamingTheModel() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(sample("old").withNics(List.of(new VmDefinition.Nic("e1000", "52:54:00:12:34:56", "user"))));
        Path file = dir.resolve("old.json");
        byte[] stored = Files.readString(file).replace("\"e1000\"", "\"rtl8139\"").getBytes(StandardCharsets.UTF_8);
        Files.write(file, stored);
        LibraryEntry entry = lib.list().getFirst();
        assertTrue(entry.broken());
        assertEquals(file + ": network card model 'rtl8139' is not emulated by VirtFX (it has virtio-net and e1000)",
                entry.error());
        assertArrayEquals(stored, Files.readAllBytes(file), "a broken file is left as it was");
    }

    @Test
    void theModelsADefinitionOffersAreTheCardsTheBoardPlugs() {
        assertEquals(java.util.Set.copyOf(org.virtfx.engine.platform.NetworkCards.models()), java.util.Set.copyOf(VmDefinition.Nic.MODELS));
    }

    @Test
    void convertsToMachineConfig() {
        MachineConfig c = sample("m").toMachineConfig();
        assertEquals(768L << 20, c.memoryBytes());
        assertEquals(2, c.cpus());
        assertEquals(Path.of("/k/vmlinuz"), c.kernel());
        assertEquals(Path.of("/isos/debian.iso"), c.cdrom());
        assertEquals(List.of(Path.of("/img/a.qcow2"), Path.of("/img/b.raw")), c.disks());
        assertNull(c.bios());
        assertThrows(IllegalArgumentException.class, () -> sample("m").withMemoryMiB(0).toMachineConfig());
        assertEquals(List.of(), c.nics());
        MachineConfig networked = sample("m").withNics(List.of(new VmDefinition.Nic("virtio-net", "52:54:00:AB:CD:EF", "user"),
                new VmDefinition.Nic("e1000", "52:54:00:00:00:02", "none"))).toMachineConfig();
        assertEquals(List.of(new NicConfig("virtio-net", "52:54:00:ab:cd:ef", NicConfig.USER),
                new NicConfig("e1000", "52:54:00:00:00:02", NicConfig.NONE)), networked.nics());
    }

    @Test
    void serialPortsWithALogFileBecomeSerialOutputs() {
        assertEquals(List.of(), sample("m").toMachineConfig().serialOutputs());
        MachineConfig c = sample("m").withSerialPorts(List.of(new VmDefinition.SerialPort(2, "/logs/com2.log"),
                new VmDefinition.SerialPort(3, null), new VmDefinition.SerialPort(4, "/logs/com4.log"))).toMachineConfig();
        assertEquals(List.of(new org.virtfx.engine.machine.SerialOutput(2, Path.of("/logs/com2.log")),
                new org.virtfx.engine.machine.SerialOutput(4, Path.of("/logs/com4.log"))), c.serialOutputs(),
                "an unconnected port (no log file) needs nothing from the machine");
    }

    @Test
    void deleteRemovesOnlyTheDefinition() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(sample("a"));
        lib.delete("a");
        assertTrue(lib.list().isEmpty());
        assertThrows(IOException.class, () -> lib.delete("a"));
    }

    @Test
    void demoMachineIsCreatedOnlyInAnEmptyLibrary() throws IOException {
        VmLibrary lib = new VmLibrary(dir);
        boolean fixtures = DemoMachine.fromFixtures().isPresent();
        assertEquals(fixtures, DemoMachine.createIfEmpty(lib));
        if (fixtures) {
            VmDefinition demo = lib.find(DemoMachine.NAME).orElseThrow();
            assertTrue(demo.kernel() != null || demo.cdrom() != null);
            assertEquals(1, demo.nics().size(), "the demo guest has a network");
            assertEquals("virtio-net", demo.nics().getFirst().model());
            assertEquals("user", demo.nics().getFirst().network());
            assertFalse(DemoMachine.createIfEmpty(lib), "a second call must not add another demo");
        }
    }
}
