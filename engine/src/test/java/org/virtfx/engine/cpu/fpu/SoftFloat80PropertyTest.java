package org.virtfx.engine.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Random;
import java.util.function.BinaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of {@link SoftFloat80} against an independent reference written with exact BigDecimal arithmetic:
 * for random operands in all 12 rounding-control x precision-control combinations, every result must be the exact
 * value rounded to 24/53/64 bits in the selected direction, with PE set exactly when inexact and C1 ("rounded up")
 * exactly when the magnitude was increased.
 */
class SoftFloat80PropertyTest {
    private static final MathContext WIDE = new MathContext(300, RoundingMode.DOWN);
    private static final int CASES = 150;

    static java.util.stream.Stream<int[]> modes() {
        java.util.List<int[]> m = new java.util.ArrayList<>();
        for (int pc : new int[] {0, 2, 3}) {
            for (int rc = 0; rc < 4; rc++) {
                m.add(new int[] {rc, pc});
            }
        }
        return m.stream();
    }

    private static BigDecimal exact(Float80 v) {
        BigDecimal m = new BigDecimal(SoftFloat80.unsigned(v.sig()));
        int k = v.exp() - Float80.BIAS - 63;
        BigDecimal scale = new BigDecimal(BigInteger.TWO.pow(Math.abs(k)));
        BigDecimal r = k >= 0 ? m.multiply(scale) : m.divide(scale);
        return v.sign() ? r.negate() : r;
    }

    /** Reference rounding of x (plus an infinitesimal of the same sign when {@code beyond}) to {@code bits} bits. */
    private record Rounded(BigDecimal value, boolean inexact, boolean up) {
    }

    private static Rounded round(BigDecimal x, boolean beyond, int bits, int rc) {
        boolean negative = x.signum() < 0;
        BigDecimal mag = x.abs();
        // find e with 2^e <= mag < 2^(e+1)
        int e = mag.toBigInteger().bitLength() - 1;
        if (e < 0) {
            e = -1;
            while (mag.compareTo(pow2(e)) < 0) {
                e--;
            }
        }
        BigDecimal unit = pow2(e - bits + 1);
        BigDecimal scaled = mag.divide(unit);
        BigInteger q = scaled.toBigInteger();
        BigDecimal frac = scaled.subtract(new BigDecimal(q));
        boolean inexact = frac.signum() != 0 || beyond;
        int half = frac.compareTo(new BigDecimal("0.5"));
        boolean increment = switch (rc) {
            case 0 -> half > 0 || (half == 0 && (beyond || q.testBit(0)));
            case 1 -> negative && inexact;
            case 2 -> !negative && inexact;
            default -> false;
        };
        if (increment) {
            q = q.add(BigInteger.ONE);
        }
        BigDecimal v = new BigDecimal(q).multiply(unit);
        return new Rounded(negative ? v.negate() : v, inexact, increment);
    }

    private static BigDecimal pow2(int k) {
        BigDecimal p = new BigDecimal(BigInteger.TWO.pow(Math.abs(k)));
        return k >= 0 ? p : BigDecimal.ONE.divide(p);
    }

    private static Float80 randomNormal(Random r, int expSpread) {
        int e = Float80.BIAS - expSpread + r.nextInt(2 * expSpread + 1);
        long sig = r.nextLong() | Long.MIN_VALUE;
        if (r.nextInt(4) == 0) {
            sig &= -1L << (r.nextInt(60));
        }
        return new Float80((r.nextBoolean() ? 0x8000 : 0) | e, sig);
    }

    private static SoftFloat80 unit(int rc, int pc) {
        SoftFloat80 sf = new SoftFloat80();
        sf.setControl(0x037F & ~0x0F00 | pc << 8 | rc << 10);
        return sf;
    }

    private static void check(String what, Float80 a, Float80 b, Float80 got, SoftFloat80 sf, Rounded want) {
        if (got.isZero() && want.value().signum() == 0) {
            return;
        }
        BigDecimal g = exact(got);
        if (g.compareTo(want.value()) != 0 || ((sf.flags & SoftFloat80.PE) != 0) != want.inexact()
                || (want.inexact() && sf.roundedUp != want.up())) {
            fail(String.format("%s(%s, %s) rc=%d prec=%d: got %s (PE=%b C1=%b), want %s (PE=%b C1=%b)", what, a, b,
                    sf.rc, sf.precision, got, (sf.flags & SoftFloat80.PE) != 0, sf.roundedUp, want.value().toEngineeringString().substring(0, 20),
                    want.inexact(), want.up()));
        }
    }

