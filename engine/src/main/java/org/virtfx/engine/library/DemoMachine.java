package org.virtfx.engine.library;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsDetector;

/**
 * The machine the library starts with, so that a first run shows something that works at once: the guest fixtures'
 * Linux kernel and busybox initramfs booted directly, or their GRUB ISO when only that is there. It has a virtio-net
 * card on the user-mode NAT network, so the guest can reach the host (10.0.2.2) out of the box.
 */
public final class DemoMachine {
    public static final String NAME = "Demo Linux";

    private DemoMachine() {
    }

    /** The demo definition if the fixtures are present (i386 preferred: it needs the fewest CPU features). */
    public static Optional<VmDefinition> fromFixtures() {
        for (GuestFixtures.Arch arch : List.of(GuestFixtures.Arch.I386, GuestFixtures.Arch.AMD64)) {
            if (GuestFixtures.present(GuestFixtures.kernel(arch)) && GuestFixtures.present(GuestFixtures.initramfs(arch))) {
                return Optional.of(VmDefinition.create(NAME, detectOs(GuestFixtures.kernel(arch)), 256, 1)
                        .withBoot(null, GuestFixtures.kernel(arch).toString(), GuestFixtures.initramfs(arch).toString(),
                                "console=ttyS0 console=tty0 " + GuestFixtures.FAST_BOOT_ARGS)
                        .withNotes("Debian " + arch.dir() + " kernel with a busybox initramfs from the guest fixtures.")
                        .withNics(natCard()));
            }
            if (GuestFixtures.present(GuestFixtures.grubIso(arch))) {
                return Optional.of(VmDefinition.create(NAME, detectOs(GuestFixtures.grubIso(arch)), 256, 1)
                        .withCdrom(GuestFixtures.grubIso(arch).toString())
                        .withNotes("GRUB ISO from the guest fixtures, booting a Debian " + arch.dir() + " kernel.")
                        .withNics(natCard()));
            }
        }
        return Optional.empty();
    }

    /** One virtio-net card on the user-mode network; the demo is made only in an empty library, so any address is free. */
    private static List<VmDefinition.Nic> natCard() {
        return List.of(new VmDefinition.Nic(VmDefinition.Nic.MODELS.getFirst(), MacAddresses.random(List.of()), "user"));
    }

    /** The OS short id the New VM wizard would detect for {@code medium} ("linux" when nothing more is known). */
    private static String detectOs(java.nio.file.Path medium) {
        try {
            return new OsDetector(OsCatalog.bundled()).detect(medium).map(d -> d.os().shortId()).orElse("linux");
        } catch (IOException e) {
            return "linux";
        }
    }

    /** Creates the demo machine when the library holds no file at all; returns whether it did. */
    public static boolean createIfEmpty(VmLibrary library) throws IOException {
        if (!library.list().isEmpty()) {
            return false;
        }
        Optional<VmDefinition> demo = fromFixtures();
        if (demo.isEmpty()) {
            return false;
        }
        library.create(demo.get());
        return true;
    }
}
