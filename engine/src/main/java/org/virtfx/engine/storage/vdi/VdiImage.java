package org.virtfx.engine.storage.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.OpenOptions;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.RepairMode;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/** An open VDI image: a 32-bit block map after the header; new blocks are appended after the last one. */
final class VdiImage extends BlockMappedImage {
    private final int offsetBmap;
    private long offsetData;
    private int[] blockMap;
    private final boolean isStatic;
    private int blocksAllocated;
    private boolean headerDirty;
    private boolean differencing;
    /** Creation UUID (0x188), modification UUID (0x198), parent's creation UUID (0x1A8), as stored. */
    private final byte[] uuids;
    /** Description field (a VirtFX parent hint in differencing images it created). */
    private String description;
    private Path parentPath;

    private VdiImage(VdiFormat format, Path file, boolean readOnly, FileChannel ch, long diskSize, int offsetBmap,
                     long offsetData, int imageType, int[] blockMap, int blocksAllocated, byte[] uuids,
                     String description) {
        super(format, file, readOnly, ch, VdiFormat.BLOCK_SIZE, diskSize);
        this.offsetBmap = offsetBmap;
        this.offsetData = offsetData;
        this.blockMap = blockMap;
        this.blocksAllocated = blocksAllocated;
        this.isStatic = imageType == VdiFormat.TYPE_STATIC;
        this.differencing = imageType == VdiFormat.TYPE_DIFF;
        this.uuids = uuids;
        this.description = description;
    }

    /** Creation and modification UUIDs as stored (32 bytes), for a child's uuidLinkage and uuidParentModify. */
    byte[] uuids() {
        return java.util.Arrays.copyOf(uuids, 32);
    }

    static VdiImage open(VdiFormat format, Path file, OpenOptions options) throws IOException {
        FileChannel ch = openChannel(file, options.readOnly());
        VdiImage img = closingOnFailure(ch, () -> parse(format, file, options.readOnly(), ch));
        if (img.differencing) {
            closingOnFailure(img, () -> img.findParent(options.backing()));
        }
        return img;
    }

