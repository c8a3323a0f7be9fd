package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Helpers for reading whole (small) images in tests. */
public final class ImageTestSupport {
    private ImageTestSupport() {
    }

    /** Reads the whole disk in uneven chunks (so cluster-crossing reads are exercised). */
    public static byte[] readAll(BlockDevice d) throws IOException {
        long size = d.size();
        byte[] all = new byte[(int) size];
        int pos = 0;
        int chunk = 12345;
        while (pos < size) {
            int n = (int) Math.min(chunk, size - pos);
            d.read(pos, ByteBuffer.wrap(all, pos, n));
            pos += n;
            chunk = chunk == 12345 ? 256 * 1024 + 512 : 12345;
        }
        return all;
    }

    /** Index of the first differing byte, or -1. */
    public static long firstDifference(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : n;
    }
}
