package org.virtfx.engine.storage.qcow2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.virtfx.engine.storage.ImageFormatException;

/**
 * The qcow2 header (cluster 0), parsed and validated against the file size before anything else is read, and written
 * back field by field. Layout and limits: QEMU docs/interop/qcow2.txt.
 */
final class Qcow2Header {
    static final int MAGIC = 0x514649FB; // "QFI\xfb"
    static final int V2_LENGTH = 72;
    static final int V3_MIN_LENGTH = 104;
    static final int V3_LENGTH = 112;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's limits: 32 MiB of L1 table, 8 MiB of refcount table, 65536 snapshots, 1023-byte backing name. */
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFTABLE_BYTES = 8L << 20;
    static final int MAX_SNAPSHOTS = 65536;
    static final int MAX_BACKING_NAME = 1023;
    /** Largest virtual size accepted (QEMU: 2^61 bytes would overflow its sector arithmetic; stay well below). */
    static final long MAX_VIRTUAL_SIZE = 1L << 56;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 2;
    static final long INCOMPAT_DATA_FILE = 4;
    static final long INCOMPAT_COMPRESSION = 8;
    static final long INCOMPAT_EXTL2 = 16;
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION
            | INCOMPAT_EXTL2;
    static final long COMPAT_LAZY_REFCOUNTS = 1;

    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    static final int EXT_FEATURE_TABLE = 0x6803F857;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_CRYPTO = 0x0537BE77;
    static final int EXT_DATA_FILE = 0x44415441;

    int version;
    long backingFileOffset;
    int backingFileSize;
    int clusterBits;
    long size;
    int cryptMethod;
    int l1Size;
    long l1TableOffset;
    long refcountTableOffset;
    int refcountTableClusters;
    int nbSnapshots;
    long snapshotsOffset;
    long incompatible;
    long compatible;
    long autoclear;
    int refcountOrder = 4;
    int headerLength = V2_LENGTH;
    int compressionType;
    String backingFile;
    String backingFormat;
    /** Feature names from the feature table extension: key "type:bit" (0 incompatible, 1 compatible, 2 autoclear). */
    final Map<String, String> featureNames = new LinkedHashMap<>();
    /** Extensions this code does not interpret, kept verbatim (type, data) so a header rewrite preserves them. */
    final List<Map.Entry<Integer, byte[]>> otherExtensions = new ArrayList<>();

    int clusterSize() {
        return 1 << clusterBits;
    }

    boolean extendedL2() {
        return (incompatible & INCOMPAT_EXTL2) != 0;
    }

