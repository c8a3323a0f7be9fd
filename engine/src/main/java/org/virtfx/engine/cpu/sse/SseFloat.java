package org.virtfx.engine.cpu.sse;

import java.math.BigInteger;

/**
 * IEEE-754 single and double precision arithmetic as the SSE unit performs it, under an MXCSR: the four rounding
 * modes, DAZ and FTZ, the six exception flags, NaN propagation (the first operand's NaN wins, SNaNs are quieted, the
 * default NaN is negative) and Intel's tininess detection after rounding. Values are raw bit patterns in a long
 * (a single in the low 32 bits); {@code d} selects double precision.
 *
 * <p>One instance per CPU: {@link #begin} loads the MXCSR before an instruction, the operations accumulate exception
 * flags in {@link #flags}, and the caller commits them with {@link #unmaskedException}/{@link #commit}. The common
 * case (normal operands and result) is computed with Java's round-to-nearest arithmetic plus an exact error term,
 * which also gives the directed roundings; everything else goes through an exact big-integer path.
 */
public final class SseFloat {
    public static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, DAZ = 0x40, FTZ = 0x8000;
    /** Exceptions detected before the computation (they suppress the post-computation ones when unmasked). */
    private static final int PRE = IE | DE | ZE;
    public static final int RN = 0, RD = 1, RU = 2, RZ = 3;

    public static final int DEFAULT_NAN_32 = 0xFFC00000;
    public static final long DEFAULT_NAN_64 = 0xFFF8000000000000L;
    public static final int INDEFINITE_32 = 0x80000000;
    public static final long INDEFINITE_64 = 0x8000000000000000L;

    /** The MXCSR the current instruction runs under. */
    int mxcsr;
    /** Exception flags raised by the current instruction. */
    public int flags;

    public void begin(int mxcsr) {
        this.mxcsr = mxcsr;
        this.flags = 0;
    }

    public int roundingMode() {
        return (mxcsr >>> 13) & 3;
    }

    /**
     * The flags to report when an exception is unmasked, or 0: an unmasked pre-computation exception (invalid,
     * denormal, divide-by-zero) in any element reports only the pre-computation flags; otherwise an unmasked
     * overflow/underflow/precision reports all of them. The instruction then raises #XM/#UD and writes nothing.
     */
    public int unmaskedException() {
        int masks = (mxcsr >>> 7) & 0x3F;
        if ((flags & PRE & ~masks) != 0) {
            return flags & PRE;
        }
        if ((flags & ~masks & 0x3F) != 0) {
            return flags;
        }
        return 0;
    }

    // ---------------------------------------------------------------- classification

    static long signBit(boolean d) {
        return d ? 0x8000000000000000L : 0x80000000L;
    }

    static int expField(long x, boolean d) {
        return d ? (int) (x >>> 52) & 0x7FF : (int) (x >>> 23) & 0xFF;
    }

    static long frac(long x, boolean d) {
        return d ? x & 0xFFFFFFFFFFFFFL : x & 0x7FFFFFL;
    }

    static int maxExp(boolean d) {
        return d ? 0x7FF : 0xFF;
    }

    public static boolean isNaN(long x, boolean d) {
        return expField(x, d) == maxExp(d) && frac(x, d) != 0;
    }

    public static boolean isSNaN(long x, boolean d) {
        return isNaN(x, d) && (x & quietBit(d)) == 0;
    }

    static long quietBit(boolean d) {
        return d ? 1L << 51 : 1L << 22;
    }

    static boolean isInf(long x, boolean d) {
        return expField(x, d) == maxExp(d) && frac(x, d) == 0;
    }

    static boolean isZero(long x, boolean d) {
        return (x & ~signBit(d) & mask(d)) == 0;
    }

    static boolean isDenormal(long x, boolean d) {
        return expField(x, d) == 0 && frac(x, d) != 0;
    }

    static boolean neg(long x, boolean d) {
        return (x & signBit(d)) != 0;
    }

    static long mask(boolean d) {
        return d ? -1L : 0xFFFFFFFFL;
    }

