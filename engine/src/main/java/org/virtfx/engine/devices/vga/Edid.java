package org.virtfx.engine.devices.vga;

import java.nio.charset.StandardCharsets;

/**
 * The 128-byte EDID 1.3 block the std VGA exposes at BAR2 offset 0 (Linux's bochs driver reads it to list modes): a
 * digital monitor "VirtFX" preferring 1024x768@60, with 640x480/800x600/1024x768 established timings and range limits
 * wide enough for every VBE mode up to 2560x1600.
 */
final class Edid {
    private Edid() {
    }

    static byte[] block() {
        int[] e = new int[128];
        int[] header = {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
        System.arraycopy(header, 0, e, 0, 8);
        int vendor = ('V' - '@') << 10 | ('F' - '@') << 5 | ('X' - '@');
        e[8] = vendor >> 8;
        e[9] = vendor & 0xFF;
        e[10] = 0x34;          // product code 0x1234, little-endian
        e[11] = 0x12;
        e[16] = 1;             // week
        e[17] = 2025 - 1990;   // year
        e[18] = 1;             // EDID 1.3
        e[19] = 3;
        e[20] = 0x80;          // digital input
        e[21] = 40;            // 40 x 30 cm
        e[22] = 30;
        e[23] = 120;           // gamma 2.2
        e[24] = 0x0A;          // RGB colour, preferred timing in descriptor 1
        int[] chroma = {0xEE, 0x91, 0xA3, 0x54, 0x4C, 0x99, 0x26, 0x0F, 0x50, 0x54};
        System.arraycopy(chroma, 0, e, 25, 10);
        e[35] = 0x21;          // 640x480@60, 800x600@60
        e[36] = 0x08;          // 1024x768@60
        for (int i = 38; i < 54; i++) {
            e[i] = 0x01;       // no standard timings
        }
        // Descriptor 1: 1024x768@60, 65 MHz, VESA DMT timing.
        int[] dtd = {0x64, 0x19, 0x00, 0x40, 0x41, 0x00, 0x26, 0x30, 0x18, 0x88, 0x36, 0x00, 0x90, 0x2C, 0x11, 0, 0, 0x18};
        System.arraycopy(dtd, 0, e, 54, 18);
        // Descriptor 2: monitor name.
        text(e, 72, 0xFC, "VirtFX");
        // Descriptor 3: range limits 50-125 Hz, 30-160 kHz, 400 MHz.
        int[] range = {0, 0, 0, 0xFD, 0, 50, 125, 30, 160, 40, 0x00, 0x0A, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20};
        System.arraycopy(range, 0, e, 90, 18);
        // Descriptor 4: dummy.
        e[111] = 0x10;
        int sum = 0;
        for (int i = 0; i < 127; i++) {
            sum += e[i];
        }
        e[127] = (256 - (sum & 0xFF)) & 0xFF;
        byte[] b = new byte[128];
        for (int i = 0; i < 128; i++) {
            b[i] = (byte) e[i];
        }
        return b;
    }

    private static void text(int[] e, int off, int tag, String s) {
        e[off + 3] = tag;
        byte[] chars = (s + "\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 13; i++) {
            e[off + 5 + i] = i < chars.length ? chars[i] : 0x20;
        }
    }
}
