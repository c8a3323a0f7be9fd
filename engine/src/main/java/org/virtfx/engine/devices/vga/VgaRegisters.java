package org.virtfx.engine.devices.vga;

import java.io.IOException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.VirtualClock;

/**
 * The legacy VGA register file behind ports 0x3B0-0x3DF: miscellaneous output, sequencer, CRT controller, graphics
 * controller, attribute controller (with its index/data flip-flop) and the DAC. It also answers input status 1 from
 * the virtual clock, so guests polling for vertical retrace see it come and go at 60 Hz.
 *
 * <p>Every write that can change what the screen shows bumps {@link #displayVersion()}; writes that only steer
 * memory access (map mask, bit mask, set/reset ...) do not, so a guest drawing with the planar ALU does not force full
 * redraws.
 */
final class VgaRegisters {
    static final int SEQ_COUNT = 8;
    static final int GC_COUNT = 16;
    static final int CRTC_COUNT = 0x19;
    static final int ATTR_COUNT = 0x15;

    // 640x480@60: 525 lines of 31.78 us; active 480, vertical retrace in lines 490-491.
    private static final long LINE_NS = 31_778;
    private static final int TOTAL_LINES = 525;
    private static final int ACTIVE_LINES = 480;
    private static final int RETRACE_START = 490;
    private static final int RETRACE_END = 492;
    private static final long ACTIVE_LINE_NS = 25_422;

    final int[] seq = new int[SEQ_COUNT];
    final int[] gc = new int[GC_COUNT];
    final int[] crtc = new int[0x40];
    final int[] attr = new int[0x20];
    /** 256 entries of R, G, B as stored: 6-bit, or 8-bit while the VBE 8-bit DAC is on. */
    final int[] dac = new int[256 * 3];
    int misc;
    int seqIndex;
    int gcIndex;
    int crtcIndex;
    int attrIndex;
    boolean attrFlipFlopData;
    int dacWriteIndex;
    int dacReadIndex;
    int dacComponent;
    boolean dacLastRead;
    int dacMask = 0xFF;
    int featureControl;
    int videoEnable = 1;
    /** Set while the VBE 8-bit DAC mode is enabled: DAC values keep all 8 bits. */
    boolean dac8Bit;

    private final VirtualClock clock;
    private int displayVersion;
    private int paletteVersion;

    VgaRegisters(VirtualClock clock) {
        this.clock = clock;
        reset();
    }

    void reset() {
        java.util.Arrays.fill(seq, 0);
        java.util.Arrays.fill(gc, 0);
        java.util.Arrays.fill(crtc, 0);
        java.util.Arrays.fill(attr, 0);
        java.util.Arrays.fill(dac, 0);
        misc = 0;
        seqIndex = gcIndex = crtcIndex = attrIndex = 0;
        attrFlipFlopData = false;
        dacWriteIndex = dacReadIndex = dacComponent = 0;
        dacLastRead = false;
        dacMask = 0xFF;
        featureControl = 0;
        videoEnable = 1;
        dac8Bit = false;
        displayVersion++;
        paletteVersion++;
    }

    /** Changes whenever a register that affects the picture changes. */
    int displayVersion() {
        return displayVersion;
    }

    /** Changes whenever the DAC or attribute palette changes. */
    int paletteVersion() {
        return paletteVersion;
    }

    void touchDisplay() {
        displayVersion++;
    }

    boolean colorEmulation() {
        return (misc & 1) != 0;
    }

    // ------------------------------------------------------------------ port I/O

    /** Reads one byte at {@code port} (0x3B0-0x3DF); ports of the inactive mono/colour set read 0xFF. */
    int read(int port) {
        if (isInactiveCrtcPort(port)) {
            return 0xFF;
        }
        switch (port) {
            case 0x3C0:
                return attrIndex;
            case 0x3C1:
                return (attrIndex & 0x1F) < ATTR_COUNT ? attr[attrIndex & 0x1F] : 0;
            case 0x3C2:
                return 0x10; // input status 0: switch sense (monitor present)
            case 0x3C3:
                return videoEnable;
            case 0x3C4:
                return seqIndex;
            case 0x3C5:
                return seq[seqIndex & (SEQ_COUNT - 1)];
            case 0x3C6:
                return dacMask;
            case 0x3C7:
                return dacLastRead ? 0x03 : 0x00;
            case 0x3C8:
                return dacWriteIndex;
            case 0x3C9: {
                int v = dac[dacReadIndex * 3 + dacComponent];
                dacLastRead = true;
                if (++dacComponent == 3) {
                    dacComponent = 0;
                    dacReadIndex = (dacReadIndex + 1) & 0xFF;
                }
                return v;
            }
            case 0x3CA:
                return featureControl;
            case 0x3CC:
                return misc;
            case 0x3CE:
                return gcIndex;
            case 0x3CF:
                return gc[gcIndex & (GC_COUNT - 1)];
            case 0x3B4, 0x3D4:
                return crtcIndex;
            case 0x3B5, 0x3D5:
                return crtcIndex < CRTC_COUNT ? crtc[crtcIndex] : 0xFF;
            case 0x3BA, 0x3DA:
                attrFlipFlopData = false;
                return inputStatus1();
            default:
                return 0xFF;
        }
    }

