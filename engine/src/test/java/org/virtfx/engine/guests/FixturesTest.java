package org.virtfx.engine.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FixturesTest {
    @Test
    void cpioArchivesUnpackWithTheSystemCpio(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cpio")) || Files.isExecutable(Path.of("/bin/cpio")), "cpio not installed");
        Path archive = dir.resolve("a.cpio");
        try (Cpio c = new Cpio(Files.newOutputStream(archive))) {
            c.directory("etc", 0755);
            c.file("etc/motd", 0644, "hi\n".getBytes(StandardCharsets.UTF_8));
            c.file("odd", 0600, new byte[5]);
            c.symlink("link", "etc/motd");
        }
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Process p = new ProcessBuilder("sh", "-c", "cpio -id --quiet < " + archive).directory(out.toFile())
                .redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), msg);
        assertEquals("hi\n", Files.readString(out.resolve("etc/motd")));
        assertEquals(5, Files.size(out.resolve("odd")));
        assertEquals(Path.of("etc/motd"), Files.readSymbolicLink(out.resolve("link")));
    }

    @Test
    void moduleDependenciesComeFromModinfo() {
        byte[] ko = "\0\0license=GPL\0depends=libata,scsi_mod\0vermagic=6.1\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of("libata", "scsi_mod"), FixtureFetcher.modinfoDepends(ko));
        assertEquals(List.of(), FixtureFetcher.modinfoDepends("\0depends=\0".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    @Tag("guest")
    void fetchedInitramfsHasInitModulesAndTheMarker() throws Exception {
        for (GuestFixtures.Arch arch : GuestFixtures.Arch.values()) {
            Path initramfs = GuestFixtures.initramfs(arch);
            assumeTrue(GuestFixtures.present(initramfs), "run 'virtfx guests fetch' first");
            byte[] data = Files.readAllBytes(initramfs);
            assertTrue(new String(data, 0, 6, StandardCharsets.US_ASCII).equals("070701"), "an uncompressed newc cpio");
            String s = new String(data, StandardCharsets.ISO_8859_1);
            assertTrue(s.contains("init\0"), arch + ": /init");
            assertTrue(s.contains("bin/busybox\0"), arch + ": busybox");
            assertTrue(s.contains(GuestFixtures.MARKER), arch + ": marker");
            assertTrue(s.contains("ata_piix.ko\0"), arch + ": IDE driver module");
            assertTrue(s.contains("virtio_blk.ko\0"), arch + ": virtio module");
            assertTrue(s.contains("virtio_net.ko\0"), arch + ": virtio network driver");
            assertTrue(s.contains("usr/share/udhcpc/default.script\0"), arch + ": udhcpc configures the lease");
            assertTrue(s.contains("etc/udhcpc/default.script\0"), arch + ": where Debian's udhcpc looks");
            assertTrue(GuestFixtures.present(GuestFixtures.grubIso(arch)));
            assertTrue(GuestFixtures.present(GuestFixtures.kernel(arch)));
        }
    }
}
