package org.virtfx.engine.storage.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.OpenOptions;

import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * An open VHD. Fixed images map block i to i * blockSize; dynamic images look blocks up in the BAT (sector numbers of
 * the block's bitmap, data follows the bitmap). New blocks go where the footer was; the footer moves behind them.
 */
final class VpcImage extends BlockMappedImage {
    private final boolean fixed;
    private final ByteBuffer footer;
    private final long batOffset;
    private int[] bat;
    /** Whether the size comes from the CHS geometry (Virtual PC, qemu) rather than current_size (Hyper-V...). */
    private final boolean sizeByChs;
    private final int bitmapSize;
    private long nextBlockOffset;
    /** Differencing disk (type 4): blocks' sector bitmaps say which sectors this layer holds, the rest is the parent's. */
    private boolean differencing;
    /** Parent name as stored (relative locator, absolute locator or unicode name), for info; null if not differencing. */
    private String parentName;
    private Path parentPath;
    /** Sector bitmaps of a differencing image's allocated blocks, loaded on first use. Guarded by metaLock. */
    private final Map<Integer, byte[]> bitmaps = new java.util.HashMap<>();

    private VpcImage(VpcFormat format, Path file, boolean readOnly, FileChannel ch, long size, long blockSize,
                     boolean fixed, ByteBuffer footer, long batOffset, int[] bat, int bitmapSize, long nextBlockOffset) {
        super(format, file, readOnly, ch, blockSize, size);
        this.fixed = fixed;
        this.footer = footer;
        this.batOffset = batOffset;
        this.bat = bat;
        this.bitmapSize = bitmapSize;
        this.nextBlockOffset = nextBlockOffset;
        this.sizeByChs = usesChs(footer);
        this.differencing = !fixed && footer.getInt(60) == VpcFormat.TYPE_DIFFERENCING;
    }

    /** A copy of the footer, for creating a child that must match this image's size and identity. */
    ByteBuffer footer() {
        return ByteBuffer.wrap(footer.array().clone());
    }

    UUID uuid() {
        return new UUID(footer.getLong(68), footer.getLong(76));
    }

    private static boolean usesChs(ByteBuffer footer) {
        String creator = new String(footer.array(), 28, 4, StandardCharsets.ISO_8859_1);
        return !(creator.equals("win ") || creator.equals("qem2") || creator.equals("d2v ")
                || creator.equals("CTXS") || creator.startsWith("tap\0"));
    }

    static VpcImage open(VpcFormat format, Path file, OpenOptions options) throws IOException {
        FileChannel ch = openChannel(file, options.readOnly());
        VpcImage img = closingOnFailure(ch, () -> parse(format, file, options.readOnly(), ch));
        if (img.differencing) {
            closingOnFailure(img, () -> img.findParent(ch, options.backing()));
        }
        return img;
    }

    /**
     * Locates the parent of a differencing image: the relative Windows locator ("W2ru"), the absolute one ("W2ku"),
     * then the parent's unicode name in this image's directory; opens it when {@code opener} is given and checks
     * that its UUID is the one this image was made against.
     */
    private void findParent(FileChannel ch, OpenOptions.BackingOpener opener) throws IOException {
        long dynOffset = footer.getLong(16);
        ByteBuffer dyn = readStructure(ch, file, dynOffset, 1024, "VHD dynamic disk header");
        UUID expected = new UUID(dyn.getLong(40), dyn.getLong(48));
        String unicodeName = trimNul(new String(dyn.array(), 64, 512, StandardCharsets.UTF_16BE));
        List<String> stored = new ArrayList<>();
        for (String code : List.of("W2ru", "W2ku")) {
            for (int i = 0; i < 8; i++) {
                int at = 576 + i * 24;
                if (!code.equals(new String(dyn.array(), at, 4, StandardCharsets.ISO_8859_1))) {
                    continue;
                }
                long len = Integer.toUnsignedLong(dyn.getInt(at + 8));
                long off = dyn.getLong(at + 16);
                if (len == 0 || len > 4096) {
                    throw new ImageFormatException(file, "VHD parent locator " + i + " (" + code + ") has an implausible length " + len);
                }
                ByteBuffer data = readStructure(ch, file, off, len, "VHD parent locator " + i + " (" + code + ")");
                String name = trimNul(new String(data.array(), 0, (int) len, StandardCharsets.UTF_16LE));
                if (!name.isEmpty()) {
                    stored.add(name);
                }
            }
        }
        if (!unicodeName.isEmpty()) {
            stored.add(unicodeName);
        }
        if (stored.isEmpty()) {
            throw new ImageFormatException(file, "VHD differencing image names no parent (no locator, no parent name)");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Path> tried = new ArrayList<>();
        for (String name : stored) {
            String unix = name.replace('\\', '/');
            if (unix.startsWith("./")) {
                unix = unix.substring(2);
            }
            List<Path> candidates = new ArrayList<>();
            if (unix.matches("^[A-Za-z]:/.*")) {
                // a Windows absolute path: only its file name can be looked for here
                candidates.add(dir.resolve(unix.substring(unix.lastIndexOf('/') + 1)));
            } else {
                candidates.add(dir.resolve(unix));
            }
            for (Path c : candidates) {
                tried.add(c);
                if (parentPath == null && Files.isRegularFile(c)) {
                    parentPath = c;
                    // shown as a path of this host (".\\base.vhd" becomes "base.vhd")
                    parentName = unix.matches("^[A-Za-z]:/.*") ? name : unix;
                }
            }
        }
        if (parentPath == null) {
            parentName = stored.getFirst();
            if (opener == null) {
                return;
            }
            throw new ImageFormatException(file, "VHD parent image not found (tried " + tried + ")");
        }
        if (opener == null) {
            return;
        }
        DiskImage parent = opener.open(file, parentPath, "vpc");
        if (parent instanceof VpcImage vp && !vp.uuid().equals(expected)) {
            parent.close();
            throw new ImageFormatException(file, "VHD parent " + parentPath + " has UUID " + vp.uuid()
                    + " but this differencing image was made from UUID " + expected
                    + " (the parent was replaced or modified)");
        }
        backing = parent;
    }

    private static String trimNul(String s) {
        int z = s.indexOf('\0');
        return (z < 0 ? s : s.substring(0, z)).strip();
    }

    private static boolean isFooter(ByteBuffer b) {
        return b.remaining() >= 8 && "conectix".equals(new String(b.array(), 0, 8, StandardCharsets.US_ASCII));
    }

    private static VpcImage parse(VpcFormat format, Path file, boolean readOnly, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 512) {
            throw new ImageFormatException(file, "too short for a VHD footer (" + fileSize + " bytes)");
        }
        ByteBuffer footer = readStructure(ch, file, 0, 512, "VHD footer copy");
        if (!isFooter(footer)) {
            footer = readStructure(ch, file, fileSize - 512, 512, "VHD footer");
            if (!isFooter(footer)) {
                throw new ImageFormatException(file, "not a VHD image (no \"conectix\" footer at the start or the end)");
            }
        }
        int stored = footer.getInt(64);
        int computed = VpcFormat.checksum(footer, 64, 512);
        if (stored != computed) {
            throw new ImageFormatException(file, String.format("VHD footer checksum mismatch (stored 0x%08x, computed 0x%08x)",
                    stored, computed));
        }
        int type = footer.getInt(60);
        int[] chs = {footer.getShort(56) & 0xFFFF, footer.get(58) & 0xFF, footer.get(59) & 0xFF};
        long chsSectors = (long) chs[0] * chs[1] * chs[2];
        long currentSize = footer.getLong(48);
        // Virtual PC and QEMU ("vpc ", "qemu") size disks by CHS; Hyper-V and the others by current_size (as qemu)
        boolean useChs = usesChs(footer);
        long sectors = chsSectors;
        if (!useChs || chsSectors == VpcFormat.MAX_GEOMETRY) {
            sectors = currentSize / 512;
        }
        if (currentSize < 0 || sectors < 0 || sectors > (1L << 40)) {
            throw new ImageFormatException(file, "VHD disk size " + currentSize + " is not plausible");
        }
        long size = sectors * 512;
        if (type == VpcFormat.TYPE_FIXED) {
            if (size > fileSize - 512) {
                // sizes from CHS can exceed what the file holds; qemu uses what is there
                size = Math.min(size, ((fileSize - 512) / 512) * 512);
                if (currentSize > 0 && currentSize <= fileSize - 512) {
                    size = Math.max(size, currentSize);
                }
            }
            return new VpcImage(format, file, readOnly, ch, size, VpcFormat.DEFAULT_BLOCK_SIZE, true, footer, -1,
                    null, 0, 0);
        }
        if (type != VpcFormat.TYPE_DYNAMIC && type != VpcFormat.TYPE_DIFFERENCING) {
            throw new ImageFormatException(file, "unknown VHD disk type " + type);
        }
        long dynOffset = footer.getLong(16);
        ByteBuffer dyn = readStructure(ch, file, dynOffset, 1024, "VHD dynamic disk header");
        if (!"cxsparse".equals(new String(dyn.array(), 0, 8, StandardCharsets.US_ASCII))) {
            throw new ImageFormatException(file, "VHD dynamic disk header at " + dynOffset + " lacks its \"cxsparse\" cookie");
        }
        int dstored = dyn.getInt(36);
        int dcomputed = VpcFormat.checksum(dyn, 36, 1024);
        if (dstored != dcomputed) {
            throw new ImageFormatException(file, String.format(
                    "VHD dynamic disk header checksum mismatch (stored 0x%08x, computed 0x%08x)", dstored, dcomputed));
        }
        long tableOffset = dyn.getLong(16);
        long entries = Integer.toUnsignedLong(dyn.getInt(28));
        long blockSize = Integer.toUnsignedLong(dyn.getInt(32));
        if (blockSize < 512 || Long.bitCount(blockSize) != 1 || blockSize > (256L << 20)) {
            throw new ImageFormatException(file, "VHD block size " + blockSize + " is invalid (a power of two from 512 B to 256 MiB)");
        }
        if (entries * blockSize < size) {
            throw new ImageFormatException(file, "VHD block table has " + entries + " entries of " + blockSize
                    + " bytes, too few for the disk size " + size);
        }
        ByteBuffer batBytes = readStructure(ch, file, tableOffset, entries * 4, "VHD block allocation table");
        int[] bat = new int[(int) entries];
        batBytes.asIntBuffer().get(bat);
        int bitmapSize = (int) (((blockSize / 512 / 8) + 511) & ~511L);
        long next = ((tableOffset + entries * 4 + 511) & ~511L);
        long limit = fileSize;
        if (type == VpcFormat.TYPE_DIFFERENCING) {
            for (int i = 0; i < 8; i++) {
                int at = 576 + i * 24;
                if (dyn.getInt(at) == 0) {
                    continue;
                }
                long space = Integer.toUnsignedLong(dyn.getInt(at + 4));
                long len = Integer.toUnsignedLong(dyn.getInt(at + 8));
                // the data space is in sectors per the specification, in bytes as Windows writes it
                long bytes = Math.max(len, space < 512 ? space * 512 : space);
                long off = dyn.getLong(at + 16);
                if (off > 0 && off < fileSize) {
                    next = Math.max(next, (off + bytes + 511) & ~511L);
                }
            }
        }
        for (int i = 0; i < bat.length; i++) {
            if (bat[i] == -1) {
                continue;
            }
            long off = Integer.toUnsignedLong(bat[i]) * 512;
            if (off + bitmapSize + blockSize > limit) {
                // qemu allocates lazily: the tail of the last block may still lie past the footer; accept that
                if (off + bitmapSize > limit) {
                    throw new ImageFormatException(file, "VHD block " + i + " at offset " + off
                            + " lies past the end of the file (" + fileSize + " bytes)");
                }
            }
            next = Math.max(next, off + bitmapSize + blockSize);
        }
        return new VpcImage(format, file, readOnly, ch, size, blockSize, false, footer, tableOffset, bat, bitmapSize,
                next);
    }

    @Override
    protected long lookup(long block) {
        if (fixed) {
            return block * blockSize;
        }
        int e = bat[(int) block];
        if (e == -1) {
            return UNALLOCATED;
        }
        return Integer.toUnsignedLong(e) * 512 + bitmapSize;
    }

    private byte[] bitmap(long block) throws IOException {
        byte[] bm = bitmaps.get((int) block);
        if (bm == null) {
            long off = Integer.toUnsignedLong(bat[(int) block]) * 512;
            bm = new byte[bitmapSize];
            readFully(channel, ByteBuffer.wrap(bm), off, file);
            bitmaps.put((int) block, bm);
        }
        return bm;
    }

    private static boolean bit(byte[] bm, int sector) {
        // sector 0 is the most significant bit of byte 0
        return (bm[sector >>> 3] & (0x80 >>> (sector & 7))) != 0;
    }

    @Override
    protected int presentRun(long block, int inBlock, int n) throws IOException {
        if (!differencing) {
            return n;
        }
        byte[] bm = bitmap(block);
        int end = inBlock + n;
        boolean present = bit(bm, inBlock / 512);
        int p = (inBlock / 512 + 1) * 512;
        while (p < end && bit(bm, p / 512) == present) {
            p += 512;
        }
        int len = Math.min(p, end) - inBlock;
        return present ? len : -len;
    }

    @Override
    protected void markWritten(long block, int inBlock, int n) throws IOException {
        if (!differencing) {
            return;
        }
        byte[] bm = bitmap(block);
        int first = inBlock / 512;
        int last = (inBlock + n - 1) / 512;
        for (int s = first; s <= last; s++) {
            bm[s >>> 3] |= (byte) (0x80 >>> (s & 7));
        }
        int b0 = first >>> 3;
        int b1 = last >>> 3;
        writeFully(channel, ByteBuffer.wrap(bm, b0, b1 - b0 + 1),
                Integer.toUnsignedLong(bat[(int) block]) * 512 + b0);
    }

    @Override
    protected boolean copyParentOnAllocate() {
        return false;
    }

    /**
     * A differencing image records whole sectors: a write that covers part of a sector first takes the rest of
     * that sector from what the disk reads now (the parent's data if the sector is not yet in this layer).
     */
    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (differencing && backing == null && !readOnly) {
            throw new IOException(file + ": a VHD differencing image opened without its parent cannot be written");
        }
        int len = src.remaining();
        if (!differencing || ((offset | len) & 511) == 0) {
            super.write(offset, src);
            return;
        }
        checkWrite(offset, len);
        long start = offset & ~511L;
        long end = (offset + len + 511) & ~511L;
        ByteBuffer whole = ByteBuffer.allocate((int) (end - start));
        read(start, whole);
        whole.clear().position((int) (offset - start));
        whole.put(src);
        super.write(start, whole.clear());
    }

    @Override
    protected long allocate(long block) throws IOException {
        if (fixed) {
            throw new IllegalStateException("fixed VHD blocks are always allocated");
        }
        long off = nextBlockOffset;
        if (off / 512 > 0xFFFFFFFEL) {
            throw new ImageFormatException(file, "VHD file would exceed the 2 TiB addressable by its block table");
        }
        ByteBuffer bitmap = ByteBuffer.allocate(bitmapSize);
        if (!differencing) {
            java.util.Arrays.fill(bitmap.array(), (byte) 0xFF);
        } else {
            // every sector still comes from the parent until written here
            bitmaps.put((int) block, new byte[bitmapSize]);
        }
        writeFully(channel, bitmap, off);
        // zero the data area (it may overlap the old footer), then put the footer back at the new end
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(blockSize, 1 << 20));
        long dataStart = off + bitmapSize;
        long oldEnd = channel.size();
        for (long p = dataStart; p < Math.min(oldEnd, dataStart + blockSize); p += zeros.capacity()) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), Math.min(oldEnd, dataStart + blockSize) - p));
            writeFully(channel, zeros, p);
        }
        nextBlockOffset = dataStart + blockSize;
        writeFully(channel, footer.duplicate().rewind(), nextBlockOffset);
        bat[(int) block] = (int) (off / 512);
        ByteBuffer e = ByteBuffer.allocate(4).putInt(0, bat[(int) block]);
        writeFully(channel, e, batOffset + block * 4);
        return dataStart;
    }

    /**
     * Changes the disk size (qemu-img cannot resize VHD): the size is rounded to a CHS geometry as at creation, unless
     * the image is sized by current_size (Hyper-V, {@code force_size}). A dynamic image whose block table has no room
     * for the new entries gets room by copying the blocks behind the table to the end of the file. Shrinking is
     * allowed only over unallocated blocks of a dynamic image. Not crash-safe: a tool operation on an unused image.
     */
    @Override
    public void resize(long newSize, boolean allowShrink) throws IOException {
        org.virtfx.engine.storage.Ranges.checkWritable(file, readOnly);
        if (differencing) {
            throw new IOException(file + ": VirtFX cannot resize a VHD differencing image; resize its parent chain "
                    + "by converting it");
        }
        VpcFormat.Sizing sz = VpcFormat.sizing(newSize, !sizeByChs);
        long bytes = sz.sectors() * 512;
        synchronized (metaLock) {
            if (bytes < size) {
                if (!allowShrink) {
                    throw new IOException(file + ": shrinking would discard data; use --shrink to allow it");
                }
                if (fixed) {
                    throw new IOException(file + ": VirtFX cannot shrink a fixed VHD; convert it to a smaller image");
                }
                for (long b = (bytes + blockSize - 1) / blockSize; b < bat.length; b++) {
                    if (bat[(int) b] != -1) {
                        throw new IOException(file + ": cannot shrink a VHD over allocated blocks (block " + b
                                + " holds data); convert it to a smaller image instead");
                    }
                }
            }
            footer.putLong(48, bytes);
            footer.putShort(56, (short) sz.chs()[0]).put(58, (byte) sz.chs()[1]).put(59, (byte) sz.chs()[2]);
            footer.putInt(64, VpcFormat.checksum(footer, 64, 512));
            if (fixed) {
                long oldFooter = channel.size() - 512;
                if (oldFooter < bytes) {
                    // the old footer becomes disk space: zeros, as the new part of the disk reads
                    writeFully(channel, ByteBuffer.allocate(512), oldFooter);
                }
                writeFully(channel, footer.duplicate().rewind(), bytes);
                channel.truncate(bytes + 512);
                channel.force(true);
                size = bytes;
                return;
            }
            growTable((int) ((bytes + blockSize - 1) / blockSize));
            writeFully(channel, footer.duplicate().rewind(), nextBlockOffset);
            channel.truncate(nextBlockOffset + 512);
            channel.force(true);
            writeFully(channel, footer.duplicate().rewind(), 0);
            channel.force(true);
            size = bytes;
        }
    }

    /** Gives the block table {@code entries} entries, moving blocks out of its way. Under metaLock. */
    private void growTable(int entries) throws IOException {
        long tableEnd = (batOffset + (long) entries * 4 + 511) & ~511L;
        int[] nb = java.util.Arrays.copyOf(bat, Math.max(entries, bat.length));
        for (int i = bat.length; i < nb.length; i++) {
            nb[i] = -1;
        }
        ByteBuffer block = null;
        for (int i = 0; i < bat.length; i++) {
            long off = Integer.toUnsignedLong(bat[i]) * 512;
            if (bat[i] == -1 || off >= tableEnd) {
                continue;
            }
            // this block (bitmap and data) lies where the table grows: copy it past the last block
            if (block == null) {
                block = ByteBuffer.allocateDirect((int) (bitmapSize + blockSize));
            }
            long to = Math.max(nextBlockOffset, tableEnd);
            readFully(channel, block.clear(), off, file);
            writeFully(channel, block.flip(), to);
            nb[i] = (int) (to / 512);
            nextBlockOffset = to + bitmapSize + blockSize;
        }
        channel.force(true);
        ByteBuffer t = ByteBuffer.allocate((int) (tableEnd - batOffset));
        java.util.Arrays.fill(t.array(), (byte) 0xFF);
        for (int i = 0; i < nb.length && i * 4 < t.capacity(); i++) {
            t.putInt(i * 4, nb[i]);
        }
        writeFully(channel, t, batOffset);
        nextBlockOffset = Math.max(nextBlockOffset, tableEnd);
        long dynOffset = footer.getLong(16);
        ByteBuffer dyn = readStructure(channel, file, dynOffset, 1024, "VHD dynamic disk header");
        dyn.putInt(28, entries);
        dyn.putInt(36, VpcFormat.checksum(dyn, 36, 1024));
        writeFully(channel, dyn.rewind(), dynOffset);
        bat = nb.length == entries ? nb : java.util.Arrays.copyOf(nb, entries);
    }

    /**
     * Points a differencing image at another VHD parent ({@code virtfx img rebase}): the parent's UUID, time stamp and
     * name go into the dynamic header, new locator data after the last block (the footer moves behind it). Without a
     * parent the image becomes a plain dynamic VHD (after a safe rebase every sector it reads is in its own blocks).
     */
    @Override
    public void changeBackingFile(String backingFile, String backingFormat) throws IOException {
        org.virtfx.engine.storage.Ranges.checkWritable(file, readOnly);
        if (!differencing) {
            throw new IOException(file + ": only a differencing VHD has a parent (create one with -b)");
        }
        if (backingFormat != null && !backingFormat.equals("vpc")) {
            throw new IllegalArgumentException("a VHD differencing image needs a vpc (VHD) parent, not " + backingFormat);
        }
        synchronized (metaLock) {
            long dynOffset = footer.getLong(16);
            ByteBuffer dyn = readStructure(channel, file, dynOffset, 1024, "VHD dynamic disk header");
            if (backingFile == null) {
                dyn.put(40, new byte[768 - 40]);
                dyn.putInt(36, VpcFormat.checksum(dyn, 36, 1024));
                footer.putInt(60, VpcFormat.TYPE_DYNAMIC);
                writeFully(channel, dyn.rewind(), dynOffset);
                differencing = false;
                parentName = null;
                parentPath = null;
            } else {
                Path p = org.virtfx.engine.storage.DiskImages.resolveBacking(file, backingFile);
                ByteBuffer parentFooter;
                try (DiskImage parent = org.virtfx.engine.storage.DiskImages.open(p, "vpc", true, false)) {
                    parentFooter = ((VpcImage) parent).footer();
                }
                long areaOff = nextBlockOffset;
                ByteBuffer area = VpcFormat.putParent(dyn, file, p, backingFile, parentFooter, areaOff);
                writeFully(channel, area, areaOff);
                nextBlockOffset = areaOff + area.capacity();
                channel.force(true);
                writeFully(channel, dyn.rewind(), dynOffset);
                parentName = backingFile;
                parentPath = p;
            }
            footer.putInt(64, VpcFormat.checksum(footer, 64, 512));
            writeFully(channel, footer.duplicate().rewind(), nextBlockOffset);
            channel.truncate(nextBlockOffset + 512);
            writeFully(channel, footer.duplicate().rewind(), 0);
            channel.force(true);
        }
    }

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> specific = new LinkedHashMap<>();
        if (differencing) {
            specific.put("subformat", "differencing");
        }
        return new ImageInfo("vpc", file, size, actualSize(), fixed ? 0 : (int) blockSize, parentName,
                parentName == null ? null : parentPath, parentName == null ? null : "vpc", false, List.of(), specific);
    }
}
