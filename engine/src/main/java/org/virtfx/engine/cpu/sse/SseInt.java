package org.virtfx.engine.cpu.sse;

/**
 * Integer SIMD operations of SSE2..SSE4.1 that are not lane-local on 64-bit halves (those are
 * {@link org.virtfx.engine.cpu.fpu.MmxOps}, applied to each half). A vector is a {@code long[]} of n = 1 (an MMX
 * register) or n = 2 (an XMM register: [0] low, [1] high) longs; lanes are little-endian. Results go to {@code r},
 * which may be the same array as an input.
 */
public final class SseInt {
    private SseInt() {
    }

    // ---------------------------------------------------------------- lane access

    public static long get(long[] v, int bits, int i) {
        int bit = bits * i;
        long w = v[bit >>> 6];
        return bits == 64 ? w : (w >>> (bit & 63)) & ((1L << bits) - 1);
    }

    public static long getSigned(long[] v, int bits, int i) {
        long u = get(v, bits, i);
        return bits == 64 ? u : (u << (64 - bits)) >> (64 - bits);
    }

    public static void set(long[] v, int bits, int i, long value) {
        int bit = bits * i;
        if (bits == 64) {
            v[bit >>> 6] = value;
            return;
        }
        long m = ((1L << bits) - 1) << (bit & 63);
        v[bit >>> 6] = (v[bit >>> 6] & ~m) | ((value << (bit & 63)) & m);
    }

    static long saturate(long v, int bits, boolean signed) {
        long min = signed ? -(1L << (bits - 1)) : 0;
        long max = signed ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
        return Math.max(min, Math.min(max, v));
    }

    // ---------------------------------------------------------------- SSE2 shuffles and byte shifts

    /** PSHUFD: dword i = dword (imm >> 2i) & 3 of a. */
    public static void shuffleDwords(long[] a, int imm, long[] r) {
        long[] t = new long[2];
        for (int i = 0; i < 4; i++) {
            set(t, 32, i, get(a, 32, (imm >> (2 * i)) & 3));
        }
        r[0] = t[0];
        r[1] = t[1];
    }

    /** PSLLDQ (left = true) / PSRLDQ: 128-bit shift by whole bytes; counts above 15 give zero. */
    public static void shiftBytes(long[] a, int count, boolean left, long[] r) {
        int n = Math.min(count, 16) * 8;
        long lo = a[0], hi = a[1];
        if (n == 0) {
            r[0] = lo;
            r[1] = hi;
        } else if (n >= 128) {
            r[0] = 0;
            r[1] = 0;
        } else if (left) {
            r[1] = n >= 64 ? lo << (n - 64) : hi << n | lo >>> (64 - n);
            r[0] = n >= 64 ? 0 : lo << n;
        } else {
            r[0] = n >= 64 ? hi >>> (n - 64) : lo >>> n | hi << (64 - n);
            r[1] = n >= 64 ? 0 : hi >>> n;
        }
    }

    // ---------------------------------------------------------------- SSSE3

    /** PSHUFB: byte i = 0 if bit 7 of b's byte i, else a's byte (b & (16n - 1)... masked to the register size). */
    public static void shuffleBytes(long[] a, long[] b, long[] r, int n) {
        long[] t = new long[n];
        int bytes = 8 * n;
        for (int i = 0; i < bytes; i++) {
            int s = (int) get(b, 8, i);
            set(t, 8, i, (s & 0x80) != 0 ? 0 : get(a, 8, s & (bytes - 1)));
        }
        System.arraycopy(t, 0, r, 0, n);
    }

    /** PALIGNR: the (a:b) concatenation shifted right by imm bytes, low register-size bytes. */
    public static void alignRight(long[] a, long[] b, int imm, long[] r, int n) {
        int bytes = 8 * n;
        long[] t = new long[n];
        for (int i = 0; i < bytes; i++) {
            int k = i + imm;
            long v = k < bytes ? get(b, 8, k) : k < 2 * bytes ? get(a, 8, k - bytes) : 0;
            set(t, 8, i, v);
        }
        System.arraycopy(t, 0, r, 0, n);
    }

