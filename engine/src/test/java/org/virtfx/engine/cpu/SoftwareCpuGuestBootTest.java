package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.guests.GuestFixtures;

/** Real unmodified guests on the software CPU, through `virtfx run` on the PC board. */
@Tag("guest")
class SoftwareCpuGuestBootTest {
    @Test
    void seabiosReachesTheBootDevices() {
        Path bios = Path.of("/usr/share/seabios/bios-256k.bin");
        Assumptions.assumeTrue(Files.exists(bios), "SeaBIOS not installed");
        int status = Main.execute("run", "--bios", bios.toString(), "-m", "64", "--expect-serial", "Booting from",
                "--timeout", "120");
        assertEquals(0, status);
    }

    @Test
    void memtestRunsItsPaePatternTests() {
        Path memtest = GuestFixtures.memtest(GuestFixtures.Arch.I386);
        Assumptions.assumeTrue(Files.exists(memtest), "memtest86+ fixture missing: " + memtest);
        // test #3 is reached only after the address tests ran through memtest's PAE page tables
        int status = Main.execute("run", "--kernel", memtest.toString(), "--append", "console=ttyS0,115200", "-m",
                "64", "--expect-serial", "#3 +\\[Moving inversions", "--timeout", "180");
        assertEquals(0, status);
    }
}
