package org.virtfx.engine.storage.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.RepairMode;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/** An open VDI image: a 32-bit block map after the header; new blocks are appended after the last one. */
final class VdiImage extends BlockMappedImage {
    private final int offsetBmap;
    private final long offsetData;
    private final int[] blockMap;
    private int blocksAllocated;
    private boolean headerDirty;

    private VdiImage(VdiFormat format, Path file, boolean readOnly, FileChannel ch, long diskSize, int offsetBmap,
                     long offsetData, int imageType, int[] blockMap, int blocksAllocated) {
        super(format, file, readOnly, ch, VdiFormat.BLOCK_SIZE, diskSize);
        this.offsetBmap = offsetBmap;
        this.offsetData = offsetData;
        this.blockMap = blockMap;
        this.blocksAllocated = blocksAllocated;
    }

    static VdiImage open(VdiFormat format, Path file, boolean readOnly) throws IOException {
        FileChannel ch = openChannel(file, readOnly);
        try {
            return parse(format, file, readOnly, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static VdiImage parse(VdiFormat format, Path file, boolean readOnly, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 512) {
            throw new ImageFormatException(file, "too short for a VDI header (" + fileSize + " bytes)");
        }
        ByteBuffer h = readStructure(ch, file, 0, 512, "VDI header").order(ByteOrder.LITTLE_ENDIAN);
        if (h.getInt(0x40) != VdiFormat.SIGNATURE) {
            throw new ImageFormatException(file, "not a VDI image (bad signature 0x" + Integer.toHexString(h.getInt(0x40)) + ")");
        }
        int version = h.getInt(0x44);
        if (version != VdiFormat.VERSION) {
            throw new ImageFormatException(file, "unsupported VDI version " + (version >>> 16) + "." + (version & 0xFFFF)
                    + " (only 1.1 is supported)");
        }
        int headerSize = h.getInt(0x48);
        if (headerSize < VdiFormat.HEADER_SIZE) {
            throw new ImageFormatException(file, "VDI header size " + headerSize + " is too small");
        }
        int type = h.getInt(0x4C);
        if (type != VdiFormat.TYPE_DYNAMIC && type != VdiFormat.TYPE_STATIC) {
            throw new ImageFormatException(file, "unsupported VDI image type " + type
                    + (type == 4 ? " (differencing images are not supported)" : ""));
        }
        int offsetBmap = h.getInt(0x154);
        long offsetData = Integer.toUnsignedLong(h.getInt(0x158));
        int sectorSize = h.getInt(0x168);
        long diskSize = h.getLong(0x170);
        int blockSize = h.getInt(0x178);
        int blockExtra = h.getInt(0x17C);
        long blocks = Integer.toUnsignedLong(h.getInt(0x180));
        long allocated = Integer.toUnsignedLong(h.getInt(0x184));
        if (sectorSize != 512) {
            throw new ImageFormatException(file, "unsupported VDI sector size " + sectorSize + " (expected 512)");
        }
        if (blockSize != VdiFormat.BLOCK_SIZE) {
            throw new ImageFormatException(file, "unsupported VDI block size " + blockSize + " (expected 1 MiB)");
        }
        if (blockExtra != 0) {
            throw new ImageFormatException(file, "unsupported VDI block extra data (" + blockExtra + " bytes)");
        }
        if (offsetBmap % 512 != 0 || offsetData % 512 != 0 || offsetBmap < 0x200) {
            throw new ImageFormatException(file, "VDI block map offset " + offsetBmap + " or data offset "
                    + offsetData + " is not sector aligned");
        }
        if (blocks > VdiFormat.MAX_BLOCKS) {
            throw new ImageFormatException(file, "VDI image claims " + blocks + " blocks (more than the "
                    + VdiFormat.MAX_BLOCKS + " supported)");
        }
        if (diskSize < 0 || diskSize > blocks * blockSize) {
            throw new ImageFormatException(file, "VDI disk size " + diskSize + " exceeds its " + blocks + " blocks of "
                    + blockSize + " bytes");
        }
        if (allocated > blocks) {
            throw new ImageFormatException(file, "VDI header says " + allocated + " blocks are allocated but the image has "
                    + blocks);
        }
        if (offsetBmap + blocks * 4 > offsetData) {
            throw new ImageFormatException(file, "VDI block map (" + blocks + " entries at " + offsetBmap
                    + ") overlaps the data area at " + offsetData);
        }
        if (!isZero(h, 0x1A8, 16) || !isZero(h, 0x1B8, 16)) {
            throw new ImageFormatException(file, "VDI differencing images (with a parent UUID) are not supported");
        }
        ByteBuffer mapBytes = readStructure(ch, file, offsetBmap, blocks * 4, "VDI block map")
                .order(ByteOrder.LITTLE_ENDIAN);
        int[] map = new int[(int) blocks];
        mapBytes.asIntBuffer().get(map);
        for (int i = 0; i < map.length; i++) {
            long e = Integer.toUnsignedLong(map[i]);
            if (e < 0xFFFFFFFEL && e >= blocks) {
                throw new ImageFormatException(file, "VDI block map entry " + i + " points to block " + e
                        + " beyond the " + blocks + " blocks of the image");
            }
        }
        return new VdiImage(format, file, readOnly, ch, diskSize, offsetBmap, offsetData, type, map, (int) allocated);
    }

    private static boolean isZero(ByteBuffer b, int at, int len) {
        for (int i = 0; i < len; i++) {
            if (b.get(at + i) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected long lookup(long block) {
        int e = blockMap[(int) block];
        if (e == VdiFormat.UNALLOCATED) {
            return UNALLOCATED;
        }
        if (e == VdiFormat.ZERO) {
            return ZERO;
        }
        return offsetData + Integer.toUnsignedLong(e) * blockSize;
    }

    @Override
    protected long allocate(long block) throws IOException {
        int index = blocksAllocated;
        if (Integer.toUnsignedLong(index) >= blockMap.length) {
            throw new ImageFormatException(file, "no room for another block (all " + blockMap.length
                    + " are allocated; the block map is inconsistent)");
        }
        long host = offsetData + (long) index * blockSize;
        // make the whole block exist (zeros) before the map points at it
        long end = host + blockSize;
        if (channel.size() < end) {
            writeFully(channel, ByteBuffer.allocate(1), end - 1);
        } else {
            ByteBuffer z = ByteBuffer.allocate((int) blockSize);
            writeFully(channel, z, host);
        }
        blockMap[(int) block] = index;
        blocksAllocated = index + 1;
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, index);
        writeFully(channel, e, offsetBmap + block * 4);
        headerDirty = true;
        return host;
    }

    @Override
    protected void writeBackMetadata() throws IOException {
        if (headerDirty) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, blocksAllocated);
            writeFully(channel, b, 0x184);
            headerDirty = false;
        }
    }

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> specific = new LinkedHashMap<>();
        return new ImageInfo("vdi", file, size, actualSize(), (int) blockSize, null, null, null, false, List.of(),
                specific);
    }

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        List<String> msgs = new ArrayList<>();
        long corruptions = 0;
        long allocatedCount = 0;
        long maxBlocks = blockMap.length;
        int[] owner = new int[blockMap.length];
        java.util.Arrays.fill(owner, -1);
        long fileSize = channel.size();
        synchronized (metaLock) {
            for (int i = 0; i < blockMap.length; i++) {
                long e = Integer.toUnsignedLong(blockMap[i]);
                if (e >= 0xFFFFFFFEL) {
                    continue;
                }
                if (e >= maxBlocks) {
                    msgs.add("ERROR: block index " + i + " too large, is " + e);
                    corruptions++;
                    continue;
                }
                if (owner[(int) e] >= 0) {
                    msgs.add("ERROR: blocks " + owner[(int) e] + " and " + i + " both use data block " + e);
                    corruptions++;
                    continue;
                }
                owner[(int) e] = i;
                allocatedCount++;
                if (offsetData + (e + 1) * blockSize > fileSize) {
                    msgs.add("ERROR: data block " + e + " of block " + i + " lies past the end of the file");
                    corruptions++;
                }
            }
            if (allocatedCount != blocksAllocated) {
                msgs.add("ERROR: allocated block count mismatch: header says " + blocksAllocated + ", map has "
                        + allocatedCount);
                corruptions++;
            }
        }
        // like qemu-img, VDI checks report only errors (no cluster statistics)
        return new CheckResult(corruptions, 0, 0, 0, 0, 0, 0, 0, 0, 0, msgs);
    }
}
