package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.FrameBuffer;
import org.virtfx.engine.display.PngWriter;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

class StdVgaTest {
    @TempDir
    Path tmp;

    private static FrameBuffer.Image expected(String name) throws IOException {
        try (InputStream in = StdVgaTest.class.getResourceAsStream("/vga/" + name)) {
            Path f = Files.createTempFile("expected", ".png");
            Files.write(f, in.readAllBytes());
            try {
                return PngWriter.read(f);
            } finally {
                Files.delete(f);
            }
        }
    }

    private FrameBuffer.Image screenshot(VgaTestRig rig) throws IOException {
        Path png = tmp.resolve("shot-" + System.nanoTime() + ".png");
        rig.vga.writePng(png);
        return PngWriter.read(png);
    }

    private static void assertSamePicture(FrameBuffer.Image want, FrameBuffer.Image got) {
        assertEquals(want.width() + "x" + want.height(), got.width() + "x" + got.height(), "size");
        for (int i = 0; i < want.pixels().length; i++) {
            if (want.pixels()[i] != got.pixels()[i]) {
                int x = i % want.width();
                int y = i / want.width();
                throw new AssertionError(String.format("pixel (%d,%d): expected %08x, got %08x", x, y, want.pixels()[i], got.pixels()[i]));
            }
        }
    }

    @Test
    void mode13hDrawingMatchesExpectedPicture() throws IOException {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode13(rig);
        assertSamePicture(expected("mode13.png"), screenshot(rig));
    }

    @Test
    void mode12hPlanarDrawingMatchesExpectedPicture() throws IOException {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        assertSamePicture(expected("mode12.png"), screenshot(rig));
    }

    @Test
    void vbe1024x768x32DrawingMatchesExpectedPicture() throws IOException {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.vbe1024(rig);
        assertSamePicture(expected("vbe1024x768.png"), screenshot(rig));
    }

