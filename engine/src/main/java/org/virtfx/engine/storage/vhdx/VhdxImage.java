package org.virtfx.engine.storage.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.OpenOptions;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * An open (read-only) VHDX image; a pending log is replayed in memory (see {@link VhdxLog}). A differencing image
 * (has_parent) reads blocks that are not present, and the sectors of partially present blocks whose bit is clear in
 * the chunk's sector bitmap block, from the parent named by its parent locator.
 */
final class VhdxImage extends BlockMappedImage {
    static final byte[] BAT_GUID = guid("2DC27766-F623-4200-9D64-115E9BFD4A08");
    static final byte[] METADATA_GUID = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    static final byte[] FILE_PARAMETERS = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    static final byte[] VIRTUAL_DISK_SIZE = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    static final byte[] PAGE83 = guid("BECA12AB-B2E6-4523-93EF-C309E000C746");
    static final byte[] LOGICAL_SECTOR = guid("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    static final byte[] PHYSICAL_SECTOR = guid("CDA348C7-445D-4471-9CC9-E9885251C556");
    static final byte[] PARENT_LOCATOR = guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");
    static final int HEADER_SIG = 0x64616568;  // "head"
    static final int REGION_SIG = 0x69676572;  // "regi"
    static final long METADATA_SIG = 0x617461646174656DL; // "metadata"

    /** Locator type of a VHDX parent locator ("parent_linkage", "relative_path", ... as UTF-16LE key/value pairs). */
    static final byte[] VHDX_LOCATOR_TYPE = guid("B04AEFB7-D19E-4A81-B789-25B8E9445913");

    private final long[] bat;
    /** Differencing image: parent locator entries; null otherwise. */
    private final Map<String, String> parentLocator;
    /** Per block: file offset of its part of the chunk's sector bitmap if partially present, else 0. */
    private final long[] sectorBitmaps;
    private final int logicalSector;
    private final byte[] dataWriteGuid;
    private final Map<Integer, byte[]> bitmapCache = new java.util.HashMap<>();
    private Path parentPath;
    private String parentName;

    private VhdxImage(VhdxFormat format, Path file, FileChannel ch, long size, long blockSize, long[] bat,
                      Map<String, String> parentLocator, long[] sectorBitmaps, int logicalSector, byte[] dataWriteGuid) {
        super(format, file, true, ch, blockSize, size);
        this.bat = bat;
        this.parentLocator = parentLocator;
        this.sectorBitmaps = sectorBitmaps;
        this.logicalSector = logicalSector;
        this.dataWriteGuid = dataWriteGuid;
    }

    /** The header's DataWriteGuid as text, which a child's parent_linkage names. */
    String dataWriteGuidText() {
        return guidText(dataWriteGuid, 0);
    }

    static String guidText(byte[] b, int at) {
        return String.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[at + 3], b[at + 2], b[at + 1], b[at], b[at + 5], b[at + 4], b[at + 7], b[at + 6], b[at + 8],
                b[at + 9], b[at + 10], b[at + 11], b[at + 12], b[at + 13], b[at + 14], b[at + 15]);
    }

