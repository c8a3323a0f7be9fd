package org.virtfx.engine.vnc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.display.FrameBuffer;

class VncServerTest {
    /** A picture with gradients (many colours), flat areas (RLE/palette tiles) and stripes. */
    static FrameBuffer picture(int w, int h) {
        FrameBuffer fb = new FrameBuffer(1, 1);
        fb.render(f -> {
            f.resize(w, h);
            int[] px = f.pixels();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int c;
                    if (y < h / 3) {
                        c = (x * 255 / w) << 16 | (y * 255 / h) << 8 | 0x40;
                    } else if (y < 2 * h / 3) {
                        c = (x / 7 % 3) == 0 ? 0xFFFFFF : 0x0000AA;
                    } else {
                        c = 0x123456;
                    }
                    px[y * w + x] = 0xFF000000 | c;
                }
            }
            f.markDirty(0, 0, w, h);
        });
        return fb;
    }

    private static int[] pixels(FrameBuffer fb) {
        return fb.snapshot().pixels();
    }

    @Test
    void rawUpdateMatchesScreenAfterPasswordAuth() throws IOException {
        FrameBuffer fb = picture(200, 150);
        try (VncServer server = VncServer.onLoopback(0, "test vm", fb, null, null, "secret");
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", "secret")) {
            assertEquals("test vm", c.name);
            assertEquals(200, c.width);
            assertEquals(150, c.height);
            c.setEncodings(VncSession.ENCODING_RAW);
            c.requestUpdate(false);
            c.readUpdate();
            assertEquals(VncSession.ENCODING_RAW, c.lastEncoding);
            assertArrayEquals(pixels(fb), c.screen);
        }
    }

    @Test
    void wrongPasswordIsRefused() throws IOException {
        FrameBuffer fb = picture(64, 64);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, "secret")) {
            SecurityException e = assertThrows(SecurityException.class, () -> new RfbTestClient(server.port(), "003.008", "guess"));
            assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
        }
    }

    @Test
    void zrleIn32And16BitFormatsAndIncrementalUpdates() throws IOException {
        FrameBuffer fb = picture(300, 200);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.007", null)) {
            c.setEncodings(VncSession.ENCODING_ZRLE, VncSession.ENCODING_RAW);
            c.requestUpdate(false);
            c.readUpdate();
            assertEquals(VncSession.ENCODING_ZRLE, c.lastEncoding);
            assertArrayEquals(pixels(fb), c.screen);

            // Big-endian 5-6-5, as a 16-bit client might ask.
            PixelFormat rgb565 = new PixelFormat(16, 16, true, true, 31, 63, 31, 11, 5, 0);
            c.setPixelFormat(rgb565);
            c.requestUpdate(false);
            c.readUpdate();
            int[] want = pixels(fb);
            for (int i = 0; i < want.length; i++) {
                int p = rgb565.convert(want[i]);
                int r = (p >> 11 & 31) * 255 / 31;
                int g = (p >> 5 & 63) * 255 / 63;
                int b = (p & 31) * 255 / 31;
                assertEquals(0xFF000000 | r << 16 | g << 8 | b, c.screen[i], "pixel " + i);
            }

            // Only the changed rectangle comes back for an incremental request.
            c.setPixelFormat(PixelFormat.DEFAULT);
            c.requestUpdate(false);
            c.readUpdate();
            fb.render(f -> {
                f.pixels()[50 * 300 + 60] = 0xFFFF0000;
                f.markDirty(60, 50, 1, 1);
            });
            c.requestUpdate(true);
            List<int[]> rects = c.readUpdate();
            assertEquals(1, rects.size());
            assertArrayEquals(new int[] {60, 50, 1, 1}, rects.get(0));
            assertArrayEquals(pixels(fb), c.screen);
        }
    }

    @Test
    void eightBitColourMapClientAndProtocol33() throws IOException {
        FrameBuffer fb = picture(100, 90);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.003", null)) {
            c.setPixelFormat(new PixelFormat(8, 8, false, false, 0, 0, 0, 0, 0, 0));
            c.setEncodings(VncSession.ENCODING_ZRLE);
            c.requestUpdate(false);
            c.readUpdate();
            int[] want = pixels(fb);
            for (int i = 0; i < want.length; i++) {
                int v = PixelFormat.RGB332_MAP.convert(want[i]);
                int[] rgb = c.colourMap[v];
                assertEquals(0xFF000000 | (rgb[0] >> 8) << 16 | (rgb[1] >> 8) << 8 | rgb[2] >> 8, c.screen[i]);
            }
        }
    }

    @Test
    void desktopSizeIsAnnouncedOnModeChange() throws IOException {
        FrameBuffer fb = picture(80, 60);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.setEncodings(VncSession.ENCODING_RAW, VncSession.ENCODING_DESKTOP_SIZE);
            c.requestUpdate(false);
            c.readUpdate();
            fb.render(f -> {
                f.resize(120, 70);
                java.util.Arrays.fill(f.pixels(), 0xFF336699);
            });
            c.requestUpdate(true);
            c.readUpdate();
            assertTrue(c.sawDesktopSize);
            assertEquals(120, c.width);
            assertEquals(70, c.height);
            assertArrayEquals(pixels(fb), c.screen);
        }
    }

    @Test
    void keysAndPointerReachTheGuestDevices() throws Exception {
        FrameBuffer fb = picture(64, 64);
        List<String> events = new CopyOnWriteArrayList<>();
        try (VncServer server = VncServer.onLoopback(0, "vm", fb,
                (code, pressed) -> events.add("key " + code + (pressed ? " down" : " up")),
                (dx, dy, wheel, buttons) -> events.add("mouse " + dx + " " + dy + " " + wheel + " " + buttons), null);
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.key(0xFFE3, true);   // Control_L
            c.key('A', true);
            c.key('A', false);
            c.key(0xFFE3, false);
            c.key(0xFF0D, true);   // Return
            c.pointer(0, 10, 10);
            c.pointer(1, 15, 7);   // left button, moved
            c.pointer(8, 15, 7);   // wheel up
            c.pointer(4, 15, 7);   // right button
            c.out.flush();
            long until = System.nanoTime() + 10_000_000_000L;
            while (events.size() < 9 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertEquals(List.of("key 29 down", "key 30 down", "key 30 up", "key 29 up", "key 28 down",
                    "mouse 0 0 0 0", "mouse 5 -3 0 1", "mouse 0 0 -1 0", "mouse 0 0 0 2"), events);
        }
    }

    @Test
    void pointerPositionsGoToTheTabletWhenThereIsOne() throws Exception {
        FrameBuffer fb = picture(64, 48);
        List<String> events = new CopyOnWriteArrayList<>();
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null,
                (dx, dy, wheel, buttons) -> events.add("mouse " + dx + " " + dy),
                null).useAbsolutePointer((x, y, w, h, wheel, buttons) ->
                        events.add("tablet " + x + " " + y + " " + w + "x" + h + " " + wheel + " " + buttons));
             RfbTestClient c = new RfbTestClient(server.port(), "003.008", null)) {
            c.pointer(0, 10, 10);
            c.pointer(1, 63, 47);   // left button at the bottom-right pixel
            c.pointer(16, 63, 47);  // wheel down
            c.out.flush();
            long until = System.nanoTime() + 10_000_000_000L;
            while (events.size() < 3 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertEquals(List.of("tablet 10 10 64x48 0 0", "tablet 63 47 64x48 0 1", "tablet 63 47 64x48 1 0"), events,
                    "positions as they are, on the framebuffer's size; the mouse hears nothing");
        }
    }

    @Test
    void severalClientsAtOnce() throws IOException {
        FrameBuffer fb = picture(90, 40);
        try (VncServer server = VncServer.onLoopback(0, "vm", fb, null, null, null);
             RfbTestClient a = new RfbTestClient(server.port(), "003.008", null);
             RfbTestClient b = new RfbTestClient(server.port(), "003.008", null)) {
            a.setEncodings(VncSession.ENCODING_ZRLE);
            b.setEncodings(VncSession.ENCODING_RAW);
            a.requestUpdate(false);
            b.requestUpdate(false);
            a.readUpdate();
            b.readUpdate();
            assertArrayEquals(pixels(fb), a.screen);
            assertArrayEquals(pixels(fb), b.screen);
        }
    }

    @Test
    void keysymTableCoversTheKeyboard() {
        assertEquals(30, KeysymMap.toEvdev('a'));
        assertEquals(30, KeysymMap.toEvdev('A'));
        assertEquals(2, KeysymMap.toEvdev('!'));
        assertEquals(57, KeysymMap.toEvdev(' '));
        assertEquals(88, KeysymMap.toEvdev(0xFFC9));   // F12
        assertEquals(111, KeysymMap.toEvdev(0xFFFF));  // Delete
        assertEquals(-1, KeysymMap.toEvdev(0x20AC));   // EuroSign: no US key
    }

    @Test
    void vncAuthMatchesKnownVector() {
        // d3des as used by libvncserver: key "password" bit-reversed; checked against the JDK DES directly.
        byte[] key = VncAuth.key("password");
        assertEquals((byte) 0x0E, key[0]);   // 'p' = 0x70 = 01110000 reversed = 00001110
        assertEquals((byte) 0x86, key[1]);   // 'a' = 0x61 = 01100001 reversed = 10000110
    }
}