    /** PHADDW/PHADDD/PHADDSW/PHSUBW/PHSUBD/PHSUBSW: pairs of a, then pairs of b. */
    public static void horizontal(long[] a, long[] b, int bits, boolean sub, boolean saturate, long[] r, int n) {
        int lanes = 64 * n / bits;
        long[] t = new long[n];
        for (int i = 0; i < lanes; i++) {
            long[] src = i < lanes / 2 ? a : b;
            int j = (i % (lanes / 2)) * 2;
            long x = getSigned(src, bits, j), y = getSigned(src, bits, j + 1);
            long v = sub ? x - y : x + y;
            set(t, bits, i, saturate ? saturate(v, bits, true) : v);
        }
        System.arraycopy(t, 0, r, 0, n);
    }

    /** PMADDUBSW: unsigned bytes of a times signed bytes of b, adjacent products added with signed saturation. */
    public static void mulAddUnsignedSignedBytes(long[] a, long[] b, long[] r, int n) {
        long[] t = new long[n];
        for (int i = 0; i < 4 * n; i++) {
            long v = get(a, 8, 2 * i) * getSigned(b, 8, 2 * i) + get(a, 8, 2 * i + 1) * getSigned(b, 8, 2 * i + 1);
            set(t, 16, i, saturate(v, 16, true));
        }
        System.arraycopy(t, 0, r, 0, n);
    }

    /** PMULHRSW: ((a * b >> 14) + 1) >> 1 on signed words. */
    public static void mulHighRoundScale(long[] a, long[] b, long[] r, int n) {
        for (int i = 0; i < 4 * n; i++) {
            long v = ((getSigned(a, 16, i) * getSigned(b, 16, i) >> 14) + 1) >> 1;
            set(r, 16, i, v);
        }
    }

    /** PSIGNB/W/D: a negated, kept or zeroed by the sign of b. */
    public static void sign(long[] a, long[] b, int bits, long[] r, int n) {
        for (int i = 0; i < 64 * n / bits; i++) {
            long s = getSigned(b, bits, i);
            set(r, bits, i, s < 0 ? -getSigned(a, bits, i) : s == 0 ? 0 : get(a, bits, i));
        }
    }

    /** PABSB/W/D: absolute value (the most negative value stays, read as unsigned). */
    public static void abs(long[] b, int bits, long[] r, int n) {
        for (int i = 0; i < 64 * n / bits; i++) {
            set(r, bits, i, Math.abs(getSigned(b, bits, i)));
        }
    }

    // ---------------------------------------------------------------- SSE4.1

    /** PMINSB/PMINSD/PMINUW/PMINUD/PMAX*: lane-wise minimum or maximum. */
    public static void minMax(long[] a, long[] b, int bits, boolean signed, boolean max, long[] r) {
        for (int i = 0; i < 128 / bits; i++) {
            long x = signed ? getSigned(a, bits, i) : get(a, bits, i);
            long y = signed ? getSigned(b, bits, i) : get(b, bits, i);
            set(r, bits, i, max ? Math.max(x, y) : Math.min(x, y));
        }
    }

    /** PMOVSX/PMOVZX: the low lanes of {@code from} bits of b widened to {@code to} bits. */
    public static void extend(long[] b, int from, int to, boolean signed, long[] r) {
        long[] t = new long[2];
        for (int i = 0; i < 128 / to; i++) {
            set(t, to, i, signed ? getSigned(b, from, i) : get(b, from, i));
        }
        r[0] = t[0];
        r[1] = t[1];
    }

    /** PACKUSDW: signed dwords of a then b to unsigned-saturated words. */
    public static void packUnsignedDwords(long[] a, long[] b, long[] r) {
        long[] t = new long[2];
        for (int i = 0; i < 8; i++) {
            set(t, 16, i, saturate(getSigned(i < 4 ? a : b, 32, i & 3), 16, false));
        }
        r[0] = t[0];
        r[1] = t[1];
    }

    /** PHMINPOSUW: the minimum unsigned word in bits 15:0 and its index in bits 18:16. */
    public static void minPosition(long[] b, long[] r) {
        int best = 0;
        for (int i = 1; i < 8; i++) {
            if (get(b, 16, i) < get(b, 16, best)) {
                best = i;
            }
        }
        r[0] = get(b, 16, best) | ((long) best << 16);
        r[1] = 0;
    }

