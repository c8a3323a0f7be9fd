package org.virtfx.engine.storage.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    private final int[] bat;
    private final int bitmapSize;
    private long nextBlockOffset;

    private VpcImage(VpcFormat format, Path file, boolean readOnly, FileChannel ch, long size, long blockSize,
                     boolean fixed, ByteBuffer footer, long batOffset, int[] bat, int bitmapSize, long nextBlockOffset) {
        super(format, file, readOnly, ch, blockSize, size);
        this.fixed = fixed;
        this.footer = footer;
        this.batOffset = batOffset;
        this.bat = bat;
        this.bitmapSize = bitmapSize;
        this.nextBlockOffset = nextBlockOffset;
    }

    static VpcImage open(VpcFormat format, Path file, boolean readOnly) throws IOException {
        FileChannel ch = openChannel(file, readOnly);
        try {
            return parse(format, file, readOnly, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
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
        String creator = new String(footer.array(), 28, 4, StandardCharsets.ISO_8859_1);
        int[] chs = {footer.getShort(56) & 0xFFFF, footer.get(58) & 0xFF, footer.get(59) & 0xFF};
        long chsSectors = (long) chs[0] * chs[1] * chs[2];
        long currentSize = footer.getLong(48);
        // Virtual PC and QEMU ("vpc ", "qemu") size disks by CHS; Hyper-V and the others by current_size (as qemu)
        boolean useChs = !(creator.equals("win ") || creator.equals("qem2") || creator.equals("d2v ")
                || creator.equals("CTXS") || creator.startsWith("tap\0"));
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
        if (type == VpcFormat.TYPE_DIFFERENCING) {
            throw new ImageFormatException(file, "VHD differencing images are not supported");
        }
        if (type != VpcFormat.TYPE_DYNAMIC) {
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
        java.util.Arrays.fill(bitmap.array(), (byte) 0xFF);
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

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> specific = new LinkedHashMap<>();
        return new ImageInfo("vpc", file, size, actualSize(), fixed ? 0 : (int) blockSize, null, null, null, false,
                List.of(), specific);
    }
}
