package org.virtfx.engine.cpu.fpu;

import static org.virtfx.engine.cpu.fpu.SoftFloat80.IE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.PE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.ZE;

/**
 * FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1. Stack handling, special operands (NaN, infinities,
 * zeros, invalid domains, C2 for |x| >= 2^63) follow the hardware exactly; the finite results are computed with
 * the host's double-precision {@link StrictMath}, so they carry about 53 correct bits instead of the hardware's
 * 64 (the last 11 significand bits differ from a real x87, and PE is reported for every inexact-looking result).
 */
final class X87Transcendentals {
    private static final int TRIG_LIMIT_EXP = Float80.BIAS + 63;

    private X87Transcendentals() {
    }

    static void execute(X87Instructions ins, X87 f, SoftFloat80 sf, int modrm) {
        switch (modrm) {
            case 0xFE, 0xFF, 0xF0 -> unary(ins, f, sf, modrm);
            case 0xF2, 0xFB -> pushing(ins, f, sf, modrm);
            default -> binary(ins, f, sf, modrm);
        }
    }

    private static boolean outOfTrigRange(Float80 x) {
        return x.isNormal() && x.exp() >= TRIG_LIMIT_EXP || x.isUnsupported() && x.exp() >= TRIG_LIMIT_EXP;
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
            } else {
                double d = SoftFloat80.toHostDouble(x);
                double v = switch (modrm) {
                    case 0xFE -> StrictMath.sin(d);
                    case 0xFF -> StrictMath.cos(d);
                    default -> StrictMath.expm1(d * 0.6931471805599453);
                };
                r = inexact(sf, x, v, modrm == 0xFF);
            }
        }
        if (trig) {
            f.sw &= ~X87.SW_C2;
        }
        ins.finish(0, r, 0);
    }

    /** A host result for an argument; tiny arguments keep the argument itself (sin x = x, 2^x - 1 = x ln 2). */
    private static Float80 inexact(SoftFloat80 sf, Float80 x, double v, boolean cosine) {
        sf.flags |= PE;
        if (!cosine && x.exp() < Float80.BIAS - 40 && (Double.isNaN(v) || Math.abs(v) < 1e-200 || v == 0)) {
            return x;
        }
        return SoftFloat80.fromHostDouble(v);
    }

    /** FPTAN (ST0 = tan, push 1) and FSINCOS (ST0 = sin then push cos). */
    private static void pushing(X87Instructions ins, X87 f, SoftFloat80 sf, int modrm) {
        if (f.isEmpty(0)) {
            ins.stackUnderflow(0, 0);
            if (!ins.blocked() && f.isEmpty(7)) {
                ins.push(Float80.INDEFINITE);
            }
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
            second = modrm == 0xF2 ? Float80.ONE : Float80.ONE;
        } else {
            double d = SoftFloat80.toHostDouble(x);
            if (modrm == 0xF2) {
                first = inexact(sf, x, StrictMath.tan(d), false);
                second = Float80.ONE;
            } else {
                first = inexact(sf, x, StrictMath.sin(d), false);
                second = SoftFloat80.fromHostDouble(StrictMath.cos(d));
            }
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
        double v = StrictMath.atan2(SoftFloat80.toHostDouble(y), SoftFloat80.toHostDouble(x));
        if (y.isZero() && !x.sign()) {
            return y;
        }
        return inexact(sf, y, v, false);
    }

    private static Float80 yl2x(SoftFloat80 sf, Float80 y, Float80 x) {
        if (x.sign() && !x.isZero()) {
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
        if (x.isInfinity()) {
            return y.isZero() ? sf.invalid() : Float80.infinity(y.sign());
        }
        boolean xIsOne = x.se() == Float80.BIAS && x.sig() == Float80.INTEGER_BIT;
        if (xIsOne) {
            return y.isInfinity() ? sf.invalid() : Float80.zero(y.sign());
        }
        if (y.isInfinity()) {
            boolean logNegative = SoftFloat80.compareOrdered(x, Float80.ONE) == SoftFloat80.LESS;
            return Float80.infinity(y.sign() ^ logNegative);
        }
        if (y.isZero()) {
            boolean logNegative = SoftFloat80.compareOrdered(x, Float80.ONE) == SoftFloat80.LESS;
            return Float80.zero(y.sign() ^ logNegative);
        }
        double lx = log2(x);
        return inexact(sf, y, SoftFloat80.toHostDouble(y) * lx, false);
    }

    /** log2 of a positive finite value, exact in the exponent part so that huge/tiny arguments keep precision. */
    private static double log2(Float80 x) {
        int e = SoftFloat80.normExp(x) - Float80.BIAS;
        double m = (double) (SoftFloat80.normSig(x) >>> 11) / (double) (1L << 52);
        return e + StrictMath.log(m) / StrictMath.log(2);
    }

    private static Float80 yl2xp1(SoftFloat80 sf, Float80 y, Float80 x) {
        if (x.isInfinity() || y.isInfinity() && x.isZero()) {
            return sf.invalid();
        }
        if (x.isZero() || y.isZero()) {
            return Float80.zero(x.sign() ^ y.sign());
        }
        if (y.isInfinity()) {
            return Float80.infinity(y.sign() ^ x.sign());
        }
        double dx = SoftFloat80.toHostDouble(x);
        if (dx <= -1) {
            return sf.invalid();
        }
        double v = SoftFloat80.toHostDouble(y) * StrictMath.log1p(dx) / StrictMath.log(2);
        return inexact(sf, y, v, false);
    }
}
