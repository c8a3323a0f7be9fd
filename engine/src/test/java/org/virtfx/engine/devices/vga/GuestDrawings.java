package org.virtfx.engine.devices.vga;

/**
 * The drawings of the nasm guest programs in {@code src/test/nasm/vga-*.asm}, performed through the same ports and
 * memory stores so the device can be checked without a CPU. {@link ExpectedPictures} describes the intended result by
 * geometry alone.
 */
final class GuestDrawings {
    private GuestDrawings() {
    }

    /** Mode 13h: an 8-row x 16-column grid of colours from a 3-3-2 style DAC ramp, framed in colour 255. */
    static void mode13(VgaTestRig rig) {
        rig.setMode(0x63, VgaTestRig.MODE13_SEQ, VgaTestRig.MODE13_CRTC, VgaTestRig.MODE13_GC, VgaTestRig.MODE13_ATTR);
        rig.out(0x3C8, 0);
        for (int i = 0; i < 256; i++) {
            rig.out(0x3C9, (i & 7) * 9);
            rig.out(0x3C9, ((i >> 3) & 7) * 9);
            rig.out(0x3C9, (i >> 6) * 21);
        }
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 320; x++) {
                boolean border = x == 0 || x == 319 || y == 0 || y == 199;
                rig.poke(0xA0000 + y * 320 + x, border ? 255 : (x / 20 + (y / 25) * 16) & 0xFF);
            }
        }
    }

    static final int[][] EGA_DAC = {{0, 0, 0}, {0, 0, 42}, {0, 42, 0}, {0, 42, 42}, {42, 0, 0}, {42, 0, 42}, {42, 21, 0},
        {42, 42, 42}, {21, 21, 21}, {21, 21, 63}, {21, 63, 21}, {21, 63, 63}, {63, 21, 21}, {63, 21, 63}, {63, 63, 21},
        {63, 63, 63}};

    /** Mode 12h: 16 bars (write mode 2), a white diagonal (set/reset + bit mask), a yellow frame (write mode 3). */
    static void mode12(VgaTestRig rig) {
        rig.setMode(0xE3, VgaTestRig.MODE12_SEQ, VgaTestRig.MODE12_CRTC, VgaTestRig.MODE12_GC, VgaTestRig.MODE12_ATTR);
        for (int c = 0; c < 16; c++) {
            rig.setDac(VgaTestRig.MODE12_ATTR[c], EGA_DAC[c][0], EGA_DAC[c][1], EGA_DAC[c][2]);
        }
        gc(rig, 5, 0x02);          // write mode 2
        gc(rig, 8, 0xFF);
        for (int y = 0; y < 480; y++) {
            for (int xb = 0; xb < 80; xb++) {
                rig.poke(0xA0000 + y * 80 + xb, xb / 5);
            }
        }
        gc(rig, 5, 0x00);          // write mode 0 with set/reset = 15 on all planes
        gc(rig, 0, 0x0F);
        gc(rig, 1, 0x0F);
        for (int i = 0; i < 480; i++) {
            int addr = 0xA0000 + i * 80 + (i >> 3);
            gc(rig, 8, 0x80 >> (i & 7));
            rig.peek(addr);        // load the latches so the other bits keep their colour
            rig.poke(addr, 0);
        }
        gc(rig, 1, 0x00);
        gc(rig, 5, 0x03);          // write mode 3: set/reset colour, CPU byte as bit mask
        gc(rig, 0, 14);
        gc(rig, 8, 0xFF);
        for (int y : new int[] {100, 379}) {
            for (int xb = 13; xb <= 66; xb++) {
                rig.peek(0xA0000 + y * 80 + xb);
                rig.poke(0xA0000 + y * 80 + xb, 0xFF);
            }
        }
        gc(rig, 5, 0x00);
        gc(rig, 0, 0x00);
    }

    /** 1024x768x32 through DISPI and the 64 KiB bank window: an R/G gradient with a white box in the middle. */
    static void vbe1024(VgaTestRig rig) {
        rig.dispi(VbeDispi.INDEX_ID, 0xB0C5);
        rig.dispi(VbeDispi.INDEX_ENABLE, 0);
        rig.dispi(VbeDispi.INDEX_XRES, 1024);
        rig.dispi(VbeDispi.INDEX_YRES, 768);
        rig.dispi(VbeDispi.INDEX_BPP, 32);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED | VbeDispi.LFB_ENABLED);
        int bank = -1;
        for (int y = 0; y < 768; y++) {
            for (int x = 0; x < 1024; x++) {
                int offset = (y * 1024 + x) * 4;
                if (offset >> 16 != bank) {
                    bank = offset >> 16;
                    rig.dispi(VbeDispi.INDEX_BANK, bank);
                }
                boolean box = x >= 412 && x < 612 && y >= 334 && y < 434;
                int rgb = box ? 0xFFFFFF : (x * 255 / 1023) << 16 | (y * 255 / 767) << 8 | 0x80;
                rig.mmio.write(0xA0000 + (offset & 0xFFFF), 4, rgb);
            }
        }
    }

    private static void gc(VgaTestRig rig, int index, int value) {
        rig.out(0x3CE, index);
        rig.out(0x3CF, value);
    }
}
