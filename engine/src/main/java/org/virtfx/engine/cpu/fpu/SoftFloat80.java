package org.virtfx.engine.cpu.fpu;

import java.math.BigInteger;

/**
 * x87 extended-precision arithmetic in software, bit-exact with the hardware: one instance per FPU holds the rounding
 * control, precision control, exception masks (from the control word) and accumulates the exception flags and the
 * C1 "rounded up" indication of the current instruction. Values are exact intermediates (64-bit significand plus 64
 * extra bits with sticky jamming, or BigInteger for division, square root and remainders) rounded once.
 *
 * <p>Underflow follows the x87: tininess is detected before rounding; with UE masked the result is denormalized and
 * UE is reported only when it is also inexact; with UE (or OE) unmasked the register result carries an exponent
 * adjusted by 24576 and no denormalization happens.
 */
final class SoftFloat80 {
    static final int IE = 0x01;
    static final int DE = 0x02;
    static final int ZE = 0x04;
    static final int OE = 0x08;
    static final int UE = 0x10;
    static final int PE = 0x20;
    static final int SF = 0x40;

    static final int RC_NEAREST = 0;
    static final int RC_DOWN = 1;
    static final int RC_UP = 2;
    static final int RC_ZERO = 3;

    /** Exponent bias adjustment applied to register results of an unmasked overflow or underflow. */
    static final int BIAS_ADJUST = 24576;

    /** Minimum and maximum normal biased exponents (in the extended bias) of the three memory formats. */
    static final int EXT_MIN = 1;
    static final int EXT_MAX = 0x7FFE;
    static final int DOUBLE_MIN = 1 - 1023 + Float80.BIAS;
    static final int DOUBLE_MAX = 1023 + Float80.BIAS;
    static final int SINGLE_MIN = 1 - 127 + Float80.BIAS;
    static final int SINGLE_MAX = 127 + Float80.BIAS;

    int rc;
    /** Significand bits of arithmetic results: 24, 53 or 64 (precision control). */
    int precision = 64;
    /** Exception mask bits from the control word (1 = masked). */
    int masks = 0x3F;
    /** Exception flags raised by the current operation. */
    int flags;
    /** The last rounding incremented the magnitude (status word C1). */
    boolean roundedUp;

    // Result of the last round(): biased exponent and significand (bit 63 clear for a denormal or zero).
    private int roundedExp;
    private long roundedSig;

    void setControl(int controlWord) {
        rc = (controlWord >> 10) & 3;
        int pc = (controlWord >> 8) & 3;
        precision = pc == 0 ? 24 : pc == 2 ? 53 : 64;
        masks = controlWord & 0x3F;
        clear();
    }

    void clear() {
        flags = 0;
        roundedUp = false;
        memoryDenormal = false;
    }

    /**
     * The memory operand of the current instruction was an IEEE denormal (it widened to a normal extended value).
     * Reported as DE by the operation, after NaN handling, like a register denormal.
     */
    boolean memoryDenormal;

    boolean masked(int flag) {
        return (masks & flag) != 0;
    }

    // ---------------------------------------------------------------- rounding core

