package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.machine.FakeBoard;
import org.virtfx.engine.machine.MachineConfig;
import picocli.CommandLine;

/** {@code virtfx run --disk FILE[,format=FMT]}: the format reaches the machine configuration. */
class RunDiskFormatTest {
    @TempDir
    Path dir;

    private static MachineConfig config(String... args) throws Exception {
        RunCommand rc = new RunCommand(new FakeBoard.Factory(v -> { }));
        new CommandLine(rc).parseArgs(args);
        return rc.toConfig();
    }

    @Test
    void formatIsTakenFromTheDiskOption() throws Exception {
        Path a = Files.write(dir.resolve("a,b.img"), new byte[4096]);
        Path b = Files.write(dir.resolve("b.qcow2"), new byte[4096]);
        MachineConfig c = config("--disk", a + ",format=raw", "--disk", b.toString());
        assertEquals(List.of(a, b), c.disks());
        assertEquals(Arrays.asList("raw", null), c.diskFormats());
        Exception e = assertThrows(Exception.class, () -> config("--disk", a + ",format=qcow3"));
        assertTrue(e.getMessage().contains("qcow3"), e.getMessage());
        assertThrows(Exception.class, () -> config("--disk", dir.resolve("missing.img") + ",format=raw"));
    }

    @Test
    void configWithoutFormatsProbesEveryDisk() {
        MachineConfig c = new MachineConfig("m", 1 << 20, 1, null, null, null, "", null,
                List.of(Path.of("x.img"), Path.of("y.img")), false, null);
        assertEquals(Arrays.asList(null, null), c.diskFormats());
        assertThrows(IllegalArgumentException.class, () -> new MachineConfig("m", 1 << 20, 1, null, null, null, "",
                null, List.of(Path.of("x.img")), false, null, List.of("raw", "raw")));
    }
}