    static long inf(boolean neg, boolean d) {
        return (d ? 0x7FF0000000000000L : 0x7F800000L) | (neg ? signBit(d) : 0);
    }

    static long zero(boolean neg, boolean d) {
        return neg ? signBit(d) : 0;
    }

    public static long defaultNaN(boolean d) {
        return d ? DEFAULT_NAN_64 : DEFAULT_NAN_32 & 0xFFFFFFFFL;
    }

    long quiet(long x, boolean d) {
        if (isSNaN(x, d)) {
            flags |= IE;
        }
        return x | quietBit(d);
    }

    /** NaN result of a two-operand operation: invalid for any SNaN, the first NaN operand quieted. */
    long propagate(long a, long b, boolean d) {
        if (isSNaN(a, d) || isSNaN(b, d)) {
            flags |= IE;
        }
        return (isNaN(a, d) ? a : b) | quietBit(d);
    }

    /** A finite operand as the unit reads it: denormals become zero under DAZ, else raise the denormal flag. */
    long operand(long x, boolean d) {
        if (isDenormal(x, d)) {
            if ((mxcsr & DAZ) != 0) {
                return x & signBit(d);
            }
            flags |= DE;
        }
        return x;
    }

    /** Denormals to zero under DAZ, without the denormal flag (conversions to integer, rounding). */
    long dazOnly(long x, boolean d) {
        return isDenormal(x, d) && (mxcsr & DAZ) != 0 ? x & signBit(d) : x;
    }

    static double toDouble(long x, boolean d) {
        return d ? Double.longBitsToDouble(x) : Float.intBitsToFloat((int) x);
    }

    static long bits(double v, boolean d) {
        return d ? Double.doubleToRawLongBits(v) : Float.floatToRawIntBits((float) v) & 0xFFFFFFFFL;
    }

    // ---------------------------------------------------------------- arithmetic

    public static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3;

    public long add(long a, long b, boolean d) {
        return arith(ADD, a, b, d);
    }

    public long sub(long a, long b, boolean d) {
        return arith(SUB, a, b, d);
    }

    public long mul(long a, long b, boolean d) {
        return arith(MUL, a, b, d);
    }

    public long div(long a, long b, boolean d) {
        return arith(DIV, a, b, d);
    }

    long arith(int op, long a, long b, boolean d) {
        a &= mask(d);
        b &= mask(d);
        if (isNaN(a, d) || isNaN(b, d)) {
            return propagate(a, b, d);
        }
        if (op == DIV && isZero(b, d) && isDenormal(a, d) && (mxcsr & DAZ) == 0) {
            flags |= ZE; // a finite dividend over zero: divide-by-zero, the dividend's denormal is not reported
            return inf(neg(a, d) != neg(b, d), d);
        }
        a = operand(a, d);
        b = operand(b, d);
        boolean na = neg(a, d), nb = neg(b, d);
        if (op == SUB) {
            b ^= signBit(d);
            nb = !nb;
            op = ADD;
        }
        boolean ia = isInf(a, d), ib = isInf(b, d), za = isZero(a, d), zb = isZero(b, d);
        switch (op) {
            case ADD -> {
                if (ia || ib) {
                    if (ia && ib && na != nb) {
                        flags |= IE;
                        return defaultNaN(d);
                    }
                    return ia ? a : b;
                }
                if (za && zb) {
                    return zero(na == nb ? na : roundingMode() == RD, d);
                }
            }
            case MUL -> {
                if ((ia && zb) || (ib && za)) {
                    flags |= IE;
                    return defaultNaN(d);
                }
                if (ia || ib) {
                    return inf(na != nb, d);
                }
                if (za || zb) {
                    return zero(na != nb, d);
                }
            }
            default -> {
                if ((ia && ib) || (za && zb)) {
                    flags |= IE;
                    return defaultNaN(d);
                }
                if (ia) {
                    return inf(na != nb, d);
                }
                if (ib || za) {
                    return zero(na != nb, d);
                }
                if (zb) {
                    flags |= ZE;
                    return inf(na != nb, d);
                }
            }
        }
        long fast = fastArith(op, a, b, d);
        if (fast != NO_FAST) {
            return fast;
        }
        return slowArith(op, a, b, d);
    }