    private void binaryProperty(int[] mode, String name, BinaryOperator<BigDecimal> reference,
            java.util.function.BiFunction<SoftFloat80, Float80[], Float80> op, long seed) {
        Random r = new Random(seed + mode[0] * 31 + mode[1]);
        int bits = mode[1] == 0 ? 24 : mode[1] == 2 ? 53 : 64;
        for (int i = 0; i < CASES; i++) {
            Float80 a = randomNormal(r, 100);
            Float80 b = i % 5 == 0 ? new Float80(a.se() ^ (r.nextInt(2) << 15), a.sig() ^ (r.nextLong() >>> (20 + r.nextInt(44))))
                    : randomNormal(r, 100);
            SoftFloat80 sf = unit(mode[0], mode[1]);
            Float80 got = op.apply(sf, new Float80[] {a, b});
            BigDecimal x = reference.apply(exact(a), exact(b));
            if (x.signum() == 0) {
                assertEquals(true, got.isZero(), name + " exact zero");
                continue;
            }
            check(name, a, b, got, sf, round(x, false, bits, mode[0]));
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void addition(int[] mode) {
        binaryProperty(mode, "add", BigDecimal::add, (sf, v) -> sf.add(v[0], v[1]), 1);
    }

    @ParameterizedTest
    @MethodSource("modes")
    void subtraction(int[] mode) {
        binaryProperty(mode, "sub", BigDecimal::subtract, (sf, v) -> sf.sub(v[0], v[1]), 2);
    }

    @ParameterizedTest
    @MethodSource("modes")
    void multiplication(int[] mode) {
        binaryProperty(mode, "mul", BigDecimal::multiply, (sf, v) -> sf.mul(v[0], v[1]), 3);
    }

    @ParameterizedTest
    @MethodSource("modes")
    void division(int[] mode) {
        Random r = new Random(4 + mode[0] * 31 + mode[1]);
        int bits = mode[1] == 0 ? 24 : mode[1] == 2 ? 53 : 64;
        for (int i = 0; i < CASES; i++) {
            Float80 a = randomNormal(r, 100);
            Float80 b = randomNormal(r, 100);
            SoftFloat80 sf = unit(mode[0], mode[1]);
            Float80 got = sf.div(a, b);
            BigDecimal ea = exact(a);
            BigDecimal eb = exact(b);
            BigDecimal q = ea.divide(eb, WIDE);
            boolean beyond = q.multiply(eb).compareTo(ea) != 0;
            check("div", a, b, got, sf, round(q, beyond, bits, mode[0]));
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void squareRoot(int[] mode) {
        Random r = new Random(5 + mode[0] * 31 + mode[1]);
        int bits = mode[1] == 0 ? 24 : mode[1] == 2 ? 53 : 64;
        for (int i = 0; i < CASES; i++) {
            Float80 a = randomNormal(r, 200).abs();
            if (i % 4 == 0) {
                // perfect squares of short significands
                Float80 s = new Float80(Float80.BIAS + r.nextInt(40) - 20, (r.nextLong() | Long.MIN_VALUE) & (-1L << 34));
                a = unit(0, 3).mul(s, s);
            }
            SoftFloat80 sf = unit(mode[0], mode[1]);
            Float80 got = sf.sqrt(a);
            BigDecimal ea = exact(a);
            BigDecimal root = ea.sqrt(WIDE);
            boolean beyond = root.multiply(root).compareTo(ea) != 0;
            check("sqrt", a, a, got, sf, round(root, beyond, bits, mode[0]));
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void roundToIntegerAndIntegerStores(int[] mode) {
        Random r = new Random(6 + mode[0] * 31 + mode[1]);
        RoundingMode rm = switch (mode[0]) {
            case 0 -> RoundingMode.HALF_EVEN;
            case 1 -> RoundingMode.FLOOR;
            case 2 -> RoundingMode.CEILING;
            default -> RoundingMode.DOWN;
        };
        for (int i = 0; i < CASES; i++) {
            Float80 a = new Float80((r.nextBoolean() ? 0x8000 : 0) | (Float80.BIAS - 3 + r.nextInt(40)),
                    (r.nextLong() | Long.MIN_VALUE) & (-1L << r.nextInt(64)));
            BigInteger want = exact(a).setScale(0, rm).toBigIntegerExact();
            SoftFloat80 sf = unit(mode[0], mode[1]);
            Float80 got = sf.roundInt(a);
            assertEquals(new BigDecimal(want), exact(got).stripTrailingZeros().setScale(0), "frndint " + a);
            assertEquals(exact(a).compareTo(new BigDecimal(want)) != 0, (sf.flags & SoftFloat80.PE) != 0, "PE of frndint " + a);
            SoftFloat80 si = unit(mode[0], mode[1]);
            Long stored = si.toInteger(a, 32, mode[0]);
            boolean fits = want.bitLength() < 32;
            assertEquals(fits ? Long.valueOf(want.longValue()) : null, stored, "fist m32 " + a);
            assertEquals(!fits, (si.flags & SoftFloat80.IE) != 0, "IE of fist m32 " + a);
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void narrowingStoresRoundWithTheRoundingControl(int[] mode) {
        Random r = new Random(7 + mode[0] * 31 + mode[1]);
        for (int i = 0; i < CASES; i++) {
            Float80 a = randomNormal(r, 120);
            SoftFloat80 sf = unit(mode[0], mode[1]);
            long bits = sf.toDoubleBits(a);
            Rounded want = round(exact(a), false, 53, mode[0]);
            assertEquals(0, new BigDecimal(Double.longBitsToDouble(bits)).compareTo(want.value()), "fst m64 " + a);
            assertEquals(want.inexact(), (sf.flags & SoftFloat80.PE) != 0);
            SoftFloat80 s1 = unit(mode[0], mode[1]);
            int single = s1.toSingle(a);
            Rounded want1 = round(exact(a), false, 24, mode[0]);
            assertEquals(0, new BigDecimal(Float.intBitsToFloat(single)).compareTo(want1.value()), "fst m32 " + a);
            // widening back is exact
            assertEquals(0, exact(sf.fromDouble(bits)).compareTo(want.value()));
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void comparisonsAgreeWithExactOrder(int[] mode) {
        Random r = new Random(8 + mode[0] * 31 + mode[1]);
        for (int i = 0; i < CASES; i++) {
            Float80 a = randomNormal(r, 3);
            Float80 b = i % 3 == 0 ? a.withSign(r.nextBoolean()) : randomNormal(r, 3);
            int c = exact(a).compareTo(exact(b));
            int want = c < 0 ? SoftFloat80.LESS : c > 0 ? SoftFloat80.GREATER : SoftFloat80.EQUAL;
            assertEquals(want, unit(mode[0], mode[1]).compare(a, b, false), a + " vs " + b);
        }
    }
}