    /**
     * Rounds sign * (sig + ext / 2^64) * 2^(exp - BIAS - 63) to {@code bits} significand bits for a destination
     * whose normal biased exponents are minExp..maxExp. {@code sig} has its bit 63 set. Sets flags and the result
     * fields; returns false when the result overflowed (roundedExp/roundedSig then hold the masked overflow answer).
     *
     * @param adjustUnmasked register destination: apply the bias adjustment on unmasked OE/UE instead of
     *                       denormalizing or saturating
     */
    private boolean round(boolean sign, int exp, long sig, long ext, int bits, int minExp, int maxExp,
            boolean adjustUnmasked) {
        boolean tiny = exp < minExp;
        if (tiny) {
            if (!masked(UE)) {
                // an unmasked underflow is reported for every tiny result, exact or not
                flags |= UE;
            }
            if (adjustUnmasked && !masked(UE)) {
                exp += BIAS_ADJUST;
                tiny = false;
                if (exp < minExp) {
                    // beyond what the bias adjustment can represent (FSCALE): a zero, whatever the rounding
                    flags |= PE;
                    roundedUp = false;
                    roundedExp = 0;
                    roundedSig = 0;
                    return true;
                }
            } else {
                int shift = minExp - exp;
                long[] r = shiftRightJam(sig, ext, shift);
                sig = r[0];
                ext = r[1];
                exp = minExp;
            }
        }
        int drop = 64 - bits;
        long q;
        long frac;
        if (drop == 0) {
            q = sig;
            frac = ext;
        } else {
            q = sig >>> drop;
            frac = (sig << (64 - drop)) | (ext != 0 ? 1 : 0);
        }
        boolean inexact = frac != 0;
        boolean increment = switch (rc) {
            case RC_NEAREST -> Long.compareUnsigned(frac, Long.MIN_VALUE) > 0 || (frac == Long.MIN_VALUE && (q & 1) != 0);
            case RC_DOWN -> sign && inexact;
            case RC_UP -> !sign && inexact;
            default -> false;
        };
        if (increment) {
            q++;
            if (drop == 0 ? q == 0 : q == 1L << bits) {
                q = drop == 0 ? Long.MIN_VALUE : 1L << (bits - 1);
                exp++;
            }
        }
        sig = q << drop;
        if (inexact) {
            flags |= PE;
            roundedUp = increment;
            if (tiny) {
                flags |= UE;
            }
        }
        if (sig != 0 && sig > 0) {
            // still a denormal after rounding
            exp = minExp - 1;
        }
        if (exp > maxExp) {
            if (adjustUnmasked && !masked(OE)) {
                flags |= OE;
                if (exp - BIAS_ADJUST <= maxExp) {
                    roundedExp = exp - BIAS_ADJUST;
                    roundedSig = sig;
                    return true;
                }
                // beyond what the bias adjustment can represent (FSCALE): an infinity, whatever the rounding
                flags |= PE;
                roundedUp = true;
                roundedExp = Float80.MAX_EXP;
                roundedSig = Long.MIN_VALUE;
                return false;
            }
            flags |= OE | PE;
            boolean toInfinity = switch (rc) {
                case RC_NEAREST -> true;
                case RC_DOWN -> sign;
                case RC_UP -> !sign;
                default -> false;
            };
            roundedUp = toInfinity;
            if (toInfinity) {
                roundedExp = Float80.MAX_EXP;
                roundedSig = Long.MIN_VALUE;
            } else {
                roundedExp = maxExp;
                roundedSig = -1L << drop;
            }
            return false;
        }
        roundedExp = sig == 0 ? minExp - 1 : exp;
        roundedSig = sig;
        return true;
    }

    /** (hi:lo) >> n with every shifted-out 1 bit ORed into the lowest bit. */
    static long[] shiftRightJam(long hi, long lo, int n) {
        if (n <= 0) {
            return new long[] {hi, lo};
        }
        if (n < 64) {
            long sticky = (lo << (64 - n)) != 0 ? 1 : 0;
            return new long[] {hi >>> n, (lo >>> n) | (hi << (64 - n)) | sticky};
        }
        if (n == 64) {
            return new long[] {0, hi | (lo != 0 ? 1 : 0)};
        }
        if (n < 128) {
            long sticky = ((hi << (128 - n)) | lo) != 0 ? 1 : 0;
            return new long[] {0, (hi >>> (n - 64)) | sticky};
        }
        return new long[] {0, (hi | lo) != 0 ? 1 : 0};
    }

