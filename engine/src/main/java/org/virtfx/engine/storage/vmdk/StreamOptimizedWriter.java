package org.virtfx.engine.storage.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

import org.virtfx.engine.storage.AbstractDiskImage;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * Writes a streamOptimized VMDK once, front to back, as VMware exports it: header (grain directory "at end"),
 * descriptor, then every non-zero grain deflated behind a {lba, size} header; closing appends the grain tables and
 * directory (each behind its marker), the footer (a header copy with the real directory offset) and the end-of-stream
 * marker. Used by {@code convert -O vmdk -o subformat=streamOptimized}; the image cannot be read until it is closed.
 * Grains arrive whole from convert; a partly written grain waits in memory until it is complete or the image closes.
 */
final class StreamOptimizedWriter extends AbstractDiskImage {
    private static final int GRAIN_SECTORS = 128;
    private static final int GRAIN = GRAIN_SECTORS * 512;
    private static final int GTES = 512;
    private static final int MARKER_GT = 1;
    private static final int MARKER_GD = 2;
    private static final int MARKER_FOOTER = 3;

    private final FileChannel ch;
    private final long capacity;
    private final int[] grainSector;
    private final Map<Long, byte[]> pending = new HashMap<>();
    private final Map<Long, Integer> pendingBytes = new HashMap<>();
    private final ByteBuffer header;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    private long end;
    private boolean closed;

