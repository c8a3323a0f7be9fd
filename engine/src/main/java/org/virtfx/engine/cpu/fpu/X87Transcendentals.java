package org.virtfx.engine.cpu.fpu;

import static org.virtfx.engine.cpu.fpu.SoftFloat80.PE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.ZE;

import java.math.BigInteger;

/**
 * FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1. Stack handling, special operands (NaN, infinities,
 * zeros, invalid domains, C2 for |x| >= 2^63) follow the hardware; the finite results keep the full extended
 * exponent range but their significands come from the host's double-precision {@link StrictMath}: 51-52 correct
 * bits instead of the hardware's 64 (checked against the host x87 in X87HostOracleTest). The trigonometric
 * argument reduction uses the x87's own 66-bit approximation of pi, exactly, so large arguments reduce like on the
 * hardware. PE is reported for every inexact result; C1 is not a reliable round-up indication here.
 */
final class X87Transcendentals {
    private static final int TRIG_LIMIT_EXP = Float80.BIAS + 63;
    /** pi/2 as the x87 holds it internally: 66 significant bits, M * 2^-65. */
    private static final BigInteger HALF_PI_66 = SoftFloat80.unsigned(0xC90FDAA22168C234L).shiftLeft(2).or(BigInteger.valueOf(3));
    private static final int HALF_PI_SCALE = -65;
    private static final Float80 LN2 = new Float80(0x3FFE, 0xB17217F7D1CF79ACL);
    private static final Float80 LOG2E = new Float80(0x3FFF, 0xB8AA3B295C17F0BCL);
    private static final Float80 HALF_PI = new Float80(0x3FFF, 0xC90FDAA22168C235L);
    private static final Float80 PI = new Float80(0x4000, 0xC90FDAA22168C235L);
    /** Below 2^-30 relative, the leading term of the series is the function (sin x = x, 2^x - 1 = x ln 2). */
    private static final int TINY_EXP = Float80.BIAS - 30;
    /** Below this the operand is outside the double range; the leading series term is then exact to 64 bits. */
    private static final int DOUBLE_TINY_EXP = Float80.BIAS - 1000;

    private X87Transcendentals() {
    }

    static void execute(X87Instructions ins, X87 f, SoftFloat80 sf, int modrm) {
        switch (modrm) {
            case 0xFE, 0xFF, 0xF0 -> unary(ins, f, sf, modrm);
            case 0xF2, 0xFB -> pushing(ins, f, sf, modrm);
            default -> binary(ins, f, sf, modrm);
        }
    }

    /** FSIN, FCOS, F2XM1: ST0 = fn(ST0). */
    private static void unary(X87Instructions ins, X87 f, SoftFloat80 sf, int modrm) {
        if (f.isEmpty(0)) {
            ins.stackUnderflow(0, 0);
            return;
        }
        Float80 x = f.st(0);
        boolean trig = modrm != 0xF0;
        if (trig && x.isNormal() && x.exp() >= TRIG_LIMIT_EXP) {
            f.sw |= X87.SW_C2;
            return;
        }
        Float80 r = sf.specialOperand(x);
        if (r == null) {
            if (x.isInfinity()) {
                r = trig ? sf.invalid() : x.sign() ? Float80.NEG_ONE_FOR_F2XM1 : x;
            } else if (x.isZero()) {
                r = modrm == 0xFF ? Float80.ONE : x;
            } else if (modrm == 0xF0) {
                r = twoToXMinusOne(sf, x);
            } else {
                r = trigonometric(sf, x, modrm == 0xFE ? Trig.SIN : Trig.COS);
            }
        }
        if (trig) {
            f.sw &= ~X87.SW_C2;
        }
        ins.finish(0, r, 0);
    }

    private enum Trig { SIN, COS, TAN }

