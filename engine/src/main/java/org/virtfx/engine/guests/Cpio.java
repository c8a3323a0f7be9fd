package org.virtfx.engine.guests;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a "newc" cpio archive, the format the Linux kernel unpacks as an initramfs. Entries are written in the order
 * given; directories must come before their contents.
 */
final class Cpio implements AutoCloseable {
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private final OutputStream out;
    private long written;
    private int inode = 1;

    Cpio(OutputStream out) {
        this.out = out;
    }

    void directory(String path, int mode) throws IOException {
        entry(path, S_IFDIR | mode, new byte[0], 2);
    }

    void file(String path, int mode, byte[] data) throws IOException {
        entry(path, S_IFREG | mode, data, 1);
    }

    void symlink(String path, String target) throws IOException {
        entry(path, S_IFLNK | 0777, target.getBytes(StandardCharsets.UTF_8), 1);
    }

    private void entry(String path, int mode, byte[] data, int nlink) throws IOException {
        byte[] name = (path + "\0").getBytes(StandardCharsets.UTF_8);
        String header = "070701"
                + hex(inode++) + hex(mode) + hex(0) + hex(0) + hex(nlink) + hex(0)
                + hex(data.length) + hex(0) + hex(0) + hex(0) + hex(0)
                + hex(name.length - 0) + hex(0);
        write(header.getBytes(StandardCharsets.US_ASCII));
        write(name);
        pad();
        write(data);
        pad();
    }

    private static String hex(int v) {
        return String.format("%08x", v);
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        written += b.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            out.write(0);
            written++;
        }
    }

    @Override
    public void close() throws IOException {
        entry("TRAILER!!!", 0, new byte[0], 1);
        out.close();
    }
}
