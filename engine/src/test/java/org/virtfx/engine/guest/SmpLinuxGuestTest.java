package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.platform.PcBoardFactory;

/**
 * Two vCPUs: a directly booted i386 Linux finds both through the board's ACPI MADT, starts the AP with INIT/SIPI
 * through the local APICs and routes its timer through the I/O APIC; after the guest's {@code reboot} (a platform
 * reset that puts the AP back into wait-for-SIPI) the second boot brings both CPUs up again.
 */
@Tag("guest")
class SmpLinuxGuestTest {
    private static final long BOOT_TIMEOUT = 600;
    private static final String BOTH_ONLINE = "smp: Brought up 1 node, 2 CPUs";

    @Test
    void i386GuestBringsUpBothCpusAgainAfterReboot() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.I386)), "run 'virtfx guests fetch' first");
        MachineConfig config = new MachineConfig("smp-linux-guest-test", 256 * MachineConfig.MIB, 2, null,
                GuestFixtures.kernel(GuestFixtures.Arch.I386), GuestFixtures.initramfs(GuestFixtures.Arch.I386),
                "console=ttyS0 " + GuestFixtures.FAST_BOOT_ARGS, null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH);
        try (Machine m = new Machine(config, new PcBoardFactory())) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect("IOAPIC\\[0\\]: apic_id 0", BOOT_TIMEOUT);
            console.expect(BOTH_ONLINE, BOOT_TIMEOUT);
            console.expect(GuestFixtures.MARKER, BOOT_TIMEOUT);
            console.expect("virtfx# ", 60);
            assertEquals("2", onlineCpus(console), "CPUs the guest sees");

            console.type("reboot");
            console.expect(BOTH_ONLINE, BOOT_TIMEOUT);
            console.expect(GuestFixtures.MARKER, BOOT_TIMEOUT);
            console.expect("virtfx# ", 60);
            assertEquals("2", onlineCpus(console), "CPUs the guest sees after the reboot");

            console.type("poweroff");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (m.state() != MachineState.SHUT_OFF && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals(MachineState.SHUT_OFF, m.state(), console.tail(2000));
        }
    }

    /**
     * Debian's amd64 kernel: the AP's trampoline goes from real mode through protected mode into long mode, and the
     * 64-bit userland prints the marker with both CPUs online.
     */
    @Test
    void amd64GuestBringsUpBothCpus(@TempDir Path dir) throws Exception {
        Path kernel = GuestFixtures.kernel(GuestFixtures.Arch.AMD64);
        assumeTrue(GuestFixtures.present(kernel), "run 'virtfx guests fetch' first");
        Path serial = dir.resolve("serial.txt");
        int status = Main.execute("run", "--kernel", kernel.toString(), "--initrd",
                GuestFixtures.initramfs(GuestFixtures.Arch.AMD64).toString(), "--append",
                "console=ttyS0 " + GuestFixtures.FAST_BOOT_ARGS, "-m", "256M", "--cpus", "2", "--serial",
                "file:" + serial, "--expect-serial", GuestFixtures.MARKER, "--timeout", "900");
        String out = Files.readString(serial);
        assertEquals(0, status, out);
        assertTrue(out.contains(BOTH_ONLINE), out);
    }

    /**
     * The same amd64 guest through the firmware: SeaBIOS starts the AP once to count it (and leaves it halted), GRUB
     * loads the kernel from the CD-ROM, and Linux brings the AP up again with its own INIT/SIPI.
     */
    @Test
    void amd64GuestFromTheGrubIsoThroughSeabiosBringsUpBothCpus(@TempDir Path dir) throws Exception {
        Path iso = GuestFixtures.grubIso(GuestFixtures.Arch.AMD64);
        assumeTrue(GuestFixtures.present(iso) && GuestFixtures.present(GuestFixtures.seabios()),
                "run 'virtfx guests fetch' first");
        Path serial = dir.resolve("serial.txt");
        int status = Main.execute("run", "--bios", GuestFixtures.seabios().toString(), "--cdrom", iso.toString(),
                "-m", "256M", "--cpus", "2", "--serial", "file:" + serial, "--expect-serial", GuestFixtures.MARKER,
                "--timeout", "900");
        String out = Files.readString(serial, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(0, status, out);
        assertTrue(out.contains(BOTH_ONLINE), out);
    }

    /** Processors in /proc/cpuinfo. */
    private static String onlineCpus(GuestConsole console) throws InterruptedException {
        return console.value("grep -c ^processor /proc/cpuinfo", 60);
    }
}
