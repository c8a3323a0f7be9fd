package org.virtfx.engine.devices.ide;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtfx.engine.storage.BlockDevice;
import org.virtfx.engine.storage.IoCounters;

/** A raw image file as a BlockDevice, for device tests only. */
final class RawFile implements BlockDevice {
    private final FileChannel ch;
    private final boolean readOnly;
    private final IoCounters counters = new IoCounters();

    RawFile(Path file, boolean readOnly) throws IOException {
        this.ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.readOnly = readOnly;
    }

    @Override public long size() {
        try {
            return ch.size();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override public boolean readOnly() { return readOnly; }

    @Override public void read(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0 || offset + dst.remaining() > size()) {
            throw new IOException("read past the end");
        }
        while (dst.hasRemaining()) {
            if (ch.read(dst, offset + dst.position()) < 0) {
                throw new IOException("EOF");
            }
        }
    }

    @Override public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly || offset < 0 || offset + src.remaining() > size()) {
            throw new IOException("bad write");
        }
        long p = offset;
        while (src.hasRemaining()) {
            p += ch.write(src, p);
        }
    }

    @Override public void flush() throws IOException { ch.force(false); }

    @Override public IoCounters counters() { return counters; }

    @Override public void close() throws IOException { ch.close(); }
}