    @Test
    void dispiIdentifiesAndReportsCapabilities() {
        VgaTestRig rig = new VgaTestRig();
        rig.dispi(VbeDispi.INDEX_ID, 0xB0C0);
        assertEquals(0xB0C0, rig.dispiRead(VbeDispi.INDEX_ID));
        rig.dispi(VbeDispi.INDEX_ID, 0x1234);
        assertEquals(0xB0C0, rig.dispiRead(VbeDispi.INDEX_ID), "foreign IDs are ignored");
        rig.dispi(VbeDispi.INDEX_ID, 0xB0C5);
        assertEquals(256, rig.dispiRead(VbeDispi.INDEX_VIDEO_MEMORY_64K));
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.GETCAPS);
        assertEquals(2560, rig.dispiRead(VbeDispi.INDEX_XRES));
        assertEquals(1600, rig.dispiRead(VbeDispi.INDEX_YRES));
        assertEquals(32, rig.dispiRead(VbeDispi.INDEX_BPP));
        rig.dispi(VbeDispi.INDEX_ENABLE, 0);
        rig.dispi(VbeDispi.INDEX_XRES, 800);
        rig.dispi(VbeDispi.INDEX_YRES, 600);
        rig.dispi(VbeDispi.INDEX_BPP, 16);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED | VbeDispi.LFB_ENABLED);
        assertEquals(800, rig.dispiRead(VbeDispi.INDEX_VIRT_WIDTH));
        assertEquals((16 << 20) / 1600, rig.dispiRead(VbeDispi.INDEX_VIRT_HEIGHT));
        rig.vga.refresh();
        assertEquals(800, rig.vga.width());
        assertEquals(600, rig.vga.height());
        rig.dispi(VbeDispi.INDEX_XRES, 1024);               // changed while enabled, as QEMU allows
        rig.dispi(VbeDispi.INDEX_YRES, 768);
        assertEquals(1024, rig.dispiRead(VbeDispi.INDEX_VIRT_WIDTH));
        rig.vga.refresh();
        assertEquals(1024, rig.vga.width());
        assertEquals(768, rig.vga.height());
    }

    @Test
    void vbe16BitPixelsAndPanning() {
        VgaTestRig rig = new VgaTestRig();
        rig.dispi(VbeDispi.INDEX_XRES, 640);
        rig.dispi(VbeDispi.INDEX_YRES, 480);
        rig.dispi(VbeDispi.INDEX_BPP, 16);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED);
        rig.mmio.write(0xA0000, 2, 0xF800);              // pure red in 5-6-5 at (0,0)
        rig.mmio.write(0xA0000 + 640 * 2, 2, 0x07E0);    // pure green at (0,1)
        rig.vga.refresh();
        int[] px = new int[2];
        rig.vga.copyPixels(0, 0, 1, 2, px, 0, 1);
        assertArrayEquals(new int[] {0xFFFF0000, 0xFF00FF00}, px);
        rig.dispi(VbeDispi.INDEX_Y_OFFSET, 1);           // pan down one line
        rig.vga.refresh();
        rig.vga.copyPixels(0, 0, 1, 1, px, 0, 1);
        assertEquals(0xFF00FF00, px[0]);
    }

    @Test
    void vbe8BitDacAnd24And15BitPixels() {
        VgaTestRig rig = new VgaTestRig();
        rig.dispi(VbeDispi.INDEX_XRES, 320);
        rig.dispi(VbeDispi.INDEX_YRES, 200);
        rig.dispi(VbeDispi.INDEX_BPP, 8);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED | VbeDispi.DAC_8BIT);
        rig.setDac(1, 255, 128, 1);                       // full 8-bit components
        rig.poke(0xA0000 + 5, 1);
        rig.vga.refresh();
        int[] px = new int[1];
        rig.vga.copyPixels(5, 0, 1, 1, px, 0, 1);
        assertEquals(0xFFFF8001, px[0]);
        rig.dispi(VbeDispi.INDEX_ENABLE, 0);
        rig.dispi(VbeDispi.INDEX_BPP, 24);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED);
        rig.poke(0xA0000 + 3, 0x33);                      // pixel 1: blue, green, red bytes
        rig.poke(0xA0000 + 4, 0x22);
        rig.poke(0xA0000 + 5, 0x11);
        rig.vga.refresh();
        rig.vga.copyPixels(1, 0, 1, 1, px, 0, 1);
        assertEquals(0xFF112233, px[0]);
        rig.dispi(VbeDispi.INDEX_ENABLE, 0);
        rig.dispi(VbeDispi.INDEX_BPP, 15);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED);
        rig.mmio.write(0xA0000, 2, 0x7C00 | 0x1F);        // red + blue in 5-5-5
        rig.vga.refresh();
        rig.vga.copyPixels(0, 0, 1, 1, px, 0, 1);
        assertEquals(0xFFFF00FF, px[0]);
    }

    @Test
    void vbe4BitPlanarModeWithBanks() {
        VgaTestRig rig = new VgaTestRig();
        rig.setMode(0xE3, VgaTestRig.MODE12_SEQ, VgaTestRig.MODE12_CRTC, VgaTestRig.MODE12_GC, VgaTestRig.MODE12_ATTR);
        rig.setDac(VgaTestRig.MODE12_ATTR[9], 21, 21, 63);
        rig.dispi(VbeDispi.INDEX_XRES, 1024);
        rig.dispi(VbeDispi.INDEX_YRES, 768);
        rig.dispi(VbeDispi.INDEX_BPP, 4);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED);
        gc(rig, 5, 0x02);                                   // write mode 2
        int offset = 700 * 128 + 10;                        // pixels 80-87 of line 700: past the first 64 KiB
        rig.dispi(VbeDispi.INDEX_BANK, offset >> 16);
        rig.poke(0xA0000 + (offset & 0xFFFF), 9);
        rig.vga.refresh();
        assertEquals(1024, rig.vga.width());
        int[] px = new int[1024];
        rig.vga.copyPixels(0, 700, 1024, 1, px, 0, 1024);
        for (int x = 0; x < 1024; x++) {
            assertEquals(x >= 80 && x < 88 ? 0xFF5555FF : 0xFF000000, px[x], "x=" + x);
        }
    }

    /** Loads an 8x16 font into plane 2 the way the BIOS does, then returns to text mode 3. */
    static void loadFont(VgaTestRig rig, byte[] glyphs) {
        rig.setMode(0x67, VgaTestRig.MODE3_SEQ, VgaTestRig.MODE3_CRTC, VgaTestRig.MODE3_GC, VgaTestRig.MODE3_ATTR);
        seq(rig, 2, 0x04);
        seq(rig, 4, 0x06);
        gc(rig, 4, 0x02);
        gc(rig, 5, 0x00);
        gc(rig, 6, 0x04);
        for (int i = 0; i < glyphs.length; i++) {
            rig.poke(0xA0000 + i, glyphs[i]);
        }
        seq(rig, 2, 0x03);
        seq(rig, 4, 0x02);
        gc(rig, 4, 0x00);
        gc(rig, 5, 0x10);
        gc(rig, 6, 0x0E);
    }

    static void seq(VgaTestRig rig, int i, int v) {
        rig.out(0x3C4, i);
        rig.out(0x3C5, v);
    }

    static void gc(VgaTestRig rig, int i, int v) {
        rig.out(0x3CE, i);
        rig.out(0x3CF, v);
    }

    @Test
    void textModeUsesGuestFontAttributesAndCursor() throws IOException {
        VgaTestRig rig = new VgaTestRig();
        byte[] font = new byte[256 * 32];
        for (int l = 0; l < 16; l++) {
            font['H' * 32 + l] = (byte) (l == 0 ? 0xFF : 0x81);  // a box for 'H'
            font[0xC4 * 32 + l] = (byte) (l == 8 ? 0xFF : 0);    // box-drawing horizontal line
        }
        loadFont(rig, font);
        for (int i = 0; i < 16; i++) {
            rig.setDac(VgaTestRig.MODE3_ATTR[i], GuestDrawings.EGA_DAC[i][0], GuestDrawings.EGA_DAC[i][1], GuestDrawings.EGA_DAC[i][2]);
        }
        String msg = "HELLO";
        for (int i = 0; i < msg.length(); i++) {
            rig.poke(0xB8000 + 2 * i, msg.charAt(i));
            rig.poke(0xB8001 + 2 * i, 0x1E);                 // yellow on blue
        }
        rig.poke(0xB8000 + 160, 0xC4);
        rig.poke(0xB8001 + 160, 0x07);
        rig.poke(0xB8001 + 2 * 85, 0x07);
        rig.out(0x3D4, 0x0E);
        rig.out(0x3D5, 0x00);
        rig.out(0x3D4, 0x0F);
        rig.out(0x3D5, 80 + 5);                              // cursor at row 1, column 5
        rig.vga.refresh();
        assertEquals(720, rig.vga.width());
        assertEquals(400, rig.vga.height());
        assertTrue(rig.vga.screenText().startsWith("HELLO\n\u2500"), rig.vga.screenText());
        int[] px = new int[720 * 400];
        rig.vga.copyPixels(0, 0, 720, 400, px, 0, 720);
        int yellow = 0xFFFFFF55;
        int blue = 0xFF0000AA;
        int grey = 0xFFAAAAAA;
        assertEquals(yellow, px[0]);                          // 'H' top line set
        assertEquals(yellow, px[720 + 7]);                    // right edge of the box
        assertEquals(blue, px[720 + 3]);                      // inside the box: background
        assertEquals(blue, px[8], "9th column of a letter is background");
        assertEquals(grey, px[(16 + 8) * 720 + 8], "line graphics extend into the 9th column");
        // Cursor lines 13-14 in cell (1,5), drawn in the cell's foreground (grey on black).
        long now = rig.clock.nanos();
        boolean cursorOn = (now / 133_333_333L & 1) == 0;
        assertEquals(cursorOn ? grey : 0xFF000000, px[(16 + 13) * 720 + 5 * 9 + 2]);
        assertEquals(0xFF000000, px[(16 + 12) * 720 + 5 * 9 + 2]);

        // The guest reloads one glyph: the cells showing it are redrawn.
        font['H' * 32 + 1] = (byte) 0xFF;
        loadFont(rig, font);
        rig.vga.refresh();
        rig.vga.copyPixels(0, 0, 720, 400, px, 0, 720);
        assertEquals(yellow, px[720 + 3], "new glyph row drawn");

        // A font write alone (map mask = plane 2, nothing else touched) must also be noticed.
        assertEquals(blue, px[2 * 720 + 3]);
        seq(rig, 2, 0x04);
        rig.poke(0xB8000 + 'H' * 32 + 2, 0xFF);
        seq(rig, 2, 0x03);
        rig.vga.refresh();
        rig.vga.copyPixels(0, 0, 720, 400, px, 0, 720);
        assertEquals(yellow, px[2 * 720 + 3], "glyph row 2 redrawn after a plane-2 write");
    }

    @Test
    void unchangedScreenProducesNoUpdatesAndOneStoreASmallOne() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode13(rig);
        List<int[]> updates = new ArrayList<>();
        rig.vga.addListener(new DisplaySurface.Listener() {
            @Override
            public void resized(int w, int h) {
                updates.add(new int[] {-1, w, h});
            }

            @Override
            public void updated(int x, int y, int w, int h) {
                updates.add(new int[] {x, y, w, h});
            }
        });
        rig.vga.refresh();
        assertEquals(-1, updates.get(0)[0], "first refresh announces the size");
        updates.clear();
        rig.vga.refresh();
        assertTrue(updates.isEmpty(), "nothing changed");
        rig.poke(0xA0000 + 100 * 320 + 50, 3);
        rig.vga.refresh();
        assertEquals(1, updates.size());
        assertArrayEquals(new int[] {50, 100, 1, 1}, updates.get(0));
    }

    @Test
    void unchainedModeXSpreadsPixelsOverPlanes() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode13(rig);
        seq(rig, 4, 0x06);          // chain-4 off
        rig.out(0x3D4, 0x14);
        rig.out(0x3D5, 0x00);       // no double-word addressing
        rig.out(0x3D4, 0x17);
        rig.out(0x3D5, 0xE3);       // byte mode
        seq(rig, 2, 0x0F);
        for (int i = 0; i < 80 * 200; i++) {
            rig.poke(0xA0000 + i, 0);
        }
        seq(rig, 2, 1 << 2);        // plane 2 = pixel x % 4 == 2
        rig.poke(0xA0000 + 10 * 80 + 7, 255);   // pixel (7*4+2, 10)
        rig.vga.refresh();
        int[] px = new int[320];
        rig.vga.copyPixels(0, 10, 320, 1, px, 0, 320);
        for (int x = 0; x < 320; x++) {
            assertEquals(x == 30 ? 0xFFFFFFFF : 0xFF000000, px[x], "x=" + x);
        }
    }

    @Test
    void pelPanningShiftsPlanarPixels() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        rig.vga.refresh();
        int[] before = new int[640];
        rig.vga.copyPixels(0, 300, 640, 1, before, 0, 640);
        rig.in(0x3DA);
        rig.out(0x3C0, 0x20 | 0x13);
        rig.out(0x3C0, 3);                  // pan 3 pixels
        rig.vga.refresh();
        int[] after = new int[640];
        rig.vga.copyPixels(0, 300, 640, 1, after, 0, 640);
        assertArrayEquals(java.util.Arrays.copyOfRange(before, 3, 640), java.util.Arrays.copyOfRange(after, 0, 637));
    }

    @Test
    void readMode1ComparesColoursAndRetraceToggles() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        gc(rig, 5, 0x08);           // read mode 1
        gc(rig, 2, 5);              // colour 5
        gc(rig, 7, 0x0F);
        assertEquals(0xFF, rig.peek(0xA0000 + 300 * 80 + 25));   // bar 5 spans bytes 25-29
        assertEquals(0x00, rig.peek(0xA0000 + 300 * 80 + 30));
        assertEquals(0x7F, rig.peek(0xA0000 + 200 * 80 + 25), "the white diagonal pixel at x=200 differs");
        // Input status 1 follows the virtual clock (stopped here, set by hand): 640x480@60 timing, 31.778 us lines.
        long line = 31_778;
        rig.clock.set(100 * line + 1_000);
        assertEquals(0x00, rig.in(0x3DA) & 0x09, "active display");
        rig.clock.set(100 * line + 30_000);
        assertEquals(0x01, rig.in(0x3DA) & 0x09, "horizontal blank");
        rig.clock.set(490 * line + 1_000);
        assertEquals(0x09, rig.in(0x3DA) & 0x09, "vertical retrace");
        rig.clock.set(500 * line + 1_000);
        assertEquals(0x01, rig.in(0x3DA) & 0x09, "vertical blank after retrace");
        rig.clock.set(525 * line + 100 * line + 1_000);
        assertEquals(0x00, rig.in(0x3DA) & 0x09, "next frame");
    }

    @Test
    void cgaMode4InterleavesOddLinesAt8K() {
        VgaTestRig rig = new VgaTestRig();
        rig.setMode(0x63, new int[] {0x03, 0x09, 0x03, 0x00, 0x02},
                new int[] {0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF},
                new int[] {0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF},
                new int[] {0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                    0x01, 0x00, 0x03, 0x00, 0x00});
        rig.setDac(0x13, 63, 0, 0);
        rig.setDac(0x15, 0, 63, 0);
        rig.setDac(0x17, 0, 0, 63);
        // Pixel (5, 3): odd line -> bank at 0x2000, byte (3 >> 1) * 80 + 5 / 4, bits 5-4 for x % 4 == 1.
        rig.poke(0xB8000 + 0x2000 + 80 + 1, 2 << 4);
        // Pixel (6, 4): even line, byte 2 * 80 + 1, bits 3-2.
        rig.poke(0xB8000 + 160 + 1, 3 << 2);
        rig.vga.refresh();
        assertEquals(320, rig.vga.width());
        assertEquals(200, rig.vga.height());
        int[] px = new int[320 * 200];
        rig.vga.copyPixels(0, 0, 320, 200, px, 0, 320);
        for (int i = 0; i < px.length; i++) {
            int want = i == 3 * 320 + 5 ? 0xFF00FF00 : i == 4 * 320 + 6 ? 0xFF0000FF : 0xFF000000;
            assertEquals(want, px[i], "pixel (" + i % 320 + "," + i / 320 + ")");
        }
    }

    @Test
    void writeMode1CopiesLatches() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        gc(rig, 5, 0x01);
        rig.peek(0xA0000 + 10 * 80 + 40);     // bar 8 (colour 8) into the latches
        rig.poke(0xA0000 + 10 * 80 + 0, 0x00); // over bar 0: the value written is ignored
        gc(rig, 5, 0x00);
        rig.vga.refresh();
        int[] px = new int[8];
        rig.vga.copyPixels(0, 10, 8, 1, px, 0, 8);
        int grey = 0xFF000000 | 0x55 << 16 | 0x55 << 8 | 0x55;
        assertArrayEquals(new int[] {grey, grey, grey, grey, grey, grey, grey, grey}, px);
    }

    @Test
    void stateRoundTripRestoresPictureAndRegisters() throws IOException {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        rig.vga.refresh();
        StateWriter w = new StateWriter(rig.vga.stateId(), 1);
        rig.vga.saveState(w);
        byte[] state = w.toByteArray();
        VgaTestRig other = new VgaTestRig();
        other.vga.loadState(new StateReader(state, other.vga.stateId(), 1));
        other.vga.refresh();
        FrameBuffer.Image a = rig.vga.frameBuffer().snapshot();
        FrameBuffer.Image b = other.vga.frameBuffer().snapshot();
        assertArrayEquals(a.pixels(), b.pixels());
        for (int i = 0; i < 0x19; i++) {
            rig.out(0x3D4, i);
            other.out(0x3D4, i);
            assertEquals(rig.in(0x3D5), other.in(0x3D5), "CRTC " + i);
        }
        assertTrue(state.length < 1 << 20, "VRAM is compressed: " + state.length);
        byte[] truncated = java.util.Arrays.copyOf(state, state.length / 2);
        VgaTestRig third = new VgaTestRig();
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> third.vga.loadState(new StateReader(truncated, third.vga.stateId(), 1)));
    }

    @Test
    void edidBlockIsValid() {
        byte[] e = Edid.block();
        assertEquals(128, e.length);
        int sum = 0;
        for (byte b : e) {
            sum += b & 0xFF;
        }
        assertEquals(0, sum & 0xFF, "checksum");
        assertEquals(0, e[0]);
        assertEquals((byte) 0xFF, e[1]);
        assertEquals(0x7F, e[7] ^ 0x7F, "header ends with 00");
    }
}
