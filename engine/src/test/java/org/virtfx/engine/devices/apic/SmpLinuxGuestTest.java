package org.virtfx.engine.devices.apic;

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
 * A directly booted i386 Linux finds both vCPUs through the board's ACPI MADT, starts the AP with INIT/SIPI through
 * the local APICs, and routes its timer through the I/O APIC.
 */
@Tag("guest")
class SmpLinuxGuestTest {
    @TempDir
    Path dir;

    @Test
    void linuxBringsUpBothCpus() throws Exception {
        Path kernel = GuestFixtures.kernel(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(kernel), "i386 kernel fixture missing (virtfx guests fetch)");
        Path serial = dir.resolve("serial.log");
        int rc = Main.execute("run", "--kernel", kernel.toString(), "--append",
                "console=ttyS0 " + GuestFixtures.FAST_BOOT_ARGS, "--cpus", "2", "-m", "256M", "--serial", "file:" + serial,
                "--expect-serial", "smp: Brought up 1 node, 2 CPUs", "--timeout", "240");
        String log = Files.exists(serial) ? Files.readString(serial) : "";
        assertEquals(0, rc, "both CPUs should come online; serial output:\n" + log);
        assertTrue(log.contains("IOAPIC[0]: apic_id 0"), log);
        assertTrue(log.contains("ACPI: HPET id: 0x8086a201"), log);
    }
}
