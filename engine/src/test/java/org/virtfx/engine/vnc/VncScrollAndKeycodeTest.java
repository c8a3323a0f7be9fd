package org.virtfx.engine.vnc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.display.FrameBuffer;

/** CopyRect for scrolled screens and the QEMU extended key event, at the protocol level. */
class VncScrollAndKeycodeTest {
    private static final int W = 160;
    private static final int H = 128;
    static final int LINE = 16;

    private static void drawConsole(FrameBuffer fb, int firstLine) {
        drawConsole(fb, W, H, firstLine);
    }

    /**
     * A {@code w} x {@code h} "console" starting at text row {@code firstLine}: rows of LINE pixels, each text row a
     * distinct noisy pattern from its number (so that a scroll is a copy of rows).
     */
    static void drawConsole(FrameBuffer fb, int w, int h, int firstLine) {
        fb.render(f -> {
            f.resize(w, h);
            int[] px = f.pixels();
            for (int y = 0; y < h; y++) {
                int line = firstLine + y / LINE;
                Random r = new Random(line * 1000L + y % LINE);
                for (int x = 0; x < w; x++) {
                    px[y * w + x] = r.nextInt(4) == 0 ? 0xFFAAAAAA : 0xFF000000;
                }
            }
            f.markDirty(0, 0, w, h);
        });
    }

    @Test
    void scrolledConsoleIsSentAsCopyRectPlusTheNewLine() throws IOException {
        FrameBuffer fb = new FrameBuffer(W, H);
        drawConsole(fb, 0);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.setEncodings(VncSession.ENCODING_RAW, VncSession.ENCODING_COPY_RECT);
            c.requestUpdate(false);
            c.readUpdate();
            assertTrue(c.copyRects.isEmpty(), "the first picture is sent whole");
            drawConsole(fb, 1);                                   // scroll up by one text line
            c.requestUpdate(true);
            List<int[]> rects = c.readUpdate();
            assertEquals(1, c.copyRects.size(), "one CopyRect");
            assertArrayEquals(new int[] {0, 0, W, H - LINE, 0, LINE}, c.copyRects.get(0));
            assertEquals(2, rects.size(), "the CopyRect and the new bottom line");
            assertArrayEquals(new int[] {0, H - LINE, W, LINE}, rects.get(1));
            assertArrayEquals(fb.snapshot().pixels(), c.screen, "the client's picture equals the screen");
        }
    }

    @Test
    void withoutCopyRectInTheEncodingsTheScrollIsSentAsPixels() throws IOException {
        FrameBuffer fb = new FrameBuffer(W, H);
        drawConsole(fb, 0);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.setEncodings(VncSession.ENCODING_RAW);
            c.requestUpdate(false);
            c.readUpdate();
            drawConsole(fb, 3);
            c.requestUpdate(true);
            c.readUpdate();
            assertTrue(c.copyRects.isEmpty());
            assertArrayEquals(fb.snapshot().pixels(), c.screen);
        }
    }

    @Test
    void extendedKeyEventsAreAcknowledgedAndUseTheKeycode() throws Exception {
        FrameBuffer fb = new FrameBuffer(32, 32);
        List<String> events = new CopyOnWriteArrayList<>();
        try (VncServer server = VncServer.onLoopback(0, "vm", fb,
                (code, pressed) -> events.add(code + (pressed ? " down" : " up")), null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.setEncodings(VncSession.ENCODING_RAW, VncSession.ENCODING_QEMU_EXTENDED_KEY);
            c.requestUpdate(true);
            c.readUpdate();
            assertTrue(c.sawExtendedKeyAck, "the server confirms with a -258 pseudo-rectangle");
            // A German keyboard: the key right of T sends keysym 'z' but is the Y position (XT 0x15, evdev 21).
            c.extendedKey('z', 0x15, true);
            c.extendedKey('z', 0x15, false);
            c.extendedKey(0xFF53, 0xCD, true);                    // Right arrow: E0 4D -> 0xCD, evdev 106
            c.extendedKey(0xFFE4, 0x9D, true);                    // Right Ctrl: E0 1D, evdev 97
            c.extendedKey(0xFF61, 0xB7, true);                    // Print: E0 37, evdev 99 (SysRq)
            c.extendedKey('q', 0, true);                          // no keycode: the keysym decides (evdev 16)
            c.out.flush();
            long until = System.nanoTime() + 10_000_000_000L;
            while (events.size() < 6 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertEquals(List.of("21 down", "21 up", "106 down", "97 down", "99 down", "16 down"), events);
        }
    }

    @Test
    void noAcknowledgementUnlessAsked() throws IOException {
        FrameBuffer fb = new FrameBuffer(32, 32);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.setEncodings(VncSession.ENCODING_RAW);
            c.requestUpdate(false);
            c.readUpdate();
            assertFalse(c.sawExtendedKeyAck);
        }
    }

    @Test
    void detectorFindsTheShiftAndIgnoresRepeatedRows() {
        int w = 8;
        int h = 40;
        int[] old = new int[w * h];
        int[] cur = new int[w * h];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(old, y * w, (y + 1) * w, y % 5 == 0 ? 0 : y * 7919);     // some blank rows
            int src = y + 3;
            java.util.Arrays.fill(cur, y * w, (y + 1) * w, src < h ? (src % 5 == 0 ? 0 : src * 7919) : -1);
        }
        ScrollDetector.Scroll s = ScrollDetector.find(old, cur, w, h, 8);
        assertEquals(new ScrollDetector.Scroll(0, h - 3, 3), s);
        assertEquals(null, ScrollDetector.find(old, old.clone(), w, h, 8), "nothing moved");
    }
}
