package org.virtfx.engine.devices.vga;

import java.io.IOException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The Bochs VBE "DISPI" interface (index/data at ports 0x1CE/0x1CF and in BAR2 at 0x500): linear 8/15/16/24/32-bit
 * modes up to 2560x1600, a 64 KiB bank window at 0xA0000, virtual width/height and panning offsets. SeaVGABIOS's
 * VBE implementation and Linux's bochs DRM driver program it.
 */
final class VbeDispi {
    static final int INDEX_ID = 0;
    static final int INDEX_XRES = 1;
    static final int INDEX_YRES = 2;
    static final int INDEX_BPP = 3;
    static final int INDEX_ENABLE = 4;
    static final int INDEX_BANK = 5;
    static final int INDEX_VIRT_WIDTH = 6;
    static final int INDEX_VIRT_HEIGHT = 7;
    static final int INDEX_X_OFFSET = 8;
    static final int INDEX_Y_OFFSET = 9;
    static final int INDEX_VIDEO_MEMORY_64K = 10;
    static final int REGISTER_COUNT = 11;

    static final int ID0 = 0xB0C0;
    static final int ID5 = 0xB0C5;
    static final int ENABLED = 0x01;
    static final int GETCAPS = 0x02;
    static final int DAC_8BIT = 0x20;
    static final int LFB_ENABLED = 0x40;
    static final int NOCLEARMEM = 0x80;

    static final int MAX_XRES = 2560;
    static final int MAX_YRES = 1600;
    static final int MAX_BPP = 32;

    private final int[] reg = new int[REGISTER_COUNT];
    private int index;
    private final int vramSize;
    private VgaRegisters vga;
    private VgaMemory memory;
    private int version;

    VbeDispi(int vramSize) {
        this.vramSize = vramSize;
        reset();
    }

    void attach(VgaRegisters registers, VgaMemory mem) {
        this.vga = registers;
        this.memory = mem;
    }

    void reset() {
        java.util.Arrays.fill(reg, 0);
        reg[INDEX_ID] = ID5;
        reg[INDEX_BPP] = 8;
        index = 0;
        version++;
    }

    /** Changes whenever the mode, panning or enable state changes. */
    int version() {
        return version;
    }

    boolean enabled() {
        return (reg[INDEX_ENABLE] & ENABLED) != 0;
    }

    int xres() {
        return reg[INDEX_XRES];
    }

    int yres() {
        return reg[INDEX_YRES];
    }

    int bpp() {
        return reg[INDEX_BPP];
    }

    int bytesPerPixel() {
        return (bpp() + 7) / 8;
    }

    /** Bytes per scan line of the virtual screen. */
    int lineLength() {
        return bpp() == 4 ? reg[INDEX_VIRT_WIDTH] / 2 : reg[INDEX_VIRT_WIDTH] * bytesPerPixel();
    }

    /** VRAM offset of the top-left visible pixel. */
    int startOffset() {
        long off = (long) reg[INDEX_Y_OFFSET] * lineLength()
                + (bpp() == 4 ? reg[INDEX_X_OFFSET] / 2 : (long) reg[INDEX_X_OFFSET] * bytesPerPixel());
        return off < vramSize ? (int) off : 0;
    }

    int bankOffset() {
        return (reg[INDEX_BANK] << 16) & (vramSize - 1);
    }

    int index() {
        return index;
    }

    void writeIndex(int value) {
        index = value & 0xFFFF;
    }

    int readData() {
        if (index >= REGISTER_COUNT) {
            return 0;
        }
        if ((reg[INDEX_ENABLE] & GETCAPS) != 0) {
            switch (index) {
                case INDEX_XRES:
                    return MAX_XRES;
                case INDEX_YRES:
                    return MAX_YRES;
                case INDEX_BPP:
                    return MAX_BPP;
                default:
                    break;
            }
        }
        if (index == INDEX_VIDEO_MEMORY_64K) {
            return vramSize >> 16;
        }
        return reg[index];
    }

