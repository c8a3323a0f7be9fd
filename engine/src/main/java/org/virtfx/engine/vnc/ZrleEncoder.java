package org.virtfx.engine.vnc;

import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;

/**
 * ZRLE (RFB encoding 16): 64x64 tiles, each sent as a solid colour, a packed palette, palette RLE, plain RLE or raw,
 * whichever is smallest, all through one zlib stream per connection (flushed after every rectangle, as the protocol
 * requires).
 */
final class ZrleEncoder implements AutoCloseable {
    static final int TILE = 64;

    // Level 1: much cheaper than the default level on full frames; the tile coding already removed most redundancy.
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final Buffer raw = new Buffer();
    private byte[] scratch = new byte[TILE * TILE * 4 + 16];
    private final int[] palette = new int[16];
    private byte[] deflated = new byte[65536];

    /**
     * Encodes {@code values} (client pixel values, row stride {@code w}) of a {@code w x h} rectangle and returns the
     * zlib bytes the rectangle carries after its length field.
     */
    byte[] encode(int[] values, int w, int h, PixelFormat pf) {
        raw.reset();
        int cp = pf.cpixelBytes();
        for (int ty = 0; ty < h; ty += TILE) {
            int th = Math.min(TILE, h - ty);
            for (int tx = 0; tx < w; tx += TILE) {
                int tw = Math.min(TILE, w - tx);
                encodeTile(values, ty * w + tx, w, tw, th, pf, cp);
            }
        }
        deflater.setInput(raw.bytes, 0, raw.size);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.size / 4 + 64);
        while (true) {
            int n = deflater.deflate(deflated, 0, deflated.length, Deflater.SYNC_FLUSH);
            out.write(deflated, 0, n);
            if (n < deflated.length && deflater.needsInput()) {
                break;
            }
        }
        return out.toByteArray();
    }

    private void encodeTile(int[] v, int start, int stride, int tw, int th, PixelFormat pf, int cp) {
        int colours = 0;
        int runs = 0;
        int prev = 0;
        boolean overflow = false;
        for (int y = 0; y < th; y++) {
            int row = start + y * stride;
            for (int x = 0; x < tw; x++) {
                int p = v[row + x];
                if ((x | y) == 0 || p != prev) {
                    runs++;
                    prev = p;
                    if (!overflow && indexOf(p, colours) < 0) {
                        if (colours == 16) {
                            overflow = true;
                        } else {
                            palette[colours++] = p;
                        }
                    }
                }
            }
        }
        int pixels = tw * th;
        if (!overflow && colours == 1) {
            raw.write(1);
            writeCpixel(palette[0], pf, cp);
            return;
        }
        int rawSize = pixels * cp;
        int plainRleSize = runs * (cp + 1) + pixels / 255;
        if (overflow) {
            if (plainRleSize < rawSize) {
                plainRle(v, start, stride, tw, th, pf, cp);
            } else {
                raw.write(0);
                for (int y = 0; y < th; y++) {
                    for (int x = 0; x < tw; x++) {
                        writeCpixel(v[start + y * stride + x], pf, cp);
                    }
                }
            }
            return;
        }
        int bits = colours <= 2 ? 1 : colours <= 4 ? 2 : 4;
        int packedSize = colours * cp + th * ((tw * bits + 7) / 8);
        int paletteRleSize = colours * cp + runs * 2 + pixels / 255;
        if (paletteRleSize < packedSize) {
            int paletteSize = colours;
            raw.write(128 + colours);
            for (int i = 0; i < colours; i++) {
                writeCpixel(palette[i], pf, cp);
            }
            forEachRun(v, start, stride, tw, th, (p, len) -> {
                int idx = indexOf(p, paletteSize);
                if (len == 1) {
                    raw.write(idx);
                } else {
                    raw.write(idx | 128);
                    writeLength(len);
                }
            });
            return;
        }
        raw.write(colours);
        for (int i = 0; i < colours; i++) {
            writeCpixel(palette[i], pf, cp);
        }
        for (int y = 0; y < th; y++) {
            int acc = 0;
            int nbits = 0;
            for (int x = 0; x < tw; x++) {
                acc = acc << bits | indexOf(v[start + y * stride + x], colours);
                nbits += bits;
                if (nbits == 8) {
                    raw.write(acc);
                    acc = 0;
                    nbits = 0;
                }
            }
            if (nbits > 0) {
                raw.write(acc << (8 - nbits));
            }
        }
    }

    private void plainRle(int[] v, int start, int stride, int tw, int th, PixelFormat pf, int cp) {
        raw.write(128);
        forEachRun(v, start, stride, tw, th, (p, len) -> {
            writeCpixel(p, pf, cp);
            writeLength(len);
        });
    }

    private interface RunSink {
        void run(int pixel, int length);
    }

    private static void forEachRun(int[] v, int start, int stride, int tw, int th, RunSink sink) {
        int cur = v[start];
        int len = 0;
        for (int y = 0; y < th; y++) {
            int row = start + y * stride;
            for (int x = 0; x < tw; x++) {
                int p = v[row + x];
                if (p == cur) {
                    len++;
                } else {
                    sink.run(cur, len);
                    cur = p;
                    len = 1;
                }
            }
        }
        sink.run(cur, len);
    }

    private void writeLength(int len) {
        int rest = len - 1;
        while (rest >= 255) {
            raw.write(255);
            rest -= 255;
        }
        raw.write(rest);
    }

    private int indexOf(int p, int count) {
        for (int i = 0; i < count; i++) {
            if (palette[i] == p) {
                return i;
            }
        }
        return -1;
    }

    private void writeCpixel(int value, PixelFormat pf, int cp) {
        pf.putCpixel(scratch, 0, value);
        raw.write(scratch, 0, cp);
    }

    @Override
    public void close() {
        deflater.end();
    }

    /** A growable byte buffer without ByteArrayOutputStream's per-byte locking (the encoder writes byte by byte). */
    private static final class Buffer {
        byte[] bytes = new byte[1 << 16];
        int size;

        void reset() {
            size = 0;
        }

        void write(int b) {
            if (size == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = (byte) b;
        }

        void write(byte[] src, int off, int len) {
            if (size + len > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(size + len, size * 2));
            }
            System.arraycopy(src, off, bytes, size, len);
            size += len;
        }
    }
}
