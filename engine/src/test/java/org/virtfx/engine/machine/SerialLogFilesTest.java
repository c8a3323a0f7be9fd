package org.virtfx.engine.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerialLogFilesTest {
    @TempDir
    Path dir;

    private final SerialHub[] hubs = {new SerialHub("COM1"), new SerialHub("COM2"), new SerialHub("COM3"),
            new SerialHub("COM4")};

    private static void send(SerialHub hub, String text) {
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            hub.guestOutput(b);
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.ISO_8859_1);
    }

    @Test
    void eachPortGoesToItsFileAndRunsAppend() throws IOException {
        Path com2 = dir.resolve("com2.log");
        Path com4 = dir.resolve("com4.log");
        Files.writeString(com4, "earlier run\n");
        List<SerialOutput> outputs = List.of(new SerialOutput(2, com2), new SerialOutput(4, com4));
        try (SerialLogFiles logs = SerialLogFiles.open(outputs, i -> hubs[i], "t")) {
            assertTrue(hubs[1].connected(), "a port with a log file has its carrier up");
            assertFalse(hubs[2].connected(), "COM3 has no log file");
            send(hubs[1], "hello com2\n");
            send(hubs[3], "all bytes \u0000\u00ff\r\n");
            send(hubs[2], "nowhere");
        }
        assertEquals("hello com2\n", read(com2));
        assertEquals("earlier run\nall bytes \u0000\u00ff\r\n", read(com4));
        assertFalse(hubs[1].connected(), "closing detaches the file");

        send(hubs[1], "after close");
        try (SerialLogFiles logs = SerialLogFiles.open(List.of(new SerialOutput(2, com2)), i -> hubs[i], "t")) {
            send(hubs[1], "second run\n");
        }
        assertEquals("hello com2\nsecond run\n", read(com2));
    }

    @Test
    void outputReachesTheFileWhileRunning() throws Exception {
        Path com3 = dir.resolve("com3.log");
        try (SerialLogFiles logs = SerialLogFiles.open(List.of(new SerialOutput(3, com3)), i -> hubs[i], "t")) {
            send(hubs[2], "live line\n");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!read(com3).equals("live line\n") && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals("live line\n", read(com3), "the writer flushes without waiting for the close");
        }
    }

    @Test
    void missingFolderIsNamedAndNothingIsAttached() {
        Path good = dir.resolve("good.log");
        Path bad = dir.resolve("no-such-folder").resolve("com3.log");
        IOException e = assertThrows(IOException.class, () -> SerialLogFiles.open(
                List.of(new SerialOutput(2, good), new SerialOutput(3, bad)), i -> hubs[i], "t"));
        assertTrue(e.getMessage().contains("COM3") && e.getMessage().contains(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(hubs[1].connected(), "the port opened before the failing one is detached again");
        IOException folder = assertThrows(IOException.class,
                () -> SerialLogFiles.open(List.of(new SerialOutput(2, dir)), i -> hubs[i], "t"));
        assertTrue(folder.getMessage().contains("is a folder"), folder.getMessage());
    }

    @Test
    void machineWritesItsLogsFromStartToPowerOff() throws Exception {
        Path com2 = dir.resolve("vm-com2.log");
        MachineConfig c = MachineConfig.minimal("t", 16 * MachineConfig.MIB, 1)
                .withSerialOutputs(List.of(new SerialOutput(2, com2)));
        try (Machine m = new Machine(c, new FakeBoard.Factory(v -> { }))) {
            m.start();
            send(m.serial(1), "from the guest\n");
            m.powerOff();
            assertEquals("from the guest\n", read(com2), "power-off writes out what was buffered");
            send(m.serial(1), "while off");
            m.start();
            send(m.serial(1), "next boot\n");
        }
        assertEquals("from the guest\nnext boot\n", read(com2));
    }

    @Test
    void machineWithAnUnwritableLogDoesNotStart() {
        Path bad = dir.resolve("missing").resolve("com4.log");
        MachineConfig c = MachineConfig.minimal("t", 16 * MachineConfig.MIB, 1)
                .withSerialOutputs(List.of(new SerialOutput(4, bad)));
        FakeBoard.Factory f = new FakeBoard.Factory(v -> { });
        try (Machine m = new Machine(c, f)) {
            IOException e = assertThrows(IOException.class, m::start);
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            assertEquals(MachineState.DEFINED, m.state());
            assertEquals(null, f.last, "no board is built");
        }
    }

    @Test
    void configRejectsTwoLogsForOnePort() {
        assertThrows(IllegalArgumentException.class, () -> new SerialOutput(1, dir.resolve("x")));
        assertThrows(IllegalArgumentException.class, () -> MachineConfig.minimal("t", MachineConfig.MIB, 1)
                .withSerialOutputs(List.of(new SerialOutput(2, dir.resolve("a")), new SerialOutput(2, dir.resolve("b")))));
    }
}
