package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.display.FrameBuffer;

/**
 * Split screen (CRTC line compare), smooth scrolling (preset row scan) and PEL panning, pixel-exact: each picture is
 * checked row by row against pictures the same card draws without the feature (start address moved instead).
 */
class VgaSplitScreenTest {
    private static void crtc(VgaTestRig rig, int index, int value) {
        rig.out(0x3D4, index);
        rig.out(0x3D5, value);
    }

    private static int crtcRead(VgaTestRig rig, int index) {
        rig.out(0x3D4, index);
        return rig.in(0x3D5);
    }

    private static void startAddress(VgaTestRig rig, int counter) {
        crtc(rig, 0x0C, counter >> 8);
        crtc(rig, 0x0D, counter & 0xFF);
    }

    /** Line compare to {@code value} (bits 8 and 9 live in the overflow and max-scan-line registers). */
    private static void lineCompare(VgaTestRig rig, int value) {
        crtc(rig, 0x18, value & 0xFF);
        crtc(rig, 0x07, (crtcRead(rig, 0x07) & ~0x10) | (value >> 4 & 0x10));
        crtc(rig, 0x09, (crtcRead(rig, 0x09) & ~0x40) | (value >> 3 & 0x40));
    }

    private static void attr(VgaTestRig rig, int index, int value) {
        rig.in(0x3DA);
        rig.out(0x3C0, index | 0x20);
        rig.out(0x3C0, value);
    }

    private static FrameBuffer.Image picture(VgaTestRig rig) {
        rig.vga.refresh();
        return rig.vga.frameBuffer().snapshot();
    }

    private static int[] row(FrameBuffer.Image img, int y) {
        return Arrays.copyOfRange(img.pixels(), y * img.width(), (y + 1) * img.width());
    }

    /** Rows {@code [y, y+n)} of {@code got} equal rows {@code [from, from+n)} of {@code want}. */
    private static void assertRows(FrameBuffer.Image want, int from, FrameBuffer.Image got, int y, int n) {
        assertEquals(want.width(), got.width());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(row(want, from + i), row(got, y + i), "row " + (y + i));
        }
    }

    @Test
    void mode13hSplitShowsAddressZeroBelowTheLineCompare() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode13(rig);
        FrameBuffer.Image whole = picture(rig);
        assertEquals(200, whole.height());
        startAddress(rig, 80 * 10);                        // top part: the picture from its row 10
        lineCompare(rig, 199);                             // scan line 199 = row 99 (each row is scanned twice)
        FrameBuffer.Image split = picture(rig);
        assertRows(whole, 10, split, 0, 100);
        assertRows(whole, 0, split, 100, 100);
    }

    @Test
    void mode12hSplitAndPanningReset() {
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        FrameBuffer.Image whole = picture(rig);
        assertEquals(480, whole.height());
        startAddress(rig, 80 * 30);
        lineCompare(rig, 239);
        FrameBuffer.Image split = picture(rig);
        assertRows(whole, 30, split, 0, 240);
        assertRows(whole, 0, split, 240, 240);
        // Panning by 3 pixels with "PEL panning compatibility": only the top part pans.
        attr(rig, 0x10, rig.vga.registers().attr[0x10] | 0x20);
        attr(rig, 0x13, 3);
        FrameBuffer.Image panned = picture(rig);
        assertRows(whole, 0, panned, 240, 240);
        for (int y = 0; y < 240; y++) {
            assertArrayEquals(Arrays.copyOfRange(row(whole, y + 30), 3, 640), Arrays.copyOfRange(row(panned, y), 0, 637),
                    "panned row " + y);
        }
    }

    /** 80x25 text, every row different, the cursor off (no blink phase in the pictures). */
    private static VgaTestRig text() {
        VgaTestRig rig = DisplayIdleTest.textRig();
        for (int i = 0; i < 80 * 50; i++) {
            rig.poke(0xB8000 + 2 * i, 'A' + (i / 80 * 7 + i) % 60);
            rig.poke(0xB8001 + 2 * i, 1 + i / 80 % 15);
        }
        crtc(rig, 0x0A, 0x20);
        return rig;
    }

    @Test
    void textSplitScreen() {
        VgaTestRig rig = text();
        FrameBuffer.Image whole = picture(rig);
        startAddress(rig, 80 * 5);
        FrameBuffer.Image scrolled = picture(rig);           // rows 5-29 of the text
        lineCompare(rig, 99);                                // split after scan line 99: row 6, line 4 of the text
        FrameBuffer.Image split = picture(rig);
        assertRows(scrolled, 0, split, 0, 100);
        assertRows(whole, 0, split, 100, 300);
        lineCompare(rig, 0x3FF);                             // no split: the cell renderer again
        assertArrayEquals(scrolled.pixels(), picture(rig).pixels());
    }

    @Test
    void textPresetRowScanAndPelPanning() {
        VgaTestRig rig = text();
        FrameBuffer.Image whole = picture(rig);
        crtc(rig, 0x08, 5);                                  // smooth scroll: 5 scan lines up
        FrameBuffer.Image smooth = picture(rig);
        assertRows(whole, 5, smooth, 0, 395);
        crtc(rig, 0x08, 0);
        startAddress(rig, 80);
        FrameBuffer.Image nextRow = picture(rig);           // text rows 1-25 without smooth scrolling
        assertRows(nextRow, 384, smooth, 395, 5);            // the last 5 lines: the top of text row 25
        startAddress(rig, 0);
        attr(rig, 0x13, 2);                                  // 9-dot cells: 2 means 3 pixels
        FrameBuffer.Image panned = picture(rig);
        for (int y = 0; y < 400; y++) {
            assertArrayEquals(Arrays.copyOfRange(row(whole, y), 3, 720), Arrays.copyOfRange(row(panned, y), 0, 717),
                    "panned row " + y);
        }
        attr(rig, 0x13, 8);                                  // 8: no panning in 9-dot modes
        assertArrayEquals(whole.pixels(), picture(rig).pixels());
    }
}
