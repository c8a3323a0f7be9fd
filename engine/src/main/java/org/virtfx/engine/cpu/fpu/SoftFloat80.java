package org.virtfx.engine.cpu.fpu;

import java.math.BigInteger;

/**
 * x87 extended-precision arithmetic in software, bit-exact with the hardware: one instance per FPU holds the rounding
 * control, precision control, exception masks (from the control word) and accumulates the exception flags and the
 * C1 "rounded up" indication of the current instruction. Values are exact intermediates (64-bit significand plus 64
 * extra bits with sticky jamming, 128/64 division, or BigInteger for square root and remainders) rounded once.
 *
 * <p>The rounding core lives in {@link Float80Rounding}, the memory-format and integer conversions in
 * {@link Float80Conversions}; this class adds the arithmetic, comparisons, remainders and scaling.
 */
final class SoftFloat80 extends Float80Conversions {
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
        // 129 quotient bits of (ma * 2^128) / mb in three 64-bit digits, the remainder as the sticky bit
        long ma = normSig(a);
        long mb = normSig(b);
        boolean top = Long.compareUnsigned(ma, mb) >= 0;
        long r = top ? ma - mb : ma;
        long q1 = divideUnsigned128(r, 0, mb);
        long q2 = divideUnsigned128(divisionRemainder, 0, mb);
        long sticky = divisionRemainder != 0 ? 1 : 0;
        int exp = normExp(a) - normExp(b) + Float80.BIAS - 1;
        if (top) {
            return pack(sign, exp + 1, Long.MIN_VALUE | (q1 >>> 1), (q1 << 63) | (q2 >>> 1) | (q2 & 1) | sticky, precision);
        }
        return pack(sign, exp, q1, q2 | sticky, precision);
    }

    /** Remainder of the last {@link #divideUnsigned128}. */
    private long divisionRemainder;

    /**
     * (hi:lo) / d for a normalized divisor (bit 63 set) and hi < d, so that the quotient fits in 64 bits: schoolbook
     * division in 32-bit digits with the usual quotient-digit estimate and correction (Knuth vol. 2, 4.3.1).
     */
    private long divideUnsigned128(long hi, long lo, long d) {
        long dHigh = d >>> 32;
        long dLow = d & 0xFFFFFFFFL;
        long loHigh = lo >>> 32;
        long loLow = lo & 0xFFFFFFFFL;
        long q1 = Long.divideUnsigned(hi, dHigh);
        long rhat = hi - q1 * dHigh;
        while (Long.compareUnsigned(q1, 0xFFFFFFFFL) > 0
                || Long.compareUnsigned(q1 * dLow, (rhat << 32) | loHigh) > 0) {
            q1--;
            rhat += dHigh;
            if (Long.compareUnsigned(rhat, 0xFFFFFFFFL) > 0) {
                break;
            }
        }
        long mid = (hi << 32) + loHigh - q1 * d;
        long q0 = Long.divideUnsigned(mid, dHigh);
        rhat = mid - q0 * dHigh;
        while (Long.compareUnsigned(q0, 0xFFFFFFFFL) > 0
                || Long.compareUnsigned(q0 * dLow, (rhat << 32) | loLow) > 0) {
            q0--;
            rhat += dHigh;
            if (Long.compareUnsigned(rhat, 0xFFFFFFFFL) > 0) {
                break;
            }
        }
        divisionRemainder = (mid << 32) + loLow - q0 * d;
        return (q1 << 32) | q0;
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
        // a = m * 2^k with k = e - BIAS - 63; make k - shift even with a ~134-bit radicand, so that the root has
        // 67 bits (64 + guard bits) and the remainder gives the exact sticky bit
        int k = normExp(a) - Float80.BIAS - 63;
        int shift = ((k & 1) == 0) ? 70 : 71;
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
            // a comes back unchanged, except that a pseudo-denormal is given its proper exponent 1
            return a.isDenormal() && a.sig() < 0 ? new Float80(a.se() | 1, a.sig()) : a;
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
