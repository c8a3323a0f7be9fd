package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.engine.platform.RecordingCpu;
import picocli.CommandLine;

/** `virtfx run` errors that come from the PC board, reported with exit status 1 and the file's name. */
class RunCommandBoardTest {
    @TempDir
    Path tmp;

    private int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new RunCommand(new PcBoardFactory(RecordingCpu::new)));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void firmwareOfTheWrongSizeIsNamed() throws Exception {
        Path bios = Files.write(tmp.resolve("short.rom"), new byte[1000]);
        StringWriter err = new StringWriter();
        assertEquals(ExitStatus.BAD_INPUT, run(err, "--bios", bios.toString(), "--timeout", "5"));
        assertTrue(err.toString().contains(bios.toString()) && err.toString().contains("64 KiB"), err.toString());
    }

    @Test
    void nonKernelFileIsRefused() throws Exception {
        Path kernel = Files.write(tmp.resolve("notes.txt"), "hello".getBytes());
        StringWriter err = new StringWriter();
        assertEquals(ExitStatus.BAD_INPUT, run(err, "--kernel", kernel.toString()));
        assertTrue(err.toString().contains("not a Linux kernel: " + kernel), err.toString());
    }
}
