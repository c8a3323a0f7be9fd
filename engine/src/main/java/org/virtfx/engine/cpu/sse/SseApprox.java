package org.virtfx.engine.cpu.sse;

/**
 * RCPPS/RCPSS and RSQRTPS/RSQRTSS: Intel documents only the error bound (relative error at most 1.5 * 2^-12) and
 * the special values, not the table its hardware uses. This computes the reciprocal (square root) to single
 * precision and keeps the 12 most significant fraction bits, rounded to nearest, which stays inside the bound. Like
 * the hardware it ignores MXCSR (no flags, no DAZ setting needed): denormal inputs count as zeros and results in the
 * denormal range are flushed to zero.
 */
public final class SseApprox {
    private SseApprox() {
    }

    public static long reciprocal(int a) {
        int sign = a & 0x80000000;
        int mag = a & 0x7FFFFFFF;
        if (mag > 0x7F800000) {
            return (a | 0x00400000) & 0xFFFFFFFFL;
        }
        if (mag == 0x7F800000) {
            return sign & 0xFFFFFFFFL;
        }
        if (mag < 0x00800000) {
            return (sign | 0x7F800000) & 0xFFFFFFFFL;
        }
        return finish(1.0 / Float.intBitsToFloat(mag), sign);
    }

    public static long reciprocalSqrt(int a) {
        int sign = a & 0x80000000;
        int mag = a & 0x7FFFFFFF;
        if (mag > 0x7F800000) {
            return (a | 0x00400000) & 0xFFFFFFFFL;
        }
        if (mag < 0x00800000) {
            return (sign | 0x7F800000) & 0xFFFFFFFFL;
        }
        if (sign != 0) {
            return SseFloat.DEFAULT_NAN_32 & 0xFFFFFFFFL;
        }
        if (mag == 0x7F800000) {
            return 0;
        }
        return finish(1.0 / Math.sqrt(Float.intBitsToFloat(mag)), 0);
    }

    private static long finish(double r, int sign) {
        if (r < 0x1p-126) {
            return sign & 0xFFFFFFFFL;
        }
        long bits = Double.doubleToRawLongBits(r);
        // keep 12 fraction bits (round to nearest on the 53-bit significand), then the single's exponent
        bits = (bits + (1L << 39)) & ~((1L << 40) - 1);
        float f = (float) Double.longBitsToDouble(bits);
        return (Float.floatToRawIntBits(f) | sign) & 0xFFFFFFFFL;
    }
}
