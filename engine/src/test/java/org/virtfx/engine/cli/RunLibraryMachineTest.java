package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.FakeBoard;
import org.virtfx.engine.machine.MachineConfig;
import picocli.CommandLine;

/** `virtfx run NAME`: a machine of the library, as the desktop app defined it. */
class RunLibraryMachineTest {
    private static int run(VmLibrary library, AtomicReference<MachineConfig> seen, StringWriter err, String... args) {
        FakeBoard.Factory boards = new FakeBoard.Factory(v -> v.board.context.guestPowerOff(0));
        RunCommand rc = new RunCommand((config, context) -> {
            seen.set(config);
            return boards.create(config, context);
        }).withStreams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream());
        rc.library = library;
        CommandLine cl = new CommandLine(rc);
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void runsTheStoredDefinition(@TempDir Path dir) throws Exception {
        VmLibrary lib = new VmLibrary(dir);
        lib.create(VmDefinition.create("Web server", "debian12", 384, 2));
        AtomicReference<MachineConfig> seen = new AtomicReference<>();
        StringWriter err = new StringWriter();
        assertEquals(0, run(lib, seen, err, "--timeout", "10", "Web server"), err.toString());
        assertEquals(384L << 20, seen.get().memoryBytes());
        assertEquals(2, seen.get().cpus());
        assertEquals("Web server", seen.get().name());
    }

    @Test
    void theDefinitionsSerialLogFilesAreWritten(@TempDir Path dir) throws Exception {
        VmLibrary lib = new VmLibrary(dir.resolve("machines"));
        Path log = dir.resolve("com3.log");
        lib.create(VmDefinition.create("Logger", "debian12", 64, 1).withSerialPorts(java.util.List.of(
                new VmDefinition.SerialPort(2, null), new VmDefinition.SerialPort(3, log.toString()))));
        FakeBoard.Factory boards = new FakeBoard.Factory(v -> {
            if (v.steps.get() == 2) {
                for (byte b : "via the definition\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
                    v.board.context.serial(2).guestOutput(b);
                }
                v.board.context.guestPowerOff(0);
            }
        });
        RunCommand rc = new RunCommand(boards).withStreams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream());
        rc.library = lib;
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(rc);
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute("--timeout", "20", "Logger"), err.toString());
        assertEquals("via the definition\n", Files.readString(log));
    }

    @Test
    void unknownAndBrokenMachinesAreRefusedByName(@TempDir Path dir) throws Exception {
        VmLibrary lib = new VmLibrary(dir);
        Files.writeString(dir.resolve("bad.json"), "{\"formatVersion\": 7}");
        AtomicReference<MachineConfig> seen = new AtomicReference<>();
        StringWriter err = new StringWriter();
        assertEquals(ExitStatus.BAD_INPUT, run(lib, seen, err, "nothing"));
        assertTrue(err.toString().contains("no machine called 'nothing'"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(ExitStatus.BAD_INPUT, run(lib, seen, err2, "bad"));
        assertTrue(err2.toString().contains("format version 7"), err2.toString());
        assertEquals(null, seen.get(), "nothing was started");
    }
}
