package org.virtfx.engine.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Guest RAM: one contiguous off-heap {@link MemorySegment}, either anonymous (mmap'ed lazily by the kernel, so a
 * many-GiB guest costs only the pages it touches) or backed by a file (snapshots, shared memory).
 *
 * <p>Offsets here are RAM offsets, not guest-physical addresses: the platform's address map decides where each part
 * of RAM appears (below the PCI hole, above 4 GiB). Every accessor is bounds-checked, so a device handing in a
 * guest-controlled address can never read or write outside guest RAM; it gets a {@link GuestMemoryException}
 * instead.
 *
 * <p>A per-page dirty bitmap (4 KiB pages) is kept for writes made through this class (devices, DMA, loaders) and,
 * when {@link #setDirtyTracking(boolean) tracking} is on, for writes the vCPU reports with {@link #markDirty}. It is
 * what snapshots and display/VRAM scanners consume with {@link #fetchAndClearDirty}.
 */
public final class GuestMemory implements AutoCloseable {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BITMAP = MethodHandles.arrayElementVarHandle(long[].class);

    private final Arena arena;
    private final MemorySegment segment;
    private final long size;
    private final long[] dirty;
    /** Pages ever written since allocation (sticky, never cleared): what the guest really uses of its RAM. */
    private final long[] touched;
    private final java.util.concurrent.atomic.AtomicLong touchedPages = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean dirtyTracking = true;
    private volatile WriteObserver writeObserver = WriteObserver.NONE;

    /** Told about writes made through this class, e.g. so a vCPU can drop translated code of the pages written. */
    @FunctionalInterface
    public interface WriteObserver {
        WriteObserver NONE = (offset, length) -> { };

        void written(long offset, long length);
    }

    private GuestMemory(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
        this.size = segment.byteSize();
        long pages = (size + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        this.dirty = new long[(int) ((pages + 63) >>> 6)];
        this.touched = new long[dirty.length];
    }

    /** Anonymous RAM of {@code size} bytes (a multiple of 4 KiB), zero-filled, committed lazily by the host. */
    public static GuestMemory allocate(long size) {
        checkSize(size);
        Arena arena = Arena.ofShared();
        try {
            return new GuestMemory(arena, AnonymousMapping.map(size, arena));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** RAM backed by {@code file}, created or extended to {@code size} bytes; writes go to the file (MAP_SHARED). */
    public static GuestMemory mapFile(Path file, long size) throws IOException {
        checkSize(size);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (ch.size() < size) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), size - 1);
            }
            return new GuestMemory(arena, ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static void checkSize(long size) {
        if (size <= 0 || (size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("guest memory size must be a positive multiple of 4 KiB: " + size);
        }
        if ((size >>> PAGE_SHIFT) > Integer.MAX_VALUE * 64L) {
            throw new IllegalArgumentException("guest memory size too large: " + size);
        }
    }

    public long size() {
        return size;
    }

    /** The whole RAM segment, for the vCPU fast path and zero-copy device I/O. Callers must stay in bounds. */
    public MemorySegment segment() {
        return segment;
    }

    public void setWriteObserver(WriteObserver observer) {
        this.writeObserver = Objects.requireNonNull(observer);
    }

    public boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size - length;
    }

    private void check(long offset, long length) {
        if (!contains(offset, length)) {
            throw new GuestMemoryException(offset, length, size);
        }
    }

    public int read8(long offset) {
        check(offset, 1);
        return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    public int read16(long offset) {
        check(offset, 2);
        return segment.get(LE_SHORT, offset) & 0xFFFF;
    }

    public int read32(long offset) {
        check(offset, 4);
        return segment.get(LE_INT, offset);
    }

    public long read64(long offset) {
        check(offset, 8);
        return segment.get(LE_LONG, offset);
    }

    public void write8(long offset, int value) {
        check(offset, 1);
        segment.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
        written(offset, 1);
    }

    public void write16(long offset, int value) {
        check(offset, 2);
        segment.set(LE_SHORT, offset, (short) value);
        written(offset, 2);
    }

    public void write32(long offset, int value) {
        check(offset, 4);
        segment.set(LE_INT, offset, value);
        written(offset, 4);
    }

    public void write64(long offset, long value) {
        check(offset, 8);
        segment.set(LE_LONG, offset, value);
        written(offset, 8);
    }

    public void read(long offset, byte[] dst, int dstOffset, int length) {
        check(offset, length);
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, dst, dstOffset, length);
    }

    public void write(long offset, byte[] src, int srcOffset, int length) {
        check(offset, length);
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        MemorySegment.copy(src, srcOffset, segment, ValueLayout.JAVA_BYTE, offset, length);
        written(offset, length);
    }

    public void fill(long offset, long length, byte value) {
        check(offset, length);
        segment.asSlice(offset, length).fill(value);
        written(offset, length);
    }

    /** A bounds-checked view of {@code [offset, offset+length)}; writes through it must be reported with {@link #markDirty}. */
    public MemorySegment slice(long offset, long length) {
        check(offset, length);
        return segment.asSlice(offset, length);
    }

    private void written(long offset, long length) {
        markDirty(offset, length);
        writeObserver.written(offset, length);
    }

    public void setDirtyTracking(boolean on) {
        this.dirtyTracking = on;
    }

    public boolean dirtyTracking() {
        return dirtyTracking;
    }

    /**
     * Marks the pages of {@code [offset, offset+length)} dirty (when tracking is on) and touched. Cheap and
     * thread-safe: a page whose dirty bit is already set is also touched, so the hot path of a vCPU store stays one
     * load and one test.
     */
    public void markDirty(long offset, long length) {
        if (length <= 0) {
            return;
        }
        boolean track = dirtyTracking;
        long first = offset >>> PAGE_SHIFT;
        long last = (offset + length - 1) >>> PAGE_SHIFT;
        for (long p = first; p <= last; p++) {
            int word = (int) (p >>> 6);
            long bit = 1L << (p & 63);
            if (track) {
                if (((long) BITMAP.getVolatile(dirty, word) & bit) != 0) {
                    continue;   // dirty implies touched
                }
                BITMAP.getAndBitwiseOr(dirty, word, bit);
            }
            if (((long) BITMAP.getVolatile(touched, word) & bit) == 0
                    && ((long) BITMAP.getAndBitwiseOr(touched, word, bit) & bit) == 0) {
                touchedPages.incrementAndGet();
            }
        }
    }

    /**
     * Pages the guest (or a device, DMA or a loader on its behalf) has written since the RAM was allocated. Anonymous
     * RAM is committed by the host only when first written, so this is also what the guest's RAM costs the host: the
     * "memory in use" a manager shows instead of the allocated size. Pages stay counted after the guest frees them
     * (as a host's resident size does without a balloon driver).
     */
    public long touchedPages() {
        return touchedPages.get();
    }

    /** {@link #touchedPages()} in bytes. */
    public long touchedBytes() {
        return touchedPages.get() << PAGE_SHIFT;
    }

    public boolean isDirty(long page) {
        return ((long) BITMAP.getVolatile(dirty, (int) (page >>> 6)) & (1L << (page & 63))) != 0;
    }

    public long pageCount() {
        return (size + PAGE_SIZE - 1) >>> PAGE_SHIFT;
    }

    /** Copies the dirty bitmap (one bit per page, word i bit j = page 64i+j) into a new array and clears it. */
    public long[] fetchAndClearDirty() {
        long[] out = new long[dirty.length];
        for (int i = 0; i < dirty.length; i++) {
            out[i] = (long) BITMAP.getAndSet(dirty, i, 0L);
        }
        return out;
    }

    /**
     * Like {@link #fetchAndClearDirty()}, for the pages of {@code [offset, offset+length)} only (page-aligned): bit
     * {@code j} of word {@code i} of the answer is page {@code 64i+j} of the range. The other pages keep their bits,
     * so a device scanning its own region (video memory) does not take them from other consumers.
     */
    public long[] fetchAndClearDirty(long offset, long length) {
        check(offset, length);
        if ((offset & (PAGE_SIZE - 1)) != 0 || (length & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("dirty range must be page-aligned: 0x" + Long.toHexString(offset)
                    + "+0x" + Long.toHexString(length));
        }
        long first = offset >>> PAGE_SHIFT;
        long pages = length >>> PAGE_SHIFT;
        long[] out = new long[(int) ((pages + 63) >>> 6)];
        long p = 0;
        while (p < pages) {
            long page = first + p;
            int word = (int) (page >>> 6);
            int shift = (int) (page & 63);
            int n = (int) Math.min(64 - shift, pages - p);
            long mask = (n == 64 ? -1L : ((1L << n) - 1)) << shift;
            long bits = (long) BITMAP.getVolatile(dirty, word) & mask;
            if (bits != 0) {
                bits = (long) BITMAP.getAndBitwiseAnd(dirty, word, ~mask) & mask;
                long rel = bits >>> shift;   // n bits for pages p .. p+n-1
                int outWord = (int) (p >>> 6);
                int outShift = (int) (p & 63);
                out[outWord] |= rel << outShift;
                if (outShift != 0 && outWord + 1 < out.length) {
                    out[outWord + 1] |= rel >>> (64 - outShift);
                }
            }
            p += n;
        }
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }
}
