package org.virtfx.engine.storage.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * The VHDX metadata log (MS-VHDX 2.3): a circular buffer of entries, each a set of 4 KiB sector writes (data
 * descriptors with their data sectors) and zero ranges, that a writer puts there before updating the BAT or metadata
 * in place. An image not closed cleanly names its log in the header; its active sequence (the entries from the tail
 * the newest valid entry names, up to that entry, with consecutive sequence numbers) must be applied before the
 * metadata can be trusted. VirtFX opens VHDX read-only, so the sequence is applied in memory: {@link #read} gives
 * what the file would contain after the replay.
 */
final class VhdxLog {
    private static final int SECTOR = 4096;
    private static final int ENTRY_SIG = 0x65676F6C;  // "loge"
    private static final int DATA_DESC_SIG = 0x63736564; // "desc"
    private static final int ZERO_DESC_SIG = 0x6F72657A; // "zero"
    private static final int DATA_SIG = 0x61746164; // "data"
    /** Replayed sectors kept in memory at most (a log is 1 MiB by default; zero ranges can be longer). */
    private static final long MAX_REPLAY_BYTES = 256L << 20;
    /** Largest log read into memory (Hyper-V and QEMU make 1 MiB logs). */
    private static final long MAX_LOG_BYTES = 16L << 20;
    /** Bytes whose checksum the search for entries may compute: a crafted log must not make it quadratic. */
    private static final long MAX_CHECKSUM_BYTES = 256L << 20;

    /** No log to replay. */
    static final VhdxLog NONE = new VhdxLog(new TreeMap<>());

    /** Replayed contents by 4 KiB-aligned file offset; null values are zero sectors. */
    private final TreeMap<Long, byte[]> sectors;

    private VhdxLog(TreeMap<Long, byte[]> sectors) {
        this.sectors = sectors;
    }

    /** Number of sectors the replay changes. */
    int sectorCount() {
        return sectors.size();
    }

    /** One parsed entry of the log. */
    private record Entry(long position, long length, long tail, long sequence, List<long[]> writes,
                         List<byte[]> data) {
    }

    /** Reads the active log sequence that {@code header} (its log GUID, offset and length) names. */
    static VhdxLog read(FileChannel ch, Path file, ByteBuffer header) throws IOException {
        long logLength = Integer.toUnsignedLong(header.getInt(68));
        long logOffset = header.getLong(72);
        long fileSize = ch.size();
        if (logLength == 0 || logLength % (1 << 20) != 0 || logOffset % (1 << 20) != 0 || logOffset < (1 << 20)
                || logOffset > fileSize || logLength > fileSize - logOffset) {
            throw new ImageFormatException(file, "VHDX log at " + logOffset + " (" + logLength
                    + " bytes) is misaligned or lies outside the file");
        }
        if (logLength > MAX_LOG_BYTES) {
            throw new ImageFormatException(file, "VHDX log of " + logLength + " bytes is larger than VirtFX replays ("
                    + (MAX_LOG_BYTES >> 20) + " MiB); replay it with qemu-img check -r all " + file);
        }
        if ((header.getShort(64) & 0xFFFF) != 0) {
            throw new ImageFormatException(file, "VHDX log version " + (header.getShort(64) & 0xFFFF)
                    + " is unknown (0 expected)");
        }
        byte[] log = new byte[(int) logLength];
        BlockMappedImage.readFully(ch, ByteBuffer.wrap(log), logOffset, file);
        byte[] guid = new byte[16];
        header.get(48, guid);
        Entry head = null;
        long[] budget = {MAX_CHECKSUM_BYTES};
        for (long pos = 0; pos < logLength; pos += SECTOR) {
            Entry e = entryAt(log, pos, guid, budget);
            if (budget[0] < 0) {
                throw new ImageFormatException(file, "VHDX log holds too many overlapping entries to search");
            }
            if (e != null && (head == null || Long.compareUnsigned(e.sequence, head.sequence) > 0)) {
                head = e;
            }
        }
        if (head == null) {
            throw new ImageFormatException(file, "VHDX header names a log, but the log holds no valid entry for it "
                    + "(qemu-img check -r all " + file + " may repair it)");
        }
        // the active sequence runs from the head's tail, entry after entry, up to the head itself
        List<Entry> sequence = new ArrayList<>();
        long pos = head.tail;
        while (true) {
            Entry e = entryAt(log, pos, guid, new long[] {Long.MAX_VALUE});
            if (e == null || (!sequence.isEmpty() && e.sequence != sequence.getLast().sequence + 1)
                    || sequence.size() > logLength / SECTOR) {
                throw new ImageFormatException(file, "VHDX log sequence is broken at log offset " + pos
                        + " (an entry is missing, damaged or out of order; qemu-img check -r all " + file + " may repair it)");
            }
            sequence.add(e);
            if (e.position == head.position) {
                break;
            }
            pos = (pos + e.length) % logLength;
        }
        TreeMap<Long, byte[]> sectors = new TreeMap<>();
        long bytes = 0;
        for (Entry e : sequence) {
            for (int i = 0; i < e.writes.size(); i++) {
                long[] w = e.writes.get(i);
                byte[] d = e.data.get(i);
                for (long off = 0; off < w[1]; off += SECTOR) {
                    sectors.put(w[0] + off, d);
                    bytes += SECTOR;
                    if (bytes > MAX_REPLAY_BYTES) {
                        throw new ImageFormatException(file, "VHDX log replays more than " + (MAX_REPLAY_BYTES >> 20)
                                + " MiB; replay it with qemu-img check -r all first");
                    }
                }
            }
        }
        return new VhdxLog(sectors);
    }

    /**
     * The valid entry starting at {@code pos} of the circular log, or null. {@code budget[0]} is reduced by the bytes
     * checksummed.
     */
    private static Entry entryAt(byte[] log, long pos, byte[] guid, long[] budget) {
        ByteBuffer h = circular(log, pos, 64);
        if (h.getInt(0) != ENTRY_SIG) {
            return null;
        }
        long length = Integer.toUnsignedLong(h.getInt(8));
        long tail = Integer.toUnsignedLong(h.getInt(12));
        long seq = h.getLong(16);
        long count = Integer.toUnsignedLong(h.getInt(24));
        if (length < SECTOR || length % SECTOR != 0 || length > log.length || tail % SECTOR != 0
                || tail >= log.length || seq == 0) {
            return null;
        }
        for (int i = 0; i < 16; i++) {
            if (h.get(32 + i) != guid[i]) {
                return null;
            }
        }
        long descSectors = (64 + count * 32 + SECTOR - 1) / SECTOR;
        budget[0] -= length;
        if (budget[0] < 0) {
            return null;
        }
        ByteBuffer all = circular(log, pos, (int) length);
        CRC32C crc = new CRC32C();
        byte[] copy = all.array().clone();
        copy[4] = copy[5] = copy[6] = copy[7] = 0;
        crc.update(copy);
        if ((int) crc.getValue() != all.getInt(4)) {
            return null;
        }
        List<long[]> writes = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        long dataSector = descSectors;
        for (int i = 0; i < count; i++) {
            int d = 64 + i * 32;
            if (d + 32 > length) {
                return null;
            }
            int sig = all.getInt(d);
            long fileOffset = all.getLong(d + 16);
            if (all.getLong(d + 24) != seq || fileOffset % SECTOR != 0) {
                return null;
            }
            if (sig == ZERO_DESC_SIG) {
                long zeroLength = all.getLong(d + 8);
                if (zeroLength % SECTOR != 0 || zeroLength < 0) {
                    return null;
                }
                writes.add(new long[] {fileOffset, zeroLength});
                data.add(null);
            } else if (sig == DATA_DESC_SIG) {
                long at = dataSector * SECTOR;
                if (at + SECTOR > length) {
                    return null;
                }
                int ds = (int) at;
                if (all.getInt(ds) != DATA_SIG || Integer.toUnsignedLong(all.getInt(ds + 4)) != seq >>> 32
                        || Integer.toUnsignedLong(all.getInt(ds + SECTOR - 4)) != (seq & 0xFFFFFFFFL)) {
                    return null;
                }
                // the sector as written: 8 leading bytes and 4 trailing bytes live in the descriptor
                ByteBuffer sector = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
                sector.putLong(0, all.getLong(d + 8));
                sector.put(8, all.array(), ds + 8, SECTOR - 12);
                sector.putInt(SECTOR - 4, all.getInt(d + 4));
                writes.add(new long[] {fileOffset, SECTOR});
                data.add(sector.array());
                dataSector++;
            } else {
                return null;
            }
        }
        return new Entry(pos, length, tail, seq, writes, data);
    }

    /** {@code len} bytes of the circular log from {@code pos}, little-endian. */
    private static ByteBuffer circular(byte[] log, long pos, int len) {
        byte[] out = new byte[len];
        int first = (int) Math.min(len, log.length - pos);
        System.arraycopy(log, (int) pos, out, 0, first);
        System.arraycopy(log, 0, out, first, len - first);
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads a metadata structure as it is after the replay (see {@link BlockMappedImage#readStructure}). */
    ByteBuffer readStructure(FileChannel ch, Path file, long pos, long len, String what) throws IOException {
        ByteBuffer b = BlockMappedImage.readStructure(ch, file, pos, len, what);
        Map<Long, byte[]> touched = sectors.subMap(pos / SECTOR * SECTOR, true, pos + len - 1, true);
        for (Map.Entry<Long, byte[]> s : touched.entrySet()) {
            long from = Math.max(pos, s.getKey());
            long to = Math.min(pos + len, s.getKey() + SECTOR);
            for (long p = from; p < to; p++) {
                b.put((int) (p - pos), s.getValue() == null ? 0 : s.getValue()[(int) (p - s.getKey())]);
            }
        }
        return b;
    }

    /**
     * Throws unless every replayed sector lies in the given ranges ({@code {offset, length}} pairs): VirtFX applies the
     * log to metadata it reads, never to guest data blocks.
     */
    void requireWithin(Path file, long[]... ranges) throws ImageFormatException {
        for (long s : sectors.keySet()) {
            boolean inside = false;
            for (long[] r : ranges) {
                inside |= s >= r[0] && s + SECTOR <= r[0] + r[1];
            }
            if (!inside) {
                throw new ImageFormatException(file, "VHDX log rewrites file offset " + s + ", outside the metadata "
                        + "VirtFX replays in memory; replay it with 'qemu-img check -r all " + file + "' first");
            }
        }
    }
}