    /** Parses and validates; {@code head} is the first cluster (or the whole file if shorter). */
    static Qcow2Header parse(Path file, byte[] head, long fileSize) throws ImageFormatException {
        if (head.length < V2_LENGTH) {
            throw new ImageFormatException(file, "truncated qcow2 header (" + head.length + " bytes, need 72)");
        }
        ByteBuffer b = ByteBuffer.wrap(head);
        Qcow2Header h = new Qcow2Header();
        if (b.getInt(0) != MAGIC) {
            throw new ImageFormatException(file, "not a qcow2 image (bad magic)");
        }
        h.version = b.getInt(4);
        if (h.version != 2 && h.version != 3) {
            throw new ImageFormatException(file, "unsupported qcow2 version " + Integer.toUnsignedString(h.version));
        }
        h.backingFileOffset = b.getLong(8);
        h.backingFileSize = b.getInt(16);
        h.clusterBits = b.getInt(20);
        if (h.clusterBits < MIN_CLUSTER_BITS || h.clusterBits > MAX_CLUSTER_BITS) {
            throw new ImageFormatException(file, "unsupported cluster size 2^" + Integer.toUnsignedString(h.clusterBits)
                    + " (must be 512 B to 2 MiB)");
        }
        int cs = h.clusterSize();
        h.size = b.getLong(24);
        if (h.size < 0 || h.size > MAX_VIRTUAL_SIZE) {
            throw new ImageFormatException(file, "absurd virtual size " + Long.toUnsignedString(h.size));
        }
        h.cryptMethod = b.getInt(32);
        h.l1Size = b.getInt(36);
        h.l1TableOffset = b.getLong(40);
        h.refcountTableOffset = b.getLong(48);
        h.refcountTableClusters = b.getInt(56);
        h.nbSnapshots = b.getInt(60);
        h.snapshotsOffset = b.getLong(64);
        if (h.version == 3) {
            if (head.length < V3_MIN_LENGTH) {
                throw new ImageFormatException(file, "truncated qcow2 v3 header");
            }
            h.incompatible = b.getLong(72);
            h.compatible = b.getLong(80);
            h.autoclear = b.getLong(88);
            h.refcountOrder = b.getInt(96);
            h.headerLength = b.getInt(100);
            if (h.headerLength < V3_MIN_LENGTH || h.headerLength > Math.min(cs, head.length)) {
                throw new ImageFormatException(file, "invalid header length " + Integer.toUnsignedString(h.headerLength));
            }
            if (h.headerLength > 104) {
                h.compressionType = head[104] & 0xFF;
            }
            if (h.refcountOrder < 0 || h.refcountOrder > 6) {
                throw new ImageFormatException(file, "invalid refcount order " + h.refcountOrder + " (0..6)");
            }
        }
        h.parseExtensions(file, b, Math.min(cs, head.length));
        long unknown = h.incompatible & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            List<String> names = new ArrayList<>();
            for (int bit = 0; bit < 64; bit++) {
                if ((unknown & (1L << bit)) != 0) {
                    names.add(h.featureNames.getOrDefault("0:" + bit, "unknown feature bit " + bit));
                }
            }
            throw new ImageFormatException(file, "uses incompatible qcow2 features VirtFX does not support: " + names);
        }
        if ((h.incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw new ImageFormatException(file, "uses an external data file, which VirtFX does not support");
        }
        if (h.cryptMethod != 0) {
            throw new ImageFormatException(file, "is encrypted (crypt method " + h.cryptMethod + "); VirtFX cannot open encrypted images");
        }
        if (h.compressionType > 1) {
            throw new ImageFormatException(file, "unknown compression type " + h.compressionType);
        }
        if (h.compressionType != 0 && (h.incompatible & INCOMPAT_COMPRESSION) == 0) {
            throw new ImageFormatException(file, "compression type set without the compression-type feature bit");
        }
        // tables: alignment, limits, inside the file
        long l2Entries = cs / (h.extendedL2() ? 16 : 8);
        long guestClusters = (h.size + cs - 1) >>> h.clusterBits;
        long l1Needed = (guestClusters + l2Entries - 1) / l2Entries;
        if (Integer.toUnsignedLong(h.l1Size) * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException(file, "L1 table too large (" + Integer.toUnsignedString(h.l1Size) + " entries)");
        }
        if (h.l1Size < l1Needed) {
            throw new ImageFormatException(file, "L1 table (" + h.l1Size + " entries) too small for the virtual size "
                    + h.size + " (needs " + l1Needed + ")");
        }
        if (h.l1Size > 0) {
            checkTable(file, "L1 table", h.l1TableOffset, (long) h.l1Size * 8, cs, fileSize);
        }
        if (h.refcountTableClusters <= 0 || (long) h.refcountTableClusters * cs > MAX_REFTABLE_BYTES) {
            throw new ImageFormatException(file, "invalid refcount table size (" + Integer.toUnsignedString(h.refcountTableClusters)
                    + " clusters)");
        }
        checkTable(file, "refcount table", h.refcountTableOffset, (long) h.refcountTableClusters * cs, cs, fileSize);
        if (Integer.toUnsignedLong(h.nbSnapshots) > MAX_SNAPSHOTS) {
            throw new ImageFormatException(file, "too many snapshots (" + Integer.toUnsignedString(h.nbSnapshots) + ")");
        }
        if (h.nbSnapshots > 0) {
            checkTable(file, "snapshot table", h.snapshotsOffset, (long) h.nbSnapshots * 40, cs, fileSize);
        }
        if (h.refcountTableOffset < cs || (h.l1Size > 0 && h.l1TableOffset < cs)) {
            throw new ImageFormatException(file, "metadata table overlaps the header");
        }
        if (h.l1Size > 0 && overlaps(h.l1TableOffset, (long) h.l1Size * 8, h.refcountTableOffset,
                (long) h.refcountTableClusters * cs)) {
            throw new ImageFormatException(file, "L1 table overlaps the refcount table");
        }
        if (h.backingFileOffset != 0) {
            if (h.backingFileSize <= 0 || h.backingFileSize > MAX_BACKING_NAME || h.backingFileOffset < 0
                    || h.backingFileOffset + h.backingFileSize > Math.min(cs, head.length)) {
                throw new ImageFormatException(file, "invalid backing file name location (offset "
                        + h.backingFileOffset + ", " + Integer.toUnsignedString(h.backingFileSize) + " bytes)");
            }
            h.backingFile = new String(head, (int) h.backingFileOffset, h.backingFileSize, StandardCharsets.UTF_8);
        }
        return h;
    }

    private static boolean overlaps(long a, long alen, long b, long blen) {
        return a < b + blen && b < a + alen;
    }

    static void checkTable(Path file, String what, long offset, long length, int cs, long fileSize)
            throws ImageFormatException {
        if (offset <= 0 || (offset & (cs - 1)) != 0) {
            throw new ImageFormatException(file, what + " offset 0x" + Long.toHexString(offset) + " is not cluster aligned");
        }
        if (offset > fileSize || length > fileSize - offset) {
            throw new ImageFormatException(file, what + " at 0x" + Long.toHexString(offset) + " (" + length
                    + " bytes) lies past the end of the file (" + fileSize + " bytes)");
        }
    }