    /** MS GUID text -> on-disk bytes (first three fields little-endian). */
    static byte[] guid(String s) {
        String h = s.replace("-", "");
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(i * 2, i * 2 + 2), 16);
        }
        return new byte[] {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
    }

    static VhdxImage open(VhdxFormat format, Path file, OpenOptions options) throws IOException {
        VhdxImage img = open(format, file, options.readOnly());
        if (img.parentLocator != null) {
            closingOnFailure(img, () -> img.findParent(options.backing()));
        }
        return img;
    }

    /**
     * The parent: "relative_path" against this image's directory, then the file name of "absolute_win32_path" or
     * "volume_path" next to this image; its DataWriteGuid must be "parent_linkage" (or "parent_linkage2").
     */
    private void findParent(OpenOptions.BackingOpener opener) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        List<Path> tried = new java.util.ArrayList<>();
        for (String key : List.of("relative_path", "absolute_win32_path", "volume_path")) {
            String v = parentLocator.get(key);
            if (v == null || v.isEmpty()) {
                continue;
            }
            String unix = v.replace('\\', '/');
            Path c = key.equals("relative_path") ? dir.resolve(unix.startsWith("./") ? unix.substring(2) : unix)
                    : dir.resolve(unix.substring(unix.lastIndexOf('/') + 1));
            tried.add(c);
            if (java.nio.file.Files.isRegularFile(c)) {
                parentPath = c;
                parentName = key.equals("relative_path") ? dir.relativize(c.normalize()).toString() : v;
                break;
            }
        }
        if (parentPath == null) {
            parentName = parentLocator.getOrDefault("relative_path", parentLocator.get("absolute_win32_path"));
            if (opener == null) {
                return;
            }
            throw new ImageFormatException(file, "VHDX parent image not found (tried " + tried + ")");
        }
        if (opener == null) {
            return;
        }
        org.virtfx.engine.storage.DiskImage parent = opener.open(file, parentPath, "vhdx");
        String linkage = strip(parentLocator.get("parent_linkage"));
        String linkage2 = strip(parentLocator.get("parent_linkage2"));
        if (parent instanceof VhdxImage vp && !vp.dataWriteGuidText().equalsIgnoreCase(linkage)
                && !vp.dataWriteGuidText().equalsIgnoreCase(linkage2)) {
            parent.close();
            throw new ImageFormatException(file, "VHDX parent " + parentPath + " has DataWriteGuid "
                    + vp.dataWriteGuidText() + " but this differencing image was made from " + linkage
                    + " (the parent was modified or replaced)");
        }
        backing = parent;
    }

    private static String strip(String g) {
        return g == null ? "" : g.replace("{", "").replace("}", "").trim();
    }

    static VhdxImage open(VhdxFormat format, Path file, boolean readOnly) throws IOException {
        if (!readOnly) {
            throw new ImageFormatException(file, "VirtFX opens vhdx images read-only; convert it (virtfx img convert -O qcow2) to write");
        }
        FileChannel ch = openChannel(file, true);
        return closingOnFailure(ch, () -> parse(format, file, ch));
    }

    private static int crc(ByteBuffer b, int len) {
        ByteBuffer d = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] a = new byte[len];
        d.position(0);
        d.get(a);
        a[4] = a[5] = a[6] = a[7] = 0;
        CRC32C c = new CRC32C();
        c.update(a);
        return (int) c.getValue();
    }

    private static boolean isZero(ByteBuffer b, int at, int len) {
        for (int i = 0; i < len; i++) {
            if (b.get(at + i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean guidAt(ByteBuffer b, int at, byte[] g) {
        for (int i = 0; i < 16; i++) {
            if (b.get(at + i) != g[i]) {
                return false;
            }
        }
        return true;
    }

    private static VhdxImage parse(VhdxFormat format, Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        ByteBuffer id = readStructure(ch, file, 0, 8, "VHDX file identifier");
        if (!"vhdxfile".equals(new String(id.array(), java.nio.charset.StandardCharsets.US_ASCII))) {
            throw new ImageFormatException(file, "not a VHDX image (no \"vhdxfile\" signature)");
        }
        if (fileSize < 320 * 1024) {
            throw new ImageFormatException(file, "too short for VHDX headers and region tables (" + fileSize + " bytes)");
        }
        ByteBuffer best = null;
        long bestSeq = -1;
        for (long at : new long[] {64 * 1024, 128 * 1024}) {
            ByteBuffer h = readStructure(ch, file, at, 4096, "VHDX header").order(ByteOrder.LITTLE_ENDIAN);
            if (h.getInt(0) != HEADER_SIG || h.getInt(4) != crc(h, 4096) || h.getShort(66) != 1) {
                continue;
            }
            long seq = h.getLong(8);
            if (best == null || Long.compareUnsigned(seq, bestSeq) > 0) {
                best = h;
                bestSeq = seq;
            }
        }
        if (best == null) {
            throw new ImageFormatException(file, "VHDX has no valid header (both copies fail the signature, CRC-32C or version check)");
        }
        // an image not closed cleanly names a log whose updates must be applied before its metadata is read
        VhdxLog log = isZero(best, 48, 16) ? VhdxLog.NONE : VhdxLog.read(ch, file, best);
        ByteBuffer regions = null;
        for (long at : new long[] {192 * 1024, 256 * 1024}) {
            ByteBuffer r = log.readStructure(ch, file, at, 64 * 1024, "VHDX region table").order(ByteOrder.LITTLE_ENDIAN);
            if (r.getInt(0) == REGION_SIG && r.getInt(4) == crc(r, 64 * 1024)) {
                regions = r;
                break;
            }
        }
        if (regions == null) {
            throw new ImageFormatException(file, "VHDX has no valid region table (signature or CRC-32C mismatch in both copies)");
        }
        long count = Integer.toUnsignedLong(regions.getInt(8));
        if (count > 2047) {
            throw new ImageFormatException(file, "VHDX region table has " + count + " entries (at most 2047)");
        }
        long batOff = -1;
        long batLen = 0;
        long metaOff = -1;
        long metaLen = 0;
        for (int i = 0; i < count; i++) {
            int e = 16 + i * 32;
            long off = regions.getLong(e + 16);
            long len = Integer.toUnsignedLong(regions.getInt(e + 24));
            boolean required = (regions.getInt(e + 28) & 1) != 0;
            if (off < 1 << 20 || off % (1 << 20) != 0 || len % (1 << 20) != 0 || off > fileSize || len > fileSize - off) {
                throw new ImageFormatException(file, "VHDX region " + i + " at " + off + " (" + len
                        + " bytes) is misaligned or lies outside the file (" + fileSize + " bytes)");
            }
            if (guidAt(regions, e, BAT_GUID)) {
                batOff = off;
                batLen = len;
            } else if (guidAt(regions, e, METADATA_GUID)) {
                metaOff = off;
                metaLen = len;
            } else if (required) {
                throw new ImageFormatException(file, "VHDX has an unknown required region " + i);
            }
        }
        if (batOff < 0 || metaOff < 0) {
            throw new ImageFormatException(file, "VHDX region table lacks the " + (batOff < 0 ? "BAT" : "metadata") + " region");
        }
        log.requireWithin(file, new long[] {192 * 1024, 128 * 1024}, new long[] {batOff, batLen},
                new long[] {metaOff, metaLen});
        ByteBuffer meta = log.readStructure(ch, file, metaOff, Math.min(metaLen, 64 * 1024), "VHDX metadata table")
                .order(ByteOrder.LITTLE_ENDIAN);
        if (meta.getLong(0) != METADATA_SIG) {
            throw new ImageFormatException(file, "VHDX metadata table at " + metaOff + " has a bad signature");
        }
        int entries = meta.getShort(10) & 0xFFFF;
        if (entries > 2047) {
            throw new ImageFormatException(file, "VHDX metadata table has " + entries + " entries (at most 2047)");
        }
        long blockSize = -1;
        int flags = 0;
        long vsize = -1;
        int logical = -1;
        Map<String, String> locator = null;
        for (int i = 0; i < entries; i++) {
            int e = 32 + i * 32;
            long off = Integer.toUnsignedLong(meta.getInt(e + 16));
            long len = Integer.toUnsignedLong(meta.getInt(e + 20));
            boolean required = (meta.getInt(e + 24) & 4) != 0;
            if (len == 0) {
                continue;
            }
            if (off < 64 * 1024 || off + len > metaLen) {
                throw new ImageFormatException(file, "VHDX metadata item " + i + " at " + off + " (" + len
                        + " bytes) lies outside the metadata region");
            }
            if (guidAt(meta, e, FILE_PARAMETERS)) {
                ByteBuffer v = log.readStructure(ch, file, metaOff + off, 8, "VHDX file parameters").order(ByteOrder.LITTLE_ENDIAN);
                blockSize = Integer.toUnsignedLong(v.getInt(0));
                flags = v.getInt(4);
            } else if (guidAt(meta, e, VIRTUAL_DISK_SIZE)) {
                vsize = log.readStructure(ch, file, metaOff + off, 8, "VHDX virtual disk size").order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            } else if (guidAt(meta, e, LOGICAL_SECTOR)) {
                logical = log.readStructure(ch, file, metaOff + off, 4, "VHDX logical sector size").order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            } else if (guidAt(meta, e, PAGE83) || guidAt(meta, e, PHYSICAL_SECTOR)) {
                continue;
            } else if (guidAt(meta, e, PARENT_LOCATOR)) {
                locator = parentLocator(file, log.readStructure(ch, file, metaOff + off, len, "VHDX parent locator")
                        .order(ByteOrder.LITTLE_ENDIAN));
            } else if (required) {
                throw new ImageFormatException(file, "VHDX has an unknown required metadata item " + i);
            }
        }
        if (blockSize < (1 << 20) || blockSize > (256L << 20) || Long.bitCount(blockSize) != 1) {
            throw new ImageFormatException(file, "VHDX block size " + blockSize + " is invalid (a power of two from 1 MiB to 256 MiB)");
        }
        boolean hasParent = (flags & 2) != 0;
        if (hasParent && locator == null) {
            throw new ImageFormatException(file, "VHDX differencing image (has_parent) without a parent locator");
        }
        if (!hasParent) {
            locator = null;
        }
        if (logical != 512 && logical != 4096) {
            throw new ImageFormatException(file, "VHDX logical sector size " + logical + " is invalid (512 or 4096)");
        }
        if (vsize < 0 || vsize > (64L << 40) || vsize % logical != 0) {
            throw new ImageFormatException(file, "VHDX virtual disk size " + vsize + " is invalid");
        }
        long chunkRatio = (1L << 23) * logical / blockSize;
        long dataBlocks = (vsize + blockSize - 1) / blockSize;
        long totalEntries = dataBlocks == 0 ? 0 : dataBlocks + (dataBlocks - 1) / chunkRatio;
        if (totalEntries * 8 > batLen) {
            throw new ImageFormatException(file, "VHDX BAT region (" + batLen + " bytes) is too small for " + totalEntries + " entries");
        }
        ByteBuffer batBytes = log.readStructure(ch, file, batOff, totalEntries * 8, "VHDX BAT").order(ByteOrder.LITTLE_ENDIAN);
        if (hasParent) {
            // differencing images have whole chunks: chunk ratio payload entries, then the sector bitmap entry
            totalEntries = (dataBlocks + chunkRatio - 1) / chunkRatio * (chunkRatio + 1);
            if (totalEntries * 8 > batLen) {
                throw new ImageFormatException(file, "VHDX BAT region (" + batLen + " bytes) is too small for "
                        + totalEntries + " entries");
            }
            batBytes = log.readStructure(ch, file, batOff, totalEntries * 8, "VHDX BAT").order(ByteOrder.LITTLE_ENDIAN);
        }
        long[] bat = new long[(int) dataBlocks];
        long[] sectorBitmaps = new long[(int) dataBlocks];
        long bitmapBytesPerBlock = blockSize / logical / 8;
        for (long i = 0; i < dataBlocks; i++) {
            long entry = batBytes.getLong((int) ((i + i / chunkRatio) * 8));
            int state = (int) (entry & 7);
            long off = (entry >>> 20) << 20;
            switch (state) {
                case 0, 1, 2, 3 -> bat[(int) i] = state == 2 ? ZERO : UNALLOCATED;
                case 6 -> {
                    if (off < (1 << 20) || off > fileSize - blockSize) {
                        throw new ImageFormatException(file, "VHDX block " + i + " at offset " + off
                                + " lies outside the file (" + fileSize + " bytes)");
                    }
                    bat[(int) i] = off;
                }
                case 7 -> {
                    if (!hasParent) {
                        throw new ImageFormatException(file, "VHDX block " + i + " is partially present but the image has no parent");
                    }
                    if (off < (1 << 20) || off > fileSize - blockSize) {
                        throw new ImageFormatException(file, "VHDX block " + i + " at offset " + off
                                + " lies outside the file (" + fileSize + " bytes)");
                    }
                    long chunk = i / chunkRatio;
                    long sb = batBytes.getLong((int) ((chunk * (chunkRatio + 1) + chunkRatio) * 8));
                    long sbOff = (sb >>> 20) << 20;
                    if ((sb & 7) != 6 || sbOff < (1 << 20) || sbOff > fileSize - (1 << 20)) {
                        throw new ImageFormatException(file, "VHDX block " + i + " is partially present but chunk "
                                + chunk + " has no sector bitmap block in the file");
                    }
                    bat[(int) i] = off;
                    sectorBitmaps[(int) i] = sbOff + (i % chunkRatio) * bitmapBytesPerBlock;
                }
                default -> throw new ImageFormatException(file, "VHDX block " + i + " has invalid BAT state " + state);
            }
        }
        return new VhdxImage(format, file, ch, vsize, blockSize, bat, locator, sectorBitmaps, logical,
                java.util.Arrays.copyOfRange(best.array(), 32, 48));
    }

    /** Key/value pairs of a parent locator item (UTF-16LE strings at offsets from the item's start). */
    private static Map<String, String> parentLocator(Path file, ByteBuffer item) throws ImageFormatException {
        if (item.capacity() < 20 || !guidAt(item, 0, VHDX_LOCATOR_TYPE)) {
            throw new ImageFormatException(file, "VHDX parent locator has an unknown locator type");
        }
        int count = item.getShort(18) & 0xFFFF;
        if (20L + count * 12L > item.capacity()) {
            throw new ImageFormatException(file, "VHDX parent locator claims " + count + " entries, more than it holds");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int e = 20 + i * 12;
            long ko = Integer.toUnsignedLong(item.getInt(e));
            long vo = Integer.toUnsignedLong(item.getInt(e + 4));
            int kl = item.getShort(e + 8) & 0xFFFF;
            int vl = item.getShort(e + 10) & 0xFFFF;
            if (ko + kl > item.capacity() || vo + vl > item.capacity()) {
                throw new ImageFormatException(file, "VHDX parent locator entry " + i + " lies outside the locator");
            }
            out.put(new String(item.array(), (int) ko, kl, java.nio.charset.StandardCharsets.UTF_16LE),
                    new String(item.array(), (int) vo, vl, java.nio.charset.StandardCharsets.UTF_16LE));
        }
        if (!out.containsKey("parent_linkage")) {
            throw new ImageFormatException(file, "VHDX parent locator lacks parent_linkage");
        }
        return out;
    }

    @Override
    protected int presentRun(long block, int inBlock, int n) throws IOException {
        if (sectorBitmaps[(int) block] == 0) {
            return n;
        }
        byte[] bm = bitmapCache.get((int) block);
        if (bm == null) {
            bm = new byte[(int) (blockSize / logicalSector / 8)];
            readFully(channel, ByteBuffer.wrap(bm), sectorBitmaps[(int) block], file);
            bitmapCache.put((int) block, bm);
        }
        int end = inBlock + n;
        int s0 = inBlock / logicalSector;
        // bit k of the bitmap (least significant bit first) is logical sector k
        boolean present = (bm[s0 >>> 3] & (1 << (s0 & 7))) != 0;
        int p = (s0 + 1) * logicalSector;
        while (p < end) {
            int s = p / logicalSector;
            if (((bm[s >>> 3] & (1 << (s & 7))) != 0) != present) {
                break;
            }
            p += logicalSector;
        }
        int len = Math.min(p, end) - inBlock;
        return present ? len : -len;
    }

    @Override
    protected long lookup(long block) {
        return bat[(int) block];
    }

    @Override
    protected long allocate(long block) throws IOException {
        throw new IOException(file + ": VHDX images are read-only in VirtFX");
    }

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> specific = new LinkedHashMap<>();
        if (parentLocator != null) {
            specific.put("parent-linkage", strip(parentLocator.get("parent_linkage")));
        }
        return new ImageInfo("vhdx", file, size, actualSize(), (int) blockSize, parentName,
                parentName == null ? null : parentPath, parentName == null ? null : "vhdx", false, List.of(), specific);
    }
}