    /** Rounds to a register value with the given precision (normalizes sig first; zero sig gives a signed zero). */
    Float80 pack(boolean sign, int exp, long sig, long ext, int bits) {
        if (sig == 0) {
            if (ext == 0) {
                return Float80.zero(sign);
            }
            sig = ext;
            ext = 0;
            exp -= 64;
        }
        int nlz = Long.numberOfLeadingZeros(sig);
        if (nlz != 0) {
            sig = (sig << nlz) | (ext >>> (64 - nlz));
            ext <<= nlz;
            exp -= nlz;
        }
        round(sign, exp, sig, ext, bits, EXT_MIN, EXT_MAX, true);
        int e = roundedExp;
        return new Float80((sign ? 0x8000 : 0) | (e & Float80.MAX_EXP), roundedSig);
    }

    /** Rounds sign * m * 2^exp2 (m >= 0, exact) with an optional sticky bit below m's last bit. */
    Float80 packBig(boolean sign, BigInteger m, int exp2, boolean sticky, int bits) {
        int n = m.bitLength();
        if (n == 0) {
            return sticky ? pack(sign, Float80.BIAS + exp2 - 64, 0, 1, bits) : Float80.zero(sign);
        }
        long hi;
        long lo;
        if (n > 128) {
            BigInteger top = m.shiftRight(n - 128);
            sticky |= m.getLowestSetBit() < n - 128;
            hi = top.shiftRight(64).longValue();
            lo = top.longValue();
        } else {
            BigInteger top = m.shiftLeft(128 - n);
            hi = top.shiftRight(64).longValue();
            lo = top.longValue();
        }
        if (sticky) {
            lo |= 1;
        }
        return pack(sign, Float80.BIAS + n - 1 + exp2, hi, lo, bits);
    }

    // ---------------------------------------------------------------- operand classification

    /** Unbiased-free exponent of a finite non-zero value after normalizing its significand. */
    static int normExp(Float80 a) {
        int e = a.exp();
        if (e == 0) {
            return 1 - Long.numberOfLeadingZeros(a.sig());
        }
        return e;
    }

    static long normSig(Float80 a) {
        return a.exp() == 0 ? a.sig() << Long.numberOfLeadingZeros(a.sig()) : a.sig();
    }

    /**
     * NaN and unsupported-operand handling shared by two-operand operations. Returns the result, or null when
     * neither operand is a NaN or unsupported (then the denormal-operand flag has been set as needed).
     */
    Float80 specialOperands(Float80 a, Float80 b) {
        if (a.isUnsupported() || b.isUnsupported()) {
            flags |= IE;
            return Float80.INDEFINITE;
        }
        boolean an = a.isNaN();
        boolean bn = b.isNaN();
        if (an || bn) {
            return propagateNaN(a, b);
        }
        if (a.isDenormal() || b.isDenormal() || memoryDenormal) {
            flags |= DE;
        }
        return null;
    }

    /** The x87 NaN rules: SNaNs raise IE; a QNaN beats an SNaN; between equals the larger significand wins. */
    Float80 propagateNaN(Float80 a, Float80 b) {
        boolean an = a.isNaN();
        boolean bn = b.isNaN();
        if (a.isSignalingNaN() || b.isSignalingNaN()) {
            flags |= IE;
        }
        if (an && bn) {
            boolean as = a.isSignalingNaN();
            boolean bs = b.isSignalingNaN();
            if (as != bs) {
                return as ? b.quiet() : a.quiet();
            }
            int c = Long.compareUnsigned(a.sig(), b.sig());
            if (c == 0) {
                return (a.sign() ? b : a).quiet();
            }
            return (c > 0 ? a : b).quiet();
        }
        return (an ? a : b).quiet();
    }

    Float80 invalid() {
        flags |= IE;
        return Float80.INDEFINITE;
    }

    /** One-operand checks: unsupported, NaN (quieted, IE for SNaN), denormal flag. Null when ordinary. */
    Float80 specialOperand(Float80 a) {
        if (a.isUnsupported()) {
            return invalid();
        }
        if (a.isNaN()) {
            if (a.isSignalingNaN()) {
                flags |= IE;
            }
            return a.quiet();
        }
        if (a.isDenormal()) {
            flags |= DE;
        }
        return null;
    }