    private void parseExtensions(Path file, ByteBuffer b, int limit) throws ImageFormatException {
        int pos = version == 3 ? headerLength : V2_LENGTH;
        int end = limit;
        if (backingFileOffset > 0 && backingFileOffset < end) {
            end = (int) backingFileOffset;
        }
        while (pos + 8 <= end) {
            int type = b.getInt(pos);
            long len = Integer.toUnsignedLong(b.getInt(pos + 4));
            pos += 8;
            if (type == EXT_END) {
                return;
            }
            if (len > end - pos) {
                throw new ImageFormatException(file, "header extension 0x" + Integer.toHexString(type)
                        + " runs past the header cluster (" + len + " bytes)");
            }
            byte[] data = new byte[(int) len];
            b.get(pos, data);
            switch (type) {
                case EXT_BACKING_FORMAT -> backingFormat = new String(data, StandardCharsets.UTF_8);
                case EXT_FEATURE_TABLE -> {
                    for (int i = 0; i + 48 <= data.length; i += 48) {
                        int nameLen = 0;
                        while (nameLen < 46 && data[i + 2 + nameLen] != 0) {
                            nameLen++;
                        }
                        featureNames.put((data[i] & 0xFF) + ":" + (data[i + 1] & 0xFF),
                                new String(data, i + 2, nameLen, StandardCharsets.UTF_8));
                    }
                }
                case EXT_CRYPTO -> throw new ImageFormatException(file, "is encrypted (LUKS); VirtFX cannot open encrypted images");
                case EXT_DATA_FILE -> throw new ImageFormatException(file, "uses an external data file, which VirtFX does not support");
                default -> otherExtensions.add(Map.entry(type, data));
            }
            pos += (int) ((len + 7) & ~7L);
        }
    }

    /**
     * Serialises the whole header cluster: fixed fields, extensions (backing format, feature table, preserved
     * others), then the backing file name. Used when creating an image and when the backing file changes.
     */
    byte[] toCluster(boolean writeFeatureTable) {
        int cs = clusterSize();
        ByteBuffer b = ByteBuffer.allocate(cs);
        b.putInt(0, MAGIC).putInt(4, version);
        b.putInt(20, clusterBits).putLong(24, size).putInt(32, cryptMethod);
        b.putInt(36, l1Size).putLong(40, l1TableOffset).putLong(48, refcountTableOffset);
        b.putInt(56, refcountTableClusters).putInt(60, nbSnapshots).putLong(64, snapshotsOffset);
        int pos = V2_LENGTH;
        if (version == 3) {
            headerLength = V3_LENGTH;
            b.putLong(72, incompatible).putLong(80, compatible).putLong(88, autoclear);
            b.putInt(96, refcountOrder).putInt(100, headerLength).put(104, (byte) compressionType);
            pos = headerLength;
        }
        if (backingFormat != null) {
            pos = putExtension(b, pos, EXT_BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8));
        }
        int backingLen = backingFile == null ? 0 : backingFile.getBytes(StandardCharsets.UTF_8).length;
        // the feature name table is informative only: leave it out when it does not fit (512-byte clusters)
        if (writeFeatureTable && version == 3 && pos + 8 + 8 * 48 + 8 + backingLen <= cs) {
            String[][] features = {{"0", "0", "dirty bit"}, {"0", "1", "corrupt bit"}, {"0", "2", "external data file"},
                    {"0", "3", "compression type"}, {"0", "4", "extended L2 entries"}, {"1", "0", "lazy refcounts"},
                    {"2", "0", "bitmaps"}, {"2", "1", "raw external data"}};
            byte[] t = new byte[features.length * 48];
            for (int i = 0; i < features.length; i++) {
                t[i * 48] = (byte) Integer.parseInt(features[i][0]);
                t[i * 48 + 1] = (byte) Integer.parseInt(features[i][1]);
                byte[] n = features[i][2].getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(n, 0, t, i * 48 + 2, n.length);
            }
            pos = putExtension(b, pos, EXT_FEATURE_TABLE, t);
        }
        for (Map.Entry<Integer, byte[]> e : otherExtensions) {
            pos = putExtension(b, pos, e.getKey(), e.getValue());
        }
        pos = putExtension(b, pos, EXT_END, new byte[0]);
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            if (name.length > MAX_BACKING_NAME || pos + name.length > cs) {
                throw new IllegalArgumentException("backing file name too long for the header cluster: " + backingFile);
            }
            b.put(pos, name);
            backingFileOffset = pos;
            backingFileSize = name.length;
        } else {
            backingFileOffset = 0;
            backingFileSize = 0;
        }
        b.putLong(8, backingFileOffset).putInt(16, backingFileSize);
        return b.array();
    }

    private static int putExtension(ByteBuffer b, int pos, int type, byte[] data) {
        if (pos + 8 + data.length + (type == EXT_END ? 0 : 8) > b.capacity()) {
            throw new IllegalArgumentException("qcow2 header extensions do not fit in one cluster");
        }
        b.putInt(pos, type).putInt(pos + 4, data.length);
        b.put(pos + 8, data);
        return pos + 8 + ((data.length + 7) & ~7);
    }
}