    void write(int port, int value) {
        value &= 0xFF;
        if (isInactiveCrtcPort(port)) {
            return;
        }
        switch (port) {
            case 0x3C0 -> writeAttribute(value);
            case 0x3C2 -> {
                misc = value;
                displayVersion++;
            }
            case 0x3C3 -> videoEnable = value & 1;
            case 0x3C4 -> seqIndex = value & (SEQ_COUNT - 1);
            case 0x3C5 -> {
                int i = seqIndex & (SEQ_COUNT - 1);
                seq[i] = value;
                if (i != 2) { // the map mask only steers writes
                    displayVersion++;
                }
            }
            case 0x3C6 -> {
                dacMask = value;
                paletteVersion++;
            }
            case 0x3C7 -> {
                dacReadIndex = value;
                dacComponent = 0;
                dacLastRead = true;
            }
            case 0x3C8 -> {
                dacWriteIndex = value;
                dacComponent = 0;
                dacLastRead = false;
            }
            case 0x3C9 -> {
                dac[dacWriteIndex * 3 + dacComponent] = dac8Bit ? value : value & 0x3F;
                dacLastRead = false;
                paletteVersion++;
                if (++dacComponent == 3) {
                    dacComponent = 0;
                    dacWriteIndex = (dacWriteIndex + 1) & 0xFF;
                }
            }
            case 0x3CE -> gcIndex = value & (GC_COUNT - 1);
            case 0x3CF -> {
                int i = gcIndex & (GC_COUNT - 1);
                int old = gc[i];
                gc[i] = value;
                // Only the shift mode (5), memory map (6) and the colour plane handling change the picture.
                if ((i == 5 && ((old ^ value) & 0x60) != 0) || i == 6) {
                    displayVersion++;
                }
            }
            case 0x3B4, 0x3D4 -> crtcIndex = value & 0x3F;
            case 0x3B5, 0x3D5 -> writeCrtc(value);
            case 0x3BA, 0x3DA -> featureControl = value;
            default -> {
                // 0x3B0-0x3B3, 0x3B6-0x3B9, 0x3CB, 0x3CD ...: not decoded by a VGA
            }
        }
    }

    private boolean isInactiveCrtcPort(int port) {
        boolean mono = port >= 0x3B0 && port <= 0x3BF;
        boolean color = port >= 0x3D0 && port <= 0x3DF;
        return (mono && colorEmulation()) || (color && !colorEmulation());
    }

    private void writeAttribute(int value) {
        if (!attrFlipFlopData) {
            int old = attrIndex;
            attrIndex = value & 0x3F;
            if (((old ^ attrIndex) & 0x20) != 0) {
                displayVersion++; // palette address source: screen on/off
            }
        } else {
            int i = attrIndex & 0x1F;
            if (i < ATTR_COUNT) {
                attr[i] = i < 16 ? value & 0x3F : value;
                displayVersion++;
                paletteVersion++;
            }
        }
        attrFlipFlopData = !attrFlipFlopData;
    }

    private void writeCrtc(int value) {
        int i = crtcIndex;
        if (i >= CRTC_COUNT) {
            return;
        }
        if ((crtc[0x11] & 0x80) != 0 && i <= 7) {
            // Write protect: registers 0-7 are locked except the line compare bit 8 in the overflow register.
            if (i == 7) {
                crtc[7] = (crtc[7] & ~0x10) | (value & 0x10);
                displayVersion++;
            }
            return;
        }
        crtc[i] = value;
        if (i != 0x0E && i != 0x0F) {
            displayVersion++; // the text renderer follows the cursor registers by itself
        }
    }

    private int inputStatus1() {
        long t = clock.nanos() % (LINE_NS * TOTAL_LINES);
        int line = (int) (t / LINE_NS);
        boolean vretrace = line >= RETRACE_START && line < RETRACE_END;
        boolean blank = line >= ACTIVE_LINES || t % LINE_NS >= ACTIVE_LINE_NS;
        return (vretrace ? 0x08 : 0) | (blank ? 0x01 : 0);
    }

    // ------------------------------------------------------------------ derived values used by renderers and memory

    boolean graphicsMode() {
        return (gc[6] & 1) != 0;
    }

    /** The screen is blanked while the palette address source bit is clear or the sequencer turned the screen off. */
    boolean screenOff() {
        return (attrIndex & 0x20) == 0 || (seq[1] & 0x20) != 0;
    }

    int startAddress() {
        return crtc[0x0C] << 8 | crtc[0x0D];
    }

