package org.virtfx.engine.cpu.fpu;

/**
 * One 80-bit extended-precision value as stored in an x87 register or in memory: {@code se} holds the sign (bit 15)
 * and the biased exponent (bits 0..14, bias 16383), {@code sig} the 64-bit significand with its explicit integer bit
 * (bit 63). Every encoding is representable, including the ones the x87 rejects (unnormals, pseudo-NaNs).
 */
public record Float80(int se, long sig) {
    public static final int BIAS = 16383;
    public static final int MAX_EXP = 0x7FFF;
    public static final long INTEGER_BIT = 1L << 63;
    public static final long QUIET_BIT = 1L << 62;

    public static final Float80 ZERO = new Float80(0, 0);
    public static final Float80 NEG_ZERO = new Float80(0x8000, 0);
    public static final Float80 ONE = new Float80(BIAS, INTEGER_BIT);
    /** F2XM1(-infinity) = -1. */
    static final Float80 NEG_ONE_FOR_F2XM1 = new Float80(0x8000 | BIAS, INTEGER_BIT);
    public static final Float80 INFINITY = new Float80(MAX_EXP, INTEGER_BIT);
    public static final Float80 NEG_INFINITY = new Float80(0x8000 | MAX_EXP, INTEGER_BIT);
    /** The "real indefinite" QNaN the x87 produces for a masked invalid operation. */
    public static final Float80 INDEFINITE = new Float80(0xFFFF, 0xC000000000000000L);

    public Float80 {
        se &= 0xFFFF;
    }

    public int exp() {
        return se & MAX_EXP;
    }

    public boolean sign() {
        return (se & 0x8000) != 0;
    }

    public boolean isZero() {
        return exp() == 0 && sig == 0;
    }

    /** Denormal or pseudo-denormal (exponent field 0, significand not zero). */
    public boolean isDenormal() {
        return exp() == 0 && sig != 0;
    }

    public boolean isInfinity() {
        return exp() == MAX_EXP && sig == INTEGER_BIT;
    }

    public boolean isNaN() {
        return exp() == MAX_EXP && sig < 0 && sig != INTEGER_BIT;
    }

    public boolean isSignalingNaN() {
        return isNaN() && (sig & QUIET_BIT) == 0;
    }

    /** Unnormal, pseudo-NaN or pseudo-infinity: a non-zero exponent without the integer bit. Invalid operand. */
    public boolean isUnsupported() {
        return exp() != 0 && sig >= 0;
    }

    /** Normal finite non-zero value (integer bit set, exponent 1..7FFE). */
    public boolean isNormal() {
        int e = exp();
        return e != 0 && e != MAX_EXP && sig < 0;
    }

    public Float80 negate() {
        return new Float80(se ^ 0x8000, sig);
    }

    public Float80 abs() {
        return new Float80(se & MAX_EXP, sig);
    }

    public Float80 withSign(boolean negative) {
        return new Float80(negative ? se | 0x8000 : se & MAX_EXP, sig);
    }

    public Float80 quiet() {
        return new Float80(se, sig | QUIET_BIT);
    }

    /** The x87 tag of this value: 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unsupported). */
    public int tag() {
        int e = exp();
        if (e == 0) {
            return sig == 0 ? 1 : 2;
        }
        return e == MAX_EXP || sig >= 0 ? 2 : 0;
    }

    public static Float80 zero(boolean negative) {
        return negative ? NEG_ZERO : ZERO;
    }

    public static Float80 infinity(boolean negative) {
        return negative ? NEG_INFINITY : INFINITY;
    }

    @Override
    public String toString() {
        return String.format("%04x:%016x", se, sig);
    }
}
