package org.virtfx.engine.storage.qcow2;

import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Compressed clusters: raw deflate streams (no zlib header). QEMU decompresses with a 4 KiB window (windowBits -12),
 * while java.util.zip always compresses with 32 KiB; so the input is fed in 4 KiB pieces with a full flush after each,
 * which keeps every back-reference within 4 KiB and the stream readable by QEMU.
 */
final class Qcow2Compression {
    private static final int QEMU_WINDOW = 4096;

    private Qcow2Compression() {
    }

    /** Compressed form of {@code data}, or null when it would not save at least one 512-byte sector. */
    static byte[] compress(byte[] data, int length) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            byte[] out = new byte[length + 1024];
            int outLen = 0;
            for (int pos = 0; pos < length; pos += QEMU_WINDOW) {
                d.setInput(data, pos, Math.min(QEMU_WINDOW, length - pos));
                int mode = pos + QEMU_WINDOW >= length ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH;
                if (mode == Deflater.NO_FLUSH) {
                    d.finish();
                }
                while (true) {
                    int n = d.deflate(out, outLen, out.length - outLen, mode);
                    outLen += n;
                    if (outLen >= length - 512) {
                        return null;
                    }
                    if (mode == Deflater.NO_FLUSH ? d.finished() : (n == 0 && d.needsInput())) {
                        break;
                    }
                }
            }
            return Arrays.copyOf(out, outLen);
        } finally {
            d.end();
        }
    }

    /**
     * Inflates into exactly {@code out.length} bytes.
     *
     * @return false if the stream is damaged or too short
     */
    static boolean decompress(byte[] in, int inLen, byte[] out) {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in, 0, inLen);
            int total = 0;
            while (total < out.length) {
                int n = inf.inflate(out, total, out.length - total);
                if (n == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                total += n;
            }
            return total == out.length;
        } catch (DataFormatException e) {
            return false;
        } finally {
            inf.end();
        }
    }
}
