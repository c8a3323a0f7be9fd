package org.virtfx.engine.devices.vga;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * Video memory and the CPU's access paths into it.
 *
 * <p>Layout: the four VGA planes are interleaved byte by byte, so plane {@code p} at plane offset {@code o} is byte
 * {@code 4*o + p}. Planar reads/writes then touch four neighbouring bytes, and the VBE linear framebuffer (BAR0, the
 * banked window) is simply the byte array read straight. Chain-4 maps window address {@code a} to plane {@code a & 3}
 * at plane offset {@code a & ~3} and odd/even maps it to plane {@code a & 1} at offset {@code a & ~1}, as the hardware
 * does; the CRTC addressing modes in {@link VgaRegisters#memoryAddress} undo that when scanning out.
 *
 * <p>Every write marks its 4 KiB page dirty; renderers read and clear the bitmap, so an unchanged screen costs a
 * bitmap scan per frame and nothing else.
 *
 * <p>On a board, VRAM is a slice of the guest RAM segment ({@link GuestMemory}), so that the linear framebuffer and
 * the VBE bank window can be mapped as RAM and the vCPU writes them on its TLB fast path, without the device lock.
 * Those writes land in the guest RAM's dirty bitmap; {@link #collectDirty} moves them into this one before a frame
 * is rendered.
 */
final class VgaMemory {
    static final int PAGE_SHIFT = 12;
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The video memory: a slice of guest RAM on a board, a private segment otherwise. */
    final MemorySegment vram;
    private final int size;
    /** Where CPU writes made without this class are tracked (null: there are none). */
    private final GuestMemory backing;
    private final long backingOffset;
    private final long[] dirty;
    private final VgaRegisters regs;
    private final VbeDispi vbe;
    /** The four latches, plane 0 in the low byte. */
    private int latch;
    /** Plane 2 (fonts) was written since the last {@link #clearDirty}: text renderers re-read fonts only then. */
    private boolean plane2Written = true;
    /** Pages written since the last {@link #reset} (all of them after a snapshot load): what a reset must zero. */
    private final long[] written;
    /** Some bit of {@link #dirty} is set. */
    private boolean anyDirty = true;

    /** Private VRAM of {@code size} bytes, reachable only through this class. */
    VgaMemory(int size, VgaRegisters regs, VbeDispi vbe) {
        this(null, 0, size, regs, vbe);
    }

    /**
     * VRAM at {@code [backingOffset, backingOffset+size)} of {@code backing} (page-aligned), or private memory when
     * {@code backing} is null.
     */
    VgaMemory(GuestMemory backing, long backingOffset, int size, VgaRegisters regs, VbeDispi vbe) {
        this.size = size;
        this.backing = backing;
        this.backingOffset = backingOffset;
        this.vram = backing != null ? backing.slice(backingOffset, size) : Arena.ofAuto().allocate(size, 8);
        this.dirty = new long[(size >> PAGE_SHIFT) + 63 >> 6];
        this.written = new long[dirty.length];
        this.regs = regs;
        this.vbe = vbe;
    }

    int size() {
        return size;
    }

    /** The guest RAM VRAM lives in (null when private), and its offset there. */
    GuestMemory backing() {
        return backing;
    }

    long backingOffset() {
        return backingOffset;
    }

    /**
     * Zeroes video memory. Only pages ever written are touched: on a board VRAM is lazily committed guest RAM, and
     * filling all 16 MiB would commit them for a guest that may never leave text mode.
     */
    void reset() {
        collectDirty();
        for (int w = 0; w < written.length; w++) {
            long bits = written[w];
            while (bits != 0) {
                int page = w * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                vram.asSlice((long) page << PAGE_SHIFT, 1 << PAGE_SHIFT).fill((byte) 0);
            }
        }
        java.util.Arrays.fill(written, 0L);
        latch = 0;
        markAllDirty();
    }

    /** Zeroes {@code [offset, offset+length)} (clipped to VRAM) and marks it dirty. */
    void clear(int offset, int length) {
        int from = Math.max(0, offset);
        int to = (int) Math.min(size, Math.max(0L, (long) offset + length));
        if (to > from) {
            vram.asSlice(from, to - from).fill((byte) 0);
            markDirtyRange(from, to - from);
            plane2Written = true;
        }
    }

    /**
     * Takes the pages the vCPU wrote directly (RAM-mapped framebuffer or bank window) from the guest RAM's dirty
     * bitmap into this one. Called once per frame before rendering.
     */
    void collectDirty() {
        if (backing == null) {
            return;
        }
        long[] bits = backing.fetchAndClearDirty(backingOffset, size);
        for (int i = 0; i < bits.length; i++) {
            if (bits[i] != 0) {
                dirty[i] |= bits[i];
                written[i] |= bits[i];
                anyDirty = true;
                // Fonts are in plane 2 at plane offsets below 64 KiB: VRAM's first 256 KiB, the 64 pages of word 0.
                plane2Written |= i == 0;
            }
        }
    }

    // ------------------------------------------------------------------ dirty pages

    void markDirty(int offset) {
        int page = offset >>> PAGE_SHIFT;
        dirty[page >> 6] |= 1L << page;
        written[page >> 6] |= 1L << page;
        anyDirty = true;
    }

    void markDirtyRange(int offset, int length) {
        if (length <= 0) {
            return;
        }
        int first = offset >>> PAGE_SHIFT;
        int last = (offset + length - 1) >>> PAGE_SHIFT;
        for (int p = first; p <= last; p++) {
            dirty[p >> 6] |= 1L << p;
            written[p >> 6] |= 1L << p;
        }
        anyDirty = true;
    }

    void markAllDirty() {
        java.util.Arrays.fill(dirty, -1L);
        plane2Written = true;
        anyDirty = true;
    }

    /** Whether any page was written since the last {@link #clearDirty}: an idle frame stops here. */
    boolean anyDirty() {
        return anyDirty;
    }

    boolean plane2Written() {
        return plane2Written;
    }

    /** Whether any page overlapping {@code [offset, offset+length)} was written since the last {@link #clearDirty}. */
    boolean isDirty(int offset, int length) {
        if (length <= 0) {
            return false;
        }
        int first = Math.max(0, offset) >>> PAGE_SHIFT;
        int last = Math.min(size - 1, offset + length - 1) >>> PAGE_SHIFT;
        for (int p = first; p <= last; p++) {
            if ((dirty[p >> 6] & (1L << p)) != 0) {
                return true;
            }
        }
        return false;
    }

    void clearDirty() {
        if (anyDirty) {
            java.util.Arrays.fill(dirty, 0L);
        }
        plane2Written = false;
        anyDirty = false;
    }

    // ------------------------------------------------------------------ plane helpers

    int plane(int plane, int offset) {
        return vram.get(ValueLayout.JAVA_BYTE, ((offset << 2) | plane) & (size - 1)) & 0xFF;
    }

    /** The four plane bytes at {@code offset}, plane 0 in the low byte. */
    int planes(int offset) {
        return vram.get(LE_INT, (offset << 2) & (size - 4));
    }

    // ------------------------------------------------------------------ the 0xA0000-0xBFFFF window

    /** Maps a window offset (0 = 0xA0000) through the memory map select; -1 when outside the decoded range. */
    private int windowOffset(int addr) {
        switch ((regs.gc[6] >> 2) & 3) {
            case 0:
                return addr;
            case 1:
                if (addr >= 0x10000) {
                    return -1;
                }
                // 4-bit VBE modes are planar: the DISPI bank selects 64 KiB of plane offsets.
                return vbe.enabled() ? (vbe.bankOffset() + addr) & ((size >> 2) - 1) : addr;
            case 2:
                return addr >= 0x10000 && addr < 0x18000 ? addr - 0x10000 : -1;
            default:
                return addr >= 0x18000 ? addr - 0x18000 : -1;
        }
    }

    int readWindow(int addr) {
        if (vbe.enabled() && vbe.bpp() > 4) {
            if (addr >= 0x10000) {
                return 0xFF;
            }
            return vram.get(ValueLayout.JAVA_BYTE, (vbe.bankOffset() + addr) & (size - 1)) & 0xFF;
        }
        int off = windowOffset(addr);
        if (off < 0) {
            return 0xFF;
        }
        if ((regs.seq[4] & 0x08) != 0) { // chain 4
            latch = planes(off & ~3);
            return plane(off & 3, off & ~3);
        }
        if ((regs.gc[5] & 0x10) != 0) { // host odd/even
            int p = (regs.gc[4] & 2) | (off & 1);
            latch = planes(off & ~1);
            return plane(p, off & ~1);
        }
        latch = planes(off);
        if ((regs.gc[5] & 0x08) == 0) {
            return (latch >>> ((regs.gc[4] & 3) * 8)) & 0xFF;
        }
        // Read mode 1: colour compare over the planes the colour-don't-care register selects.
        int compare = regs.gc[2] & 0x0F;
        int care = regs.gc[7] & 0x0F;
        int result = 0xFF;
        for (int p = 0; p < 4; p++) {
            if ((care & (1 << p)) != 0) {
                int planeByte = (latch >>> (p * 8)) & 0xFF;
                int want = (compare & (1 << p)) != 0 ? 0xFF : 0x00;
                result &= ~(planeByte ^ want);
            }
        }
        return result & 0xFF;
    }

    void writeWindow(int addr, int value) {
        value &= 0xFF;
        if (vbe.enabled() && vbe.bpp() > 4) {
            if (addr < 0x10000) {
                int o = (vbe.bankOffset() + addr) & (size - 1);
                vram.set(ValueLayout.JAVA_BYTE, o, (byte) value);
                markDirty(o);
                plane2Written |= (o & 3) == 2;
            }
            return;
        }
        int off = windowOffset(addr);
        if (off < 0) {
            return;
        }
        int mapMask = regs.seq[2] & 0x0F;
        if ((regs.seq[4] & 0x08) != 0) { // chain 4: no ALU, the low address bits pick the plane
            int p = off & 3;
            if ((mapMask & (1 << p)) != 0) {
                int o = (((off & ~3) << 2) | p) & (size - 1);
                vram.set(ValueLayout.JAVA_BYTE, o, (byte) value);
                markDirty(o);
                plane2Written |= p == 2;
            }
            return;
        }
        int planeMask = mapMask;
        if ((regs.seq[4] & 0x04) == 0) { // odd/even: even addresses to planes 0/2, odd to 1/3
            planeMask &= (off & 1) != 0 ? 0x0A : 0x05;
            off &= ~1;
        }
        int result = applyWriteMode(value);
        int o = (off << 2) & (size - 4);
        int old = vram.get(LE_INT, o);
        int keep = 0;
        for (int p = 0; p < 4; p++) {
            if ((planeMask & (1 << p)) == 0) {
                keep |= 0xFF << (p * 8);
            }
        }
        vram.set(LE_INT, o, (old & keep) | (result & ~keep));
        markDirty(o);
        plane2Written |= (planeMask & 4) != 0;
    }

    /** The 32-bit value (one byte per plane) the graphics controller produces for a CPU write of {@code value}. */
    private int applyWriteMode(int value) {
        int mode = regs.gc[5] & 3;
        int rotate = regs.gc[3] & 7;
        int function = (regs.gc[3] >> 3) & 3;
        int bitMask = regs.gc[8] & 0xFF;
        int setReset = expand(regs.gc[0] & 0x0F);
        int rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xFF;
        int data;
        switch (mode) {
            case 1:
                return latch;
            case 2:
                data = expand(value & 0x0F);
                break;
            case 3:
                bitMask &= rotated;
                data = setReset;
                break;
            default: {
                int enable = expand(regs.gc[1] & 0x0F);
                data = (rotated * 0x01010101) & ~enable | setReset & enable;
                break;
            }
        }
        data = switch (function) {
            case 1 -> data & latch;
            case 2 -> data | latch;
            case 3 -> data ^ latch;
            default -> data;
        };
        int mask = bitMask * 0x01010101;
        return (data & mask) | (latch & ~mask);
    }

    /** Turns a 4-bit per-plane value into 0x00/0xFF bytes per plane. */
    private static int expand(int bits) {
        int v = 0;
        for (int p = 0; p < 4; p++) {
            if ((bits & (1 << p)) != 0) {
                v |= 0xFF << (p * 8);
            }
        }
        return v;
    }

    // ------------------------------------------------------------------ linear framebuffer (BAR0)

    long readLinear(long offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            long o = offset + i;
            v = (v << 8) | (o >= 0 && o < this.size ? vram.get(ValueLayout.JAVA_BYTE, o) & 0xFF : 0xFF);
        }
        return v;
    }

    void writeLinear(long offset, int size, long value) {
        if (offset < 0 || offset + size > this.size) {
            return;
        }
        int o = (int) offset;
        if (size == 4) {
            vram.set(LE_INT, o, (int) value);
        } else {
            for (int i = 0; i < size; i++) {
                vram.set(ValueLayout.JAVA_BYTE, o + i, (byte) (value >>> (8 * i)));
            }
        }
        markDirtyRange(o, size);
        plane2Written = true;
    }

    // ------------------------------------------------------------------ state

    void save(StateWriter out) throws IOException {
        // VRAM is mostly zero or repetitive: deflate it so a snapshot does not carry 16 MiB of nothing.
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setInput(vram.asByteBuffer());
        deflater.finish();
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!deflater.finished()) {
            packed.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        out.writeInt(size).writeBytes(packed.toByteArray()).writeInt(latch);
    }

    void load(StateReader in) throws IOException {
        int size = in.readInt();
        if (size != this.size) {
            throw new SnapshotFormatException("saved VGA memory has " + size + " bytes, this device has " + this.size);
        }
        java.nio.ByteBuffer target = vram.asByteBuffer();
        Inflater inflater = new Inflater();
        inflater.setInput(in.readBytes());
        try {
            while (target.hasRemaining() && !inflater.finished()) {
                int got = inflater.inflate(target);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (target.hasRemaining()) {
                throw new SnapshotFormatException("saved VGA memory is truncated (" + target.position() + " of " + size
                        + " bytes)");
            }
        } catch (DataFormatException e) {
            throw new SnapshotFormatException("saved VGA memory is corrupt: " + e.getMessage());
        } finally {
            inflater.end();
        }
        latch = in.readInt();
        java.util.Arrays.fill(written, -1L);
        markAllDirty();
    }
}
