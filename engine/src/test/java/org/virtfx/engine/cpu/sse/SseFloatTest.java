package org.virtfx.engine.cpu.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * IEEE-754 facts the SSE arithmetic must reproduce without a host oracle: directed rounding, overflow and underflow
 * results per rounding mode, FTZ and DAZ, NaN propagation, integer indefinite. (SseHostOracleTest compares everything
 * with the host CPU; this runs everywhere.)
 */
class SseFloatTest {
    private static final int MASKED = 0x1F80;

    private static SseFloat unit(int mxcsr) {
        SseFloat f = new SseFloat();
        f.begin(mxcsr);
        return f;
    }

    private static long f(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFFFFFFL;
    }

    @Test
    void oneThirdInEveryRoundingMode() {
        // 1/3 = 0x3EAAAAAA.AAA...: nearest and upward round up, downward and toward zero truncate
        long[] want = {0x3EAAAAABL, 0x3EAAAAAAL, 0x3EAAAAABL, 0x3EAAAAAAL};
        for (int mode = 0; mode < 4; mode++) {
            SseFloat u = unit(MASKED | mode << 13);
            assertEquals(want[mode], u.div(f(1), f(3), false), "mode " + mode);
            assertEquals(SseFloat.PE, u.flags);
            u = unit(MASKED | mode << 13);
            long neg = u.div(f(-1), f(3), false);
            assertEquals(want[mode == 1 ? 2 : mode == 2 ? 1 : mode] | 0x80000000L, neg, "negative, mode " + mode);
        }
        SseFloat u = unit(MASKED | SseFloat.RD << 13);
        assertEquals(Double.doubleToRawLongBits(Math.nextDown(0.1)), u.div(Double.doubleToRawLongBits(1),
                Double.doubleToRawLongBits(10), true), "1/10 rounded down: 0.1 as a double is above the exact value");
    }

    @Test
    void overflowGivesInfinityOrTheLargestFiniteByMode() {
        long max = f(Float.MAX_VALUE);
        long[] want = {0x7F800000L, max, 0x7F800000L, max}; // RN, RD, RU, RZ for a positive overflow
        for (int mode = 0; mode < 4; mode++) {
            SseFloat u = unit(MASKED | mode << 13);
            assertEquals(want[mode], u.mul(max, f(2), false), "mode " + mode);
            assertEquals(SseFloat.OE | SseFloat.PE, u.flags);
        }
    }

    @Test
    void underflowDenormalsFtzAndDaz() {
        long tiny = 1; // 2^-149
        SseFloat u = unit(MASKED);
        assertEquals(0, u.mul(tiny, f(0.5f), false), "half of the smallest denormal ties to even: zero");
        assertEquals(SseFloat.UE | SseFloat.PE | SseFloat.DE, u.flags);
        u = unit(MASKED | SseFloat.RU << 13);
        assertEquals(1, u.mul(tiny, f(0.5f), false));
        u = unit(MASKED);
        assertEquals(f(0x1p-140f), u.mul(f(0x1p-70f), f(0x1p-70f), false), "exact denormal result: no flags");
        assertEquals(0, u.flags);
        u = unit(MASKED | SseFloat.FTZ);
        assertEquals(0, u.mul(f(0x1p-70f), f(0x1p-70f), false), "FTZ flushes even exact denormal results");
        assertEquals(SseFloat.UE | SseFloat.PE, u.flags);
        u = unit(MASKED | SseFloat.DAZ);
        assertEquals(f(1), u.add(f(1), tiny, false), "DAZ reads the denormal as zero");
        assertEquals(0, u.flags);
        u = unit(MASKED);
        assertEquals(f(1), u.add(f(1), tiny, false));
        assertEquals(SseFloat.DE | SseFloat.PE, u.flags);
    }

    @Test
    void nanPropagationAndInvalid() {
        long qnanA = 0x7FC00001L, snanB = 0x7F800002L;
        SseFloat u = unit(MASKED);
        assertEquals(qnanA, u.add(qnanA, snanB, false), "the first operand's NaN wins");
        assertEquals(SseFloat.IE, u.flags);
        u = unit(MASKED);
        assertEquals(0x7FC00002L, u.add(f(1), snanB, false), "an SNaN is returned quieted");
        u = unit(MASKED);
        assertEquals(0xFFC00000L, u.sub(f(Float.POSITIVE_INFINITY), f(Float.POSITIVE_INFINITY), false));
        assertEquals(SseFloat.IE, u.flags);
        u = unit(MASKED);
        assertEquals(SseFloat.DEFAULT_NAN_64, u.sqrt(Double.doubleToRawLongBits(-1), true));
        u = unit(MASKED);
        assertEquals(0x80000000L, u.toInt(f(0x1p31f), false, false, 32), "out of range: integer indefinite");
        assertEquals(SseFloat.IE, u.flags);
        u = unit(MASKED);
        assertEquals(-2 & 0xFFFFFFFFL, u.toInt(f(-2.5f), false, false, 32), "round half to even");
        assertEquals(-2 & 0xFFFFFFFFL, u.toInt(f(-2.5f), false, true, 32), "truncation");
    }

    @Test
    void unmaskedExceptionsReportOnlyPreComputationFlagsWhenThoseFault() {
        SseFloat u = unit(MASKED & ~(SseFloat.ZE << 7));
        u.div(f(1), 0, false);
        assertEquals(SseFloat.ZE, u.unmaskedException());
        u = unit(MASKED & ~(SseFloat.PE << 7));
        u.div(f(1), f(3), false);
        assertEquals(SseFloat.PE, u.unmaskedException());
        u = unit(MASKED);
        u.div(f(1), f(3), false);
        assertEquals(0, u.unmaskedException());
    }
}
