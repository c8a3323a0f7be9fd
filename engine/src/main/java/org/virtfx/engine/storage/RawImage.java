package org.virtfx.engine.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * An open raw image. Positional FileChannel I/O is thread-safe, so reads and writes run concurrently without locks;
 * only resize takes the lock. Zeroing and discarding punch holes so sparse files stay sparse.
 */
final class RawImage extends AbstractDiskImage {
    private static final int ZERO_CHUNK = 1 << 20;

    private final FileChannel channel;
    private final int fd;
    /** Opened by probing: writes must not make the first sector look like another format (see DiskImages.open). */
    private volatile boolean guardHeader;

    RawImage(RawFormat format, Path file, boolean readOnly) throws IOException {
        super(format, file, readOnly, 0);
        this.channel = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.fd = NativeFiles.open(file, !readOnly);
        this.size = channel.size();
    }






    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        checkRange(offset, len);
        // a file shortened behind our back reads as zeros where it is missing
        BlockMappedImage.readFully(channel, dst, offset, file);
        counters.countRead(len);
    }

    void guardProbedHeader() {
        guardHeader = true;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int len = src.remaining();
        checkWrite(offset, len);
        if (guardHeader && offset < PROBED_SECTOR) {
            refuseFormatHeader(offset, src);
        }
        BlockMappedImage.writeFully(channel, src, offset);
        counters.countWrite(len);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
        counters.countFlush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWrite(offset, length);
        // a discard is only a hint; where holes cannot be punched the data simply stays
        NativeFiles.fallocate(fd, NativeFiles.FALLOC_PUNCH_HOLE | NativeFiles.FALLOC_KEEP_SIZE, offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkWrite(offset, length);
        if (length == 0) {
            return;
        }
        if (!NativeFiles.fallocate(fd, NativeFiles.FALLOC_PUNCH_HOLE | NativeFiles.FALLOC_KEEP_SIZE, offset, length)) {
            writeZeroBytes(channel, offset, length);
        }
        counters.countWrite(length);
    }

    /** QEMU guards the first 512 bytes of a probed raw image; the probes see them as the start of the file. */
    private static final int PROBED_SECTOR = 512;

    /** Throws if writing {@code src} at {@code offset} would make the file probe as another format. */
    private void refuseFormatHeader(long offset, ByteBuffer src) throws IOException {
        byte[] head = new byte[(int) Math.min(ImageFormat.PROBE_BYTES, size)];
        read(0, ByteBuffer.wrap(head));
        int n = (int) Math.min(src.remaining(), head.length - offset);
        src.get(src.position(), head, (int) offset, n);
        ImageFormat f = DiskImages.probe(head, size);
        if (!(f instanceof RawFormat)) {
            throw new IOException(file + ": write to block 0 refused: it would make this raw image, whose format "
                    + "was probed, look like a " + f.name() + " image (give the format explicitly: raw)");
        }
    }

    static void writeZeroBytes(FileChannel ch, long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, length));
        long done = 0;
        while (done < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            while (zeros.hasRemaining()) {
                done += ch.write(zeros, offset + done);
            }
        }
    }

    /** Grows the file from {@code from} to {@code to} bytes as the preallocation mode asks. */
    static void extend(Path file, FileChannel ch, long from, long to, Preallocation mode) throws IOException {
        if (to <= from) {
            return;
        }
        switch (mode) {
            case FULL -> writeZeroBytes(ch, from, to - from);
            case FALLOC -> {
                int fd = NativeFiles.open(file, true);
                try {
                    if (!NativeFiles.fallocate(fd, 0, from, to - from)) {
                        throw new IOException(file + ": preallocation=falloc is not supported here (fallocate failed)");
                    }
                } finally {
                    NativeFiles.close(fd);
                }
            }
            default -> {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(to);
                }
            }
        }
    }

    @Override
    public synchronized void resize(long newSize, boolean allowShrink) throws IOException {
        Ranges.checkWritable(file, readOnly);
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size");
        }
        if (newSize < size) {
            if (!allowShrink) {
                throw new IOException(file + ": shrinking would discard data; use --shrink to allow it");
            }
            channel.truncate(newSize);
        } else {
            extend(file, channel, size, newSize, Preallocation.OFF);
        }
        size = newSize;
    }

    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo("raw", file, size, NativeFiles.allocatedBytes(file), 0, null, null, null, false,
                List.of(), Map.of());
    }

    @Override
    public List<MapExtent> mapLayer(long offset, long length) throws IOException {
        checkRange(offset, length);
        List<MapExtent> out = new ArrayList<>();
        long end = offset + length;
        long pos = offset;
        while (pos < end) {
            long data = NativeFiles.seek(fd, pos, true);
            if (data == -2) {
                // no SEEK_DATA: everything counts as data (the portable, conservative answer)
                out.add(new MapExtent(pos, end - pos, 0, true, false, true, false, pos, file));
                break;
            }
            long dataStart = data == -1 ? end : Math.min(data, end);
            if (dataStart > pos) {
                // a hole still has a place in the file (qemu-img map prints it too): reading there gives the zeros
                out.add(new MapExtent(pos, dataStart - pos, 0, true, true, false, false, pos, file));
                pos = dataStart;
                continue;
            }
            long hole = NativeFiles.seek(fd, pos, false);
            long dataEnd = hole < 0 ? end : Math.min(hole, end);
            if (dataEnd <= pos) {
                dataEnd = end;
            }
            out.add(new MapExtent(pos, dataEnd - pos, 0, true, false, true, false, pos, file));
            pos = dataEnd;
        }
        return out;
    }


    @Override
    public void close() throws IOException {
        NativeFiles.close(fd);
        channel.close();
    }
}
