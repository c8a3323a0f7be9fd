package org.virtfx.engine.devices.vga;

import java.io.IOException;
import java.nio.file.Path;
import org.virtfx.engine.display.FrameBuffer;
import org.virtfx.engine.display.PngWriter;

/**
 * The pictures the guest drawings are meant to produce, computed from their geometric description only (no VGA
 * logic). {@link #main} writes them to {@code src/test/resources/vga/} where the tests read them.
 */
final class ExpectedPictures {
    private ExpectedPictures() {
    }

    private static int dac6(int r, int g, int b) {
        return 0xFF000000 | ((r << 2) | (r >> 4)) << 16 | ((g << 2) | (g >> 4)) << 8 | ((b << 2) | (b >> 4));
    }

    static FrameBuffer.Image mode13() {
        int[] px = new int[320 * 200];
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 320; x++) {
                boolean border = x == 0 || x == 319 || y == 0 || y == 199;
                int i = border ? 255 : x / 20 + (y / 25) * 16;
                px[y * 320 + x] = dac6((i & 7) * 9, ((i >> 3) & 7) * 9, (i >> 6) * 21);
            }
        }
        return new FrameBuffer.Image(320, 200, px);
    }

    static FrameBuffer.Image mode12() {
        int[] px = new int[640 * 480];
        for (int y = 0; y < 480; y++) {
            for (int x = 0; x < 640; x++) {
                int c = x / 40;
                if (x == y) {
                    c = 15;
                }
                if ((y == 100 || y == 379) && x >= 104 && x < 536) {
                    c = 14;
                }
                int[] rgb = GuestDrawings.EGA_DAC[c];
                px[y * 640 + x] = dac6(rgb[0], rgb[1], rgb[2]);
            }
        }
        return new FrameBuffer.Image(640, 480, px);
    }

    static FrameBuffer.Image vbe1024() {
        int[] px = new int[1024 * 768];
        for (int y = 0; y < 768; y++) {
            for (int x = 0; x < 1024; x++) {
                boolean box = x >= 412 && x < 612 && y >= 334 && y < 434;
                px[y * 1024 + x] = 0xFF000000 | (box ? 0xFFFFFF : (x * 255 / 1023) << 16 | (y * 255 / 767) << 8 | 0x80);
            }
        }
        return new FrameBuffer.Image(1024, 768, px);
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "engine/src/test/resources/vga");
        PngWriter.write(mode13(), dir.resolve("mode13.png"));
        PngWriter.write(mode12(), dir.resolve("mode12.png"));
        PngWriter.write(vbe1024(), dir.resolve("vbe1024x768.png"));
    }
}
