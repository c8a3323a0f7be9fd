package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.guests.GuestFixtures;

/**
 * {@code --bios} with {@code --kernel}: Debian's SeaBIOS runs QEMU's linuxboot_dma option ROM, which loads the kernel,
 * initrd and command line from fw_cfg and starts the kernel's real-mode setup, as with {@code qemu -kernel}.
 */
@Tag("guest")
class FirmwareKernelBootGuestTest {
    @TempDir
    Path dir;

    @Test
    void seabiosBootsTheKernelFromFwCfg() throws Exception {
        Path kernel = GuestFixtures.kernel(GuestFixtures.Arch.I386);
        Path initrd = GuestFixtures.initramfs(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(kernel) && GuestFixtures.present(initrd)
                && GuestFixtures.present(GuestFixtures.seabios()), "run 'virtfx guests fetch' first");
        assumeTrue(Files.isReadable(FirmwareLinuxBoot.LINUXBOOT_ROM), "QEMU's linuxboot_dma.bin (qemu-system-data) missing");
        Path serial = dir.resolve("serial.log");
        String append = "console=ttyS0 virtfx.fwcfg-boot " + GuestFixtures.FAST_BOOT_ARGS;
        int rc = Main.execute("run", "--bios", GuestFixtures.seabios().toString(), "--kernel", kernel.toString(),
                "--initrd", initrd.toString(), "--append", append, "-m", "256M", "--serial", "file:" + serial,
                "--expect-serial", "Freeing initrd memory", "--timeout", "600");
        String log = Files.exists(serial) ? Files.readString(serial) : "";
        assertEquals(0, rc, "the kernel should unpack its initrd; serial output:\n" + log);
        assertTrue(log.contains("Booting from ROM"), "SeaBIOS booted the linuxboot option ROM first:\n" + log);
        assertTrue(log.contains("Kernel command line: " + append), "command line from fw_cfg:\n" + log);
        assertTrue(log.contains("INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2"), "SeaBIOS's MADT has the IRQ0 override");
    }
}