    // ---------------------------------------------------------------- arithmetic

    Float80 add(Float80 a, Float80 b) {
        return addSub(a, b, false);
    }

    Float80 sub(Float80 a, Float80 b) {
        return addSub(a, b, true);
    }

    private Float80 addSub(Float80 a, Float80 b, boolean subtract) {
        Float80 s = specialOperands(a, b);
        if (s != null) {
            return s;
        }
        boolean sa = a.sign();
        boolean sb = b.sign() ^ subtract;
        if (a.isInfinity() || b.isInfinity()) {
            if (a.isInfinity() && b.isInfinity() && sa != sb) {
                return invalid();
            }
            return a.isInfinity() ? Float80.infinity(sa) : Float80.infinity(sb);
        }
        if (a.isZero() && b.isZero()) {
            return Float80.zero(sa == sb ? sa : rc == RC_DOWN);
        }
        if (a.isZero()) {
            return pack(sb, normExp(b), normSig(b), 0, precision);
        }
        if (b.isZero()) {
            return pack(sa, normExp(a), normSig(a), 0, precision);
        }
        int ea = normExp(a);
        int eb = normExp(b);
        long ma = normSig(a);
        long mb = normSig(b);
        if (ea < eb || (ea == eb && Long.compareUnsigned(ma, mb) < 0)) {
            int te = ea;
            ea = eb;
            eb = te;
            long tm = ma;
            ma = mb;
            mb = tm;
            boolean ts = sa;
            sa = sb;
            sb = ts;
        }
        long[] bAligned = shiftRightJam(mb, 0, ea - eb);
        long bh = bAligned[0];
        long bl = bAligned[1];
        if (sa == sb) {
            long sum = ma + bh;
            long ext = bl;
            if (Long.compareUnsigned(sum, ma) < 0) {
                ext = (ext >>> 1) | (ext & 1) | (sum << 63);
                sum = (sum >>> 1) | Long.MIN_VALUE;
                ea++;
            }
            return pack(sa, ea, sum, ext, precision);
        }
        long lo = -bl;
        long hi = ma - bh - (bl != 0 ? 1 : 0);
        if (hi == 0 && lo == 0) {
            return Float80.zero(rc == RC_DOWN);
        }
        return pack(sa, ea, hi, lo, precision);
    }

    Float80 mul(Float80 a, Float80 b) {
        Float80 s = specialOperands(a, b);
        if (s != null) {
            return s;
        }
        boolean sign = a.sign() ^ b.sign();
        if (a.isInfinity() || b.isInfinity()) {
            if (a.isZero() || b.isZero()) {
                return invalid();
            }
            return Float80.infinity(sign);
        }
        if (a.isZero() || b.isZero()) {
            return Float80.zero(sign);
        }
        long ma = normSig(a);
        long mb = normSig(b);
        long hi = Math.unsignedMultiplyHigh(ma, mb);
        long lo = ma * mb;
        int exp = normExp(a) + normExp(b) - Float80.BIAS + 1;
        return pack(sign, exp, hi, lo, precision);
    }

    Float80 div(Float80 a, Float80 b) {
        Float80 s = specialOperands(a, b);
        if (s != null) {
            return s;
        }
        boolean sign = a.sign() ^ b.sign();
        if (a.isInfinity()) {
            return b.isInfinity() ? invalid() : Float80.infinity(sign);
        }
        if (b.isInfinity()) {
            return Float80.zero(sign);
        }
        if (b.isZero()) {
            if (a.isZero()) {
                return invalid();
            }
            // division by zero takes precedence over a denormal dividend
            flags = (flags & ~DE) | ZE;
            return Float80.infinity(sign);
        }
        if (a.isZero()) {
            return Float80.zero(sign);
        }
        BigInteger n = unsigned(normSig(a)).shiftLeft(128);
        BigInteger[] qr = n.divideAndRemainder(unsigned(normSig(b)));
        // a / b = (q + r/b) * 2^-128 * 2^(ea - eb)
        return packBig(sign, qr[0], normExp(a) - normExp(b) - 128, qr[1].signum() != 0, precision);
    }