    StreamOptimizedWriter(VmdkFormat format, Path file, long capacity, String descriptor) throws IOException {
        super(format, file, false, capacity * 512);
        this.capacity = capacity;
        long grains = (capacity + GRAIN_SECTORS - 1) / GRAIN_SECTORS;
        if (grains > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image too large for a streamOptimized VMDK");
        }
        this.grainSector = new int[(int) grains];
        this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING);
        long descSectors = 20;
        long overhead = GRAIN_SECTORS; // header + descriptor fit in the first grain
        header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0, SparseExtent.MAGIC).putInt(4, 3)
                .putInt(8, SparseExtent.FLAG_NL_DETECT | SparseExtent.FLAG_COMPRESS | SparseExtent.FLAG_MARKERS)
                .putLong(12, capacity).putLong(20, GRAIN_SECTORS).putLong(28, 1).putLong(36, descSectors)
                .putInt(44, GTES).putLong(48, 0).putLong(56, SparseExtent.GD_AT_END).putLong(64, overhead);
        header.put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n').putShort(77, (short) 1);
        byte[] d = descriptor.getBytes(StandardCharsets.UTF_8);
        if (d.length > descSectors * 512) {
            throw new IllegalArgumentException("VMDK descriptor too long");
        }
        BlockMappedImage.writeFully(ch, header.duplicate(), 0);
        BlockMappedImage.writeFully(ch, ByteBuffer.wrap(d), 512);
        end = overhead * 512;
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        checkOpen();
        int len = src.remaining();
        checkRange(offset, len);
        long pos = offset;
        while (src.hasRemaining()) {
            long g = pos / GRAIN;
            int in = (int) (pos % GRAIN);
            int n = Math.min(src.remaining(), GRAIN - in);
            int grainLen = (int) Math.min(GRAIN, size - g * GRAIN);
            if (grainSector[(int) g] != 0) {
                throw new IOException(file + ": streamOptimized VMDK grain " + g + " was already written (images are written once)");
            }
            if (in == 0 && n == grainLen && !pending.containsKey(g)) {
                byte[] data = new byte[GRAIN];
                src.get(src.position(), data, 0, n);
                emit(g, data);
            } else {
                byte[] data = pending.computeIfAbsent(g, k -> new byte[GRAIN]);
                src.get(src.position(), data, in, n);
                int filled = pendingBytes.merge(g, n, Integer::sum);
                if (filled >= grainLen) {
                    pending.remove(g);
                    pendingBytes.remove(g);
                    emit(g, data);
                }
            }
            src.position(src.position() + n);
            pos += n;
        }
        counters.countWrite(len);
    }

    @Override
    public void writeCompressed(long offset, ByteBuffer data) throws IOException {
        write(offset, data);
    }

    private void emit(long g, byte[] data) throws IOException {
        if (BlockMappedImage.isAllZero(ByteBuffer.wrap(data))) {
            return; // unallocated grains read as zeros
        }
        deflater.reset();
        deflater.setInput(data);
        deflater.finish();
        byte[] out = new byte[GRAIN + GRAIN / 8 + 64];
        int clen = 0;
        while (!deflater.finished()) {
            clen += deflater.deflate(out, clen, out.length - clen);
        }
        int total = (int) (((12L + clen) + 511) & ~511L);
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, g * GRAIN_SECTORS).putInt(8, clen).put(12, out, 0, clen);
        if (end / 512 > 0xFFFFFFFFL) {
            throw new IOException(file + ": streamOptimized VMDK exceeds 2 TiB of compressed data");
        }
        BlockMappedImage.writeFully(ch, b, end);
        grainSector[(int) g] = (int) (end / 512);
        end += total;
    }

    private void marker(long value, int type) throws IOException {
        ByteBuffer m = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        m.putLong(0, value).putInt(8, 0).putInt(12, type);
        BlockMappedImage.writeFully(ch, m, end);
        end += 512;
    }

    /** Writes the remaining grains, tables, footer and end-of-stream marker. */
    private void finish() throws IOException {
        for (Map.Entry<Long, byte[]> e : new java.util.TreeMap<>(pending).entrySet()) {
            emit(e.getKey(), e.getValue());
        }
        pending.clear();
        int gtCount = (grainSector.length + GTES - 1) / GTES;
        int[] gd = new int[gtCount];
        long gtBytes = GTES * 4L;
        for (int t = 0; t < gtCount; t++) {
            boolean any = false;
            ByteBuffer gt = ByteBuffer.allocate((int) gtBytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < GTES && t * GTES + i < grainSector.length; i++) {
                int s = grainSector[t * GTES + i];
                gt.putInt(i * 4, s);
                any |= s != 0;
            }
            if (!any) {
                continue;
            }
            marker(gtBytes / 512, MARKER_GT);
            gd[t] = (int) (end / 512);
            BlockMappedImage.writeFully(ch, gt, end);
            end += gtBytes;
        }
        long gdBytes = ((gtCount * 4L) + 511) & ~511L;
        marker(gdBytes / 512, MARKER_GD);
        long gdSector = end / 512;
        ByteBuffer gdb = ByteBuffer.allocate((int) gdBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < gtCount; t++) {
            gdb.putInt(t * 4, gd[t]);
        }
        BlockMappedImage.writeFully(ch, gdb, end);
        end += gdBytes;
        marker(1, MARKER_FOOTER);
        ByteBuffer footer = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        footer.putLong(56, gdSector);
        BlockMappedImage.writeFully(ch, footer.rewind(), end);
        end += 512;
        BlockMappedImage.writeFully(ch, ByteBuffer.allocate(512), end); // end-of-stream marker
        end += 512;
        ch.truncate(end);
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(file + ": image is closed");
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        throw new IOException(file + ": a streamOptimized VMDK being written cannot be read until it is closed");
    }

    @Override
    public void flush() throws IOException {
        counters.countFlush();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            finish();
            ch.force(true);
        } finally {
            deflater.end();
            ch.close();
        }
    }

    @Override
    public ImageInfo info() {
        return new ImageInfo("vmdk", file, size, end, GRAIN, null, null, null, true, List.of(),
                Map.of("create-type", "streamOptimized"));
    }

    @Override
    public List<MapExtent> mapLayer(long offset, long length) throws IOException {
        throw new IOException(file + ": a streamOptimized VMDK being written cannot be mapped until it is closed");
    }
}
