package org.virtfx.engine.vnc;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * An RFB pixel format (ServerInit, SetPixelFormat) and the conversion of 0xFFRRGGBB pixels into it. Colour-map
 * formats are served with a fixed 3-3-2 colour map (index = r3 g3 b2), which the session sends to the client.
 */
record PixelFormat(int bitsPerPixel, int depth, boolean bigEndian, boolean trueColour, int redMax, int greenMax,
        int blueMax, int redShift, int greenShift, int blueShift) {

    /** What the server announces: 32 bpp little-endian xRGB, as the frame is stored. */
    static final PixelFormat DEFAULT = new PixelFormat(32, 24, false, true, 255, 255, 255, 16, 8, 0);

    /** The colour map sent to clients that ask for an 8-bit colour-map format. */
    static final PixelFormat RGB332_MAP = new PixelFormat(8, 8, false, true, 7, 7, 3, 5, 2, 0);

    static PixelFormat read(DataInputStream in) throws IOException {
        int bpp = in.readUnsignedByte();
        int depth = in.readUnsignedByte();
        boolean big = in.readUnsignedByte() != 0;
        boolean tc = in.readUnsignedByte() != 0;
        int rm = in.readUnsignedShort();
        int gm = in.readUnsignedShort();
        int bm = in.readUnsignedShort();
        int rs = in.readUnsignedByte();
        int gs = in.readUnsignedByte();
        int bs = in.readUnsignedByte();
        in.skipNBytes(3);
        return new PixelFormat(bpp, depth, big, tc, rm, gm, bm, rs, gs, bs);
    }

    void write(DataOutputStream out) throws IOException {
        out.writeByte(bitsPerPixel);
        out.writeByte(depth);
        out.writeByte(bigEndian ? 1 : 0);
        out.writeByte(trueColour ? 1 : 0);
        out.writeShort(redMax);
        out.writeShort(greenMax);
        out.writeShort(blueMax);
        out.writeByte(redShift);
        out.writeByte(greenShift);
        out.writeByte(blueShift);
        out.write(new byte[3]);
    }

    /** Whether a client may ask for this format: 8/16/32 bpp, and sane shifts and maxima for true colour. */
    boolean supported() {
        if (bitsPerPixel != 8 && bitsPerPixel != 16 && bitsPerPixel != 32) {
            return false;
        }
        if (!trueColour) {
            return bitsPerPixel == 8;
        }
        return redShift < bitsPerPixel && greenShift < bitsPerPixel && blueShift < bitsPerPixel
                && redMax > 0 && greenMax > 0 && blueMax > 0 && redMax <= 0xFFFF && greenMax <= 0xFFFF && blueMax <= 0xFFFF;
    }

    /** The true-colour format actually used to compute pixel values (colour-map clients get 3-3-2). */
    PixelFormat effective() {
        return trueColour ? this : RGB332_MAP;
    }

    int bytesPerPixel() {
        return bitsPerPixel / 8;
    }

    /** The pixel value of {@code argb} in this (true-colour) format. */
    int convert(int argb) {
        int r = (argb >> 16) & 0xFF;
        int g = (argb >> 8) & 0xFF;
        int b = argb & 0xFF;
        return scale(r, redMax) << redShift | scale(g, greenMax) << greenShift | scale(b, blueMax) << blueShift;
    }

    private static int scale(int v, int max) {
        return max == 255 ? v : (v * max + 127) / 255;
    }

    /** Writes {@code value} in {@code bytes} bytes with this format's byte order. */
    void put(byte[] dst, int off, int value, int bytes) {
        if (bigEndian) {
            for (int i = 0; i < bytes; i++) {
                dst[off + i] = (byte) (value >>> (8 * (bytes - 1 - i)));
            }
        } else {
            for (int i = 0; i < bytes; i++) {
                dst[off + i] = (byte) (value >>> (8 * i));
            }
        }
    }

    /**
     * ZRLE's compressed pixel size: 3 bytes when a 32-bit true-colour pixel uses only 24 bits that all sit in the low
     * or high three bytes; otherwise the full pixel.
     */
    int cpixelBytes() {
        if (bitsPerPixel == 32 && depth <= 24 && trueColour) {
            long used = ((long) redMax << redShift) | ((long) greenMax << greenShift) | ((long) blueMax << blueShift);
            if ((used & 0xFF000000L) == 0 || (used & 0xFFL) == 0) {
                return 3;
            }
        }
        return bytesPerPixel();
    }

    /** Writes a ZRLE CPIXEL: the 3 significant bytes of a 32-bit pixel, or the whole pixel. */
    void putCpixel(byte[] dst, int off, int value) {
        int n = cpixelBytes();
        if (n == 3) {
            long used = ((long) redMax << redShift) | ((long) greenMax << greenShift) | ((long) blueMax << blueShift);
            int v = (used & 0xFF000000L) == 0 ? value : value >>> 8;
            put(dst, off, v, 3);
        } else {
            put(dst, off, value, n);
        }
    }
}
