package org.virtfx.engine.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.cli.img.ImgCommandTest.img;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.ImageTestSupport.readAll;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;

/** {@code virtfx img rebase} of differencing VHD and VDI images: onto the grandparent, then onto none, keeping the view. */
class DifferencingRebaseTest {
    @TempDir
    Path dir;

    private static void fill(DiskImage img, long at, int len, int value) throws Exception {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        img.write(at, ByteBuffer.wrap(b));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vdi"})
    void rebaseKeepsTheChildsView(String format) throws Exception {
        String ext = format.equals("vpc") ? "vhd" : "vdi";
        Path a = dir.resolve("a." + ext);
        Path b = dir.resolve("b." + ext);
        Path c = dir.resolve("c." + ext);
        assertEquals(0, img("create", "-q", "-f", format, a.toString(), "16M").status());
        try (DiskImage img = DiskImages.open(a, false)) {
            fill(img, 0, 6 << 20, 0x11);
        }
        assertEquals(0, img("create", "-q", "-f", format, "-b", "a." + ext, b.toString()).status());
        try (DiskImage img = DiskImages.open(b, false)) {
            fill(img, 1 << 20, 4096, 0x22);
            fill(img, 5 << 20, 3 << 20, 0x23);
        }
        assertEquals(0, img("create", "-q", "-f", format, "-b", "b." + ext, c.toString()).status());
        byte[] view;
        try (DiskImage img = DiskImages.open(c, false)) {
            fill(img, (1 << 20) + 1024, 512, 0x33);
            view = readAll(img);
        }
        ImgCommandTest.Result r = img("rebase", "-b", "a." + ext, c.toString());
        assertEquals(0, r.status(), r.err());
        Files.delete(b);
        try (DiskImage img = DiskImages.open(c, true)) {
            assertEquals(a.toRealPath(), img.backing().file().toRealPath());
            assertEquals(-1, firstDifference(view, readAll(img)));
        }
        r = img("rebase", "-b", "", c.toString());
        assertEquals(0, r.status(), r.err());
        Files.delete(a);
        try (DiskImage img = DiskImages.open(c, true)) {
            assertNull(img.backing());
            assertEquals(-1, firstDifference(view, readAll(img)));
        }
        assertTrue(img("info", c.toString()).out().contains("file format: " + format));
    }
}
