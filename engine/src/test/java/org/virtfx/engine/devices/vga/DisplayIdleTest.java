package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.display.DisplaySurface;

/** What a refresh redraws when (almost) nothing changed: the cursor cell on a blink, nothing on a blank screen. */
class DisplayIdleTest {
    private static final long CURSOR_HALF_PERIOD_NS = 133_333_333L;

    private static List<int[]> listen(VgaTestRig rig) {
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
        return updates;
    }

    /** Text mode 3 with a font of solid glyph rows and the EGA palette, so every character has visible pixels. */
    static VgaTestRig textRig() {
        VgaTestRig rig = new VgaTestRig();
        byte[] font = new byte[256 * 32];
        new java.util.Random(1).nextBytes(font);
        StdVgaTest.loadFont(rig, font);
        for (int i = 0; i < 16; i++) {
            rig.setDac(VgaTestRig.MODE3_ATTR[i], GuestDrawings.EGA_DAC[i][0], GuestDrawings.EGA_DAC[i][1],
                    GuestDrawings.EGA_DAC[i][2]);
        }
        return rig;
    }

    @Test
    void cursorBlinkRedrawsOnlyTheCursorCell() {
        VgaTestRig rig = textRig();
        for (int i = 0; i < 80 * 25; i++) {
            rig.poke(0xB8000 + 2 * i, 'A' + i % 26);
            rig.poke(0xB8001 + 2 * i, 0x07);
        }
        rig.out(0x3D4, 0x0A);
        rig.out(0x3D5, 13);
        rig.out(0x3D4, 0x0B);
        rig.out(0x3D5, 14);
        rig.out(0x3D4, 0x0E);
        rig.out(0x3D5, 0);
        rig.out(0x3D4, 0x0F);
        rig.out(0x3D5, 3 * 80 + 7);                              // cursor at row 3, column 7
        rig.clock.set(0);                                        // cursor phase "on"
        rig.vga.refresh();
        List<int[]> updates = listen(rig);
        rig.clock.set(CURSOR_HALF_PERIOD_NS / 2);
        rig.vga.refresh();
        assertTrue(updates.isEmpty(), "same cursor phase, nothing written: no update");
        rig.clock.set(CURSOR_HALF_PERIOD_NS + 1);                // cursor off
        rig.vga.refresh();
        assertEquals(1, updates.size());
        assertArrayEquals(new int[] {7 * 9, 3 * 16, 9, 16}, updates.get(0), "just the cursor cell");
        updates.clear();
        rig.poke(0xB8000 + 2 * (10 * 80 + 20), 'z');            // one character typed
        rig.vga.refresh();
        assertEquals(1, updates.size());
        assertArrayEquals(new int[] {20 * 9, 10 * 16, 9, 16}, updates.get(0));
    }

    @Test
    void refreshRunsAt60HzOnlyWhileSomeoneWatches() {
        VgaTestRig rig = textRig();
        DisplaySurface.Listener viewer = new DisplaySurface.Listener() {
            @Override
            public void resized(int w, int h) {
            }

            @Override
            public void updated(int x, int y, int w, int h) {
            }
        };
        rig.lock.lock();
        try {
            rig.vga.refreshTick();
            assertEquals(StdVga.UNWATCHED_REFRESH_NS, rig.vga.nextRefreshIn(), "nobody watching: once a second");
            rig.vga.addListener(viewer);
            assertEquals(0, rig.vga.nextRefreshIn(), "a new viewer gets a frame at once");
            rig.vga.refreshTick();
            assertEquals(StdVga.REFRESH_NS, rig.vga.nextRefreshIn(), "then 60 Hz");
            rig.vga.removeListener(viewer);
            rig.vga.refreshTick();
            assertEquals(StdVga.UNWATCHED_REFRESH_NS, rig.vga.nextRefreshIn(), "the last viewer gone: slow again");
            rig.vga.close();
            assertEquals(-1, rig.vga.nextRefreshIn());
        } finally {
            rig.lock.unlock();
        }
        rig.poke(0xB8000, 'Q');
        assertTrue(rig.vga.screenText().startsWith("Q"), "screen text renders on demand");
    }

    @Test
    void blankedScreenIsDrawnOnceAndUnblankingRedraws() {
        VgaTestRig rig = textRig();
        rig.poke(0xB8000, 'X');
        rig.poke(0xB8001, 0x0F);
        rig.vga.refresh();
        int[] px = new int[1];
        List<int[]> updates = listen(rig);
        rig.out(0x3C4, 0x01);
        int seq1 = rig.in(0x3C5);
        rig.out(0x3C5, seq1 | 0x20);                             // sequencer: screen off
        rig.vga.refresh();
        assertEquals(1, updates.size(), "blanking clears the picture once");
        updates.clear();
        rig.vga.refresh();
        rig.vga.refresh();
        assertTrue(updates.isEmpty(), "a blank screen costs nothing per frame");
        rig.vga.copyPixels(0, 0, 1, 1, px, 0, 1);
        assertEquals(0xFF000000, px[0]);
        rig.out(0x3C4, 0x01);
        rig.out(0x3C5, seq1 & ~0x20);
        rig.vga.refresh();
        assertEquals(25, updates.size(), "unblanking redraws the text, row by row");
    }
}