    int cursorAddress() {
        return crtc[0x0E] << 8 | crtc[0x0F];
    }

    int verticalDisplayEnd() {
        return crtc[0x12] | (crtc[7] & 0x02) << 7 | (crtc[7] & 0x40) << 3;
    }

    int lineCompare() {
        return crtc[0x18] | (crtc[7] & 0x10) << 4 | (crtc[9] & 0x40) << 3;
    }

    int maxScanLine() {
        return crtc[9] & 0x1F;
    }

    boolean doubleScan() {
        return (crtc[9] & 0x80) != 0;
    }

    /** Characters per row (CRTC horizontal display end + 1). */
    int horizontalChars() {
        return crtc[1] + 1;
    }

    /** Address counter increment per character row / scan-line group. */
    int rowStep() {
        return crtc[0x13] << 1;
    }

    /** Converts a CRT address counter value to a plane offset (double-word, word or byte addressing). */
    int memoryAddress(int counter) {
        if ((crtc[0x14] & 0x40) != 0) {
            return counter << 2;
        }
        if ((crtc[0x17] & 0x40) == 0) {
            int wrapBit = (crtc[0x17] & 0x20) != 0 ? 15 : 13;
            return (counter << 1) | ((counter >> wrapBit) & 1);
        }
        return counter;
    }

    /** Applies the CGA/Hercules scan-line address substitution of CRTC mode control bits 0 and 1. */
    int scanLineAddress(int address, int scanInRow) {
        if ((crtc[0x17] & 0x01) == 0) {
            address = (address & ~0x2000) | (scanInRow & 1) << 13;
        }
        if ((crtc[0x17] & 0x02) == 0) {
            address = (address & ~0x4000) | (scanInRow & 2) << 13;
        }
        return address;
    }

    /** 0xFFRRGGBB for DAC entry {@code index} after the pixel mask. */
    int dacColor(int index) {
        int i = (index & dacMask) * 3;
        int r = dac[i];
        int g = dac[i + 1];
        int b = dac[i + 2];
        if (!dac8Bit) {
            r = (r << 2) | (r >> 4);
            g = (g << 2) | (g >> 4);
            b = (b << 2) | (b >> 4);
        }
        return 0xFF000000 | r << 16 | g << 8 | b;
    }

    /** The DAC index an attribute-controller colour (0-15) selects: palette, colour select and P5/P4 select. */
    int attributeToDac(int color) {
        int v = attr[color & 0x0F];
        int mode = attr[0x10];
        int colorSelect = attr[0x14];
        if ((mode & 0x80) != 0) {
            v = (v & 0x0F) | (colorSelect & 0x03) << 4;
        }
        return (v & 0x3F) | (colorSelect & 0x0C) << 4;
    }

    // ------------------------------------------------------------------ state

    void save(StateWriter out) throws IOException {
        out.writeInts(seq).writeInts(gc).writeInts(crtc).writeInts(attr).writeInts(dac);
        out.writeInt(misc).writeInt(seqIndex).writeInt(gcIndex).writeInt(crtcIndex).writeInt(attrIndex);
        out.writeBoolean(attrFlipFlopData).writeInt(dacWriteIndex).writeInt(dacReadIndex).writeInt(dacComponent);
        out.writeBoolean(dacLastRead).writeInt(dacMask).writeInt(featureControl).writeInt(videoEnable).writeBoolean(dac8Bit);
    }

    void load(StateReader in) throws IOException {
        copyChecked(in.readInts(), seq, 0xFF);
        copyChecked(in.readInts(), gc, 0xFF);
        copyChecked(in.readInts(), crtc, 0xFF);
        copyChecked(in.readInts(), attr, 0xFF);
        copyChecked(in.readInts(), dac, 0xFF);
        misc = in.readInt() & 0xFF;
        seqIndex = in.readInt() & (SEQ_COUNT - 1);
        gcIndex = in.readInt() & (GC_COUNT - 1);
        crtcIndex = in.readInt() & 0x3F;
        attrIndex = in.readInt() & 0x3F;
        attrFlipFlopData = in.readBoolean();
        dacWriteIndex = in.readInt() & 0xFF;
        dacReadIndex = in.readInt() & 0xFF;
        dacComponent = Math.floorMod(in.readInt(), 3);
        dacLastRead = in.readBoolean();
        dacMask = in.readInt() & 0xFF;
        featureControl = in.readInt() & 0xFF;
        videoEnable = in.readInt() & 1;
        dac8Bit = in.readBoolean();
        displayVersion++;
        paletteVersion++;
    }

    private static void copyChecked(int[] src, int[] dst, int mask) throws IOException {
        if (src.length != dst.length) {
            throw new org.virtfx.engine.snapshot.SnapshotFormatException(
                    "VGA register array of " + src.length + " entries, expected " + dst.length);
        }
        for (int i = 0; i < dst.length; i++) {
            dst[i] = src[i] & mask;
        }
    }
}