    private static Float80 trigonometric(SoftFloat80 sf, Float80 x, Trig fn) {
        sf.flags |= PE;
        if (x.exp() < TINY_EXP) {
            return fn == Trig.COS ? Float80.ONE : tinyResult(sf, x);
        }
        // x = q * (pi/2) + r with the x87's 66-bit pi, computed exactly
        int e = SoftFloat80.normExp(x) - Float80.BIAS - 63;
        BigInteger sig = SoftFloat80.unsigned(SoftFloat80.normSig(x));
        int s = Math.min(e, HALF_PI_SCALE);
        BigInteger xs = sig.shiftLeft(e - s);
        BigInteger hs = HALF_PI_66.shiftLeft(HALF_PI_SCALE - s);
        BigInteger[] qr = xs.divideAndRemainder(hs);
        BigInteger q = qr[0];
        BigInteger rem = qr[1];
        if (rem.shiftLeft(1).compareTo(hs) > 0) {
            q = q.add(BigInteger.ONE);
            rem = rem.subtract(hs);
        }
        double r = Math.scalb(rem.doubleValue(), s);
        if (x.sign()) {
            r = -r;
        }
        int quadrant = (x.sign() ? -q.intValue() : q.intValue()) & 3;
        double v = switch (fn) {
            case SIN -> switch (quadrant) {
                case 0 -> StrictMath.sin(r);
                case 1 -> StrictMath.cos(r);
                case 2 -> -StrictMath.sin(r);
                default -> -StrictMath.cos(r);
            };
            case COS -> switch (quadrant) {
                case 0 -> StrictMath.cos(r);
                case 1 -> -StrictMath.sin(r);
                case 2 -> -StrictMath.cos(r);
                default -> StrictMath.sin(r);
            };
            case TAN -> (quadrant & 1) == 0 ? StrictMath.tan(r) : -1 / StrictMath.tan(r);
        };
        return SoftFloat80.fromHostDouble(v);
    }

    /** A tiny operand returned as the result: normalized like an arithmetic result, UE when denormal. */
    private static Float80 tinyResult(SoftFloat80 sf, Float80 x) {
        Float80 r = sf.pack(x.sign(), SoftFloat80.normExp(x), SoftFloat80.normSig(x), 0, 64);
        if (r.isDenormal()) {
            sf.flags |= SoftFloat80.UE;
        }
        return r;
    }

    /** F2XM1; operands beyond [-1, 1] are returned unchanged, as the hardware does. */
    private static Float80 twoToXMinusOne(SoftFloat80 sf, Float80 x) {
        if (SoftFloat80.compareOrdered(x.abs(), Float80.ONE) == SoftFloat80.GREATER) {
            sf.flags |= PE;
            return x;
        }
        if (x.exp() < DOUBLE_TINY_EXP) {
            return mul64(sf, x, LN2);
        }
        sf.flags |= PE;
        return SoftFloat80.fromHostDouble(StrictMath.expm1(SoftFloat80.toHostDouble(x) * 0.6931471805599453));
    }

    /** Extended-range product, never affected by the precision control. */
    private static Float80 mul64(SoftFloat80 sf, Float80 a, Float80 b) {
        int precision = sf.precision;
        sf.precision = 64;
        Float80 r = sf.mul(a, b);
        sf.precision = precision;
        return r;
    }

    /** FPTAN (ST0 = tan, push 1) and FSINCOS (ST0 = sin then push cos). */
    private static void pushing(X87Instructions ins, X87 f, SoftFloat80 sf, int modrm) {
        if (f.isEmpty(0)) {
            ins.underflowPushing();
            return;
        }
        if (!f.isEmpty(7)) {
            ins.overflowReplacingTop();
            return;
        }
        Float80 x = f.st(0);
        if (x.isNormal() && x.exp() >= TRIG_LIMIT_EXP) {
            f.sw |= X87.SW_C2;
            return;
        }
        Float80 first;
        Float80 second;
        Float80 special = sf.specialOperand(x);
        if (special != null) {
            first = special;
            second = special;
        } else if (x.isInfinity()) {
            first = sf.invalid();
            second = first;
        } else if (x.isZero()) {
            first = x;
            second = Float80.ONE;
        } else if (modrm == 0xF2) {
            first = trigonometric(sf, x, Trig.TAN);
            second = Float80.ONE;
        } else {
            first = trigonometric(sf, x, Trig.SIN);
            second = trigonometric(sf, x, Trig.COS);
        }
        f.sw &= ~X87.SW_C2;
        if (ins.report()) {
            f.setSt(0, first);
            f.top = (f.top - 1) & 7;
            f.setSt(0, second);
        }
    }

    /** FPATAN, FYL2X, FYL2XP1: ST1 = fn(ST1, ST0), pop. */
    private static void binary(X87Instructions ins, X87 f, SoftFloat80 sf, int modrm) {
        if (f.isEmpty(0) || f.isEmpty(1)) {
            ins.stackUnderflow(1, 1);
            return;
        }
        Float80 x = f.st(0);
        Float80 y = f.st(1);
        Float80 r = sf.specialOperands(y, x);
        if (r == null) {
            r = switch (modrm) {
                case 0xF3 -> atan(sf, y, x);
                case 0xF1 -> yl2x(sf, y, x);
                default -> yl2xp1(sf, y, x);
            };
        }
        ins.finish(1, r, 1);
    }

