package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A virtual disk as devices see it (IDE now, virtio-blk later): byte-addressed, thread-safe, whatever image format
 * lies underneath. Offsets and lengths come from the guest, so implementations check them against {@link #size()} and
 * throw {@link IOException} with a clear message instead of touching anything outside the disk.
 */
public interface BlockDevice extends AutoCloseable {
    /** Virtual size in bytes. */
    long size();

    /** Whether writes are refused (a read-only image or a CD-ROM). */
    boolean readOnly();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; holes read as zeros. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /** Tells the image that {@code [offset, offset+length)} is no longer needed (may free space; reads then give zeros). */
    default void discard(long offset, long length) throws IOException {
    }

    /** Writes zeros over {@code [offset, offset+length)}, as cheaply as the format allows. */
    default void writeZeroes(long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            zeros.clear().limit(n);
            write(offset + done, zeros);
            done += n;
        }
    }

    /** I/O counters for graphs and statistics. */
    IoCounters counters();

    @Override
    void close() throws IOException;
}
