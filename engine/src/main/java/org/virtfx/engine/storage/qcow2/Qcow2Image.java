package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.IoCounters;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.NativeFiles;
import org.virtfx.engine.storage.Ranges;
import org.virtfx.engine.storage.RepairMode;
import org.virtfx.engine.storage.SnapshotInfo;
import org.virtfx.engine.storage.SnapshotSupport;

/**
 * An open qcow2 image (v2 and v3).
 *
 * <p>Locking: guest reads and writes hold the read side of {@code rw} and may run concurrently; table lookups and
 * every metadata change happen under {@code meta}; operations that free clusters (zeroing, discard, snapshots,
 * resize, repair) hold the write side, so no data write can land in a cluster that was just freed and reused.
 *
 * <p>Crash safety: metadata is written through in dependency order. A new cluster gets its refcount first (then a
 * barrier: fsync unless lazy refcounts), then its contents, then the L2 entry pointing to it, then the L1 entry;
 * old clusters are released last. A kill at any moment therefore leaves at worst leaked clusters.
 */
final class Qcow2Image implements DiskImage, SnapshotSupport {
    static final long OFFSET_MASK = 0x00FFFFFFFFFFFE00L;
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    static final long SUB_ALLOC_ALL = 0xFFFFFFFFL;
    static final long SUB_ZERO_ALL = 0xFFFFFFFF00000000L;
    private static final long L2_CACHE_BYTES = 32L << 20;

    final Qcow2Format format;
    final Path path;
    final HostFile file;
    final Qcow2Header h;
    final int cs;
    final int clusterBits;
    final int l2Bits;
    final boolean extL2;
    final Qcow2Refcounts refs;
    private final boolean readOnly;
    private final DiskImage backing;
    private final IoCounters counters = new IoCounters();
    final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    final Object meta = new Object();
    long[] l1;
    private final Set<Long> activeL2 = new HashSet<>();
    List<Qcow2Snapshot> snapshots;
    private final Map<Long, long[]> l2Cache;
    private volatile long size;
    private boolean dirtyMarked;
    /** Set when a metadata overlap was detected: the image refuses further writes. */
    private volatile String damage;
    /** The last decompressed cluster (sequential reads of a compressed image read each cluster many times). */
    private volatile Object[] lastDecompressed;
    /** Partly used cluster that the next compressed cluster may share (host byte offset of its free part). */
    private long compressedTail;
    private boolean closed;
    /**
     * Set while a tool fills an image that is worthless if interrupted (convert, create): barriers are skipped and
     * everything becomes durable at the next flush or close. Guests never run in this mode.
     */
    private volatile boolean unordered;
    /** {@link #skipFlushOnClose()}: close leaves write-back to the operating system. */
    private volatile boolean skipCloseFlush;
    /** The L2 table looked up last (its offset, -1 for none): sequential I/O stays in one table. Under meta. */
    private long memoL2 = -1;
    private long[] memoTable;
    /** A cluster-sized buffer per writing thread for read-modify-write of partly written clusters. */
    private final ThreadLocal<ByteBuffer> scratch = new ThreadLocal<>();
    /**
     * Clusters already counted in the refcounts (and synced) but not yet used: single-cluster allocations take one
     * from here without another barrier. A crash leaks them, which is harmless; close and check give them back.
     */
    private long reserveNext;
    private long reserveEnd;
    /**
     * Clusters reserved at a time: up to 8 MiB, so that one barrier serves many allocating writes (a crash leaks at
     * most that much).
     */
    private int reserveClusters() {
        return (int) Math.max(1, Math.min(1024, (8 << 20) / cs));
    }

