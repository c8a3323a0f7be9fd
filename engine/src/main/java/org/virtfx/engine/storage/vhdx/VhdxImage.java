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
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/** An open (read-only) VHDX image; a pending log is replayed in memory (see {@link VhdxLog}). */
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

    private final long[] bat;

    private VhdxImage(VhdxFormat format, Path file, FileChannel ch, long size, long blockSize, long[] bat) {
        super(format, file, true, ch, blockSize, size);
        this.bat = bat;
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

    static VhdxImage open(VhdxFormat format, Path file, boolean readOnly) throws IOException {
        if (!readOnly) {
            throw new ImageFormatException(file, "VirtFX opens vhdx images read-only; convert it (virtfx img convert -O qcow2) to write");
        }
        FileChannel ch = openChannel(file, true);
        try {
            return parse(format, file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
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
                throw new ImageFormatException(file, "VHDX differencing images (with a parent locator) are not supported");
            } else if (required) {
                throw new ImageFormatException(file, "VHDX has an unknown required metadata item " + i);
            }
        }
        if (blockSize < (1 << 20) || blockSize > (256L << 20) || Long.bitCount(blockSize) != 1) {
            throw new ImageFormatException(file, "VHDX block size " + blockSize + " is invalid (a power of two from 1 MiB to 256 MiB)");
        }
        if ((flags & 2) != 0) {
            throw new ImageFormatException(file, "VHDX differencing images (has_parent) are not supported");
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
        long[] bat = new long[(int) dataBlocks];
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
                case 7 -> throw new ImageFormatException(file, "VHDX block " + i + " is partially present (differencing), not supported");
                default -> throw new ImageFormatException(file, "VHDX block " + i + " has invalid BAT state " + state);
            }
        }
        return new VhdxImage(format, file, ch, vsize, blockSize, bat);
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
        return new ImageInfo("vhdx", file, size, actualSize(), (int) blockSize, null, null, null, false, List.of(), specific);
    }
}
