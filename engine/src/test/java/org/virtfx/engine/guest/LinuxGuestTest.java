package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.machine.SerialOutput;
import org.virtfx.engine.platform.PcBoardFactory;

/**
 * The real thing: Debian's i386 kernel with the fixtures' busybox initramfs on the PC board and the software CPU,
 * driven over the serial console. One boot checks what a user checks first (the host's date, a disk the guest
 * formats and writes, output on the second serial port reaching its log file, reboot, poweroff), because every boot costs minutes of interpretation. SMP bring-up is
 * SmpLinuxGuestTest's (two vCPUs, reboot included).
 */
@Tag("guest")
class LinuxGuestTest {
    private static final long BOOT_TIMEOUT = 600;

    private static MachineConfig config(List<Path> disks, Path cdrom, Path bios, boolean direct, int cpus) {
        return new MachineConfig("linux-guest-test", 256 * MachineConfig.MIB, cpus, bios,
                direct ? GuestFixtures.kernel(GuestFixtures.Arch.I386) : null,
                direct ? GuestFixtures.initramfs(GuestFixtures.Arch.I386) : null,
                direct ? "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS : "", cdrom, disks, false, MachineConfig.TripleFaultAction.CRASH);
    }

    @Test
    void i386GuestDateDiskRebootAndPoweroff(@TempDir Path dir) throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.I386)), "run 'virtfx guests fetch' first");
        Path disk = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        Path com2Log = dir.resolve("com2.log");
        MachineConfig config = config(List.of(disk), null, null, true, 1)
                .withSerialOutputs(List.of(new SerialOutput(2, com2Log)));
        try (Machine m = new Machine(config, new PcBoardFactory())) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect(GuestFixtures.MARKER, BOOT_TIMEOUT);
            console.expect("virtfx# ", 60);
            String today = LocalDate.now(ZoneOffset.UTC).toString();
            assertEquals(today, console.value("date -u +%Y-%m-%d", 60), "the guest's clock follows the host's");
            assertEquals("sent", console.value("echo virtfx-com2-line > /dev/ttyS1 && echo sent", 60), console.tail(2000));
            String fs = console.value("mke2fs /dev/sda >/dev/null && mount /dev/sda /mnt && echo virtfx-disk-data > /mnt/file"
                    + " && umount /mnt && sync && echo written", 300);
            assertEquals("written", fs, console.tail(2000));
            console.type("reboot");
            console.expect(GuestFixtures.MARKER, BOOT_TIMEOUT);
            console.expect("virtfx# ", 60);
            console.type("poweroff");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (m.state() != MachineState.SHUT_OFF && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals(MachineState.SHUT_OFF, m.state(), console.tail(2000));
            assertEquals(0, m.exitCode());
        }
        assertTrue(Files.readString(com2Log, StandardCharsets.ISO_8859_1).contains("virtfx-com2-line"),
                "what the guest wrote to ttyS1 is in COM2's log file");
        byte[] image = Files.readAllBytes(disk);
        assertTrue(new String(image, StandardCharsets.ISO_8859_1).contains("virtfx-disk-data"),
                "the file the guest wrote is on the disk image after the VM exited");
    }

    @Test
    void seabiosBootsTheGrubIsoFromTheCdrom() throws Exception {
        Path iso = GuestFixtures.grubIso(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(iso) && GuestFixtures.present(GuestFixtures.seabios()), "run 'virtfx guests fetch' first");
        try (Machine m = new Machine(config(List.of(), iso, GuestFixtures.seabios(), false, 1), new PcBoardFactory())) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect("Booting from", 300);
            console.expect(GuestFixtures.MARKER, BOOT_TIMEOUT);
        }
    }
}
