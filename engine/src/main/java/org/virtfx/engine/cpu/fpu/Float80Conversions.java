package org.virtfx.engine.cpu.fpu;

/**
 * Conversions between x87 registers and the memory formats: IEEE single/double loads (exact) and stores (rounded
 * with the rounding control, never the precision control), signed integers (FILD/FIST/FISTTP, FRNDINT) and the
 * integer rounding they share.
 */
abstract class Float80Conversions extends Float80Rounding {
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
}
