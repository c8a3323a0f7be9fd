package org.virtfx.engine.net.user;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A bounded FIFO of bytes for one direction of a TCP connection. The array grows on demand up to {@code capacity},
 * so a thousand idle connections cost little while a busy one gets its full window.
 */
final class ByteRing {
    private static final int INITIAL = 16 * 1024;
    private final int capacity;
    private byte[] buf;
    private int head;
    private int size;

    ByteRing(int capacity) {
        this.capacity = capacity;
        this.buf = new byte[Math.min(INITIAL, capacity)];
    }

    int size() {
        return size;
    }

    int free() {
        return capacity - size;
    }

    int capacity() {
        return capacity;
    }

    /** Appends up to len bytes; returns how many fitted. */
    int write(byte[] src, int off, int len) {
        int n = Math.min(len, free());
        ensure(size + n);
        int tail = (head + size) % buf.length;
        int first = Math.min(n, buf.length - tail);
        System.arraycopy(src, off, buf, tail, first);
        System.arraycopy(src, off + first, buf, 0, n - first);
        size += n;
        return n;
    }

    /** Copies len bytes starting {@code from} bytes after the head, without consuming them. */
    void peek(int from, byte[] dst, int off, int len) {
        if (from < 0 || len < 0 || from + len > size) {
            throw new IndexOutOfBoundsException(from + "+" + len + " of " + size);
        }
        int start = (head + from) % buf.length;
        int first = Math.min(len, buf.length - start);
        System.arraycopy(buf, start, dst, off, first);
        System.arraycopy(buf, 0, dst, off + first, len - first);
    }

    void skip(int n) {
        if (n < 0 || n > size) {
            throw new IndexOutOfBoundsException(n + " of " + size);
        }
        head = (head + n) % buf.length;
        size -= n;
        if (size == 0) {
            head = 0;
        }
    }

    /** Reads from the channel into free room; returns what the channel returned (-1 at end of stream). */
    int readFrom(ReadableByteChannel ch) throws IOException {
        int room = free();
        if (room == 0) {
            return 0;
        }
        ensure(Math.min(capacity, Math.max(buf.length, size + INITIAL)));
        if (size == buf.length) {
            return 0;
        }
        int tail = (head + size) % buf.length;
        int contiguous = tail < head ? head - tail : buf.length - tail;
        int n = ch.read(ByteBuffer.wrap(buf, tail, contiguous));
        if (n > 0) {
            size += n;
        }
        return n;
    }

    /** Writes as much as the channel takes; returns the number of bytes consumed. */
    int writeTo(WritableByteChannel ch) throws IOException {
        int total = 0;
        while (size > 0) {
            int first = Math.min(size, buf.length - head);
            int n = ch.write(ByteBuffer.wrap(buf, head, first));
            if (n <= 0) {
                break;
            }
            skip(n);
            total += n;
        }
        return total;
    }

    private void ensure(int needed) {
        if (needed <= buf.length) {
            return;
        }
        int length = buf.length;
        while (length < needed) {
            length = Math.min(capacity, length * 2);
        }
        byte[] grown = new byte[length];
        peek(0, grown, 0, size);
        buf = grown;
        head = 0;
    }
}
