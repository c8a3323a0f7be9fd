package org.virtfx.engine.storage.blockmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.virtfx.engine.storage.AbstractDiskImage;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.NativeFiles;

/**
 * An image whose virtual disk is cut into equal blocks, each either stored somewhere in the file, unallocated, or
 * marked as zeros (VDI, VHD, VHDX). Subclasses only translate a block index into a host offset and allocate new
 * blocks; splitting requests into blocks, range checks, zero fill and the allocation map live here once.
 *
 * <p>Data I/O uses positional FileChannel calls without a lock; looking up and allocating blocks happen under
 * {@link #metaLock} so two writers to the same fresh block allocate it once.
 */
public abstract class BlockMappedImage extends AbstractDiskImage {
    /** {@link #lookup} result: the block is not stored (reads from the parent image, or as zeros without one). */
    protected static final long UNALLOCATED = -1;
    /** {@link #lookup} result: the block is explicitly marked as zeros. */
    protected static final long ZERO = -2;

    protected final FileChannel channel;
    protected final long blockSize;
    protected final Object metaLock = new Object();
    private volatile boolean closed;
    private volatile boolean skipCloseFlush;
    /** Parent of a differencing image (VHD type 4, VDI type 4), or null. */
    protected DiskImage backing;

    protected BlockMappedImage(ImageFormat format, Path file, boolean readOnly, FileChannel channel, long blockSize,
                               long size) {
        super(format, file, readOnly, size);
        this.channel = channel;
        this.blockSize = blockSize;
    }

