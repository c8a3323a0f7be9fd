package org.virtfx.engine.cpu.fpu;

import static org.virtfx.engine.cpu.fpu.SoftFloat80.IE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.SF;

/**
 * The x87 stores to memory (FST/FSTP m32fp/m64fp/m80fp, FIST/FISTP/FISTTP m16/m32/m64int, FBSTP) and the BCD load:
 * memory is written only when the result is delivered (an unmasked invalid, overflow or underflow stores nothing and
 * does not pop), a masked stack underflow or invalid store writes the format's indefinite.
 */
final class X87Stores {
    private static final int INT16_INDEFINITE = 0x8000;
    private static final int INT32_INDEFINITE = 0x80000000;
    private static final long INT64_INDEFINITE = Long.MIN_VALUE;

    private X87Stores() {
    }

    /** FST/FSTP to m32fp, m64fp or m80fp. */
    static void storeFloat(X87Instructions ins, X87 f, SoftFloat80 sf, long a, FpuMemory mem, int bits, boolean pop) {
        if (f.isEmpty(0)) {
            sf.flags |= IE | SF;
            if (ins.report()) {
                writeIndefinite(a, mem, bits);
                if (pop) {
                    f.pop();
                }
            }
            ins.setC1(false);
            return;
        }
        Float80 v = f.st(0);
        if (bits == 80) {
            mem.write64(a, v.sig());
            mem.write16(a + 8, v.se());
            ins.setC1(false);
            if (pop) {
                f.pop();
            }
            return;
        }
        Long result = bits == 32 ? toLong(sf.toSingle(v)) : sf.toDoubleBits(v);
        if (!ins.report() || result == null) {
            return;
        }
        if (bits == 32) {
            mem.write32(a, (int) (long) result);
        } else {
            mem.write64(a, result);
        }
        if (pop) {
            f.pop();
        }
    }

    private static Long toLong(Integer v) {
        return v == null ? null : (long) v;
    }

    /** Writes the indefinite of the format for a masked stack underflow. */
    private static void writeIndefinite(long a, FpuMemory mem, int bits) {
        switch (bits) {
            case 32 -> mem.write32(a, 0xFFC00000);
            case 64 -> mem.write64(a, 0xFFF8000000000000L);
            default -> {
                mem.write64(a, Float80.INDEFINITE.sig());
                mem.write16(a + 8, Float80.INDEFINITE.se());
            }
        }
    }

    /** FIST/FISTP/FISTTP to m16/m32/m64 integers. */
    static void storeInteger(X87Instructions ins, X87 f, SoftFloat80 sf, long a, FpuMemory mem, int bits, boolean pop,
            boolean truncate) {
        Long value;
        if (f.isEmpty(0)) {
            sf.flags |= IE | SF;
            value = null;
        } else {
            value = sf.toInteger(f.st(0), bits, truncate ? SoftFloat80.RC_ZERO : sf.rc);
        }
        if (!ins.report()) {
            return;
        }
        long v = value != null ? value : bits == 16 ? INT16_INDEFINITE : bits == 32 ? INT32_INDEFINITE : INT64_INDEFINITE;
        switch (bits) {
            case 16 -> mem.write16(a, (int) v);
            case 32 -> mem.write32(a, (int) v);
            default -> mem.write64(a, v);
        }
        if (f.isEmpty(0)) {
            ins.setC1(false);
        }
        if (pop) {
            f.pop();
        }
    }

    private static final long BCD_LIMIT = 1_000_000_000_000_000_000L;

    static Float80 loadBcd(long a, FpuMemory mem) {
        long low = mem.read64(a);
        int high = mem.read16(a + 8);
        long value = 0;
        for (int digit = 17; digit >= 0; digit--) {
            int nibble = digit < 16 ? (int) (low >>> (4 * digit)) & 0xF : (high >>> (4 * (digit - 16))) & 0xF;
            value = value * 10 + nibble;
        }
        Float80 v = SoftFloat80.fromInteger(value);
        return (high & 0x8000) != 0 ? v.withSign(true) : v;
    }

    static void storeBcd(X87Instructions ins, X87 f, SoftFloat80 sf, long a, FpuMemory mem) {
        Float80 v = f.st(0);
        long magnitude = -1;
        if (f.isEmpty(0)) {
            sf.flags |= IE | SF;
        } else if (v.isUnsupported() || v.isNaN() || v.isInfinity()) {
            sf.flags |= IE;
        } else if (v.isZero()) {
            magnitude = 0;
        } else {
            int savedFlags = sf.flags;
            if (sf.roundToInteger(v, sf.rc) && !sf.intCarry && Long.compareUnsigned(sf.intLow, BCD_LIMIT) < 0) {
                magnitude = sf.intLow;
            } else {
                sf.flags = savedFlags | IE;
                sf.roundedUp = false;
            }
        }
        if (!ins.report()) {
            return;
        }
        if (magnitude < 0) {
            mem.write64(a, 0xC000000000000000L);
            mem.write16(a + 8, 0xFFFF);
        } else {
            long low = 0;
            long m = magnitude;
            for (int digit = 0; digit < 16; digit++) {
                low |= (m % 10) << (4 * digit);
                m /= 10;
            }
            int high = (int) (m % 10) | (int) ((m / 10) % 10) << 4;
            if (v.sign()) {
                high |= 0x8000;
            }
            mem.write64(a, low);
            mem.write16(a + 8, high);
        }
        if (f.isEmpty(0)) {
            ins.setC1(false);
        }
        f.pop();
    }
}