    /** Marker: the fast path does not apply. No result of a float operation has this pattern. */
    private static final long NO_FAST = 0x7FF0DEADBEEF0000L;

    private long fastArith(int op, long a, long b, boolean d) {
        if (isDenormal(a, d) || isDenormal(b, d)) {
            return NO_FAST;
        }
        double x = toDouble(a, d), y = toDouble(b, d);
        double r;
        double err;
        switch (op) {
            case ADD -> {
                r = x + y;
                double bb = r - x;
                err = (x - (r - bb)) + (y - bb);
            }
            case MUL -> {
                if (d && !midRange(x) || d && !midRange(y)) {
                    return NO_FAST;
                }
                r = x * y;
                err = Math.fma(x, y, -r);
            }
            default -> {
                if (d && !midRange(x) || d && !midRange(y)) {
                    return NO_FAST;
                }
                r = x / y;
                err = Math.fma(-r, y, x) * Math.signum(y);
            }
        }
        return finishFast(r, err, d);
    }

    private static boolean midRange(double v) {
        int e = Math.getExponent(v);
        return v == 0 || (e > -900 && e < 900);
    }

    /**
     * Rounds a double-precision result {@code r} (round-to-nearest of the exact value) whose exact error has the sign
     * of {@code err} to the MXCSR rounding mode and the destination format, if the result is safely normal.
     */
    private long finishFast(double r, double err, boolean d) {
        int mode = roundingMode();
        if (d) {
            double m = Math.abs(r);
            if (!(m >= 2 * Double.MIN_NORMAL && m < Double.MAX_VALUE) || Double.isNaN(err)) {
                return NO_FAST;
            }
            int c = err > 0 ? 1 : err < 0 ? -1 : 0;
            if (c != 0) {
                flags |= PE;
                r = directed(r, c, mode);
            }
            return Double.doubleToRawLongBits(r);
        }
        float f = (float) r;
        float m = Math.abs(f);
        if (!(m >= 2 * Float.MIN_NORMAL && m < Float.MAX_VALUE) || Double.isNaN(err)) {
            return NO_FAST;
        }
        int c = (double) f != r ? (r > f ? 1 : -1) : err > 0 ? 1 : err < 0 ? -1 : 0;
        if (c != 0) {
            flags |= PE;
            if (mode == RD && c < 0 || mode == RZ && c < 0 && f > 0) {
                f = Math.nextDown(f);
            } else if (mode == RU && c > 0 || mode == RZ && c > 0 && f < 0) {
                f = Math.nextUp(f);
            }
        }
        return Float.floatToRawIntBits(f) & 0xFFFFFFFFL;
    }

    private static double directed(double r, int c, int mode) {
        if (mode == RD && c < 0 || mode == RZ && c < 0 && r > 0) {
            return Math.nextDown(r);
        }
        if (mode == RU && c > 0 || mode == RZ && c > 0 && r < 0) {
            return Math.nextUp(r);
        }
        return r;
    }

    /** Exact significand and exponent of a finite value: value = sig * 2^exp. */
    static BigInteger sig(long x, boolean d) {
        long f = frac(x, d);
        return BigInteger.valueOf(expField(x, d) == 0 ? f : f | (d ? 1L << 52 : 1L << 23));
    }

    static int exp(long x, boolean d) {
        int e = expField(x, d);
        return (e == 0 ? 1 : e) - (d ? 1075 : 150);
    }

