package org.virtfx.engine.cpu.fpu;

/**
 * The MMX packed operations on 64-bit values, for the CPU's 0F 6x/7x/Dx/Ex/Fx decoder. Lanes are little-endian in
 * the long: byte lane i is bits 8i..8i+7, word lane i bits 16i..16i+15, dword lane i bits 32i..32i+31. Shift
 * counts are the full 64-bit count operand (an MMX register or imm8); counts at or beyond the lane width give 0
 * (logical shifts) or the sign fill (arithmetic shifts), as the hardware does.
 */
public final class MmxOps {
    private MmxOps() {
    }

    private static int lane(long v, int bits, int i) {
        return (int) (v >>> (bits * i)) & (int) ((1L << bits) - 1);
    }

    private static long signedLane(long v, int bits, int i) {
        return (v << (64 - bits * (i + 1))) >> (64 - bits);
    }

    private static long put(long acc, int bits, int i, long laneValue) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        return acc | ((laneValue & mask) << (bits * i));
    }

    // ---------------------------------------------------------------- add / subtract

    /** PADDB/PADDW/PADDD/PADDQ: wrapping lane-wise addition ({@code bits} = 8, 16, 32 or 64). */
    public static long add(long a, long b, int bits) {
        if (bits == 64) {
            return a + b;
        }
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, (a >>> (bits * i)) + (b >>> (bits * i)));
        }
        return r;
    }

    /** PSUBB/PSUBW/PSUBD/PSUBQ: wrapping lane-wise subtraction. */
    public static long sub(long a, long b, int bits) {
        if (bits == 64) {
            return a - b;
        }
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, (a >>> (bits * i)) - (b >>> (bits * i)));
        }
        return r;
    }

    private static long saturateSigned(long v, int bits) {
        long max = (1L << (bits - 1)) - 1;
        long min = -(1L << (bits - 1));
        return v > max ? max : v < min ? min : v;
    }

    private static long saturateUnsigned(long v, int bits) {
        long max = (1L << bits) - 1;
        return v > max ? max : v < 0 ? 0 : v;
    }

    /** PADDSB/PADDSW: signed saturating addition (bits 8 or 16). */
    public static long addSignedSaturate(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, saturateSigned(signedLane(a, bits, i) + signedLane(b, bits, i), bits));
        }
        return r;
    }

    /** PSUBSB/PSUBSW: signed saturating subtraction. */
    public static long subSignedSaturate(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, saturateSigned(signedLane(a, bits, i) - signedLane(b, bits, i), bits));
        }
        return r;
    }

    /** PADDUSB/PADDUSW: unsigned saturating addition. */
    public static long addUnsignedSaturate(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, saturateUnsigned((long) lane(a, bits, i) + lane(b, bits, i), bits));
        }
        return r;
    }

    /** PSUBUSB/PSUBUSW: unsigned saturating subtraction. */
    public static long subUnsignedSaturate(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, saturateUnsigned((long) lane(a, bits, i) - lane(b, bits, i), bits));
        }
        return r;
    }

    // ---------------------------------------------------------------- multiply

    /** PMULLW: low 16 bits of the signed word products. */
    public static long mulLowWords(long a, long b) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r = put(r, 16, i, signedLane(a, 16, i) * signedLane(b, 16, i));
        }
        return r;
    }

    /** PMULHW: high 16 bits of the signed word products. */
    public static long mulHighWords(long a, long b) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r = put(r, 16, i, (signedLane(a, 16, i) * signedLane(b, 16, i)) >> 16);
        }
        return r;
    }

    /** PMULHUW (SSE extension of MMX): high 16 bits of the unsigned word products. */
    public static long mulHighWordsUnsigned(long a, long b) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r = put(r, 16, i, ((long) lane(a, 16, i) * lane(b, 16, i)) >>> 16);
        }
        return r;
    }

    /** PMADDWD: signed word products added in pairs into two dwords (0x8000*0x8000 twice wraps to 0x80000000). */
    public static long mulAddWords(long a, long b) {
        long r = 0;
        for (int i = 0; i < 2; i++) {
            long p0 = signedLane(a, 16, 2 * i) * signedLane(b, 16, 2 * i);
            long p1 = signedLane(a, 16, 2 * i + 1) * signedLane(b, 16, 2 * i + 1);
            r = put(r, 32, i, p0 + p1);
        }
        return r;
    }

    /** PMULUDQ (SSE2 on MMX registers): unsigned product of the low dwords. */
    public static long mulUnsignedLowDwords(long a, long b) {
        return (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
    }

    // ---------------------------------------------------------------- compare

    /** PCMPEQB/W/D: all ones in lanes that are equal. */
    public static long compareEqual(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, lane(a, bits, i) == lane(b, bits, i) ? -1 : 0);
        }
        return r;
    }

    /** PCMPGTB/W/D: all ones in lanes where a > b (signed). */
    public static long compareGreater(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, signedLane(a, bits, i) > signedLane(b, bits, i) ? -1 : 0);
        }
        return r;
    }

    // ---------------------------------------------------------------- pack / unpack

    /** PACKSSWB: a's four words then b's, to signed-saturated bytes. */
    public static long packSignedWordsToBytes(long a, long b) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r = put(r, 8, i, saturateSigned(signedLane(a, 16, i), 8));
            r = put(r, 8, i + 4, saturateSigned(signedLane(b, 16, i), 8));
        }
        return r;
    }

    /** PACKUSWB: signed words to unsigned-saturated bytes. */
    public static long packUnsignedWordsToBytes(long a, long b) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r = put(r, 8, i, saturateUnsigned(signedLane(a, 16, i), 8));
            r = put(r, 8, i + 4, saturateUnsigned(signedLane(b, 16, i), 8));
        }
        return r;
    }

    /** PACKSSDW: signed dwords to signed-saturated words. */
    public static long packSignedDwordsToWords(long a, long b) {
        long r = 0;
        for (int i = 0; i < 2; i++) {
            r = put(r, 16, i, saturateSigned(signedLane(a, 32, i), 16));
            r = put(r, 16, i + 2, saturateSigned(signedLane(b, 32, i), 16));
        }
        return r;
    }

    /** PUNPCKLBW/WD/DQ: interleave the low halves, a's lane first. */
    public static long unpackLow(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 32 / bits; i++) {
            r = put(r, bits, 2 * i, a >>> (bits * i));
            r = put(r, bits, 2 * i + 1, b >>> (bits * i));
        }
        return r;
    }

    /** PUNPCKHBW/WD/DQ: interleave the high halves, a's lane first. */
    public static long unpackHigh(long a, long b, int bits) {
        return unpackLow(a >>> 32, b >>> 32, bits);
    }

    // ---------------------------------------------------------------- shifts

    /** PSLLW/D/Q: logical left shift of each lane by the (unsigned 64-bit) count. */
    public static long shiftLeft(long a, long count, int bits) {
        if (Long.compareUnsigned(count, bits) >= 0) {
            return 0;
        }
        int n = (int) count;
        if (bits == 64) {
            return a << n;
        }
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, (long) lane(a, bits, i) << n);
        }
        return r;
    }

    /** PSRLW/D/Q: logical right shift. */
    public static long shiftRightLogical(long a, long count, int bits) {
        if (Long.compareUnsigned(count, bits) >= 0) {
            return 0;
        }
        int n = (int) count;
        if (bits == 64) {
            return a >>> n;
        }
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, (lane(a, bits, i) & 0xFFFFFFFFL) >>> n);
        }
        return r;
    }

    /** PSRAW/D: arithmetic right shift; counts beyond the lane width fill with the sign. */
    public static long shiftRightArithmetic(long a, long count, int bits) {
        int n = Long.compareUnsigned(count, bits - 1) > 0 ? bits - 1 : (int) count;
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, signedLane(a, bits, i) >> n);
        }
        return r;
    }

    // ---------------------------------------------------------------- logic

    public static long and(long a, long b) {
        return a & b;
    }

    /** PANDN: (NOT a) AND b, a being the destination. */
    public static long andNot(long a, long b) {
        return ~a & b;
    }

    public static long or(long a, long b) {
        return a | b;
    }

    public static long xor(long a, long b) {
        return a ^ b;
    }

    // ---------------------------------------------------------------- SSE integer extensions on MMX registers

    /** PAVGB/PAVGW: unsigned rounded average. */
    public static long average(long a, long b, int bits) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            r = put(r, bits, i, ((long) lane(a, bits, i) + lane(b, bits, i) + 1) >>> 1);
        }
        return r;
    }

    /** PMINUB / PMAXUB (bits 8) and PMINSW / PMAXSW (bits 16, signed). */
    public static long minMax(long a, long b, int bits, boolean max) {
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            long x = bits == 16 ? signedLane(a, bits, i) : lane(a, bits, i);
            long y = bits == 16 ? signedLane(b, bits, i) : lane(b, bits, i);
            r = put(r, bits, i, max ? Math.max(x, y) : Math.min(x, y));
        }
        return r;
    }

    /** PSADBW: sum of absolute byte differences in the low word. */
    public static long sumAbsoluteDifferences(long a, long b) {
        long sum = 0;
        for (int i = 0; i < 8; i++) {
            sum += Math.abs(lane(a, 8, i) - lane(b, 8, i));
        }
        return sum;
    }

    /** PMOVMSKB: the top bit of each byte. */
    public static int moveMaskBytes(long a) {
        int m = 0;
        for (int i = 0; i < 8; i++) {
            m |= (int) ((a >>> (8 * i + 7)) & 1) << i;
        }
        return m;
    }

    /** PSHUFW: word i of the result is word ((order >> 2i) & 3) of a. */
    public static long shuffleWords(long a, int order) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r = put(r, 16, i, lane(a, 16, (order >> (2 * i)) & 3));
        }
        return r;
    }
}
