package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.virtfx.engine.storage.ImageFormatException;

/** The image file: positional, thread-safe reads and writes that either complete or throw. */
final class HostFile implements AutoCloseable {
    final Path path;
    final FileChannel channel;
    final boolean writable;

    HostFile(Path path, boolean writable) throws IOException {
        this.path = path;
        this.writable = writable;
        this.channel = writable ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
    }

    long size() throws IOException {
        return channel.size();
    }

    /** Reads exactly {@code dst.remaining()} bytes; a read past the end of the file is a format error. */
    void readFully(long offset, ByteBuffer dst, String what) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new ImageFormatException(path, what + " at 0x" + Long.toHexString(offset)
                        + " lies past the end of the file");
            }
            pos += n;
        }
    }

    /** Reads up to {@code dst.remaining()} bytes; what lies past the end of the file reads as zeros. */
    void readZeroPadded(long offset, ByteBuffer dst) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    byte[] read(long offset, int length, String what) throws IOException {
        byte[] a = new byte[length];
        readFully(offset, ByteBuffer.wrap(a), what);
        return a;
    }

    void write(long offset, ByteBuffer src) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    void write(long offset, byte[] data) throws IOException {
        write(offset, ByteBuffer.wrap(data));
    }

    void writeLong(long offset, long value) throws IOException {
        write(offset, ByteBuffer.allocate(8).putLong(0, value));
    }

    void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
