package org.virtfx.engine.storage.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * A hosted sparse VMDK extent ("KDMV"): grain directory -> grain tables -> grains. Handles monolithicSparse (read and
 * write, redundant GD, zeroed-grain GTEs) and streamOptimized (compressed grains with markers, header in the footer
 * when gd_offset is "at end"; read-only).
 */
final class SparseExtent {
    static final int MAGIC = 0x564D444B; // "KDMV" read little-endian
    static final int FLAG_NL_DETECT = 1;
    static final int FLAG_RGD = 2;
    static final int FLAG_ZERO_GRAIN = 4;
    static final int FLAG_COMPRESS = 1 << 16;
    static final int FLAG_MARKERS = 1 << 17;
    static final long GD_AT_END = -1L;
    private static final int GT_CACHE = 1024;

    final Path file;
    final FileChannel ch;
    final int version;
    final int flags;
    final long capacity;        // sectors
    final long grainSectors;
    final int gtesPerGt;
    final long gdOffset;        // sectors
    final long rgdOffset;       // sectors, 0 = none
    final long descOffset;
    final long descSize;
    final int[] gd;
    final int[] rgd;
    private final Map<Integer, int[]> gtCache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, int[]> e) {
            return size() > GT_CACHE;
        }
    };
    private long lastGrain = -1;
    private byte[] lastGrainData;

    private SparseExtent(Path file, FileChannel ch, ByteBuffer h, int[] gd, int[] rgd) {
        this.file = file;
        this.ch = ch;
        this.version = h.getInt(4);
        this.flags = h.getInt(8);
        this.capacity = h.getLong(12);
        this.grainSectors = h.getLong(20);
        this.descOffset = h.getLong(28);
        this.descSize = h.getLong(36);
        this.gtesPerGt = h.getInt(44);
        this.rgdOffset = (flags & FLAG_RGD) != 0 ? h.getLong(48) : 0;
        this.gdOffset = h.getLong(56);
        this.gd = gd;
        this.rgd = rgd;
    }

    static boolean hasMagic(ByteBuffer h) {
        return h.remaining() >= 4 && h.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
    }

    /** Parses the header (the footer's copy for streamOptimized files) and loads the grain directory. */
    static SparseExtent open(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        ByteBuffer h = BlockMappedImage.readStructure(ch, file, 0, 512, "VMDK sparse header").order(ByteOrder.LITTLE_ENDIAN);
        if (h.getInt(0) != MAGIC) {
            throw new ImageFormatException(file, "not a VMDK sparse extent (no KDMV magic)");
        }
        if (h.getLong(56) == GD_AT_END) {
            if (fileSize < 1536) {
                throw new ImageFormatException(file, "streamOptimized VMDK has its grain directory at the end, but the file is too short for a footer");
            }
            ByteBuffer f = BlockMappedImage.readStructure(ch, file, fileSize - 1024, 512, "VMDK footer header")
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (f.getInt(0) != MAGIC || f.getLong(56) == GD_AT_END) {
                throw new ImageFormatException(file, "streamOptimized VMDK footer (at end - 1024) is missing or has no grain directory offset");
            }
            h = f;
        }
        int version = h.getInt(4);
        int flags = h.getInt(8);
        long capacity = h.getLong(12);
        long grain = h.getLong(20);
        int gtes = h.getInt(44);
        long gdOff = h.getLong(56);
        if (version < 1 || version > 3) {
            throw new ImageFormatException(file, "unsupported VMDK sparse version " + version);
        }
        if ((flags & FLAG_NL_DETECT) != 0 && !(h.get(73) == '\n' && h.get(74) == ' ' && h.get(75) == '\r' && h.get(76) == '\n')) {
            throw new ImageFormatException(file, "VMDK header newline check bytes are corrupted (file transferred in text mode?)");
        }
        if (grain < 1 || grain > (1 << 16) || Long.bitCount(grain) != 1) {
            throw new ImageFormatException(file, "invalid VMDK grain size " + grain + " sectors");
        }
        if (gtes < 1 || gtes > 4096) {
            throw new ImageFormatException(file, "invalid VMDK grain table size " + gtes + " entries");
        }
        if (capacity < 0 || capacity > (1L << 41)) {
            throw new ImageFormatException(file, "VMDK capacity " + capacity + " sectors is not plausible");
        }
        if ((flags & FLAG_COMPRESS) != 0 && h.getShort(77) != 1) {
            throw new ImageFormatException(file, "unsupported VMDK compression algorithm " + h.getShort(77));
        }
        long grains = (capacity + grain - 1) / grain;
        long gdEntries = (grains + gtes - 1) / gtes;
        if (gdEntries > fileSize / 4 + 1 && gdEntries > (1 << 24)) {
            throw new ImageFormatException(file, "VMDK grain directory would have " + gdEntries + " entries, more than the file can hold");
        }
        int[] gd = readTable(ch, file, gdOff, gdEntries, "VMDK grain directory");
        int[] rgd = null;
        if ((flags & FLAG_RGD) != 0 && h.getLong(48) != 0 && h.getLong(48) != GD_AT_END) {
            rgd = readTable(ch, file, h.getLong(48), gdEntries, "VMDK redundant grain directory");
        }
        return new SparseExtent(file, ch, h, gd, rgd);
    }

    private static int[] readTable(FileChannel ch, Path file, long sector, long entries, String what) throws IOException {
        if (sector < 0 || sector > Long.MAX_VALUE / 512) {
            throw new ImageFormatException(file, what + " offset " + sector + " is invalid");
        }
        ByteBuffer b = BlockMappedImage.readStructure(ch, file, sector * 512, entries * 4, what).order(ByteOrder.LITTLE_ENDIAN);
        int[] t = new int[(int) entries];
        b.asIntBuffer().get(t);
        return t;
    }

    long grainBytes() {
        return grainSectors * 512;
    }

    long sizeBytes() {
        return capacity * 512;
    }

    boolean compressed() {
        return (flags & FLAG_COMPRESS) != 0;
    }

    private int[] gt(int gdIndex) throws IOException {
        int[] t = gtCache.get(gdIndex);
        if (t == null) {
            long sector = Integer.toUnsignedLong(gd[gdIndex]);
            t = readTable(ch, file, sector, gtesPerGt, "VMDK grain table " + gdIndex);
            gtCache.put(gdIndex, t);
        }
        return t;
    }

    /** Grain table entry for guest grain {@code g}: 0 unallocated, 1 zero (with the flag), else the grain's sector. */
    synchronized long gte(long g) throws IOException {
        int gdi = (int) (g / gtesPerGt);
        if (gdi >= gd.length || gd[gdi] == 0) {
            return 0;
        }
        return Integer.toUnsignedLong(gt(gdi)[(int) (g % gtesPerGt)]);
    }

    boolean isZeroGte(long gte) {
        return gte == 1 && (flags & FLAG_ZERO_GRAIN) != 0;
    }

    /** Reads within one grain. Returns false if the grain is not allocated (the caller supplies backing data or zeros). */
    boolean readInGrain(long g, int inGrain, ByteBuffer dst) throws IOException {
        long e = gte(g);
        if (e == 0) {
            return false;
        }
        if (isZeroGte(e)) {
            BlockMappedImage.fillZeros(dst);
            return true;
        }
        if (compressed()) {
            byte[] data = inflateGrain(g, e);
            dst.put(data, inGrain, dst.remaining());
            return true;
        }
        BlockMappedImage.readFully(ch, dst, e * 512 + inGrain, file);
        return true;
    }

    private synchronized byte[] inflateGrain(long g, long sector) throws IOException {
        if (g == lastGrain) {
            return lastGrainData;
        }
        int hdr = (flags & FLAG_MARKERS) != 0 ? 12 : 0;
        long pos = sector * 512;
        int csize;
        if (hdr > 0) {
            ByteBuffer gh = BlockMappedImage.readStructure(ch, file, pos, 12, "VMDK compressed grain header")
                    .order(ByteOrder.LITTLE_ENDIAN);
            long lba = gh.getLong(0);
            csize = gh.getInt(8);
            if (lba != g * grainSectors) {
                throw new ImageFormatException(file, "VMDK compressed grain at sector " + sector + " is for LBA " + lba
                        + ", expected " + (g * grainSectors));
            }
        } else {
            csize = (int) Math.min(grainBytes() * 2 + 1024, ch.size() - pos);
        }
        if (csize <= 0 || csize > grainBytes() * 2 + 1024) {
            throw new ImageFormatException(file, "VMDK compressed grain at sector " + sector + " has invalid size " + csize);
        }
        ByteBuffer c = BlockMappedImage.readStructure(ch, file, pos + hdr, csize, "VMDK compressed grain");
        byte[] out = new byte[(int) grainBytes()];
        Inflater inf = new Inflater();
        try {
            inf.setInput(c.array(), 0, csize);
            int n = 0;
            while (n < out.length && !inf.finished()) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += k;
            }
        } catch (DataFormatException ex) {
            throw new ImageFormatException(file, "VMDK compressed grain at sector " + sector + " is corrupt: " + ex.getMessage());
        } finally {
            inf.end();
        }
        lastGrain = g;
        lastGrainData = out;
        return out;
    }

    /** Host offset where grain {@code g} is stored, allocating it (zero-filled) if needed. */
    synchronized long allocatedGrain(long g) throws IOException {
        if (compressed()) {
            throw new IOException(file + ": compressed (streamOptimized) VMDK extents are read-only; convert the image to write it");
        }
        int gdi = (int) (g / gtesPerGt);
        int ti = (int) (g % gtesPerGt);
        if (gd[gdi] == 0) {
            allocateGrainTable(gdi);
        }
        int[] t = gt(gdi);
        long e = Integer.toUnsignedLong(t[ti]);
        if (e != 0 && !isZeroGte(e)) {
            return e * 512;
        }
        long end = (ch.size() + 511) & ~511L;
        if (end / 512 > 0xFFFFFFFFL - grainSectors) {
            throw new IOException(file + ": VMDK extent is full (grain offsets are 32-bit sectors)");
        }
        BlockMappedImage.writeFully(ch, ByteBuffer.allocate((int) grainBytes()), end);
        setGte(gdi, ti, (int) (end / 512));
        return end;
    }

    private void setGte(int gdi, int ti, int value) throws IOException {
        gt(gdi)[ti] = value;
        ByteBuffer v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
        BlockMappedImage.writeFully(ch, v, Integer.toUnsignedLong(gd[gdi]) * 512 + ti * 4L);
        if (rgd != null && rgd[gdi] != 0) {
            BlockMappedImage.writeFully(ch, v.rewind(), Integer.toUnsignedLong(rgd[gdi]) * 512 + ti * 4L);
        }
    }

    private void allocateGrainTable(int gdi) throws IOException {
        long bytes = ((long) gtesPerGt * 4 + 511) & ~511L;
        long end = (ch.size() + 511) & ~511L;
        BlockMappedImage.writeFully(ch, ByteBuffer.allocate((int) bytes), end);
        int copies = rgd != null ? 2 : 1;
        if (copies == 2) {
            BlockMappedImage.writeFully(ch, ByteBuffer.allocate((int) bytes), end + bytes);
            rgd[gdi] = (int) ((end + bytes) / 512);
            writeGdEntry(rgdOffset, gdi, rgd[gdi]);
        }
        gd[gdi] = (int) (end / 512);
        writeGdEntry(gdOffset, gdi, gd[gdi]);
        gtCache.put(gdi, new int[gtesPerGt]);
    }

    private void writeGdEntry(long tableSector, int i, int value) throws IOException {
        ByteBuffer v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
        BlockMappedImage.writeFully(ch, v, tableSector * 512 + i * 4L);
    }

    /** Adds this extent's allocation of {@code [off, off+len)} (extent-relative) to {@code out}, shifted by {@code base}. */
    void map(long base, long off, long len, boolean hasBacking, List<MapExtent> out) throws IOException {
        long gb = grainBytes();
        long pos = off;
        long end = off + len;
        while (pos < end) {
            long g = pos / gb;
            long in = pos % gb;
            long n = Math.min(end - pos, gb - in);
            int gdi = (int) (g / gtesPerGt);
            if (gdi < gd.length && gd[gdi] == 0) {
                // a whole missing grain table: one extent for its span instead of one per grain
                long spanEnd = Math.min(end, (long) (gdi + 1) * gtesPerGt * gb);
                VmdkImage.append(out, new MapExtent(base + pos, spanEnd - pos, 0, false, true, false, false, -1, null));
                pos = spanEnd;
                continue;
            }
            long e = gte(g);
            MapExtent m;
            if (e == 0) {
                m = new MapExtent(base + pos, n, 0, false, true, false, false, -1, null);
            } else if (isZeroGte(e)) {
                m = new MapExtent(base + pos, n, 0, true, true, false, false, -1, null);
            } else if (compressed()) {
                m = new MapExtent(base + pos, n, 0, true, false, true, true, -1, file);
            } else {
                m = new MapExtent(base + pos, n, 0, true, false, true, false, e * 512 + in, file);
            }
            VmdkImage.append(out, m);
            pos += n;
        }
    }

    /** Counts allocated grains and finds grains pointing past the end of the file (qemu's vmdk check). */
    void check(List<String> msgs, long[] counters) throws IOException {
        long fileSize = ch.size();
        long grains = (capacity + grainSectors - 1) / grainSectors;
        for (int gdi = 0; gdi < gd.length; gdi++) {
            long gtSector = Integer.toUnsignedLong(gd[gdi]);
            if (gtSector == 0) {
                continue;
            }
            if (gtSector * 512 + gtesPerGt * 4L > fileSize) {
                msgs.add("ERROR: grain table " + gdi + " at offset " + gtSector * 512 + " points after end of file");
                counters[0]++;
                continue;
            }
            int[] t = gt(gdi);
            for (int ti = 0; ti < t.length; ti++) {
                long g = (long) gdi * gtesPerGt + ti;
                if (g >= grains) {
                    break;
                }
                long e = Integer.toUnsignedLong(t[ti]);
                if (e == 0 || isZeroGte(e)) {
                    continue;
                }
                counters[1]++;
                if (e * 512 + (compressed() ? 1 : grainBytes()) > fileSize) {
                    msgs.add("ERROR: cluster offset for sector " + g * grainSectors + " points after end of file");
                    counters[0]++;
                }
            }
        }
        counters[2] += grains;
    }
}