    private long slowArith(int op, long a, long b, boolean d) {
        boolean na = neg(a, d), nb = neg(b, d);
        BigInteger sa = sig(a, d), sb = sig(b, d);
        int ea = exp(a, d), eb = exp(b, d);
        switch (op) {
            case ADD, SUB -> {
                int e = Math.min(ea, eb);
                BigInteger va = sa.shiftLeft(ea - e), vb = sb.shiftLeft(eb - e);
                if (na) {
                    va = va.negate();
                }
                if (nb) {
                    vb = vb.negate();
                }
                BigInteger s = va.add(vb);
                if (s.signum() == 0) {
                    return zero(roundingMode() == RD, d);
                }
                return round(s.signum() < 0, s.abs(), e, false, d);
            }
            case MUL -> {
                return round(na != nb, sa.multiply(sb), ea + eb, false, d);
            }
            default -> {
                int k = (d ? 53 : 24) + 3 + Math.max(0, sb.bitLength() - sa.bitLength());
                BigInteger[] qr = sa.shiftLeft(k).divideAndRemainder(sb);
                return round(na != nb, qr[0], ea - eb - k, qr[1].signum() != 0, d);
            }
        }
    }

    public long sqrt(long a, boolean d) {
        a &= mask(d);
        if (isNaN(a, d)) {
            return quiet(a, d);
        }
        if (neg(a, d) && isDenormal(a, d) && (mxcsr & DAZ) == 0) {
            flags |= IE; // a negative operand is invalid before it is a denormal
            return defaultNaN(d);
        }
        a = operand(a, d);
        if (isZero(a, d)) {
            return a;
        }
        if (neg(a, d)) {
            flags |= IE;
            return defaultNaN(d);
        }
        if (isInf(a, d)) {
            return a;
        }
        double x = toDouble(a, d);
        if (!isDenormal(a, d) && (!d || midRange(x))) {
            double r = Math.sqrt(x);
            long fast = finishFast(r, Math.fma(-r, r, x), d);
            if (fast != NO_FAST) {
                return fast;
            }
        }
        BigInteger s = sig(a, d);
        int e = exp(a, d);
        int p = d ? 53 : 24;
        // scale to an even exponent with at least 2p+4 significant bits, so the root has p+2 bits
        int shift = Math.max(0, 2 * p + 4 - s.bitLength());
        if (((e - shift) & 1) != 0) {
            shift++;
        }
        BigInteger m = s.shiftLeft(shift);
        BigInteger root = m.sqrt();
        boolean sticky = !root.multiply(root).equals(m);
        return round(false, root, (e - shift) / 2, sticky, d);
    }

    // ---------------------------------------------------------------- rounding

    /**
     * Rounds (-1)^neg * mag * 2^exp (plus a sticky fraction below mag's last bit when {@code sticky}) to the format,
     * raising overflow, underflow and precision, with FTZ. mag must be positive.
     */
    long round(boolean neg, BigInteger mag, int exp, boolean sticky, boolean d) {
        if (sticky) {
            mag = mag.shiftLeft(2).or(BigInteger.ONE);
            exp -= 2;
        }
        int p = d ? 53 : 24;
        int emin = d ? -1022 : -126, emax = d ? 1023 : 127;
        int lead = exp + mag.bitLength() - 1;
        int q = Math.max(lead - (p - 1), emin - (p - 1));
        int sh = q - exp;
        BigInteger s = roundShift(mag, sh, neg);
        boolean inexact = sh > 0 && mag.getLowestSetBit() < sh;
        boolean tiny = false;
        if (lead < emin) {
            // tininess after rounding: would the value rounded to p bits with an unbounded exponent be below 2^emin?
            tiny = lead < emin - 1 || roundShift(mag, lead - (p - 1) - exp, neg).bitLength() <= p;
        }
        if (s.bitLength() > p) {
            s = s.shiftRight(1);
            q++;
        }
        int masks = (mxcsr >>> 7) & 0x3F;
        // an unmasked overflow or underflow delivers no result; precision is reported when the result rounded to
        // the format's precision with an unbounded exponent would be inexact (as for the x87's scaled result)
        int shUnbounded = lead - (p - 1) - exp;
        boolean inexactUnbounded = shUnbounded > 0 && mag.getLowestSetBit() < shUnbounded;
        if (tiny) {
            if ((masks & UE) == 0) {
                flags |= UE | (inexactUnbounded ? PE : 0);
                return zero(neg, d);
            }
            if ((mxcsr & FTZ) != 0) {
                flags |= UE | PE;
                return zero(neg, d);
            }
            if (inexact) {
                flags |= UE | PE;
            }
        }
        if (s.signum() == 0) {
            return zero(neg, d);
        }
        if (q + s.bitLength() - 1 > emax) {
            if ((masks & OE) == 0) {
                flags |= OE | (inexactUnbounded ? PE : 0);
                return inf(neg, d);
            }
            flags |= OE | PE;
            int mode = roundingMode();
            boolean toInf = mode == RN || (mode == RU && !neg) || (mode == RD && neg);
            return toInf ? inf(neg, d) : maxFinite(neg, d);
        }
        if (inexact) {
            flags |= PE;
        }
        long sv = s.longValue();
        long bits;
        if (s.bitLength() < p) {
            bits = sv;
        } else {
            bits = ((long) (q + (p - 1) + (d ? 1023 : 127)) << (p - 1)) + (sv - (1L << (p - 1)));
        }
        return bits | (neg ? signBit(d) : 0);
    }

