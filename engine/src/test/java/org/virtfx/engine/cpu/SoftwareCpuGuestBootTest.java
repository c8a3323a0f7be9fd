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
        // ia32 build: the address tests run through memtest's PAE page tables
        assertMemtestTestsWithoutErrors(GuestFixtures.Arch.I386);
    }

    @Test
    void memtestX64RunsItsPatternTestsInLongMode() {
        // x64 build: 64-bit mode with 4-level paging
        assertMemtestTestsWithoutErrors(GuestFixtures.Arch.AMD64);
    }

    /**
     * Test #3 or later on memtest86+'s screen with its error count still 0: a minute or more of pattern tests after
     * the address tests, all of which compare what they wrote with what they read back. Both conditions must hold on
     * the same screen (VGA text mode, read from video memory), in whatever order memtest lays them out.
     */
    private static final String MEMTEST_TESTING_WITHOUT_ERRORS =
            "(?s)^(?=.*Test #\\s*([3-9]|1[0-9]) +\\[)(?=.*Errors: +0\\b)";

    /**
     * Booted as QEMU boots {@code -kernel}: SeaBIOS and its VGA BIOS set up the 80x25 text mode that memtest writes
     * to (a direct boot has no VGA BIOS, so nothing would be shown), then load memtest's Linux boot image.
     */
    private static void assertMemtestTestsWithoutErrors(GuestFixtures.Arch arch) {
        Path memtest = GuestFixtures.memtest(arch);
        Assumptions.assumeTrue(Files.exists(memtest), "memtest86+ fixture missing: " + memtest);
        Assumptions.assumeTrue(GuestFixtures.present(GuestFixtures.seabios()), "run 'virtfx guests fetch' first");
        Assumptions.assumeTrue(Files.isReadable(Path.of("/usr/share/qemu/linuxboot_dma.bin")),
                "QEMU's linuxboot_dma.bin (qemu-system-data) missing");
        int status = Main.execute("run", "--bios", GuestFixtures.seabios().toString(), "--kernel", memtest.toString(),
                "--append", "console=ttyS0,115200", "-m", "64", "--serial", "none", "--expect-screen",
                MEMTEST_TESTING_WITHOUT_ERRORS, "--timeout", "240");
        assertEquals(0, status);
    }
}
