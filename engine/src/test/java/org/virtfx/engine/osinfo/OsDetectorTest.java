package org.virtfx.engine.osinfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.boot.BadImageException;
import org.virtfx.engine.guests.GuestFixtures;

class OsDetectorTest {
    private final OsDetector detector = new OsDetector(OsCatalog.bundled());

    private static boolean haveXorriso() {
        return Files.isExecutable(Path.of("/usr/bin/xorriso"));
    }

    /** Builds an ISO with {@code volumeId} from {@code files} (path -> content) using xorriso. */
    private static Path iso(Path dir, String volumeId, String... files) throws Exception {
        Path tree = Files.createTempDirectory(dir, "tree");
        for (int i = 0; i < files.length; i += 2) {
            Path f = tree.resolve(files[i]);
            Files.createDirectories(f.getParent());
            if (files[i + 1].startsWith("@")) {
                Files.copy(Path.of(files[i + 1].substring(1)), f);
            } else {
                Files.writeString(f, files[i + 1]);
            }
        }
        Path out = Files.createTempFile(dir, "medium", ".iso");
        Files.delete(out);
        List<String> cmd = new ArrayList<>(List.of("xorriso", "-as", "mkisofs", "-quiet", "-R", "-V", volumeId, "-o",
                out.toString(), tree.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), msg);
        return out;
    }

    @Test
    void bundledCatalogueIsCompleteAndSearchable() {
        OsCatalog c = OsCatalog.bundled();
        assertTrue(c.byShortId("debian12").isPresent());
        assertEquals(2048L << 20, c.byShortId("debian12").get().recommendedRam());
        assertEquals("Debian 12", c.search("debian 12").getFirst().name());
        assertTrue(c.search("windows").size() >= 2);
        assertTrue(c.search("no such os").isEmpty());
    }

    @Test
    void volumeIdsMatchTheCatalogue(@TempDir Path dir) throws Exception {
        assumeTrue(haveXorriso(), "xorriso not installed");
        Optional<OsDetector.Detection> d = detector.detect(iso(dir, "Debian 12.8.0 amd64 n", "README.txt", "hi"));
        assertEquals("debian12", d.orElseThrow().os().shortId());
        assertEquals("x86_64", d.get().arch());
        assertTrue(d.get().evidence().contains("volume id"));
        assertEquals("ubuntu24.04", detector.detect(iso(dir, "Ubuntu 24.04.1 LTS amd64", "a", "b")).orElseThrow().os().shortId());
    }

    @Test
    void wellKnownFilesWhenTheVolumeIdSaysNothing(@TempDir Path dir) throws Exception {
        assumeTrue(haveXorriso(), "xorriso not installed");
        Path deb = iso(dir, "CDROM", ".disk/info", "Debian GNU/Linux 12.7.0 \"Bookworm\" - Official i386 NETINST with firmware");
        OsDetector.Detection d = detector.detect(deb).orElseThrow();
        assertEquals("debian12", d.os().shortId());
        assertEquals("i686", d.arch());
        Path win = iso(dir, "MYWIN", "sources/install.wim", "x");
        assertEquals("winnt", detector.detect(win).orElseThrow().os().family());
        assertTrue(detector.detect(iso(dir, "DATA", "notes.txt", "nothing bootable")).isEmpty());
    }

    @Test
    void damagedIsosAreRefusedByName(@TempDir Path dir) throws Exception {
        assumeTrue(haveXorriso(), "xorriso not installed");
        Path good = iso(dir, "X", "a/b/c.txt", "data");
        byte[] bytes = Files.readAllBytes(good);
        // Point the root directory record (PVD offset 156, LBA at +2) far past the end of the file.
        int pvd = 16 * 2048 + 156;
        bytes[pvd + 2] = (byte) 0xFF;
        bytes[pvd + 3] = (byte) 0xFF;
        bytes[pvd + 4] = (byte) 0xFF;
        bytes[pvd + 5] = (byte) 0x7F;
        Path bad = dir.resolve("bad.iso");
        Files.write(bad, bytes);
        BadImageException e = assertThrows(BadImageException.class, () -> {
            try (IsoImage iso = IsoImage.open(bad)) {
                iso.find("a/b/c.txt");
            }
        });
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        Path truncated = dir.resolve("trunc.iso");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, 16 * 2048 + 10));
        assertFalse(IsoImage.looksLikeIso(truncated) && tryOpen(truncated));
    }

    private static boolean tryOpen(Path p) {
        try (IsoImage iso = IsoImage.open(p)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    @Tag("guest")
    void fixturesAndTheDebianInstallerAreRecognised() throws Exception {
        for (GuestFixtures.Arch a : GuestFixtures.Arch.values()) {
            String arch = a == GuestFixtures.Arch.AMD64 ? "x86_64" : "i686";
            Path kernel = GuestFixtures.kernel(a);
            Path iso = GuestFixtures.grubIso(a);
            Path installer = GuestFixtures.installerKernel(a);
            assumeTrue(GuestFixtures.present(kernel) && GuestFixtures.present(iso) && GuestFixtures.present(installer),
                    "run 'virtfx guests fetch' first");
            OsDetector.Detection k = detector.detect(kernel).orElseThrow();
            assertEquals("debian12", k.os().shortId(), k.evidence());
            assertEquals(arch, k.arch());
            OsDetector.Detection i = detector.detect(iso).orElseThrow();
            assertEquals("debian12", i.os().shortId(), i.evidence());
            assertTrue(i.evidence().contains("/boot/vmlinuz"), i.evidence());
            try (IsoImage img = IsoImage.open(iso)) {
                assertTrue(img.bootable(), "grub-mkrescue makes an El Torito image");
            }
            OsDetector.Detection d = detector.detect(installer).orElseThrow();
            assertEquals("debian12", d.os().shortId(), d.evidence());
            assertEquals(arch, d.arch());
            assertEquals("memtest86+", detector.detect(GuestFixtures.memtest(a)).orElseThrow().os().shortId());
        }
    }

    @Test
    void osinfoDbIsReadWhenTheHostHasIt() throws Exception {
        assumeTrue(Files.isDirectory(OsCatalog.OSINFO_DB.resolve("os")), "osinfo-db not installed");
        OsCatalog db = OsCatalog.fromOsinfoDb(OsCatalog.OSINFO_DB);
        assertTrue(db.entries().size() > 100, "osinfo-db has hundreds of entries");
        OsEntry debian11 = db.byShortId("debian11").orElseThrow();
        assertEquals(1L << 30, debian11.recommendedRam());
        assertFalse(debian11.media().isEmpty());
        OsCatalog merged = OsCatalog.load();
        assertTrue(merged.byShortId("debian12").isPresent(), "bundled entries fill the gaps of an older osinfo-db");
        assertTrue(merged.source().contains("osinfo-db"));
    }
}