    static long maxFinite(boolean neg, boolean d) {
        return (d ? 0x7FEFFFFFFFFFFFFFL : 0x7F7FFFFFL) | (neg ? signBit(d) : 0);
    }

    /** mag / 2^shift rounded to an integer in the current mode (shift may be negative: then exact). */
    private BigInteger roundShift(BigInteger mag, int shift, boolean neg) {
        if (shift <= 0) {
            return mag.shiftLeft(-shift);
        }
        BigInteger s = mag.shiftRight(shift);
        BigInteger rem = mag.subtract(s.shiftLeft(shift));
        if (rem.signum() == 0) {
            return s;
        }
        boolean up = switch (roundingMode()) {
            case RN -> {
                int c = rem.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
                yield c > 0 || (c == 0 && s.testBit(0));
            }
            case RD -> neg;
            case RU -> !neg;
            default -> false;
        };
        return up ? s.add(BigInteger.ONE) : s;
    }

    // ---------------------------------------------------------------- min / max / compare

    /** MINPS/MAXPS semantics: the second operand when either is a NaN or both are zeros. */
    public long minMax(long a, long b, boolean d, boolean max) {
        a &= mask(d);
        b &= mask(d);
        if (isNaN(a, d) || isNaN(b, d)) {
            flags |= IE;
            return dazOnly(b, d);
        }
        a = operand(a, d);
        b = operand(b, d);
        double x = toDouble(a, d), y = toDouble(b, d);
        if (x == 0 && y == 0) {
            return b;
        }
        return (max ? x > y : x < y) ? a : b;
    }

    /**
     * CMPPS predicates 0-7: EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD. LT, LE, NLT and NLE signal invalid for any NaN,
     * the others only for SNaNs.
     */
    public boolean compare(long a, long b, boolean d, int predicate) {
        a &= mask(d);
        b &= mask(d);
        int rel = predicate & 7;
        boolean signaling = rel == 1 || rel == 2 || rel == 5 || rel == 6;
        boolean unordered = isNaN(a, d) || isNaN(b, d);
        if (unordered) {
            if (signaling || isSNaN(a, d) || isSNaN(b, d)) {
                flags |= IE;
            }
        } else {
            a = operand(a, d);
            b = operand(b, d);
        }
        double x = toDouble(a, d), y = toDouble(b, d);
        return switch (rel) {
            case 0 -> !unordered && x == y;
            case 1 -> !unordered && x < y;
            case 2 -> !unordered && x <= y;
            case 3 -> unordered;
            case 4 -> unordered || x != y;
            case 5 -> unordered || !(x < y);
            case 6 -> unordered || !(x <= y);
            default -> !unordered;
        };
    }

    /**
     * COMISS/UCOMISS: returns ZF|PF|CF in EFLAGS positions (unordered 0x45, less 0x01, equal 0x40, greater 0).
     */
    public int comi(long a, long b, boolean d, boolean signaling) {
        a &= mask(d);
        b &= mask(d);
        if (isNaN(a, d) || isNaN(b, d)) {
            if (signaling || isSNaN(a, d) || isSNaN(b, d)) {
                flags |= IE;
            }
            return 0x45;
        }
        double x = toDouble(operand(a, d), d), y = toDouble(operand(b, d), d);
        return x < y ? 0x01 : x == y ? 0x40 : 0;
    }

