package org.virtfx.engine.platform;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtfx.engine.storage.BlockDevice;
import org.virtfx.engine.storage.IoCounters;

/** A raw disk image file as a {@link BlockDevice} (the board's fallback {@link DiskOpener}). */
public final class RawFileBlockDevice implements BlockDevice {
    private final Path file;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long size;
    private final IoCounters counters = new IoCounters();

    private RawFileBlockDevice(Path file, FileChannel channel, boolean readOnly, long size) {
        this.file = file;
        this.channel = channel;
        this.readOnly = readOnly;
        this.size = size;
    }

    public static RawFileBlockDevice open(Path file, boolean readOnly) throws IOException {
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such disk image", e);
        }
        return new RawFileBlockDevice(file, ch, readOnly, ch.size());
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void check(long offset, int length) throws IOException {
        if (offset < 0 || offset > size - length) {
            throw new IOException(String.format("%s: access at %d+%d outside the %d-byte image", file, offset, length, size));
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        check(offset, n);
        long p = offset;
        while (dst.hasRemaining()) {
            int r = channel.read(dst, p);
            if (r < 0) {
                throw new IOException(file + ": unexpected end of file");
            }
            p += r;
        }
        counters.countRead(n);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(file + " is open read-only");
        }
        int n = src.remaining();
        check(offset, n);
        long p = offset;
        while (src.hasRemaining()) {
            p += channel.write(src, p);
        }
        counters.countWrite(n);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
        counters.countFlush();
    }

    @Override
    public IoCounters counters() {
        return counters;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
