package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    /**
     * Debian's amd64 kernel by direct boot (its 32-bit entry, as QEMU uses): the decompressor switches to long mode,
     * the kernel boots, and the 64-bit busybox userland (SSE2) prints the marker and powers the machine off.
     */
    @Test
    void amd64LinuxBootsToItsUserlandAndPowersOff(@TempDir Path dir) throws Exception {
        Path kernel = GuestFixtures.kernel(GuestFixtures.Arch.AMD64);
        Assumptions.assumeTrue(GuestFixtures.present(kernel), "run 'virtfx guests fetch' first");
        Path serial = dir.resolve("serial.txt");
        int status = Main.execute("run", "--kernel", kernel.toString(), "--initrd",
                GuestFixtures.initramfs(GuestFixtures.Arch.AMD64).toString(), "--append",
                "console=ttyS0 quiet virtfx.poweroff " + GuestFixtures.FAST_BOOT_ARGS, "-m", "256", "--serial",
                "file:" + serial, "--timeout", "900");
        String out = Files.readString(serial);
        assertEquals(0, status, out);
        assertTrue(out.contains(GuestFixtures.MARKER), out);
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

    @Test
    void memtestX64RunsItsPatternTestsInLongMode() {
        Path memtest = GuestFixtures.memtest(GuestFixtures.Arch.AMD64);
        Assumptions.assumeTrue(Files.exists(memtest), "memtest86+ fixture missing: " + memtest);
        // the x64 build runs in 64-bit mode with 4-level paging; test #3 follows the address tests
        int status = Main.execute("run", "--kernel", memtest.toString(), "--append", "console=ttyS0,115200", "-m",
                "64", "--expect-serial", "#3 +\\[Moving inversions", "--timeout", "180");
        assertEquals(0, status);
    }
}