    // ---------------------------------------------------------------- conversions

    /**
     * CVTSS2SI/CVTSD2SI and the packed and truncating forms: to a {@code bits}-bit integer, the integer indefinite
     * (invalid) for NaNs and out-of-range values.
     */
    public long toInt(long a, boolean d, boolean truncate, int bits) {
        a &= mask(d);
        long indefinite = bits == 64 ? INDEFINITE_64 : INDEFINITE_32 & 0xFFFFFFFFL;
        if (isNaN(a, d) || isInf(a, d)) {
            flags |= IE;
            return indefinite;
        }
        a = dazOnly(a, d);
        double x = toDouble(a, d);
        double r = roundIntegral(x, truncate ? RZ : roundingMode());
        double lim = bits == 64 ? 0x1p63 : 0x1p31;
        if (r >= lim || r < -lim) {
            flags |= IE;
            return indefinite;
        }
        if (r != x) {
            flags |= PE;
        }
        long v = (long) r;
        return bits == 64 ? v : v & 0xFFFFFFFFL;
    }

    static double roundIntegral(double x, int mode) {
        return switch (mode) {
            case RN -> Math.rint(x);
            case RD -> Math.floor(x);
            case RU -> Math.ceil(x);
            default -> x < 0 ? Math.ceil(x) : Math.floor(x);
        };
    }

    /** CVTSI2SS/CVTSI2SD and CVTDQ2PS/PD: a signed integer, rounded per MXCSR. */
    public long fromInt(long v, boolean d) {
        if (v == 0) {
            return 0;
        }
        long m = Math.abs(v);
        if (m >= 0 && m < (d ? 1L << 53 : 1L << 24)) {
            return bits((double) v, d);
        }
        BigInteger mag = BigInteger.valueOf(v).abs();
        return round(v < 0, mag, 0, false, d);
    }

    /** CVTSS2SD and CVTPS2PD: exact widening. */
    public long widen(long a) {
        a &= 0xFFFFFFFFL;
        if (isNaN(a, false)) {
            long q = quiet(a, false);
            return (q & 0x80000000L) << 32 | 0x7FF0000000000000L | (frac(q, false) << 29);
        }
        a = operand(a, false);
        return Double.doubleToRawLongBits(Float.intBitsToFloat((int) a));
    }

    /** CVTSD2SS and CVTPD2PS: rounded narrowing. */
    public long narrow(long a) {
        if (isNaN(a, true)) {
            long q = quiet(a, true);
            return ((q >>> 32) & 0x80000000L) | 0x7F800000L | (frac(q, true) >>> 29);
        }
        a = operand(a, true);
        if (isInf(a, true) || isZero(a, true)) {
            return (a >>> 32 & 0x80000000L) | (isInf(a, true) ? 0x7F800000L : 0);
        }
        return round(neg(a, true), sig(a, true), exp(a, true), false, false);
    }

    /**
     * ROUNDPS/PD/SS/SD: to an integral value in the given mode (imm8 bits 1:0, or MXCSR.RC when bit 2 is set),
     * without the precision exception when bit 3 is set.
     */
    public long roundToIntegral(long a, boolean d, int imm) {
        a &= mask(d);
        if (isNaN(a, d)) {
            return quiet(a, d);
        }
        if (isInf(a, d) || isZero(a, d)) {
            return a;
        }
        int mode = (imm & 4) != 0 ? roundingMode() : imm & 3;
        a = dazOnly(a, d);
        if (isZero(a, d)) {
            return a;
        }
        double x = toDouble(a, d);
        double r = roundIntegral(x, mode);
        if (r != x && (imm & 8) == 0) {
            flags |= PE;
        }
        if (r == 0) {
            return zero(neg(a, d), d);
        }
        return bits(r, d);
    }
}