    void writeData(int value) {
        value &= 0xFFFF;
        switch (index) {
            case INDEX_ID -> {
                if (value >= ID0 && value <= ID5) {
                    reg[INDEX_ID] = value;
                }
            }
            // Like QEMU, the mode may also change while enabled; the virtual size follows.
            case INDEX_XRES -> {
                if (value <= MAX_XRES) {
                    reg[INDEX_XRES] = value;
                    fixVirtualSize();
                }
            }
            case INDEX_YRES -> {
                if (value <= MAX_YRES) {
                    reg[INDEX_YRES] = value;
                }
            }
            case INDEX_BPP -> {
                reg[INDEX_BPP] = value == 0 ? 8 : value;
                fixVirtualSize();
            }
            case INDEX_BANK -> reg[INDEX_BANK] = value & ((vramSize >> 16) - 1);
            case INDEX_ENABLE -> writeEnable(value);
            case INDEX_VIRT_WIDTH -> {
                if (value >= reg[INDEX_XRES] && value <= 0x4000) {
                    reg[INDEX_VIRT_WIDTH] = value;
                    updateVirtualHeight();
                }
            }
            case INDEX_X_OFFSET, INDEX_Y_OFFSET -> reg[index] = value;
            default -> {
                // VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only; unknown indexes are ignored.
            }
        }
        version++;
    }

    /** A mode the hardware can show: known depth, non-zero size, fits in VRAM. */
    boolean modeValid() {
        int b = bpp();
        if (b != 4 && b != 8 && b != 15 && b != 16 && b != 24 && b != 32) {
            return false;
        }
        if (xres() == 0 || yres() == 0 || xres() > MAX_XRES || yres() > MAX_YRES) {
            return false;
        }
        return (long) lineLength() * yres() + startOffset() <= vramSize;
    }

    private void writeEnable(int value) {
        boolean was = enabled();
        if ((value & ENABLED) != 0 && !was) {
            reg[INDEX_VIRT_WIDTH] = reg[INDEX_XRES];
            reg[INDEX_X_OFFSET] = 0;
            reg[INDEX_Y_OFFSET] = 0;
            reg[INDEX_BANK] = 0;
            reg[INDEX_ENABLE] = value;
            updateVirtualHeight();
            if ((value & NOCLEARMEM) == 0) {
                memory.clear(0, Math.max(0, lineLength() * yres()));
                memory.markAllDirty();
            }
            // Like Bochs/QEMU: put the legacy VGA into a graphics configuration so the 0xA0000 window and the
            // mode decoding agree while VBE is on.
            vga.gc[6] = (vga.gc[6] & ~0x0C) | 0x05;
            vga.crtc[0x17] |= 0x03;
            if (bpp() == 4) {
                vga.gc[5] &= ~0x60;      // planar shift mode
            } else {
                vga.gc[5] = (vga.gc[5] & ~0x60) | 0x40;
                vga.seq[4] |= 0x08;      // chain 4, all planes
                vga.seq[2] |= 0x0F;
            }
        }
        reg[INDEX_ENABLE] = value & (ENABLED | GETCAPS | DAC_8BIT | LFB_ENABLED | NOCLEARMEM);
        vga.dac8Bit = (value & DAC_8BIT) != 0 && (value & ENABLED) != 0;
        vga.touchDisplay();
    }

    private void fixVirtualSize() {
        if (enabled()) {
            reg[INDEX_VIRT_WIDTH] = Math.max(reg[INDEX_VIRT_WIDTH], reg[INDEX_XRES]);
            updateVirtualHeight();
        }
    }

    private void updateVirtualHeight() {
        int line = lineLength();
        reg[INDEX_VIRT_HEIGHT] = line == 0 ? 0 : Math.min(0xFFFF, vramSize / line);
    }

    void save(StateWriter out) throws IOException {
        out.writeInts(reg).writeInt(index);
    }

    void load(StateReader in) throws IOException {
        int[] r = in.readInts();
        if (r.length != REGISTER_COUNT) {
            throw new org.virtfx.engine.snapshot.SnapshotFormatException("VBE register count " + r.length);
        }
        for (int i = 0; i < REGISTER_COUNT; i++) {
            reg[i] = r[i] & 0xFFFF;
        }
        index = in.readInt() & 0xFFFF;
        version++;
    }
}
