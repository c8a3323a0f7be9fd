package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.machine.FakeBoard;
import picocli.CommandLine;

/** Options and exit statuses of `virtfx run`, on a scripted board (the real PC board has its own guest tests). */
class RunCommandTest {
    record Outcome(int status, String out, String err) {
    }

    private static Outcome run(Consumer<FakeBoard.FakeVcpu> guest, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        RunCommand rc = new RunCommand(new FakeBoard.Factory(guest))
                .withStreams(new ByteArrayInputStream(new byte[0]), out);
        CommandLine cl = Main.commandLine(new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> cls) throws Exception {
                return cls == RunCommand.class ? (K) rc : CommandLine.defaultFactory().create(cls);
            }
        });
        cl.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 1];
        full[0] = "run";
        System.arraycopy(args, 0, full, 1, args.length);
        int status = cl.execute(full);
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    private static final Consumer<FakeBoard.FakeVcpu> IDLE = v -> { };

    @Test
    void aFileThatIsNoKernelIsRefusedByName(@TempDir Path dir) throws Exception {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "# not a kernel\n");
        Outcome o = run(IDLE, "--kernel", readme.toString());
        assertEquals(ExitStatus.BAD_INPUT, o.status);
        assertTrue(o.err.contains("not a Linux kernel: " + readme), o.err);
    }

    @Test
    void badSizesAndCountsAreRefused() {
        Outcome zero = run(IDLE, "--memory", "0");
        assertEquals(ExitStatus.BAD_INPUT, zero.status);
        assertTrue(zero.err.contains("--memory"), zero.err);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--memory", "lots").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--memory", "1.5K").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--cpus", "0").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--cpus", "65").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--serial", "tcp:1234").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--display", "sdl").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--expect-serial", "(unclosed").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--timeout", "-1").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--disk", "/no/such/disk.qcow2").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--append", "quiet").status);
        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--no-such-option").status);
    }

    @Test
    void guestPowerOffExitsZero() {
        Outcome o = run(v -> {
            if (v.steps.get() == 3) {
                v.board.context.guestPowerOff(0);
            }
        }, "--timeout", "20");
        assertEquals(ExitStatus.OK, o.status, o.err);
    }

    @Test
    void exitDeviceStatusIsPassedThrough() {
        Outcome o = run(v -> {
            if (v.steps.get() == 3) {
                v.board.context.guestPowerOff((0x21 << 1) | 1);
            }
        }, "--timeout", "20", "--exit-device");
        assertEquals(0x43, o.status);
    }

    @Test
    void timeoutExitsTwo() {
        Outcome o = run(IDLE, "--timeout", "0.2");
        assertEquals(ExitStatus.TIMEOUT, o.status);
        assertTrue(o.err.contains("timed out"), o.err);
    }

    @Test
    void crashExitsThreeWithRegisters() {
        Outcome o = run(v -> v.tripleFault = v.steps.get() == 2, "--timeout", "20");
        assertEquals(ExitStatus.CRASHED, o.status);
        assertTrue(o.err.contains("triple fault") && o.err.contains("EIP="), o.err);
    }

    @Test
    void serialOutputReachesStdoutAndMatchesExpectation() {
        Outcome o = run(v -> {
            if (v.steps.get() == 3) {
                for (byte b : "hello\nVIRTFX-GUEST-READY\n".getBytes(StandardCharsets.US_ASCII)) {
                    v.board.context.serial(0).guestOutput(b);
                }
            }
        }, "--timeout", "20", "--expect-serial", "GUEST-READY$");
        assertEquals(ExitStatus.OK, o.status, o.err);
        assertTrue(o.out.contains("hello"), o.out);
    }

    @Test
    void serialToFile(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial.log");
        Outcome o = run(v -> {
            if (v.steps.get() == 3) {
                for (byte b : "booted\n".getBytes(StandardCharsets.US_ASCII)) {
                    v.board.context.serial(0).guestOutput(b);
                }
                v.board.context.guestPowerOff(0);
            }
        }, "--timeout", "20", "--serial", "file:" + log);
        assertEquals(ExitStatus.OK, o.status, o.err);
        assertEquals("booted\n", Files.readString(log));
        assertEquals("", o.out);
    }

    @Test
    void extraSerialPortsAppendToTheirLogFiles(@TempDir Path dir) throws Exception {
        Path com2 = dir.resolve("com2.log");
        Path com4 = dir.resolve("com4.log");
        Files.writeString(com4, "old\n");
        Outcome o = run(v -> {
            if (v.steps.get() == 3) {
                for (byte b : "to com2\n".getBytes(StandardCharsets.US_ASCII)) {
                    v.board.context.serial(1).guestOutput(b);
                }
                for (byte b : "to com4\n".getBytes(StandardCharsets.US_ASCII)) {
                    v.board.context.serial(3).guestOutput(b);
                }
                v.board.context.guestPowerOff(0);
            }
        }, "--timeout", "20", "--serial", "none", "--serial2", "file:" + com2, "--serial3", "none",
                "--serial4", "file:" + com4);
        assertEquals(ExitStatus.OK, o.status, o.err);
        assertEquals("to com2\n", Files.readString(com2));
        assertEquals("old\nto com4\n", Files.readString(com4), "a log file is appended to, not replaced");

        assertEquals(ExitStatus.BAD_INPUT, run(IDLE, "--serial3", "stdio").status);
        Outcome noFolder = run(IDLE, "--timeout", "20", "--serial2", "file:" + dir.resolve("nope/com2.log"));
        assertEquals(ExitStatus.BAD_INPUT, noFolder.status);
        assertTrue(noFolder.err.contains("COM2 log file " + dir.resolve("nope/com2.log")), noFolder.err);
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        StringWriter sw = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.getSubcommands().get("run").usage(new PrintWriter(sw));
        String help = sw.toString();
        for (String opt : new String[] {"--memory", "--cpus", "--bios", "--kernel", "--initrd", "--append", "--cdrom",
                "--disk", "--serial", "--display", "--expect-serial", "--expect-screen", "--timeout", "--screenshot",
                "--exit-device"}) {
            assertTrue(help.contains(opt), opt);
        }
        assertTrue(help.contains("Default: 512M"), help);
        assertTrue(help.contains("Default: stdio"), help);
    }

    @Test
    void sizesFollowQemuSyntax() {
        assertEquals(512L << 20, SizeParser.parse("512", 1L << 20));
        assertEquals(512L << 20, SizeParser.parse("512M", 1L << 20));
        assertEquals(2L << 30, SizeParser.parse("2G", 1L << 20));
        assertEquals(2L << 30, SizeParser.parse("2GiB", 1L << 20));
        assertEquals(1536L << 20, SizeParser.parse("1.5G", 1L << 20));
        assertEquals(4096, SizeParser.parse("4k", 1));
    }
}