    /** Opens the image file for reading, and writing unless {@code readOnly}. */
    protected static FileChannel openChannel(Path file, boolean readOnly) throws IOException {
        return readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Host offset of the start of {@code block}, or {@link #UNALLOCATED} / {@link #ZERO}. Called under metaLock. */
    protected abstract long lookup(long block) throws IOException;

    /**
     * Stores {@code block} in the file (its content reads as zeros afterwards) and records it in the metadata;
     * returns its host offset. Called under metaLock, only for blocks {@link #lookup} reported as not stored.
     */
    protected abstract long allocate(long block) throws IOException;

    /** Writes metadata kept in memory (counters, footers) and is called by flush and close. */
    protected void writeBackMetadata() throws IOException {
    }

    /**
     * Within an allocated block, how many bytes from {@code inBlock} (at most {@code n}) this layer holds (result
     * &gt; 0) or leaves to the parent (result &lt; 0, negated length). Formats with a per-sector bitmap in
     * differencing images (VHD) override this; whole blocks are otherwise all present. Called under metaLock.
     */
    protected int presentRun(long block, int inBlock, int n) throws IOException {
        return n;
    }

    /**
     * Records that {@code [inBlock, inBlock+n)} of an allocated block now holds this layer's data (VHD sets sector
     * bits of a differencing image's block bitmap). Called under metaLock after the data was written.
     */
    protected void markWritten(long block, int inBlock, int n) throws IOException {
    }

    /**
     * Whether a block newly allocated in a differencing image must first receive the parent's content (VDI: a block
     * is wholly in one layer); false when a per-sector bitmap says which sectors come from the parent (VHD).
     */
    protected boolean copyParentOnAllocate() {
        return true;
    }

    @Override
    public DiskImage backing() {
        return backing;
    }

    /** Reads the parent's bytes for {@code [pos, pos+dst.remaining())}; past the parent's end (or without one) zeros. */
    protected final void readParent(long pos, ByteBuffer dst) throws IOException {
        DiskImage parent = backing;
        if (parent == null || pos >= parent.size()) {
            fillZeros(dst);
            return;
        }
        int inParent = (int) Math.min(dst.remaining(), parent.size() - pos);
        parent.read(pos, dst.slice(dst.position(), inParent));
        dst.position(dst.position() + inParent);
        fillZeros(dst);
    }
    public long blockSize() {
        return blockSize;
    }

    private long lookupLocked(long block) throws IOException {
        synchronized (metaLock) {
            return lookup(block);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        checkRange(offset, len);
        long pos = offset;
        while (dst.hasRemaining()) {
            long block = pos / blockSize;
            int inBlock = (int) (pos % blockSize);
            int n = (int) Math.min(dst.remaining(), blockSize - inBlock);
            long host = lookupLocked(block);
            ByteBuffer part = dst.slice(dst.position(), n);
            if (host == UNALLOCATED) {
                readParent(pos, part);
            } else if (host < 0) {
                fillZeros(part);
            } else if (backing == null) {
                readFully(channel, part, host + inBlock, file);
            } else {
                readLayered(block, host, inBlock, pos, part);
            }
            dst.position(dst.position() + n);
            pos += n;
        }
        counters.countRead(len);
    }

    /** Reads an allocated block of a differencing image: sectors this layer holds from the file, others from the parent. */
    private void readLayered(long block, long host, int inBlock, long pos, ByteBuffer part) throws IOException {
        int done = 0;
        int n = part.remaining();
        while (done < n) {
            int run;
            synchronized (metaLock) {
                run = presentRun(block, inBlock + done, n - done);
            }
            int len = Math.abs(run);
            ByteBuffer piece = part.slice(done, len);
            if (run > 0) {
                readFully(channel, piece, host + inBlock + done, file);
            } else {
                readParent(pos + done, piece);
            }
            done += len;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int len = src.remaining();
        checkWrite(offset, len);
        long pos = offset;
        while (src.hasRemaining()) {
            long block = pos / blockSize;
            int inBlock = (int) (pos % blockSize);
            int n = (int) Math.min(src.remaining(), blockSize - inBlock);
            ByteBuffer part = src.slice(src.position(), n);
            long host;
            synchronized (metaLock) {
                host = lookup(block);
                if (host < 0) {
                    if ((backing == null || host == ZERO) && isAllZero(part)) {
                        // writing zeros over a block that already reads as zeros changes nothing
                        src.position(src.position() + n);
                        pos += n;
                        continue;
                    }
                    boolean fromParent = host == UNALLOCATED && backing != null && copyParentOnAllocate();
                    host = allocate(block);
                    if (fromParent) {
                        copyParentBlock(block, host);
                    }
                }
            }
            writeFully(channel, part, host + inBlock);
            if (backing != null) {
                synchronized (metaLock) {
                    markWritten(block, inBlock, n);
                }
            }
            src.position(src.position() + n);
            pos += n;
        }
        counters.countWrite(len);
    }

    /** Copy-on-write of a whole block: the parent's content goes into the newly allocated block first. */
    private void copyParentBlock(long block, long host) throws IOException {
        long start = block * blockSize;
        int len = (int) Math.min(blockSize, size - start);
        ByteBuffer buf = ByteBuffer.allocate(len);
        readParent(start, buf);
        if (!isAllZero(buf.flip())) {
            writeFully(channel, buf, host);
        }
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkWrite(offset, length);
        if (backing != null) {
            // zeros must hide the parent's data, so they are stored like any other data
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
            for (long done = 0; done < length; ) {
                int k = (int) Math.min(zeros.capacity(), length - done);
                zeros.clear().limit(k);
                write(offset + done, zeros);
                done += k;
            }
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(blockSize, 1 << 20));
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long block = pos / blockSize;
            long inBlock = pos % blockSize;
            long n = Math.min(end - pos, blockSize - inBlock);
            long host = lookupLocked(block);
            if (host >= 0) {
                for (long done = 0; done < n; ) {
                    int k = (int) Math.min(zeros.capacity(), n - done);
                    zeros.clear().limit(k);
                    writeFully(channel, zeros, host + inBlock + done);
                    done += k;
                }
            }
            pos += n;
        }
        counters.countWrite(length);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            synchronized (metaLock) {
                writeBackMetadata();
            }
            channel.force(true);
        }
        counters.countFlush();
    }

    /** Whether unallocated blocks count as "present" in a map (true: the format has no backing file, as in qemu). */
    protected boolean unallocatedIsPresent() {
        return backing == null;
    }

    @Override
    public List<MapExtent> mapLayer(long offset, long length) throws IOException {
        checkRange(offset, length);
        List<MapExtent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long block = pos / blockSize;
            long inBlock = pos % blockSize;
            long n = Math.min(end - pos, blockSize - inBlock);
            long host = lookupLocked(block);
            MapExtent e;
            if (host >= 0 && backing != null) {
                mapLayered(block, host, (int) inBlock, pos, (int) n, out);
                pos += n;
                continue;
            } else if (host >= 0) {
                e = new MapExtent(pos, n, 0, true, false, true, false, host + inBlock, file);
            } else if (host == ZERO) {
                e = new MapExtent(pos, n, 0, true, true, false, false, -1, null);
            } else {
                e = new MapExtent(pos, n, 0, unallocatedIsPresent(), true, false, false, -1, null);
            }
            if (!out.isEmpty() && out.getLast().canMerge(e)) {
                out.set(out.size() - 1, out.getLast().merge(e));
            } else {
                out.add(e);
            }
            pos += n;
        }
        return out;
    }

    private void mapLayered(long block, long host, int inBlock, long pos, int n, List<MapExtent> out)
            throws IOException {
        int done = 0;
        while (done < n) {
            int run;
            synchronized (metaLock) {
                run = presentRun(block, inBlock + done, n - done);
            }
            int len = Math.abs(run);
            MapExtent e = run > 0
                    ? new MapExtent(pos + done, len, 0, true, false, true, false, host + inBlock + done, file)
                    : new MapExtent(pos + done, len, 0, false, true, false, false, -1, null);
            if (!out.isEmpty() && out.getLast().canMerge(e)) {
                out.set(out.size() - 1, out.getLast().merge(e));
            } else {
                out.add(e);
            }
            done += len;
        }
    }

    /** Bytes of the file on the host disk. */
    protected long actualSize() throws IOException {
        return NativeFiles.allocatedBytes(file);
    }

    @Override
    public void skipFlushOnClose() {
        skipCloseFlush = true;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!readOnly) {
                synchronized (metaLock) {
                    writeBackMetadata();
                }
                if (!skipCloseFlush) {
                    channel.force(true);
                }
            }
        } finally {
            try {
                channel.close();
            } finally {
                if (backing != null) {
                    backing.close();
                }
            }
        }
    }

    // ---- helpers shared by the formats ----

    public static void fillZeros(ByteBuffer b) {
        while (b.remaining() >= 8) {
            b.putLong(0);
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
    }

    /** 64 KiB of zeros to compare against: ByteBuffer.mismatch is vectorised, a byte loop is not. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    public static boolean isAllZero(ByteBuffer b) {
        int pos = b.position();
        int end = b.limit();
        while (pos < end) {
            int n = Math.min(end - pos, ZEROS.capacity());
            if (b.slice(pos, n).mismatch(ZEROS.slice(0, n)) >= 0) {
                return false;
            }
            pos += n;
        }
        return true;
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code pos}; bytes past the end of the file read as zeros. */
    public static void readFully(FileChannel ch, ByteBuffer dst, long pos, Path file) throws IOException {
        long p = pos;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                fillZeros(dst);
                return;
            }
            p += n;
        }
    }

    public static void writeFully(FileChannel ch, ByteBuffer src, long pos) throws IOException {
        long p = pos;
        while (src.hasRemaining()) {
            p += ch.write(src, p);
        }
    }

    /** Reads {@code len} bytes at {@code pos} that must lie inside the file (metadata), else a clear error. */
    public static ByteBuffer readStructure(FileChannel ch, Path file, long pos, long len, String what)
            throws IOException {
        long fileSize = ch.size();
        if (pos < 0 || len < 0 || len > Integer.MAX_VALUE - 16 || pos > fileSize || len > fileSize - pos) {
            throw new org.virtfx.engine.storage.ImageFormatException(file, what + " at offset " + pos + " ("
                    + len + " bytes) lies outside the file (" + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) len);
        readFully(ch, b, pos, file);
        return b.flip();
    }
}