    Qcow2Image(Qcow2Format format, Path path, HostFile file, Qcow2Header h, boolean readOnly, DiskImage backing)
            throws IOException {
        this.format = format;
        this.path = path;
        this.file = file;
        this.h = h;
        this.cs = h.clusterSize();
        this.clusterBits = h.clusterBits;
        this.extL2 = h.extendedL2();
        this.l2Bits = clusterBits - (extL2 ? 4 : 3);
        this.readOnly = readOnly;
        this.backing = backing;
        this.size = h.size;
        this.refs = new Qcow2Refcounts(file, h, this::barrier);
        this.l1 = readL1(h.l1TableOffset, h.l1Size, "L1 table");
        rebuildActiveL2();
        this.snapshots = Qcow2Snapshot.readTable(file, h);
        int maxTables = (int) Math.max(16, L2_CACHE_BYTES / cs);
        this.l2Cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
                return size() > maxTables;
            }
        };
    }

    long[] readL1(long offset, int entries, String what) throws IOException {
        long[] t = new long[entries];
        if (entries == 0) {
            return t;
        }
        ByteBuffer b = ByteBuffer.wrap(file.read(offset, entries * 8, what));
        long fileSize = file.size();
        for (int i = 0; i < entries; i++) {
            long e = b.getLong(i * 8);
            long off = e & OFFSET_MASK;
            if (off != 0 && ((off & (cs - 1)) != 0 || off > fileSize - cs)) {
                throw new ImageFormatException(path, what + " entry " + i + " points to 0x" + Long.toHexString(off)
                        + ((off & (cs - 1)) != 0 ? ", which is not cluster aligned" : ", past the end of the file"));
            }
            t[i] = e;
        }
        return t;
    }

    void rebuildActiveL2() {
        activeL2.clear();
        for (long e : l1) {
            if ((e & OFFSET_MASK) != 0) {
                activeL2.add(e & OFFSET_MASK);
            }
        }
    }

    // ---- BlockDevice ----

    @Override
    public ImageFormat format() {
        return format;
    }

    @Override
    public Path file() {
        return path;
    }

    @Override
    public DiskImage backing() {
        return backing;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public IoCounters counters() {
        return counters;
    }

    int entryWords() {
        return extL2 ? 2 : 1;
    }

    /** The L2 table at {@code offset} (entries, and for extended L2 the subcluster bitmaps interleaved). */
    long[] loadL2(long offset) throws IOException {
        if (offset == memoL2) {
            return memoTable;
        }
        long[] t = l2Cache.get(offset);
        if (t != null) {
            memoL2 = offset;
            memoTable = t;
            return t;
        }
        if ((offset & (cs - 1)) != 0) {
            throw new ImageFormatException(path, "L2 table offset 0x" + Long.toHexString(offset) + " is not cluster aligned");
        }
        ByteBuffer b = ByteBuffer.wrap(file.read(offset, cs, "L2 table"));
        t = new long[cs / 8];
        for (int i = 0; i < t.length; i++) {
            t[i] = b.getLong(i * 8);
        }
        cacheL2(offset, t);
        return t;
    }

    private void cacheL2(long offset, long[] t) {
        l2Cache.put(offset, t);
        memoL2 = offset;
        memoTable = t;
    }

    private void clearL2Cache() {
        l2Cache.clear();
        memoL2 = -1;
        memoTable = null;
    }

    /** L2 entry (and bitmap) of guest cluster {@code gc}; {0, 0} when there is no L2 table. Call under meta. */
    long[] lookup(long gc) throws IOException {
        return new long[] {entryOf(gc), bitmapOf(gc)};
    }

    /** L2 entry of guest cluster {@code gc}, 0 when there is no L2 table (no array per call: hot paths). Under meta. */
    long entryOf(long gc) throws IOException {
        int l1i = (int) (gc >>> l2Bits);
        if (l1i >= l1.length) {
            return 0;
        }
        long l2 = l1[l1i] & OFFSET_MASK;
        if (l2 == 0) {
            return 0;
        }
        return loadL2(l2)[(int) (gc & ((1L << l2Bits) - 1)) * entryWords()];
    }

    /** Subcluster bitmap of guest cluster {@code gc} (0 without extended L2). Under meta. */
    long bitmapOf(long gc) throws IOException {
        if (!extL2) {
            return 0;
        }
        int l1i = (int) (gc >>> l2Bits);
        if (l1i >= l1.length || (l1[l1i] & OFFSET_MASK) == 0) {
            return 0;
        }
        return loadL2(l1[l1i] & OFFSET_MASK)[(int) (gc & ((1L << l2Bits) - 1)) * 2 + 1];
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int total = dst.remaining();
        Ranges.check(path, offset, total, size);
        rw.readLock().lock();
        try {
            long pos = offset;
            while (dst.hasRemaining()) {
                long gc = pos >>> clusterBits;
                int in = (int) (pos & (cs - 1));
                int n = Math.min(dst.remaining(), cs - in);
                long entry;
                long bitmap;
                synchronized (meta) {
                    entry = entryOf(gc);
                    bitmap = bitmapOf(gc);
                    long host = entry & OFFSET_MASK;
                    if (plainData(entry) && host != 0 && (host & (cs - 1)) == 0) {
                        // coalesce following clusters stored contiguously into one host read
                        while (n < dst.remaining()) {
                            long next = entryOf(gc + ((in + n) >>> clusterBits));
                            if (!plainData(next) || (next & OFFSET_MASK) != host + in + n) {
                                break;
                            }
                            n = (int) Math.min(dst.remaining(), (long) n + cs);
                        }
                    }
                }
                ByteBuffer part = dst.slice(dst.position(), n);
                if (n > cs - in) {
                    file.readZeroPadded((entry & OFFSET_MASK) + in, part);
                } else {
                    readCluster(gc, in, part, entry, bitmap);
                }
                dst.position(dst.position() + n);
                pos += n;
            }
        } finally {
            rw.readLock().unlock();
        }
        counters.countRead(total);
    }

    /** An ordinary allocated data cluster (not compressed, not zero, no subclusters). */
    private boolean plainData(long entry) {
        return !extL2 && (entry & COMPRESSED) == 0 && (entry & OFFSET_MASK) != 0
                && (h.version < 3 || (entry & ZERO) == 0);
    }

    /** Reads {@code dst.remaining()} bytes at {@code in} inside guest cluster {@code gc} given its L2 entry. */
    void readCluster(long gc, int in, ByteBuffer dst, long entry, long bitmap) throws IOException {
        if ((entry & COMPRESSED) != 0) {
            byte[] data = decompressed(entry);
            dst.put(data, in, dst.remaining());
            return;
        }
        long host = entry & OFFSET_MASK;
        if (host != 0 && (host & (cs - 1)) != 0) {
            throw new ImageFormatException(path, "data cluster for guest offset 0x" + Long.toHexString(gc << clusterBits)
                    + " at 0x" + Long.toHexString(host) + " is not cluster aligned");
        }
        if (!extL2) {
            if (h.version >= 3 && (entry & ZERO) != 0) {
                zeros(dst);
            } else if (host != 0) {
                file.readZeroPadded(host + in, dst);
            } else {
                readBacking((gc << clusterBits) + in, dst);
            }
            return;
        }
        int sub = cs / 32;
        int pos = in;
        while (dst.hasRemaining()) {
            int sc = pos / sub;
            int n = Math.min(dst.remaining(), (sc + 1) * sub - pos);
            ByteBuffer part = dst.slice(dst.position(), n);
            if ((bitmap & (1L << sc)) != 0 && host != 0) {
                file.readZeroPadded(host + pos, part);
            } else if ((bitmap & (1L << (32 + sc))) != 0) {
                zeros(part);
            } else {
                readBacking((gc << clusterBits) + pos, part);
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    /** Shared source of zeros for bulk fills (a byte loop over a direct buffer costs a bounds check per byte). */
    private static final ByteBuffer ZERO_BLOCK = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private static void zeros(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            int n = Math.min(dst.remaining(), ZERO_BLOCK.capacity());
            dst.put(ZERO_BLOCK.slice(0, n));
        }
    }

    private void readBacking(long guestOffset, ByteBuffer dst) throws IOException {
        if (backing == null || guestOffset >= backing.size()) {
            zeros(dst);
            return;
        }
        int inBacking = (int) Math.min(dst.remaining(), backing.size() - guestOffset);
        ByteBuffer part = dst.slice(dst.position(), inBacking);
        backing.read(guestOffset, part);
        dst.position(dst.position() + inBacking);
        zeros(dst);
    }

    int compressedSizeShift() {
        return 62 - (clusterBits - 8);
    }

    long compressedOffset(long entry) {
        return entry & ((1L << compressedSizeShift()) - 1);
    }

    /** Bytes the compressed data of {@code entry} occupies, counted in whole 512-byte sectors from its sector start. */
    long compressedSectorsBytes(long entry) {
        long sectors = ((entry & ~(COMPRESSED | COPIED)) >>> compressedSizeShift()) + 1;
        return sectors * 512;
    }

    private byte[] decompressed(long entry) throws IOException {
        Object[] last = lastDecompressed;
        if (last != null && (long) last[0] == entry) {
            return (byte[]) last[1];
        }
        if (h.compressionType != 0) {
            throw new ImageFormatException(path, "has zstd-compressed clusters, which VirtFX cannot read "
                    + "(convert it with qemu-img convert -O qcow2 first)");
        }
        long off = compressedOffset(entry);
        long start = off & ~511L;
        long len = compressedSectorsBytes(entry) - (off - start);
        if (off <= 0 || len <= 0 || len > 2L * cs) {
            throw new ImageFormatException(path, "invalid compressed cluster descriptor 0x" + Long.toHexString(entry));
        }
        byte[] in = new byte[(int) len];
        ByteBuffer bb = ByteBuffer.wrap(in);
        file.readZeroPadded(off, bb);
        byte[] out = new byte[cs];
        if (!Qcow2Compression.decompress(in, in.length, out)) {
            throw new ImageFormatException(path, "compressed cluster at 0x" + Long.toHexString(off) + " is damaged");
        }
        lastDecompressed = new Object[] {entry, out};
        return out;
    }

    // ---- writing ----

    private void checkWritable() throws IOException {
        checkRepairable();
        if (refs.damage != null) {
            throw new ImageFormatException(path, "refusing to write: " + refs.damage
                    + " (the image is corrupt; run virtfx img check -r all)");
        }
    }

    /** What even a repair needs: a writable, open image that has not met overlapping metadata. */
    private void checkRepairable() throws IOException {
        Ranges.checkWritable(path, readOnly);
        if (damage != null) {
            throw new ImageFormatException(path, "refusing to write: " + damage);
        }
        if (closed) {
            throw new IOException(path + ": image is closed");
        }
    }

    private void barrier() throws IOException {
        if (!unordered && (h.compatible & Qcow2Header.COMPAT_LAZY_REFCOUNTS) == 0) {
            file.flush();
        }
    }

    @Override
    public void setWriteOrdering(boolean ordered) throws IOException {
        synchronized (meta) {
            if (ordered && unordered && !readOnly && !closed) {
                // what was written without barriers must be durable before ordered writes build on it
                file.flush();
            }
            unordered = !ordered;
        }
    }

    /** With lazy refcounts, the dirty bit is set before the first write and cleared on a clean close. */
    private void markDirty() throws IOException {
        if (dirtyMarked || (h.compatible & Qcow2Header.COMPAT_LAZY_REFCOUNTS) == 0) {
            return;
        }
        synchronized (meta) {
            if (!dirtyMarked) {
                h.incompatible |= Qcow2Header.INCOMPAT_DIRTY;
                file.writeLong(72, h.incompatible);
                file.flush();
                dirtyMarked = true;
            }
        }
    }

    /** Whether data for this entry can be overwritten where it is. */
    private boolean inPlace(long entry, long bitmap) {
        if ((entry & COPIED) == 0 || (entry & COMPRESSED) != 0 || (entry & OFFSET_MASK) == 0) {
            return false;
        }
        if (extL2) {
            return (bitmap & SUB_ALLOC_ALL) == SUB_ALLOC_ALL;
        }
        return h.version < 3 || (entry & ZERO) == 0;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        int total = src.remaining();
        Ranges.check(path, offset, total, size);
        markDirty();
        rw.readLock().lock();
        try {
            long pos = offset;
            while (src.hasRemaining()) {
                long gc = pos >>> clusterBits;
                int in = (int) (pos & (cs - 1));
                int n = Math.min(src.remaining(), cs - in);
                long host;
                Allocation a = null;
                synchronized (meta) {
                    awaitNotAllocating(gc);
                    long entry = entryOf(gc);
                    if (inPlace(entry, bitmapOf(gc))) {
                        host = entry & OFFSET_MASK;
                        checkNotMetadata(host);
                        // overwrite the following clusters stored right behind this one with the same host write
                        while (n < src.remaining()) {
                            long g = gc + ((in + n) >>> clusterBits);
                            long next = entryOf(g);
                            if (!inPlace(next, bitmapOf(g)) || (next & OFFSET_MASK) != host + in + n
                                    || allocating(g, g + 1)) {
                                break;
                            }
                            n = (int) Math.min(src.remaining(), (long) n + cs);
                        }
                    } else {
                        host = 0;
                        a = beginAllocation(gc, in, src.remaining());
                    }
                }
                if (a != null) {
                    pos += allocatingWrite(a, in, src);
                    continue;
                }
                file.write(host + in, src.slice(src.position(), n));
                src.position(src.position() + n);
                pos += n;
            }
        } finally {
            rw.readLock().unlock();
        }
        counters.countWrite(total);
    }

    /**
     * Guest clusters {@code [gc, gc + count)} that get new host clusters: their data is written outside the metadata
     * lock (so that several threads copy at once), and nobody else may change their L2 entries until the new ones
     * are set. {@code host} is the new contiguous host run; {@code oldEntries}/{@code oldBitmaps} what they mapped.
     */
    private record Allocation(long gc, int count, long host, long[] oldEntries, long[] oldBitmaps, long fileEnd) {
    }

    /** Runs of guest clusters being allocated by some thread right now. Under meta. */
    private final List<Allocation> allocating = new ArrayList<>();

    private boolean allocating(long from, long to) {
        for (Allocation a : allocating) {
            if (from < a.gc + a.count && a.gc < to) {
                return true;
            }
        }
        return false;
    }

    /** Waits until no thread is allocating guest cluster {@code gc}. Under meta. */
    private void awaitNotAllocating(long gc) throws IOException {
        while (allocating(gc, gc + 1)) {
            try {
                meta.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(path + ": interrupted while waiting for a concurrent write");
            }
        }
    }

    /**
     * Claims guest cluster {@code gc}, which needs a new cluster, and the following clusters of the request that need
     * one too (up to 256, one contiguous host run, one barrier at most). Under meta.
     */
    private Allocation beginAllocation(long gc, int in, int remaining) throws IOException {
        int k = 1;
        long remainingAfterFirst = remaining - (cs - in);
        while (remainingAfterFirst > 0 && k < 256) {
            long next = entryOf(gc + k);
            if (inPlace(next, bitmapOf(gc + k)) || allocating(gc + k, gc + k + 1)) {
                break;
            }
            k++;
            remainingAfterFirst -= cs;
        }
        long[] oldEntries = new long[k];
        long[] oldBitmaps = new long[k];
        for (int i = 0; i < k; i++) {
            oldEntries[i] = entryOf(gc + i);
            oldBitmaps[i] = extL2 ? bitmapOf(gc + i) : 0;
        }
        long fileEnd = file.size();
        long host = allocateSynced(k);
        Allocation a = new Allocation(gc, k, host, oldEntries, oldBitmaps, fileEnd);
        allocating.add(a);
        return a;
    }

    /**
     * Writes the data of a claimed allocation from {@code src} (outside the metadata lock), then points the L2 entries
     * at it. Returns the bytes consumed from {@code src}. Data before L2 entries: a crash leaves at worst leaked
     * clusters.
     */
    private int allocatingWrite(Allocation a, int in, ByteBuffer src) throws IOException {
        int k = a.count;
        long host = a.host;
        int avail = src.remaining();
        int base = src.position();
        int consumed = 0;
        try {
            // whole clusters go to the file straight from src; a partly written first or last cluster is merged with
            // its old contents, unless it is fresh file space that already reads as zeros
            int fullFrom = -1;
            for (int i = 0; i < k; i++) {
                int start = i == 0 ? in : 0;
                int n = Math.min(avail - consumed, cs - start);
                long e = a.oldEntries[i];
                if (start == 0 && n == cs) {
                    if (fullFrom < 0) {
                        fullFrom = i;
                    }
                } else if (freshAndZero(host + (long) i * cs, e, a.fileEnd)) {
                    writeFullRun(host, fullFrom, i, src, base, consumed);
                    fullFrom = -1;
                    file.write(host + (long) i * cs + start, src.slice(base + consumed, n));
                } else {
                    writeFullRun(host, fullFrom, i, src, base, consumed);
                    fullFrom = -1;
                    ByteBuffer cl = scratch();
                    readCluster(a.gc + i, 0, cl.duplicate(), e, a.oldBitmaps[i]);
                    cl.put(start, src, base + consumed, n);
                    file.write(host + (long) i * cs, cl.clear());
                }
                consumed += n;
            }
            writeFullRun(host, fullFrom, k, src, base, consumed);
            synchronized (meta) {
                long[] entries = new long[k];
                long[] bitmaps = new long[k];
                for (int i = 0; i < k; i++) {
                    entries[i] = (host + (long) i * cs) | COPIED;
                    bitmaps[i] = extL2 ? SUB_ALLOC_ALL : 0;
                }
                setL2Entries(a.gc, entries, bitmaps);
                for (long old : a.oldEntries) {
                    releaseData(old);
                }
                lastDecompressed = null;
            }
        } finally {
            synchronized (meta) {
                // on failure the new clusters stay counted but unreferenced: leaked, never corrupt
                allocating.remove(a);
                meta.notifyAll();
            }
        }
        src.position(base + consumed);
        return consumed;
    }

    /** Writes the whole clusters {@code from..to-1} of an allocating run; {@code endInSrc} is where they end in src. */
    private void writeFullRun(long host, int from, int to, ByteBuffer src, int base, int endInSrc) throws IOException {
        if (from < 0) {
            return;
        }
        int len = (to - from) * cs;
        file.write(host + (long) from * cs, src.slice(base + endInSrc - len, len));
    }

    private ByteBuffer scratch() {
        ByteBuffer b = scratch.get();
        if (b == null) {
            b = ByteBuffer.allocateDirect(cs);
            scratch.set(b);
        }
        return b.clear();
    }

    /** Allocates {@code n} contiguous clusters whose refcounts are already durable. Under meta. */
    private long allocateSynced(long n) throws IOException {
        long bytes = n * cs;
        if (reserveEnd - reserveNext < bytes) {
            // the rest of the old reserve is referenced by nothing: freeing it needs no barrier
            releaseReserve();
            long k = Math.max(n, reserveClusters());
            reserveNext = refs.allocate(k);
            reserveEnd = reserveNext + k * cs;
            barrier();
        }
        long c = reserveNext;
        reserveNext += bytes;
        return c;
    }

    /**
     * Whether a partly written new cluster needs no merge with zeros: it lies past the end of the file (never
     * written, so it reads as zeros) and its old contents are zeros without a backing file to show through.
     */
    private boolean freshAndZero(long host, long entry, long fileEnd) {
        if (extL2 || host < fileEnd) {
            return false;
        }
        long off = entry & OFFSET_MASK;
        boolean zeroFlag = h.version >= 3 && (entry & ZERO) != 0 && (entry & COMPRESSED) == 0;
        return off == 0 && (zeroFlag || (backing == null && (entry & COMPRESSED) == 0));
    }

    /** Gives unused reserved clusters back (before close and check). Under meta. */
    private void releaseReserve() throws IOException {
        if (reserveNext < reserveEnd) {
            refs.setRange(reserveNext >>> clusterBits, (reserveEnd - reserveNext) >>> clusterBits, 0);
        }
        reserveNext = reserveEnd = 0;
    }

    /** Drops this reference to the data an L2 entry pointed to. Under meta. */
    void releaseData(long entry) throws IOException {
        long cluster = (entry & COMPRESSED) != 0 ? compressedOffset(entry) >>> clusterBits
                : (entry & OFFSET_MASK) >>> clusterBits;
        if (compressedTail != 0 && cluster == compressedTail >>> clusterBits) {
            // the shared tail cluster may become free and be reused for other data: stop appending to it
            compressedTail = 0;
        }
        if ((entry & COMPRESSED) != 0) {
            long off = compressedOffset(entry);
            long start = off & ~511L;
            refs.freeBytes(start, compressedSectorsBytes(entry));
        } else if ((entry & OFFSET_MASK) != 0) {
            refs.change((entry & OFFSET_MASK) >>> clusterBits, -1);
        }
    }

    /**
     * Points guest clusters {@code gc..gc+n-1} at new entries: allocates a missing L2 table, copies a shared one
     * (copy-on-write after a snapshot), then the L2 entries, then the L1 entry. Under meta.
     */
    void setL2Entries(long gc, long[] entries, long[] bitmaps) throws IOException {
        int done = 0;
        int w = entryWords();
        while (done < entries.length) {
            long g = gc + done;
            int l1i = (int) (g >>> l2Bits);
            int l2i = (int) (g & ((1L << l2Bits) - 1));
            int n = (int) Math.min(entries.length - done, (1L << l2Bits) - l2i);
            long l1e = l1[l1i];
            long l2 = l1e & OFFSET_MASK;
            if (l2 == 0 || (l1e & COPIED) == 0) {
                long[] t = l2 == 0 ? new long[cs / 8] : loadL2(l2).clone();
                for (int i = 0; i < n; i++) {
                    t[(l2i + i) * w] = entries[done + i];
                    if (extL2) {
                        t[(l2i + i) * w + 1] = bitmaps[done + i];
                    }
                }
                long nl2 = allocateSynced(1);
                ByteBuffer b = ByteBuffer.allocate(cs);
                for (int i = 0; i < t.length; i++) {
                    b.putLong(i * 8, t[i]);
                }
                file.write(nl2, b);
                cacheL2(nl2, t);
                setL1Entry(l1i, nl2 | COPIED);
                if (l2 != 0) {
                    refs.change(l2 >>> clusterBits, -1);
                }
            } else {
                long[] t = loadL2(l2);
                ByteBuffer b = ByteBuffer.allocate(n * w * 8);
                for (int i = 0; i < n; i++) {
                    t[(l2i + i) * w] = entries[done + i];
                    b.putLong(i * w * 8, entries[done + i]);
                    if (extL2) {
                        t[(l2i + i) * w + 1] = bitmaps[done + i];
                        b.putLong(i * w * 8 + 8, bitmaps[done + i]);
                    }
                }
                file.write(l2 + (long) l2i * w * 8, b);
            }
            done += n;
        }
    }

    void setL1Entry(int i, long entry) throws IOException {
        long old = l1[i] & OFFSET_MASK;
        l1[i] = entry;
        file.writeLong(h.l1TableOffset + i * 8L, entry);
        if (old != 0) {
            activeL2.remove(old);
        }
        if ((entry & OFFSET_MASK) != 0) {
            activeL2.add(entry & OFFSET_MASK);
        }
    }

    /** Refuses a data write into a cluster the image uses for metadata (a corrupt image), like QEMU's overlap check. */
    private void checkNotMetadata(long host) throws IOException {
        long c = host >>> clusterBits;
        boolean bad = c == 0 || activeL2.contains(host) || refs.isBlock(host)
                || within(host, h.l1TableOffset, l1.length * 8L)
                || within(host, refs.tableOffset, (long) refs.tableClusters * cs)
                || (h.nbSnapshots > 0 && within(host, h.snapshotsOffset, snapshotTableBytes()));
        if (bad) {
            damage = "data cluster 0x" + Long.toHexString(host) + " overlaps image metadata (the image is corrupt; "
                    + "run qemu-img check -r all)";
            throw new ImageFormatException(path, damage);
        }
    }

    private boolean within(long host, long start, long len) {
        return len > 0 && host + cs > start && host < start + len;
    }

    long snapshotTableBytes() {
        return Qcow2Snapshot.writeTable(snapshots, h.version).length;
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            file.flush();
        }
        counters.countFlush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        writeZeroes(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkWritable();
        Ranges.check(path, offset, length, size);
        if (length == 0) {
            return;
        }
        markDirty();
        rw.writeLock().lock();
        try {
            long end = offset + length;
            long firstFull = (offset + cs - 1) & -(long) cs;
            long lastFull = end & -(long) cs;
            if (end == size) {
                lastFull = (end + cs - 1) & -(long) cs; // the partial last cluster of the disk counts as whole
            }
            if (firstFull >= lastFull) {
                writeZeroBytes(offset, length);
                return;
            }
            if (offset < firstFull) {
                writeZeroBytes(offset, firstFull - offset);
            }
            synchronized (meta) {
                zeroClusters(firstFull >>> clusterBits, (lastFull - firstFull) >>> clusterBits);
            }
            if (lastFull < end) {
                writeZeroBytes(lastFull, end - lastFull);
            }
        } finally {
            rw.writeLock().unlock();
        }
        counters.countWrite(length);
    }

    private void writeZeroBytes(long offset, long length) throws IOException {
        ByteBuffer z = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            z.clear().limit((int) Math.min(z.capacity(), length - done));
            write(offset + done, z);
            done += z.limit();
        }
    }

    /** Makes whole guest clusters read as zeros and frees their data. Under the write lock and meta. */
    private void zeroClusters(long gc, long count) throws IOException {
        boolean canMarkZero = h.version >= 3;
        if (!canMarkZero && backing != null) {
            // v2 has no zero flag: with a backing file, unallocated would show the backing data
            for (long i = 0; i < count; i++) {
                writeZeroBytes((gc + i) << clusterBits, Math.min(cs, size - ((gc + i) << clusterBits)));
            }
            return;
        }
        long zeroEntry = canMarkZero && !extL2 ? ZERO : 0;
        long zeroBitmap = extL2 ? SUB_ZERO_ALL : 0;
        long i = 0;
        while (i < count) {
            long g = gc + i;
            int l1i = (int) (g >>> l2Bits);
            int l2i = (int) (g & ((1L << l2Bits) - 1));
            int n = (int) Math.min(count - i, (1L << l2Bits) - l2i);
            if ((l1[l1i] & OFFSET_MASK) == 0 && backing == null) {
                i += n; // no table, no backing file: already reads as zeros
                continue;
            }
            long[] old = new long[n];
            long[] entries = new long[n];
            long[] bitmaps = new long[n];
            boolean change = false;
            for (int k = 0; k < n; k++) {
                long[] e = lookup(g + k);
                old[k] = e[0];
                entries[k] = zeroEntry;
                bitmaps[k] = zeroBitmap;
                boolean alreadyZero = extL2 ? (e[0] & OFFSET_MASK) == 0 && e[1] == SUB_ZERO_ALL
                        : canMarkZero ? e[0] == ZERO : e[0] == 0;
                change |= !alreadyZero;
            }
            if (change) {
                setL2Entries(g, entries, bitmaps);
                for (long o : old) {
                    releaseData(o);
                }
            }
            i += n;
        }
        lastDecompressed = null;
    }

    // ---- compressed writes (qemu-img convert -c) ----

    @Override
    public void writeCompressed(long offset, ByteBuffer data) throws IOException {
        checkWritable();
        if ((offset & (cs - 1)) != 0 || data.remaining() > cs
                || (data.remaining() != cs && offset + cs < size)) {
            throw new IllegalArgumentException("compressed writes must cover exactly one cluster (or the disk's tail)");
        }
        if (h.compressionType != 0) {
            throw new ImageFormatException(path, "uses zstd compression, which VirtFX cannot write");
        }
        Ranges.check(path, offset, data.remaining(), size);
        int len = data.remaining();
        // compressing runs outside the locks, so convert's worker threads compress in parallel
        Qcow2Compression.Packed packed = Qcow2Compression.compress(data.duplicate(), cs);
        if (packed == null) {
            write(offset, data.duplicate());
            data.position(data.position() + len);
            return;
        }
        markDirty();
        rw.readLock().lock();
        try {
            synchronized (meta) {
                long gc = offset >>> clusterBits;
                awaitNotAllocating(gc);
                long old = entryOf(gc);
                long host = allocateBytes(packed.length());
                barrier();
                file.write(host, ByteBuffer.wrap(packed.bytes(), 0, packed.length()));
                long sectors = ((host + packed.length() - 1) >>> 9) - (host >>> 9) + 1;
                long entry = COMPRESSED | host | ((sectors - 1) << compressedSizeShift());
                setL2Entries(gc, new long[] {entry}, new long[] {0});
                releaseData(old);
                lastDecompressed = null;
            }
        } finally {
            rw.readLock().unlock();
        }
        data.position(data.position() + len);
        counters.countWrite(len);
    }

    /** Byte-granular allocation for compressed data, sharing a cluster between consecutive compressed clusters. */
    private long allocateBytes(int len) throws IOException {
        if (compressedTail != 0 && (compressedTail & (cs - 1)) + len <= cs
                && refs.get(compressedTail >>> clusterBits) > 0) {
            long at = compressedTail;
            refs.change(at >>> clusterBits, 1);
            compressedTail = ((at + len) & (cs - 1)) == 0 ? 0 : at + len;
            return at;
        }
        long at = refs.allocate(1);
        compressedTail = len == cs ? 0 : at + len;
        return at;
    }

    // ---- info and map ----

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> fs = new LinkedHashMap<>();
        fs.put("compat", h.version >= 3 ? "1.1" : "0.10");
        fs.put("compression-type", h.compressionType == 0 ? "zlib" : "zstd");
        if (h.version >= 3) {
            fs.put("lazy-refcounts", (h.compatible & Qcow2Header.COMPAT_LAZY_REFCOUNTS) != 0);
        }
        fs.put("refcount-bits", 1 << h.refcountOrder);
        if (h.version >= 3) {
            fs.put("corrupt", (h.incompatible & Qcow2Header.INCOMPAT_CORRUPT) != 0);
            fs.put("extended-l2", extL2);
        }
        List<SnapshotInfo> snaps;
        synchronized (meta) {
            snaps = snapshots.stream().map(Qcow2Snapshot::info).toList();
        }
        boolean dirty = (h.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0;
        return new ImageInfo("qcow2", path, size, NativeFiles.allocatedBytes(path), cs, h.backingFile,
                h.backingFile == null ? null : DiskImages.resolveBacking(path, h.backingFile), h.backingFormat,
                dirty, snaps, fs);
    }

    @Override
    public List<MapExtent> mapLayer(long offset, long length) throws IOException {
        Ranges.check(path, offset, length, size);
        List<MapExtent> out = new ArrayList<>();
        rw.readLock().lock();
        try {
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                long gc = pos >>> clusterBits;
                int in = (int) (pos & (cs - 1));
                int n = (int) Math.min(end - pos, cs - in);
                long[] e;
                synchronized (meta) {
                    e = lookup(gc);
                }
                long entry = e[0];
                long host = entry & OFFSET_MASK;
                if (extL2 && (entry & COMPRESSED) == 0) {
                    int sub = cs / 32;
                    int p = in;
                    while (p < in + n) {
                        int sc = p / sub;
                        int m = Math.min(in + n - p, (sc + 1) * sub - p);
                        long g = (gc << clusterBits) + p;
                        if ((e[1] & (1L << sc)) != 0 && host != 0) {
                            add(out, new MapExtent(g, m, 0, true, false, true, false, host + p, path));
                        } else if ((e[1] & (1L << (32 + sc))) != 0) {
                            add(out, new MapExtent(g, m, 0, true, true, false, false, -1, null));
                        } else {
                            add(out, new MapExtent(g, m, 0, false, true, false, false, -1, null));
                        }
                        p += m;
                    }
                } else if ((entry & COMPRESSED) != 0) {
                    add(out, new MapExtent(pos, n, 0, true, false, true, true, -1, path));
                } else if (h.version >= 3 && (entry & ZERO) != 0) {
                    add(out, new MapExtent(pos, n, 0, true, true, false, false, -1, null));
                } else if (host != 0) {
                    add(out, new MapExtent(pos, n, 0, true, false, true, false, host + in, path));
                } else {
                    add(out, new MapExtent(pos, n, 0, false, true, false, false, -1, null));
                }
                pos += n;
            }
        } finally {
            rw.readLock().unlock();
        }
        return out;
    }

    private static void add(List<MapExtent> out, MapExtent e) {
        if (!out.isEmpty() && out.getLast().canMerge(e)) {
            out.set(out.size() - 1, out.getLast().merge(e));
        } else {
            out.add(e);
        }
    }

    // ---- check ----

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        if (mode != RepairMode.NONE) {
            checkRepairable();
        }
        rw.writeLock().lock();
        try {
            synchronized (meta) {
                compressedTail = 0;
                if (!readOnly) {
                    releaseReserve();
                }
                CheckResult r = new Qcow2Check(this).run(mode);
                clearL2Cache();
                return r;
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    // ---- resize ----

    @Override
    public void resize(long newSize, boolean allowShrink) throws IOException {
        checkWritable();
        if (newSize < 0 || newSize > Qcow2Header.MAX_VIRTUAL_SIZE) {
            throw new IllegalArgumentException("invalid size " + newSize);
        }
        rw.writeLock().lock();
        try {
            synchronized (meta) {
                if (!snapshots.isEmpty()) {
                    throw new IOException(path + ": cannot resize an image that has internal snapshots");
                }
                if (newSize < size) {
                    if (!allowShrink) {
                        throw new IOException(path + ": shrinking would discard data; use --shrink to allow it");
                    }
                    long firstGone = (newSize + cs - 1) >>> clusterBits;
                    long lastCluster = (size + cs - 1) >>> clusterBits;
                    for (long g = firstGone; g < lastCluster; g++) {
                        long[] e = lookup(g);
                        if (e[0] != 0 || e[1] != 0) {
                            setL2Entries(g, new long[] {0}, new long[] {0});
                            releaseData(e[0]);
                        }
                    }
                } else {
                    growL1(l1EntriesFor(newSize));
                }
                file.writeLong(24, newSize);
                h.size = newSize;
                size = newSize;
                barrier();
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    long l1EntriesFor(long bytes) {
        long clusters = (bytes + cs - 1) >>> clusterBits;
        return (clusters + (1L << l2Bits) - 1) >>> l2Bits;
    }

    /** Moves the active L1 table to a larger one: new table, sync, header, then the old table is freed. */
    void growL1(long entries) throws IOException {
        if (entries <= l1.length) {
            return;
        }
        if (entries * 8 > Qcow2Header.MAX_L1_BYTES) {
            throw new IOException(path + ": size too large for this cluster size (L1 table over 32 MiB)");
        }
        long bytes = entries * 8;
        long clusters = (bytes + cs - 1) >>> clusterBits;
        long off = refs.allocate(clusters);
        barrier();
        long[] nl1 = java.util.Arrays.copyOf(l1, (int) entries);
        ByteBuffer b = ByteBuffer.allocate((int) (clusters * cs));
        for (int i = 0; i < nl1.length; i++) {
            b.putLong(i * 8, nl1[i]);
        }
        file.write(off, b);
        barrier();
        file.write(36, ByteBuffer.allocate(12).putInt(0, (int) entries).putLong(4, off));
        barrier();
        long oldOff = h.l1TableOffset;
        long oldClusters = (l1.length * 8L + cs - 1) >>> clusterBits;
        h.l1TableOffset = off;
        h.l1Size = (int) entries;
        l1 = nl1;
        if (oldOff != 0) {
            for (long i = 0; i < oldClusters; i++) {
                refs.change((oldOff >>> clusterBits) + i, -1);
            }
        }
    }

    // ---- snapshots ----

    @Override
    public Optional<SnapshotSupport> snapshots() {
        return Optional.of(this);
    }

    @Override
    public List<SnapshotInfo> list() {
        synchronized (meta) {
            return snapshots.stream().map(Qcow2Snapshot::info).toList();
        }
    }

    private Qcow2Snapshot find(String idOrName) throws ImageFormatException {
        for (Qcow2Snapshot s : snapshots) {
            if (s.id().equals(idOrName)) {
                return s;
            }
        }
        for (Qcow2Snapshot s : snapshots) {
            if (s.name().equals(idOrName)) {
                return s;
            }
        }
        throw new ImageFormatException(path, "no snapshot with id or name '" + idOrName + "'");
    }

    @Override
    public SnapshotInfo create(String name) throws IOException {
        checkWritable();
        Qcow2Snapshot.checkName(path, name);
        rw.writeLock().lock();
        try {
            synchronized (meta) {
                for (Qcow2Snapshot s : snapshots) {
                    if (s.name().equals(name)) {
                        throw new ImageFormatException(path, "a snapshot named '" + name + "' already exists");
                    }
                }
                long maxId = 0;
                for (Qcow2Snapshot s : snapshots) {
                    try {
                        maxId = Math.max(maxId, Long.parseLong(s.id()));
                    } catch (NumberFormatException ignored) {
                        // ids are numbers when QEMU made them; others do not take part in numbering
                    }
                }
                // 1. every cluster reachable from the active L1 gains a reference; COPIED flags go away
                addL1References(l1, +1, true);
                // 2. a copy of the L1 table for the snapshot
                long l1Bytes = l1.length * 8L;
                long l1Copy = 0;
                if (l1.length > 0) {
                    l1Copy = refs.allocate((l1Bytes + cs - 1) >>> clusterBits);
                    barrier();
                    ByteBuffer b = ByteBuffer.allocate((int) l1Bytes);
                    for (int i = 0; i < l1.length; i++) {
                        b.putLong(i * 8, l1[i] & ~COPIED);
                    }
                    file.write(l1Copy, b);
                }
                Instant now = Instant.now();
                Qcow2Snapshot snap = new Qcow2Snapshot(l1Copy, l1.length, Long.toString(maxId + 1), name,
                        now.getEpochSecond(), now.getNano(), 0, 0, size, -1, new byte[0]);
                List<Qcow2Snapshot> list = new ArrayList<>(snapshots);
                list.add(snap);
                writeSnapshotTable(list);
                return snap.info();
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    /** Writes a new snapshot table, switches the header to it, then frees the old one. Under meta. */
    private void writeSnapshotTable(List<Qcow2Snapshot> list) throws IOException {
        byte[] table = Qcow2Snapshot.writeTable(list, h.version);
        long off = 0;
        if (!list.isEmpty()) {
            off = refs.allocate((table.length + cs - 1) >>> clusterBits);
            barrier();
            file.write(off, table);
        }
        barrier();
        long oldOff = h.snapshotsOffset;
        long oldLen = h.nbSnapshots > 0 ? snapshotTableBytes() : 0;
        file.write(60, ByteBuffer.allocate(12).putInt(0, list.size()).putLong(4, off));
        barrier();
        h.nbSnapshots = list.size();
        h.snapshotsOffset = off;
        snapshots = List.copyOf(list);
        if (oldLen > 0) {
            refs.freeBytes(oldOff, oldLen);
        }
    }

    /**
     * Adds {@code delta} references to every L2 table and data cluster reachable from {@code table}. With
     * {@code active} (snapshot creation) the COPIED flags of the active tables are cleared as well.
     */
    void addL1References(long[] table, long delta, boolean active) throws IOException {
        SortedMap<Long, Long> deltas = new TreeMap<>();
        int w = entryWords();
        for (long l1e : table) {
            long l2 = l1e & OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            long[] t = loadL2(l2);
            for (int j = 0; j < t.length; j += w) {
                long e = t[j];
                if ((e & COMPRESSED) != 0) {
                    long start = compressedOffset(e) & ~511L;
                    long last = (start + compressedSectorsBytes(e) - 1) >>> clusterBits;
                    for (long c = start >>> clusterBits; c <= last; c++) {
                        deltas.merge(c, delta, Long::sum);
                    }
                } else if ((e & OFFSET_MASK) != 0) {
                    deltas.merge((e & OFFSET_MASK) >>> clusterBits, delta, Long::sum);
                }
            }
            deltas.merge(l2 >>> clusterBits, delta, Long::sum);
        }
        refs.applyDeltas(deltas);
        barrier();
        if (active) {
            for (int i = 0; i < table.length; i++) {
                long l2 = table[i] & OFFSET_MASK;
                if (l2 == 0) {
                    continue;
                }
                long[] t = loadL2(l2);
                boolean changed = false;
                for (int j = 0; j < t.length; j += w) {
                    if ((t[j] & COPIED) != 0) {
                        t[j] &= ~COPIED;
                        changed = true;
                    }
                }
                if (changed) {
                    writeL2(l2, t);
                }
                if ((table[i] & COPIED) != 0) {
                    setL1Entry(i, table[i] & ~COPIED);
                }
            }
        }
    }

    void writeL2(long offset, long[] t) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(cs);
        for (int i = 0; i < t.length; i++) {
            b.putLong(i * 8, t[i]);
        }
        file.write(offset, b);
    }

    /** Sets COPIED exactly where the refcount is 1 in the active tables (after snapshot apply/delete). Under meta. */
    void fixCopiedFlags() throws IOException {
        int w = entryWords();
        for (int i = 0; i < l1.length; i++) {
            long l2 = l1[i] & OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            boolean own = refs.get(l2 >>> clusterBits) == 1;
            if (own != ((l1[i] & COPIED) != 0)) {
                setL1Entry(i, own ? l1[i] | COPIED : l1[i] & ~COPIED);
            }
            if (!own) {
                continue;
            }
            long[] t = loadL2(l2);
            boolean changed = false;
            for (int j = 0; j < t.length; j += w) {
                long e = t[j];
                if ((e & COMPRESSED) != 0 || (e & OFFSET_MASK) == 0) {
                    continue;
                }
                boolean one = refs.get((e & OFFSET_MASK) >>> clusterBits) == 1;
                if (one != ((e & COPIED) != 0)) {
                    t[j] = one ? e | COPIED : e & ~COPIED;
                    changed = true;
                }
            }
            if (changed) {
                writeL2(l2, t);
            }
        }
    }

    @Override
    public void apply(String idOrName) throws IOException {
        checkWritable();
        rw.writeLock().lock();
        try {
            synchronized (meta) {
                Qcow2Snapshot s = find(idOrName);
                long[] snapL1 = readL1(s.l1Offset(), s.l1Size(), "L1 table of snapshot '" + s.name() + "'");
                long[] oldL1 = l1.clone();
                compressedTail = 0;
                addL1References(snapL1, +1, false);
                growL1(snapL1.length);
                for (int i = 0; i < l1.length; i++) {
                    long e = i < snapL1.length ? snapL1[i] & ~COPIED : 0;
                    if (l1[i] != e) {
                        setL1Entry(i, e);
                    }
                }
                barrier();
                addL1References(oldL1, -1, false);
                clearL2Cache();
                fixCopiedFlags();
                if (s.diskSize() >= 0 && s.diskSize() != size) {
                    file.writeLong(24, s.diskSize());
                    h.size = s.diskSize();
                    size = s.diskSize();
                }
                lastDecompressed = null;
                barrier();
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    @Override
    public void delete(String idOrName) throws IOException {
        checkWritable();
        rw.writeLock().lock();
        try {
            synchronized (meta) {
                Qcow2Snapshot s = find(idOrName);
                long[] snapL1 = readL1(s.l1Offset(), s.l1Size(), "L1 table of snapshot '" + s.name() + "'");
                List<Qcow2Snapshot> list = new ArrayList<>(snapshots);
                list.remove(s);
                compressedTail = 0;
                writeSnapshotTable(list);
                addL1References(snapL1, -1, false);
                if (s.l1Size() > 0) {
                    refs.freeBytes(s.l1Offset(), s.l1Size() * 8L);
                }
                clearL2Cache();
                fixCopiedFlags();
                barrier();
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    /**
     * Rewrites the header cluster with another backing file name and format (takes effect when the image is opened
     * next; the open backing image is not swapped).
     */
    @Override
    public void changeBackingFile(String backingFile, String backingFormat) throws IOException {
        checkWritable();
        rw.writeLock().lock();
        try {
            synchronized (meta) {
                String oldFile = h.backingFile;
                String oldFormat = h.backingFormat;
                h.backingFile = backingFile;
                h.backingFormat = backingFile == null ? null : backingFormat;
                h.refcountTableOffset = refs.tableOffset;
                h.refcountTableClusters = refs.tableClusters;
                byte[] header;
                try {
                    header = h.toCluster(!h.featureNames.isEmpty());
                } catch (IllegalArgumentException e) {
                    h.backingFile = oldFile;
                    h.backingFormat = oldFormat;
                    throw new ImageFormatException(path, e.getMessage());
                }
                file.flush();
                file.write(0, header);
                file.flush();
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    // ---- lifecycle ----

    /** Clears autoclear bits VirtFX does not maintain (bitmaps), as the spec requires of a writer. */
    void prepareForWriting() throws IOException {
        if (h.version >= 3 && h.autoclear != 0) {
            h.autoclear = 0;
            file.writeLong(88, 0);
            file.flush();
        }
    }

    void clearCache() {
        clearL2Cache();
    }

    @Override
    public void skipFlushOnClose() {
        skipCloseFlush = true;
    }

    @Override
    public void close() throws IOException {
        rw.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (!readOnly) {
                    synchronized (meta) {
                        releaseReserve();
                    }
                    if (!skipCloseFlush) {
                        file.flush();
                    }
                    if (dirtyMarked) {
                        h.incompatible &= ~Qcow2Header.INCOMPAT_DIRTY;
                        file.writeLong(72, h.incompatible);
                        if (!skipCloseFlush) {
                            file.flush();
                        }
                    }
                }
            } finally {
                file.close();
                if (backing != null) {
                    backing.close();
                }
            }
        } finally {
            rw.writeLock().unlock();
        }
    }
}
