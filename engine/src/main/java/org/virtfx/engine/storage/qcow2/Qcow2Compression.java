package org.virtfx.engine.storage.qcow2;

import java.nio.ByteBuffer;
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
    private static final byte[] ZEROS = new byte[QEMU_WINDOW];
    /** One deflater and output buffer per thread: creating a zlib stream per cluster costs more than compressing it. */
    private static final ThreadLocal<Deflater> DEFLATERS =
            ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));
    private static final ThreadLocal<byte[]> OUTPUT = new ThreadLocal<>();
    private static final ThreadLocal<Inflater> INFLATERS = ThreadLocal.withInitial(() -> new Inflater(true));

    /** Compressed bytes: {@code bytes[0..length)}; {@code bytes} is the calling thread's buffer, reused next call. */
    record Packed(byte[] bytes, int length) {
    }

    private Qcow2Compression() {
    }

    /**
     * Compresses one cluster: {@code data}'s remaining bytes, followed by zeros up to {@code clusterSize} (the disk's
     * last cluster may be shorter). Returns null when that would not save at least one 512-byte sector.
     */
    static Packed compress(ByteBuffer data, int clusterSize) {
        Deflater d = DEFLATERS.get();
        byte[] out = OUTPUT.get();
        if (out == null || out.length < clusterSize + 1024) {
            out = new byte[clusterSize + 1024];
            OUTPUT.set(out);
        }
        d.reset();
        int outLen = 0;
        int dataEnd = data.limit();
        int base = data.position();
        for (int pos = 0; pos < clusterSize; pos += QEMU_WINDOW) {
            int n = Math.min(QEMU_WINDOW, clusterSize - pos);
            int fromData = Math.max(0, Math.min(n, dataEnd - base - pos));
            if (fromData == n) {
                d.setInput(data.slice(base + pos, n));
            } else if (fromData > 0) {
                byte[] piece = new byte[n]; // only the disk's last, partial cluster gets here
                data.get(base + pos, piece, 0, fromData);
                d.setInput(piece, 0, n);
            } else {
                d.setInput(ZEROS, 0, n);
            }
            boolean last = pos + QEMU_WINDOW >= clusterSize;
            int mode = last ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH;
            if (last) {
                d.finish();
            }
            while (true) {
                int k = d.deflate(out, outLen, out.length - outLen, mode);
                outLen += k;
                if (outLen >= clusterSize - 512) {
                    return null;
                }
                if (last ? d.finished() : (k == 0 && d.needsInput())) {
                    break;
                }
            }
        }
        return new Packed(out, outLen);
    }

    /**
     * Inflates into exactly {@code out.length} bytes.
     *
     * @return false if the stream is damaged or too short
     */
    static boolean decompress(byte[] in, int inLen, byte[] out) {
        Inflater inf = INFLATERS.get();
        inf.reset();
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
        }
    }
}