    /**
     * VDI stores no parent file name, only the parent's creation UUID (uuidLinkage), as VirtualBox keeps the chain in
     * its media registry. The parent is the file named by VirtFX's description hint if its UUID matches, else the
     * VDI file in the same directory with that UUID.
     */
    private void findParent(OpenOptions.BackingOpener opener) throws IOException {
        byte[] linkage = java.util.Arrays.copyOfRange(uuids, 32, 48);
        Path dir = file.toAbsolutePath().getParent();
        List<Path> candidates = new ArrayList<>();
        if (description.startsWith(VdiFormat.PARENT_HINT)) {
            candidates.add(DiskImages.resolveBacking(file, description.substring(VdiFormat.PARENT_HINT.length())));
        }
        String hinted = candidates.isEmpty() ? null : candidates.getFirst().toString();
        try (var files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".vdi"))
                    .sorted().forEach(candidates::add);
        }
        Path self = file.toAbsolutePath().normalize();
        for (Path c : candidates) {
            if (c.toAbsolutePath().normalize().equals(self) || !Files.isRegularFile(c)) {
                continue;
            }
            if (java.util.Arrays.equals(creationUuid(c), linkage)) {
                parentPath = c;
                break;
            }
        }
        if (parentPath == null) {
            if (opener == null) {
                return;
            }
            throw new ImageFormatException(file, "VDI parent image with UUID " + uuidText(linkage) + " not found"
                    + (hinted != null ? " (" + hinted + " is missing or has another UUID)" : "")
                    + " among the .vdi files in " + dir);
        }
        if (opener != null) {
            backing = opener.open(file, parentPath, "vdi");
        }
    }

    /** The creation UUID of a VDI file, or null if it is not one (unreadable files are not candidates). */
    private static byte[] creationUuid(Path f) {
        try (FileChannel c = FileChannel.open(f, java.nio.file.StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(0x198).order(ByteOrder.LITTLE_ENDIAN);
            readFully(c, h, 0, f);
            if (h.getInt(0x40) != VdiFormat.SIGNATURE) {
                return null;
            }
            return java.util.Arrays.copyOfRange(h.array(), 0x188, 0x198);
        } catch (IOException e) {
            return null;
        }
    }

    /** RTUUID bytes (first three fields little-endian) as the usual text form. */
    private static String uuidText(byte[] u) {
        byte[] b = {u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]};
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new java.util.UUID(bb.getLong(), bb.getLong()).toString();
    }

    /**
     * Links a differencing image to another VDI parent ({@code virtfx img rebase}): its creation and modification
     * UUIDs become uuidLinkage and uuidParentModify. Without a parent the image becomes a plain dynamic VDI (after a
     * safe rebase every block it reads is its own). The description hint follows unless it holds another comment.
     */
    @Override
    public void changeBackingFile(String backingFile, String backingFormat) throws IOException {
        org.virtfx.engine.storage.Ranges.checkWritable(file, readOnly);
        if (!differencing) {
            throw new IOException(file + ": only a differencing VDI has a parent (create one with -b)");
        }
        if (backingFormat != null && !backingFormat.equals("vdi")) {
            throw new IllegalArgumentException("a VDI differencing image needs a vdi parent, not " + backingFormat);
        }
        synchronized (metaLock) {
            writeBackMetadata();
            ByteBuffer h = readStructure(channel, file, 0, 512, "VDI header").order(ByteOrder.LITTLE_ENDIAN);
            boolean ownHint = description.isEmpty() || description.startsWith(VdiFormat.PARENT_HINT);
            String newDescription = description;
            Path newParent = null;
            if (backingFile == null) {
                h.putInt(0x4C, VdiFormat.TYPE_DYNAMIC).put(0x1A8, new byte[32]);
                newDescription = ownHint ? "" : description;
            } else {
                newParent = DiskImages.resolveBacking(file, backingFile);
                byte[] u;
                try (org.virtfx.engine.storage.DiskImage parent = DiskImages.open(newParent, "vdi", true, false)) {
                    u = ((VdiImage) parent).uuids();
                }
                h.put(0x1A8, u, 0, 32);
                System.arraycopy(u, 0, uuids, 32, 16);
                if (ownHint) {
                    newDescription = VdiFormat.PARENT_HINT + backingFile;
                }
            }
            byte[] d = newDescription.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (d.length < 256) {
                h.put(0x54, new byte[256]).put(0x54, d);
                description = newDescription;
            }
            writeFully(channel, h.rewind(), 0);
            channel.force(true);
            differencing = backingFile != null;
            parentPath = newParent;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        refuseOrphanWrite();
        super.write(offset, src);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        refuseOrphanWrite();
        super.writeZeroes(offset, length);
    }

    private void refuseOrphanWrite() throws IOException {
        if (differencing && backing == null && !readOnly) {
            throw new IOException(file + ": a VDI differencing image opened without its parent cannot be written");
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
        if (type != VdiFormat.TYPE_DYNAMIC && type != VdiFormat.TYPE_STATIC && type != VdiFormat.TYPE_DIFF) {
            throw new ImageFormatException(file, "unsupported VDI image type " + type);
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
        if (type == VdiFormat.TYPE_DIFF && isZero(h, 0x1A8, 16)) {
            throw new ImageFormatException(file, "VDI differencing image without a parent UUID (uuidLinkage)");
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
        byte[] uuids = java.util.Arrays.copyOfRange(h.array(), 0x188, 0x1B8);
        String description = new String(h.array(), 0x54, 256, java.nio.charset.StandardCharsets.UTF_8);
        int nul = description.indexOf('\0');
        description = nul < 0 ? description : description.substring(0, nul);
        return new VdiImage(format, file, readOnly, ch, diskSize, offsetBmap, offsetData, type, map, (int) allocated,
                uuids, description);
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

    /**
     * Grows the disk (VirtualBox's {@code modifymedium --resize}; qemu-img cannot resize VDI). The block map needs
     * 4 bytes per block before the data area; when it no longer fits, the first data blocks are copied to the end of
     * the file and the data area starts that many blocks later. Shrinking is allowed only over unallocated blocks.
     * The steps are synced in turn (copies, map, header), but an interruption between map and header damages the
     * image: resize is a tool operation on an image no VM uses.
     */
    @Override
    public void resize(long newSize, boolean allowShrink) throws IOException {
        org.virtfx.engine.storage.Ranges.checkWritable(file, readOnly);
        if (differencing) {
            throw new IOException(file + ": VirtFX cannot resize a VDI differencing image (it has its parent's size)");
        }
        long bytes = (newSize + 511) & ~511L;
        long newBlocks = (bytes + blockSize - 1) / blockSize;
        if (newSize < 0 || newBlocks > VdiFormat.MAX_BLOCKS) {
            throw new IllegalArgumentException("format 'vdi' supports sizes up to "
                    + VdiFormat.MAX_BLOCKS * blockSize + " bytes (got " + newSize + ")");
        }
        synchronized (metaLock) {
            writeBackMetadata();
            if (bytes < size) {
                if (!allowShrink) {
                    throw new IOException(file + ": shrinking would discard data; use --shrink to allow it");
                }
                for (long b = newBlocks; b < blockMap.length; b++) {
                    if (blockMap[(int) b] != VdiFormat.UNALLOCATED && blockMap[(int) b] != VdiFormat.ZERO) {
                        throw new IOException(file + ": cannot shrink a VDI image over allocated blocks (block " + b
                                + " holds data); convert it to a smaller image instead");
                    }
                }
            }
            int oldBlocks = blockMap.length;
            long mapBytes = (newBlocks * 4 + 511) & ~511L;
            long moved = Math.max(0, (offsetBmap + mapBytes - offsetData + blockSize - 1) / blockSize);
            int[] map = java.util.Arrays.copyOf(blockMap, (int) newBlocks);
            for (int b = oldBlocks; b < newBlocks; b++) {
                map[b] = VdiFormat.UNALLOCATED;
            }
            long newOffsetData = offsetData + moved * blockSize;
            if (newOffsetData > 0xFFFFFFFFL) {
                throw new IOException(file + ": the VDI block map for " + newBlocks + " blocks does not fit the header");
            }
            if (moved > 0) {
                // the data blocks where the longer map goes are copied past the last block
                long dest = Math.max(blocksAllocated, moved);
                ByteBuffer buf = ByteBuffer.allocateDirect((int) blockSize);
                for (long i = 0; i < Math.min(moved, blocksAllocated); i++) {
                    readFully(channel, buf.clear(), offsetData + i * blockSize, file);
                    writeFully(channel, buf.flip(), offsetData + (dest + i) * blockSize);
                }
                channel.force(true);
                for (int b = 0; b < map.length; b++) {
                    long e = Integer.toUnsignedLong(map[b]);
                    if (e < 0xFFFFFFFEL) {
                        map[b] = (int) (e < moved ? dest - moved + e : e - moved);
                    }
                }
            }
            ByteBuffer mb = ByteBuffer.allocate((int) mapBytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < map.length; b++) {
                mb.putInt(b * 4, map[b]);
            }
            writeFully(channel, mb, offsetBmap);
            channel.force(true);
            putHeaderInt(0x158, (int) newOffsetData);
            writeFully(channel, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes), 0x170);
            putHeaderInt(0x180, (int) newBlocks);
            channel.force(true);
            offsetData = newOffsetData;
            blockMap = map;
            size = bytes;
            if (isStatic) {
                // a static image has every block
                for (long b = oldBlocks; b < newBlocks; b++) {
                    allocate(b);
                }
                writeBackMetadata();
                channel.force(true);
            }
        }
    }

    private void putHeaderInt(int at, int value) throws IOException {
        writeFully(channel, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), at);
    }

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> specific = new LinkedHashMap<>();
        String parentName = null;
        if (differencing) {
            specific.put("parent-uuid", uuidText(java.util.Arrays.copyOfRange(uuids, 32, 48)));
            if (parentPath != null) {
                Path dir = file.toAbsolutePath().getParent();
                Path p = parentPath.toAbsolutePath();
                parentName = dir.equals(p.getParent()) ? p.getFileName().toString() : p.toString();
            }
        }
        return new ImageInfo("vdi", file, size, actualSize(), (int) blockSize, parentName,
                parentName == null ? null : parentPath, parentName == null ? null : "vdi", false, List.of(), specific);
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