    /** MPSADBW: eight sums of absolute differences of 4-byte blocks of a (offset imm bit 2) and one block of b. */
    public static void multipleSad(long[] a, long[] b, int imm, long[] r) {
        int aOff = (imm & 4) != 0 ? 4 : 0;
        int bOff = (imm & 3) * 4;
        long[] t = new long[2];
        for (int i = 0; i < 8; i++) {
            long sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += Math.abs(get(a, 8, aOff + i + j) - get(b, 8, bOff + j));
            }
            set(t, 16, i, sum);
        }
        r[0] = t[0];
        r[1] = t[1];
    }

    // ---------------------------------------------------------------- SSE4.2 string compares

    /**
     * PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM core: returns IntRes2 (the 8- or 16-bit result mask) and sets the
     * flags result into {@code out}: out[0] = IntRes2, out[1] = EFLAGS bits (CF, ZF, SF, OF; AF and PF zero).
     * la/lb are the explicit lengths (already made absolute and clipped) or -1 for implicit (zero-terminated).
     */
    public static void stringCompare(long[] a, long[] b, int imm, int la, int lb, int[] out) {
        boolean words = (imm & 1) != 0;
        boolean signed = (imm & 2) != 0;
        int mode = (imm >> 2) & 3;
        int polarity = (imm >> 4) & 3;
        int bits = words ? 16 : 8;
        int n = words ? 8 : 16;
        if (la < 0) {
            la = implicitLength(a, bits, n);
        }
        if (lb < 0) {
            lb = implicitLength(b, bits, n);
        }
        int res1 = 0;
        for (int j = 0; j < n; j++) { // j: index into b (the second operand)
            boolean bit;
            switch (mode) {
                case 0 -> { // equal any
                    bit = false;
                    for (int i = 0; i < la && !bit; i++) {
                        bit = j < lb && elem(a, i, bits, signed) == elem(b, j, bits, signed);
                    }
                }
                case 1 -> { // ranges: pairs of a bound b's element
                    bit = false;
                    for (int i = 0; i + 1 < la && j < lb && !bit; i += 2) {
                        long lo = elem(a, i, bits, signed), hi = elem(a, i + 1, bits, signed);
                        long v = elem(b, j, bits, signed);
                        bit = v >= lo && v <= hi;
                    }
                }
                case 2 -> { // equal each
                    boolean va = j < la, vb = j < lb;
                    bit = va && vb ? elem(a, j, bits, signed) == elem(b, j, bits, signed) : !va && !vb;
                }
                default -> { // equal ordered: substring a starting at b[j]
                    bit = true;
                    for (int i = 0; i < n - j && bit; i++) {
                        boolean va = i < la, vb = j + i < lb;
                        if (!va) {
                            break;
                        }
                        bit = vb && elem(a, i, bits, signed) == elem(b, j + i, bits, signed);
                    }
                }
            }
            if (bit) {
                res1 |= 1 << j;
            }
        }
        int all = (1 << n) - 1;
        int res2 = switch (polarity) {
            case 1 -> ~res1 & all;
            case 3 -> res1 ^ ((1 << lb) - 1);
            default -> res1;
        };
        int flags = 0;
        if (res2 != 0) {
            flags |= 1; // CF
        }
        if (lb < n) {
            flags |= 0x40; // ZF
        }
        if (la < n) {
            flags |= 0x80; // SF
        }
        if ((res2 & 1) != 0) {
            flags |= 0x800; // OF
        }
        out[0] = res2;
        out[1] = flags;
    }

    private static long elem(long[] v, int i, int bits, boolean signed) {
        return signed ? getSigned(v, bits, i) : get(v, bits, i);
    }

    private static int implicitLength(long[] v, int bits, int n) {
        for (int i = 0; i < n; i++) {
            if (get(v, bits, i) == 0) {
                return i;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- CRC32

    private static final int[] CRC32C = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            CRC32C[i] = c;
        }
    }

    /** CRC32 instruction: the Castagnoli CRC (reflected, no inversion) of {@code bytes} bytes of v onto crc. */
    public static int crc32c(int crc, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            crc = (crc >>> 8) ^ CRC32C[(crc ^ (int) (v >>> (8 * i))) & 0xFF];
        }
        return crc;
    }
}