    Float80 sqrt(Float80 a) {
        Float80 s = specialOperand(a);
        if (s != null) {
            return s;
        }
        if (a.isZero()) {
            return a;
        }
        if (a.sign()) {
            // invalid takes precedence over a denormal operand
            flags &= ~DE;
            return invalid();
        }
        if (a.isInfinity()) {
            return a;
        }
        // a = m * 2^k with k = e - BIAS - 63; make k - shift even with a ~256-bit radicand
        int k = normExp(a) - Float80.BIAS - 63;
        int shift = ((k & 1) == 0) ? 192 : 193;
        BigInteger m = unsigned(normSig(a)).shiftLeft(shift);
        BigInteger root = m.sqrt();
        boolean inexact = !root.multiply(root).equals(m);
        return packBig(false, root, (k - shift) / 2, inexact, precision);
    }

    static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
        return v < 0 ? b.setBit(63) : b;
    }

    // ---------------------------------------------------------------- comparisons

    /** Comparison outcome codes. */
    static final int LESS = 0;
    static final int EQUAL = 1;
    static final int GREATER = 2;
    static final int UNORDERED = 3;

    /**
     * Compares a with b. {@code quiet}: only SNaNs raise IE (FUCOM); otherwise any NaN does (FCOM).
     */
    int compare(Float80 a, Float80 b, boolean quiet) {
        if (a.isUnsupported() || b.isUnsupported()) {
            flags |= IE;
            return UNORDERED;
        }
        if (a.isNaN() || b.isNaN()) {
            if (!quiet || a.isSignalingNaN() || b.isSignalingNaN()) {
                flags |= IE;
            }
            return UNORDERED;
        }
        if (a.isDenormal() || b.isDenormal() || memoryDenormal) {
            flags |= DE;
        }
        return compareOrdered(a, b);
    }

    static int compareOrdered(Float80 a, Float80 b) {
        if (a.isZero() && b.isZero()) {
            return EQUAL;
        }
        boolean sa = a.sign();
        boolean sb = b.sign();
        if (a.isZero()) {
            return sb ? GREATER : LESS;
        }
        if (b.isZero()) {
            return sa ? LESS : GREATER;
        }
        if (sa != sb) {
            return sa ? LESS : GREATER;
        }
        int c;
        if (a.isInfinity() || b.isInfinity()) {
            c = a.isInfinity() && b.isInfinity() ? 0 : a.isInfinity() ? 1 : -1;
        } else {
            int ea = normExp(a);
            int eb = normExp(b);
            c = ea != eb ? Integer.compare(ea, eb) : Long.compareUnsigned(normSig(a), normSig(b));
        }
        if (sa) {
            c = -c;
        }
        return c < 0 ? LESS : c > 0 ? GREATER : EQUAL;
    }

    // ---------------------------------------------------------------- integer rounding

    /** Result of {@link #roundToInteger}: magnitude (65 bits: carry + low) of the rounded value. */
    long intLow;
    boolean intCarry;

    /**
     * Rounds finite non-zero |a| to an integer with the rounding control, setting intLow/intCarry; returns false when
     * |a| >= 2^64 (then nothing is set). Sets PE/roundedUp when inexact.
     */
    boolean roundToInteger(Float80 a, int mode) {
        int e = normExp(a) - Float80.BIAS;
        long sig = normSig(a);
        if (e >= 64) {
            return false;
        }
        long q;
        long frac;
        if (e >= 63) {
            q = sig;
            frac = 0;
        } else if (e >= 0) {
            int shift = 63 - e;
            q = sig >>> shift;
            frac = sig << (64 - shift);
        } else if (e == -1) {
            q = 0;
            frac = sig;
        } else {
            q = 0;
            frac = e < -64 ? 1 : (sig >>> (-e - 1)) | ((sig << (64 + e + 1)) != 0 ? 1 : 0);
        }
        boolean sign = a.sign();
        boolean inexact = frac != 0;
        boolean inc = switch (mode) {
            case RC_NEAREST -> Long.compareUnsigned(frac, Long.MIN_VALUE) > 0 || (frac == Long.MIN_VALUE && (q & 1) != 0);
            case RC_DOWN -> sign && inexact;
            case RC_UP -> !sign && inexact;
            default -> false;
        };
        intCarry = false;
        if (inc) {
            q++;
            intCarry = q == 0;
        }
        intLow = q;
        if (inexact) {
            flags |= PE;
            roundedUp = inc;
        }
        return true;
    }

    /** FRNDINT: round to an integral value with the rounding control (precision control does not apply). */
    Float80 roundInt(Float80 a) {
        Float80 s = specialOperand(a);
        if (s != null) {
            return s;
        }
        if (a.isZero() || a.isInfinity()) {
            return a;
        }
        if (normExp(a) - Float80.BIAS >= 63) {
            return a;
        }
        roundToInteger(a, rc);
        if (intCarry) {
            return new Float80((a.sign() ? 0x8000 : 0) | (Float80.BIAS + 64), Long.MIN_VALUE);
        }
        if (intLow == 0) {
            return Float80.zero(a.sign());
        }
        int nlz = Long.numberOfLeadingZeros(intLow);
        return new Float80((a.sign() ? 0x8000 : 0) | (Float80.BIAS + 63 - nlz), intLow << nlz);
    }

    /**
     * Converts to a signed integer of {@code bits} (16, 32, 64) with the given rounding mode. Returns null when the
     * value is out of range or not a number (IE raised); the caller stores the integer indefinite if masked.
     */
    Long toInteger(Float80 a, int bits, int mode) {
        if (a.isUnsupported() || a.isNaN() || a.isInfinity()) {
            flags |= IE;
            return null;
        }
        if (a.isZero()) {
            return 0L;
        }
        int savedFlags = flags;
        boolean savedUp = roundedUp;
        if (!roundToInteger(a, mode) || intCarry) {
            flags |= IE;
            return null;
        }
        long limit = bits == 64 ? Long.MIN_VALUE : 1L << (bits - 1);
        long mag = intLow;
        boolean ok = a.sign() ? Long.compareUnsigned(mag, limit) <= 0 : Long.compareUnsigned(mag, limit) < 0;
        if (!ok) {
            flags = savedFlags | IE;
            roundedUp = savedUp;
            return null;
        }
        return a.sign() ? -mag : mag;
    }

    /** Exact conversion of a signed integer. */
    static Float80 fromInteger(long v) {
        if (v == 0) {
            return Float80.ZERO;
        }
        boolean sign = v < 0;
        long mag = sign ? -v : v;
        int nlz = Long.numberOfLeadingZeros(mag);
        return new Float80((sign ? 0x8000 : 0) | (Float80.BIAS + 63 - nlz), mag << nlz);
    }

    // ---------------------------------------------------------------- memory formats

    /** Exact widening of an IEEE single; denormal sources set {@link #memoryDenormal}, NaNs keep their signalling state. */
    Float80 fromSingle(int bits) {
        boolean sign = bits < 0;
        int e = (bits >>> 23) & 0xFF;
        long frac = bits & 0x7FFFFFL;
        int s = sign ? 0x8000 : 0;
        if (e == 0xFF) {
            return new Float80(s | Float80.MAX_EXP, Long.MIN_VALUE | (frac << 40));
        }
        if (e == 0) {
            if (frac == 0) {
                return Float80.zero(sign);
            }
            memoryDenormal = true;
            int nlz = Long.numberOfLeadingZeros(frac);
            // value = frac * 2^-149
            return new Float80(s | (Float80.BIAS - 149 + 63 - nlz), frac << nlz);
        }
        return new Float80(s | (e - 127 + Float80.BIAS), Long.MIN_VALUE | (frac << 40));
    }

    Float80 fromDouble(long bits) {
        boolean sign = bits < 0;
        int e = (int) ((bits >>> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        int s = sign ? 0x8000 : 0;
        if (e == 0x7FF) {
            return new Float80(s | Float80.MAX_EXP, Long.MIN_VALUE | (frac << 11));
        }
        if (e == 0) {
            if (frac == 0) {
                return Float80.zero(sign);
            }
            memoryDenormal = true;
            int nlz = Long.numberOfLeadingZeros(frac);
            return new Float80(s | (Float80.BIAS - 1074 + 63 - nlz), frac << nlz);
        }
        return new Float80(s | (e - 1023 + Float80.BIAS), Long.MIN_VALUE | (frac << 11));
    }

    /** Rounds to IEEE single with the rounding control; null after an unmasked OE/UE (nothing stored). */
    Integer toSingle(Float80 a) {
        Long r = toNarrow(a, 24, SINGLE_MIN, SINGLE_MAX, 23, 0xFF);
        return r == null ? null : (int) (long) r;
    }

    Long toDoubleBits(Float80 a) {
        return toNarrow(a, 53, DOUBLE_MIN, DOUBLE_MAX, 52, 0x7FF);
    }

    private Long toNarrow(Float80 a, int bits, int minExp, int maxExp, int fracBits, int expAll) {
        long sign = a.sign() ? 1 : 0;
        long signBit = sign << (fracBits + (fracBits == 23 ? 8 : 11));
        long expField;
        long fracField;
        if (a.isUnsupported()) {
            flags |= IE;
            return narrowIndefinite(fracBits, expAll);
        }
        if (a.isNaN()) {
            if (a.isSignalingNaN()) {
                flags |= IE;
            }
            long f = ((a.sig() | Float80.QUIET_BIT) << 1) >>> (64 - fracBits);
            return signBit | ((long) expAll << fracBits) | f;
        }
        if (a.isInfinity()) {
            return signBit | ((long) expAll << fracBits);
        }
        if (a.isZero()) {
            return signBit;
        }
        // stores never report a denormal source (DE)
        boolean noOverflow = round(a.sign(), normExp(a), normSig(a), 0, bits, minExp, maxExp, false);
        int unmaskedResult = flags & ~masks & (OE | UE);
        if (unmaskedResult != 0) {
            // nothing is stored; the hardware reports only the overflow/underflow, not precision
            flags &= ~PE;
            roundedUp = false;
            return null;
        }
        long sig = roundedSig;
        if (!noOverflow && roundedExp == Float80.MAX_EXP) {
            return signBit | ((long) expAll << fracBits);
        }
        if (sig == 0) {
            return signBit;
        }
        if (sig > 0) {
            expField = 0;
        } else {
            expField = roundedExp - Float80.BIAS + (expAll >> 1);
        }
        fracField = (sig << 1) >>> (64 - fracBits);
        return signBit | (expField << fracBits) | fracField;
    }

    private static long narrowIndefinite(int fracBits, int expAll) {
        long signBit = 1L << (fracBits + (fracBits == 23 ? 8 : 11));
        return signBit | ((long) expAll << fracBits) | (1L << (fracBits - 1));
    }

    // ---------------------------------------------------------------- remainder and scaling

    /** Low three bits of the quotient of the last complete {@link #remainder}, or -1 after a partial one. */
    int quotientBits;

    /**
     * FPREM (truncating quotient) or FPREM1 (IEEE: quotient rounded to nearest even) of a by b. The result is exact.
     * Sets {@link #quotientBits} (-1 when the reduction is partial: C2 set, run again).
     */
    Float80 remainder(Float80 a, Float80 b, boolean ieee) {
        quotientBits = 0;
        Float80 s = specialOperands(a, b);
        if (s != null) {
            return s;
        }
        if (a.isInfinity() || b.isZero()) {
            // invalid takes precedence over a denormal operand
            flags &= ~DE;
            return invalid();
        }
        if (a.isZero()) {
            return a;
        }
        if (b.isInfinity()) {
            // a pseudo-denormal comes back normalized, like any arithmetic result
            return pack(a.sign(), normExp(a), normSig(a), 0, 64);
        }
        int ea = normExp(a);
        int eb = normExp(b);
        BigInteger ma = unsigned(normSig(a));
        BigInteger mb = unsigned(normSig(b));
        int d = ea - eb;
        if (d >= 64) {
            // the hardware reduces the exponent by 32 + (d mod 32) per step
            int n = 32 + (d & 31);
            // a - b * trunc(a / b / 2^(d-n)) * 2^(d-n) = ((ma << n) mod mb) * 2^(ea - BIAS - 63 - n)
            BigInteger r = ma.shiftLeft(n).mod(mb);
            quotientBits = -1;
            return packBig(a.sign(), r, ea - Float80.BIAS - 63 - n, false, 64);
        }
        int e0 = Math.min(ea, eb);
        BigInteger xa = ma.shiftLeft(ea - e0);
        BigInteger xb = mb.shiftLeft(eb - e0);
        BigInteger[] qr = xa.divideAndRemainder(xb);
        BigInteger q = qr[0];
        BigInteger r = qr[1];
        boolean sign = a.sign();
        if (ieee) {
            int c = r.shiftLeft(1).compareTo(xb);
            if (c > 0 || (c == 0 && q.testBit(0))) {
                q = q.add(BigInteger.ONE);
                r = xb.subtract(r);
                sign = !sign;
            }
        }
        quotientBits = q.intValue() & 7;
        if (r.signum() == 0) {
            return Float80.zero(a.sign());
        }
        return packBig(sign, r, e0 - Float80.BIAS - 63, false, 64);
    }

    /** FSCALE: a * 2^trunc(b), rounded to 64 bits. */
    Float80 scale(Float80 a, Float80 b) {
        Float80 s = specialOperands(a, b);
        if (s != null) {
            return s;
        }
        if (a.isInfinity()) {
            return b.isInfinity() && b.sign() ? invalid() : a;
        }
        if (a.isZero()) {
            return b.isInfinity() && !b.sign() ? invalid() : a;
        }
        if (b.isInfinity()) {
            return b.sign() ? Float80.zero(a.sign()) : Float80.infinity(a.sign());
        }
        int n;
        if (b.isZero()) {
            n = 0;
        } else {
            int eb = normExp(b) - Float80.BIAS;
            if (eb < 0) {
                n = 0;
            } else if (eb > 20) {
                n = b.sign() ? -(1 << 21) : 1 << 21;
            } else {
                int mag = (int) (normSig(b) >>> (63 - eb));
                n = b.sign() ? -mag : mag;
            }
        }
        return pack(a.sign(), normExp(a) + n, normSig(a), 0, 64);
    }

    /** Approximate value as a double (round to nearest, no flags), for the transcendental functions. */
    static double toHostDouble(Float80 a) {
        if (a.isNaN() || a.isUnsupported()) {
            return Double.NaN;
        }
        if (a.isInfinity()) {
            return a.sign() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (a.isZero()) {
            return a.sign() ? -0.0 : 0.0;
        }
        SoftFloat80 tmp = new SoftFloat80();
        Long bits = tmp.toDoubleBits(a);
        return Double.longBitsToDouble(bits);
    }

    /** Exact value of a host double (its flags are not reported). */
    static Float80 fromHostDouble(double d) {
        return new SoftFloat80().fromDouble(Double.doubleToRawLongBits(d));
    }
}
