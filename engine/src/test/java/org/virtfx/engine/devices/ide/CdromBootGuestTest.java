package org.virtfx.engine.devices.ide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.guests.GuestFixtures;

/** SeaBIOS boots the GRUB fixture ISO from the ATAPI CD-ROM (El Torito through the IDE controller). */
@Tag("guest")
class CdromBootGuestTest {
    @TempDir
    Path dir;

    @Test
    void seabiosBootsGrubFromTheCdrom() {
        Path iso = GuestFixtures.grubIso(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(iso), "GRUB ISO fixture missing (virtfx guests fetch)");
        assumeTrue(GuestFixtures.present(GuestFixtures.seabios()), "SeaBIOS missing");
        int rc = Main.execute("run", "--cdrom", iso.toString(), "-m", "64M", "--cpus", "2", "--serial", "file:" + dir.resolve("serial.log"),
                "--expect-serial", "GNU GRUB", "--timeout", "180");
        assertEquals(0, rc, "GRUB's menu should appear on the serial console");
    }
}
