package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.virtfx.engine.storage.ImageFormatException;

/**
 * The refcount table and its blocks: how many references each host cluster has (0 free, 1 owned, more shared with
 * snapshots). Allocation finds free clusters here. Updates are written through at once, in an order that leaves at
 * worst leaked clusters after a crash: new refcount blocks and tables are written before anything points to them.
 * Not thread-safe: the image calls it holding its metadata lock.
 */
final class Qcow2Refcounts {
    private static final long CACHE_BYTES = 4L << 20;

    private final HostFile file;
    private final int clusterBits;
    private final int cs;
    private final int order;
    private final int bits;
    private final int entriesBits;
    private final long maxRefcount;
    private final Barrier barrier;
    long[] table;
    long tableOffset;
    int tableClusters;
    /** Lowest cluster index that may be free (search start). */
    private long freeHint = 1;
    /** One past the highest cluster known to be in use or allocated (file end, in clusters). */
    long highWater;
    /** During repair: never allocate below this cluster (refcounts below it are not trusted). */
    long allocFloor;
    private final Map<Long, byte[]> cache;
    /** Host offsets of the refcount blocks, for the metadata overlap check. */
    private final java.util.Set<Long> blockSet = new java.util.HashSet<>();
    /**
     * Why the refcount table cannot be trusted (an entry misaligned or past the end of the file), or null. Such an
     * image still reads, but refuses writes until {@code check -r all} rebuilds the refcounts.
     */
    String damage;

    /** Called between writing new metadata and making anything point at it (an fsync unless lazy refcounts). */
    interface Barrier {
        void sync() throws IOException;
    }