    private static Float80 atan(SoftFloat80 sf, Float80 y, Float80 x) {
        if (y.isZero()) {
            if (x.sign()) {
                sf.flags |= PE;
                return PI.withSign(y.sign());
            }
            return y;
        }
        if (x.isZero()) {
            sf.flags |= PE;
            return HALF_PI.withSign(y.sign());
        }
        sf.flags |= PE;
        if (y.isInfinity() || x.isInfinity()) {
            // only the signs and which operand is infinite matter
            double dy = y.isInfinity() ? Double.POSITIVE_INFINITY : 1.0;
            double dx = x.isInfinity() ? Double.POSITIVE_INFINITY : 1.0;
            double v = StrictMath.atan2(y.sign() ? -dy : dy, x.sign() ? -dx : dx);
            return SoftFloat80.fromHostDouble(v);
        }
        int ey = SoftFloat80.normExp(y);
        int ex = SoftFloat80.normExp(x);
        if (!x.sign() && ey < ex - 40) {
            // atan(t) = t for tiny t = y / x
            int precision = sf.precision;
            sf.precision = 64;
            Float80 t = sf.div(y, x);
            sf.precision = precision;
            return t;
        }
        // atan2 is scale-invariant: bring both into the double range with the same power of two
        int shift = Float80.BIAS - Math.max(ey, ex);
        double dy = scaled(y, shift);
        double dx = scaled(x, shift);
        return SoftFloat80.fromHostDouble(StrictMath.atan2(dy, dx));
    }

    private static double scaled(Float80 v, int shift) {
        int e = SoftFloat80.normExp(v) + shift;
        if (e < Float80.BIAS - 1060) {
            return v.sign() ? -0.0 : 0.0;
        }
        return SoftFloat80.toHostDouble(new Float80((v.sign() ? 0x8000 : 0) | e, SoftFloat80.normSig(v)));
    }

    private static Float80 yl2x(SoftFloat80 sf, Float80 y, Float80 x) {
        if (x.sign() && !x.isZero()) {
            sf.flags &= ~SoftFloat80.DE;
            return sf.invalid();
        }
        if (x.isZero()) {
            if (y.isZero()) {
                return sf.invalid();
            }
            if (!y.isInfinity()) {
                sf.flags |= ZE;
            }
            return Float80.infinity(!y.sign());
        }
        boolean xIsOne = x.se() == Float80.BIAS && x.sig() == Float80.INTEGER_BIT;
        if (x.isInfinity()) {
            return y.isZero() ? sf.invalid() : Float80.infinity(y.sign());
        }
        if (xIsOne) {
            return y.isInfinity() ? sf.invalid() : Float80.zero(y.sign());
        }
        boolean logNegative = SoftFloat80.compareOrdered(x, Float80.ONE) == SoftFloat80.LESS;
        if (y.isInfinity()) {
            return Float80.infinity(y.sign() ^ logNegative);
        }
        if (y.isZero()) {
            return Float80.zero(y.sign() ^ logNegative);
        }
        sf.flags |= PE;
        return mul64(sf, y, SoftFloat80.fromHostDouble(log2(x)));
    }

    /** log2 of a positive finite value, exact in the exponent part so that huge/tiny arguments keep precision. */
    private static double log2(Float80 x) {
        int e = SoftFloat80.normExp(x) - Float80.BIAS;
        long sig = SoftFloat80.normSig(x);
        double m = (double) (sig >>> 11) / (double) (1L << 52);
        if (e == -1) {
            // just below 1: log of the exact distance to 1 keeps the relative precision
            double below = (double) (-sig >>> 1) / 0x1p63;
            return StrictMath.log1p(-below) / StrictMath.log(2);
        }
        return e + StrictMath.log(m) / StrictMath.log(2);
    }

    private static Float80 yl2xp1(SoftFloat80 sf, Float80 y, Float80 x) {
        if (x.isInfinity()) {
            return x.sign() || y.isZero() ? sf.invalid() : Float80.infinity(y.sign());
        }
        if (y.isInfinity() && x.isZero()) {
            return sf.invalid();
        }
        if (x.isZero() || y.isZero()) {
            return Float80.zero(x.sign() ^ y.sign());
        }
        if (y.isInfinity()) {
            return Float80.infinity(y.sign() ^ x.sign());
        }
        sf.flags |= PE;
        if (x.exp() < DOUBLE_TINY_EXP) {
            return mul64(sf, y, mul64(sf, x, LOG2E));
        }
        if (!x.sign() && x.exp() > Float80.BIAS + 60) {
            // x + 1 = x at this magnitude
            return mul64(sf, y, SoftFloat80.fromHostDouble(log2(x)));
        }
        double dx = SoftFloat80.toHostDouble(x);
        if (dx <= -1) {
            // outside the domain the hardware returns the operand
            return x;
        }
        return mul64(sf, y, SoftFloat80.fromHostDouble(StrictMath.log1p(dx) / StrictMath.log(2)));
    }
}
