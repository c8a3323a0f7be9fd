package org.virtfx.engine.cpu.fpu;

import java.math.BigInteger;

/**
 * The rounding core of the x87 soft-float: the control-word state (rounding control, precision control, masks), the
 * exception flags and C1 "rounded up" indication of the current operation, one exact-then-round-once routine for
 * every destination format, and the operand classification (NaN propagation, invalid and denormal operands) that
 * {@link SoftFloat80} builds on.
 *
 * <p>Underflow follows the x87: tininess is detected before rounding; with UE masked the result is denormalized and
 * UE is reported only when it is also inexact; with UE (or OE) unmasked the register result carries an exponent
 * adjusted by 24576 and no denormalization happens.
 */
abstract class Float80Rounding {
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
    int roundedExp;
    long roundedSig;

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
    final boolean round(boolean sign, int exp, long sig, long ext, int bits, int minExp, int maxExp,
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
}