    Qcow2Refcounts(HostFile file, Qcow2Header h, Barrier barrier) throws IOException {
        this.file = file;
        this.clusterBits = h.clusterBits;
        this.cs = h.clusterSize();
        this.order = h.refcountOrder;
        this.bits = 1 << order;
        this.entriesBits = clusterBits + 3 - order;
        this.maxRefcount = bits == 64 ? Long.MAX_VALUE : (1L << bits) - 1;
        this.barrier = barrier;
        load(h.refcountTableOffset, h.refcountTableClusters);
        int maxBlocks = (int) Math.max(4, CACHE_BYTES / cs);
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > maxBlocks;
            }
        };
    }

    /** Reads the refcount table at {@code offset} (after opening, and after a rebuild moved it). */
    void load(long offset, int clusters) throws IOException {
        this.tableOffset = offset;
        this.tableClusters = clusters;
        int n = (int) ((long) tableClusters * cs / 8);
        ByteBuffer b = ByteBuffer.wrap(file.read(tableOffset, n * 8, "refcount table"));
        long[] t = new long[n];
        long fileSize = file.size();
        blockSet.clear();
        damage = null;
        for (int i = 0; i < n; i++) {
            long e = b.getLong(i * 8);
            long off = e & ~511L;
            if (off != 0 && ((off & (cs - 1)) != 0 || off >= fileSize || off < 0)) {
                if (damage == null) {
                    damage = "refcount table entry " + i + " (0x" + Long.toHexString(e) + ") is "
                            + ((off & (cs - 1)) != 0 ? "not cluster aligned" : "past the end of the file");
                }
                off = 0;
            }
            t[i] = off;
            if (off != 0) {
                blockSet.add(off);
            }
        }
        table = t;
        highWater = (fileSize + cs - 1) >>> clusterBits;
        freeHint = 1;
        if (cache != null) {
            cache.clear();
        }
    }

    int refcountBits() {
        return bits;
    }

    long entriesPerBlock() {
        return 1L << entriesBits;
    }

    long maxRefcount() {
        return maxRefcount;
    }

    /** Refcount of host cluster {@code c}. */
    long get(long c) throws IOException {
        long idx = c >>> entriesBits;
        if (idx >= table.length || table[(int) idx] == 0) {
            return 0;
        }
        return getEntry(block(table[(int) idx]), (int) (c & ((1L << entriesBits) - 1)));
    }

    private byte[] block(long offset) throws IOException {
        byte[] b = cache.get(offset);
        if (b == null) {
            b = file.read(offset, cs, "refcount block");
            cache.put(offset, b);
        }
        return b;
    }

    private long getEntry(byte[] blk, int i) {
        if (order >= 3) {
            int bytes = bits >>> 3;
            long v = 0;
            for (int k = 0; k < bytes; k++) {
                v = (v << 8) | (blk[i * bytes + k] & 0xFF);
            }
            return v;
        }
        int bitPos = i * bits;
        return ((blk[bitPos >>> 3] & 0xFF) >>> (bitPos & 7)) & ((1 << bits) - 1);
    }

    private void setEntry(byte[] blk, int i, long v) {
        if (order >= 3) {
            int bytes = bits >>> 3;
            for (int k = bytes - 1; k >= 0; k--) {
                blk[i * bytes + k] = (byte) v;
                v >>>= 8;
            }
            return;
        }
        int bitPos = i * bits;
        int mask = ((1 << bits) - 1) << (bitPos & 7);
        blk[bitPos >>> 3] = (byte) ((blk[bitPos >>> 3] & ~mask) | ((int) (v << (bitPos & 7)) & mask));
    }

    /** Byte range inside a block holding entries [first, last]. */
    private int byteOf(int entry) {
        return (int) (((long) entry * bits) >>> 3);
    }

    /** Sets {@code n} consecutive clusters from {@code c} to {@code value}; their refcount blocks must exist. */
    void setRange(long c, long n, long value) throws IOException {
        if (value < 0 || value > maxRefcount) {
            throw new ImageFormatException(file.path, "refcount overflow (" + value + " > " + maxRefcount + ")");
        }
        long end = c + n;
        while (c < end) {
            long idx = c >>> entriesBits;
            ensureBlock(idx);
            long blockOff = table[(int) idx];
            byte[] blk = block(blockOff);
            int first = (int) (c & ((1L << entriesBits) - 1));
            int last = (int) Math.min((1L << entriesBits) - 1, first + (end - c) - 1);
            for (int i = first; i <= last; i++) {
                setEntry(blk, i, value);
            }
            int from = byteOf(first);
            int to = byteOf(last) + Math.max(1, bits >>> 3);
            file.write(blockOff + from, ByteBuffer.wrap(blk, from, to - from));
            if (value == 0) {
                freeHint = Math.min(freeHint, c);
            }
            c += last - first + 1;
        }
        if (value != 0) {
            highWater = Math.max(highWater, end);
        }
    }

    /** Adds {@code delta} to the refcount of cluster {@code c}. */
    void change(long c, long delta) throws IOException {
        long v = get(c) + delta;
        if (v < 0) {
            throw new ImageFormatException(file.path, "refcount of cluster " + c + " would drop below zero");
        }
        setRange(c, 1, v);
    }

    /** Decrements every cluster overlapping host bytes {@code [offset, offset+length)}. */
    void freeBytes(long offset, long length) throws IOException {
        long first = offset >>> clusterBits;
        long last = (offset + length - 1) >>> clusterBits;
        for (long c = first; c <= last; c++) {
            change(c, -1);
        }
    }

    /** Allocates {@code n} contiguous free clusters (refcount 1); returns the host offset of the first. */
    long allocate(long n) throws IOException {
        long start = findFree(n);
        setRange(start, n, 1);
        freeHint = start + n;
        return start << clusterBits;
    }

    /**
     * Finds {@code n} free contiguous clusters. Ranges without a refcount block are free; the blocks they need are
     * created right after the run (a self-describing block inside the run would break up large runs).
     */
    private long findFree(long n) throws IOException {
        long from = Math.max(Math.max(freeHint, allocFloor), 1);
        while (true) {
            long c = from;
            long run = 0;
            long start = c;
            while (run < n) {
                long idx = c >>> entriesBits;
                if (idx >= table.length || table[(int) idx] == 0) {
                    long rangeEnd = (idx + 1) << entriesBits;
                    if (run == 0) {
                        start = c;
                    }
                    run += rangeEnd - c;
                    c = rangeEnd;
                    continue;
                }
                if (get(c) == 0) {
                    if (run == 0) {
                        start = c;
                    }
                    run++;
                } else {
                    run = 0;
                }
                c++;
            }
            long k = 0;
            while (true) {
                long needed = missingBlocks(start, start + n + k);
                if (needed <= k) {
                    break;
                }
                k = needed;
            }
            if (k == 0) {
                return start;
            }
            long lastIdx = (start + n + k - 1) >>> entriesBits;
            if (lastIdx >= table.length) {
                grow(lastIdx + 1);
                continue;
            }
            boolean tailFree = true;
            for (long t = start + n; t < start + n + k && tailFree; t++) {
                tailFree = get(t) == 0;
            }
            if (!tailFree) {
                from = start + 1;
                continue;
            }
            createBlocks(start, start + n + k, start + n);
            return start;
        }
    }

    /**
     * Creates the missing refcount blocks for clusters {@code [from, to)}, placing them from cluster
     * {@code firstBlock} on (inside that range), each block counting the new blocks it covers. Blocks are written and
     * synced before the table entries point to them.
     */
    private void createBlocks(long from, long to, long firstBlock) throws IOException {
        Map<Long, byte[]> fresh = new LinkedHashMap<>();
        long next = firstBlock;
        long[] placed = table.clone();
        for (long idx = from >>> entriesBits; idx <= (to - 1) >>> entriesBits; idx++) {
            if (placed[(int) idx] == 0) {
                long off = (next++) << clusterBits;
                placed[(int) idx] = off;
                fresh.put(off, new byte[cs]);
            }
        }
        Map<Long, byte[]> touched = new LinkedHashMap<>();
        for (long c = firstBlock; c < next; c++) {
            long off = placed[(int) (c >>> entriesBits)];
            byte[] blk = fresh.get(off);
            if (blk == null) {
                blk = touched.containsKey(off) ? touched.get(off) : block(off);
                touched.put(off, blk);
            }
            setEntry(blk, (int) (c & ((1L << entriesBits) - 1)), 1);
        }
        for (Map.Entry<Long, byte[]> f : fresh.entrySet()) {
            file.write(f.getKey(), f.getValue());
            cache.put(f.getKey(), f.getValue());
        }
        for (Map.Entry<Long, byte[]> t : touched.entrySet()) {
            file.write(t.getKey(), t.getValue());
        }
        barrier.sync();
        for (int idx = 0; idx < placed.length; idx++) {
            if (placed[idx] != table[idx]) {
                table[idx] = placed[idx];
                blockSet.add(placed[idx]);
                file.writeLong(tableOffset + idx * 8L, placed[idx]);
            }
        }
        highWater = Math.max(highWater, next);
    }

    /** Makes sure the refcount block for table index {@code idx} exists; true if anything was allocated. */
    private boolean ensureBlock(long idx) throws IOException {
        boolean changed = false;
        if (idx >= table.length) {
            grow(idx + 1);
            changed = true;
        }
        if (table[(int) idx] != 0) {
            return changed;
        }
        long c0 = idx << entriesBits;
        long c = Math.max(Math.max(c0, allocFloor), 1);
        if (c < c0 + (1L << entriesBits)) {
            // a new block describes itself: it sits in the first usable cluster of the range it covers
            byte[] blk = new byte[cs];
            setEntry(blk, (int) (c - c0), 1);
            file.write(c << clusterBits, blk);
            barrier.sync();
            table[(int) idx] = c << clusterBits;
            blockSet.add(c << clusterBits);
            file.writeLong(tableOffset + idx * 8, c << clusterBits);
            cache.put(c << clusterBits, blk);
            highWater = Math.max(highWater, c + 1);
        } else {
            long off = allocate(1);
            byte[] blk = new byte[cs];
            file.write(off, blk);
            barrier.sync();
            table[(int) idx] = off;
            blockSet.add(off);
            file.writeLong(tableOffset + idx * 8, off);
            cache.put(off, blk);
        }
        return true;
    }

    /**
     * Replaces the refcount table by a larger one placed past every allocated cluster, together with the refcount
     * blocks needed to describe itself. Order: blocks, table, sync, header, sync, then the old table is freed.
     */
    private void grow(long minEntries) throws IOException {
        int perCluster = cs / 8;
        long e = Math.max(Math.max(highWater, (file.size() + cs - 1) >>> clusterBits), Math.max(allocFloor, 1));
        long newEntries = roundUp(Math.max(minEntries, table.length + table.length / 2 + 1), perCluster);
        long tClusters;
        long nb;
        while (true) {
            tClusters = newEntries / perCluster;
            nb = 0;
            while (true) {
                long needed = missingBlocks(e, e + tClusters + nb);
                if (needed <= nb) {
                    break;
                }
                nb = needed;
            }
            long lastIdx = (e + tClusters + nb - 1) >>> entriesBits;
            if (lastIdx < newEntries) {
                break;
            }
            newEntries = roundUp(lastIdx + 1, perCluster);
        }
        if (newEntries * 8 > Qcow2Header.MAX_REFTABLE_BYTES) {
            throw new ImageFormatException(file.path, "refcount table would exceed "
                    + (Qcow2Header.MAX_REFTABLE_BYTES >> 20) + " MiB; the image is too large for this cluster size");
        }
        long[] nt = Arrays.copyOf(table, (int) newEntries);
        long end = e + tClusters + nb;
        long nextBlock = e + tClusters;
        Map<Long, byte[]> fresh = new LinkedHashMap<>();
        for (long idx = e >>> entriesBits; idx <= (end - 1) >>> entriesBits; idx++) {
            if (nt[(int) idx] == 0) {
                long off = (nextBlock++) << clusterBits;
                nt[(int) idx] = off;
                blockSet.add(off);
                fresh.put(off, new byte[cs]);
            }
        }
        // refcounts of the new table and blocks, in new or existing blocks
        for (long c = e; c < end; c++) {
            long idx = c >>> entriesBits;
            byte[] blk = fresh.get(nt[(int) idx]);
            if (blk == null) {
                blk = block(nt[(int) idx]);
                setEntry(blk, (int) (c & ((1L << entriesBits) - 1)), 1);
                file.write(nt[(int) idx], blk);
            } else {
                setEntry(blk, (int) (c & ((1L << entriesBits) - 1)), 1);
            }
        }
        for (Map.Entry<Long, byte[]> f : fresh.entrySet()) {
            file.write(f.getKey(), f.getValue());
            cache.put(f.getKey(), f.getValue());
        }
        ByteBuffer tb = ByteBuffer.allocate((int) (tClusters * cs));
        for (int i = 0; i < nt.length; i++) {
            tb.putLong(i * 8, nt[i]);
        }
        long newOffset = e << clusterBits;
        file.write(newOffset, tb);
        barrier.sync();
        ByteBuffer hdr = ByteBuffer.allocate(12).putLong(0, newOffset).putInt(8, (int) tClusters);
        file.write(48, hdr);
        barrier.sync();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = nt;
        tableOffset = newOffset;
        tableClusters = (int) tClusters;
        highWater = Math.max(highWater, end);
        for (int i = 0; i < oldClusters; i++) {
            change((oldOffset >>> clusterBits) + i, -1);
        }
    }

    private long missingBlocks(long from, long to) {
        long n = 0;
        for (long idx = from >>> entriesBits; idx <= (to - 1) >>> entriesBits; idx++) {
            if (idx >= table.length || table[(int) idx] == 0) {
                n++;
            }
        }
        return n;
    }

    private static long roundUp(long v, long unit) {
        return (v + unit - 1) / unit * unit;
    }

    /**
     * Applies many refcount changes, writing each touched block once (snapshot create/delete/apply). Blocks are
     * created first for clusters that have none.
     */
    void applyDeltas(java.util.SortedMap<Long, Long> deltas) throws IOException {
        for (long c : deltas.keySet()) {
            ensureBlock(c >>> entriesBits);
        }
        // modified blocks are held here until written, so cache eviction cannot lose a change
        Map<Long, byte[]> touched = new LinkedHashMap<>();
        for (Map.Entry<Long, Long> d : deltas.entrySet()) {
            long c = d.getKey();
            long off = table[(int) (c >>> entriesBits)];
            byte[] blk = touched.get(off);
            if (blk == null) {
                blk = block(off);
            }
            int i = (int) (c & ((1L << entriesBits) - 1));
            long v = getEntry(blk, i) + d.getValue();
            if (v < 0 || v > maxRefcount) {
                throw new ImageFormatException(file.path, "refcount of cluster " + c + " out of range (" + v + ")");
            }
            setEntry(blk, i, v);
            if (v == 0) {
                freeHint = Math.min(freeHint, c);
            }
            touched.put(off, blk);
        }
        for (Map.Entry<Long, byte[]> t : touched.entrySet()) {
            file.write(t.getKey(), t.getValue());
        }
    }

    /**
     * Replaces the whole refcount structure by a new one built from {@code computed} (the references each cluster
     * below {@code used} really has), placed from cluster {@code used} on, where nothing is referenced: new blocks and
     * table first, a barrier, then the header points to them. The old table and blocks are referenced by nothing
     * afterwards, so they count as free. Returns how many clusters below {@code used} had another stored refcount.
     */
    long rebuild(int[] computed, long used) throws IOException {
        long perBlock = 1L << entriesBits;
        long total = used;
        long blocks;
        long tClusters;
        while (true) {
            blocks = (total + perBlock - 1) / perBlock;
            tClusters = (blocks * 8 + cs - 1) / cs;
            long t = used + tClusters + blocks;
            if (t == total) {
                break;
            }
            total = t;
        }
        long changed = 0;
        for (long c = 0; c < used; c++) {
            if (computed[(int) c] > maxRefcount) {
                throw new ImageFormatException(file.path, "cluster " + c + " has " + computed[(int) c]
                        + " references, more than " + refcountBits() + "-bit refcounts can count");
            }
            long stored;
            try {
                stored = damage == null ? get(c) : -1;
            } catch (IOException e) {
                stored = -1; // an unreadable block: every count in it is wrong
            }
            if (stored != computed[(int) c]) {
                changed++;
            }
        }
        long tableStart = used;
        long blockStart = used + tClusters;
        ByteBuffer newTable = ByteBuffer.allocate((int) (tClusters * cs));
        byte[] blk = new byte[cs];
        for (long b = 0; b < blocks; b++) {
            java.util.Arrays.fill(blk, (byte) 0);
            long first = b * perBlock;
            for (long c = first; c < Math.min(first + perBlock, total); c++) {
                setEntry(blk, (int) (c - first), c < used ? computed[(int) c] : 1);
            }
            long off = (blockStart + b) << clusterBits;
            file.write(off, blk);
            newTable.putLong((int) (b * 8), off);
        }
        file.write(tableStart << clusterBits, newTable.clear());
        barrier.sync();
        file.write(48, ByteBuffer.allocate(12).putLong(0, tableStart << clusterBits).putInt(8, (int) tClusters));
        barrier.sync();
        load(tableStart << clusterBits, (int) tClusters);
        return changed;
    }

    /** Forgets cached blocks (after a repair rewrote refcounts behind the cache). */
    void invalidate() {
        cache.clear();
        freeHint = 1;
    }

    boolean isBlock(long offset) {
        return blockSet.contains(offset);
    }

    /** Host offsets of all refcount blocks (for overlap checks and the consistency check). */
    long[] blockOffsets() {
        return table.clone();
    }
}
