package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * Integer arithmetic with lazy flags. ALU results record (operation, operands, result, size) in the CPU and the six
 * arithmetic flags are computed only when something reads them ({@link #flags}); instructions with irregular flag
 * rules (shifts, multiply, BCD) compute them eagerly. Sizes are in bytes (1, 2, 4, 8); values are passed as longs
 * and masked here (callers may pass sign- or zero-extended values).
 */
final class Alu {
    static final int ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5, INC = 6, DEC = 7, ADC_C = 8, SBB_C = 9;
    private static final byte[] PARITY = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            PARITY[i] = (byte) ((Integer.bitCount(i) & 1) == 0 ? PF : 0);
        }
    }

    private Alu() {
    }

    static long mask(int size) {
        return size == 1 ? 0xFFL : size == 2 ? 0xFFFFL : size == 4 ? 0xFFFFFFFFL : -1L;
    }

    static long sign(int size) {
        return 1L << (size * 8 - 1);
    }

    static int parity(long v) {
        return PARITY[(int) v & 0xFF];
    }

    /** EFLAGS with the arithmetic bits brought up to date. */
    static int flags(SoftwareCpu c) {
        if (c.lazyOp != 0) {
            c.eflags = (c.eflags & ~ARITH_FLAGS) | computeArith(c);
            c.lazyOp = 0;
        }
        return c.eflags;
    }

    static int computeArith(SoftwareCpu c) {
        long d = c.lazyDst, s = c.lazySrc, res = c.lazyRes;
        long sb = sign(c.lazySize);
        int f = parity(res) | (res == 0 ? ZF : 0) | ((res & sb) != 0 ? SF : 0);
        switch (c.lazyOp) {
            case ADD, ADC, ADC_C -> {
                boolean cf = c.lazyOp == ADC_C ? !ult(d, res) : ult(res, d);
                f |= (cf ? CF : 0) | (int) ((d ^ s ^ res) & AF) | (((d ^ res) & (s ^ res) & sb) != 0 ? OF : 0);
            }
            case SUB, SBB, SBB_C -> {
                boolean cf = c.lazyOp == SBB_C ? !ult(s, d) : ult(d, s);
                f |= (cf ? CF : 0) | (int) ((d ^ s ^ res) & AF) | (((d ^ s) & (d ^ res) & sb) != 0 ? OF : 0);
            }
            case INC -> f |= (c.eflags & CF) | ((res & 0xF) == 0 ? AF : 0) | (res == sb ? OF : 0);
            case DEC -> f |= (c.eflags & CF) | ((res & 0xF) == 0xF ? AF : 0) | (res == sb - 1 ? OF : 0);
            default -> { }
        }
        return f;
    }

    /** Unsigned a < b (values of every size are zero-extended, so this also covers 64-bit operands). */
    static boolean ult(long a, long b) {
        return (a ^ Long.MIN_VALUE) < (b ^ Long.MIN_VALUE);
    }

    static boolean cf(SoftwareCpu c) {
        return (flags(c) & CF) != 0;
    }

    /** Replaces the arithmetic flags (eager instructions). */
    static void setArith(SoftwareCpu c, int f) {
        flags(c);
        c.eflags = (c.eflags & ~ARITH_FLAGS) | (f & ARITH_FLAGS);
    }

    /** SF, ZF and PF of {@code res} (already masked to size). */
    static int szp(long res, int size) {
        return parity(res) | (res == 0 ? ZF : 0) | ((res & sign(size)) != 0 ? SF : 0);
    }

    private static void lazy(SoftwareCpu c, int op, long d, long s, long res, int size) {
        c.lazyOp = op;
        c.lazyDst = d;
        c.lazySrc = s;
        c.lazyRes = res;
        c.lazySize = size;
    }

    /** The eight classic ALU operations (ADD OR ADC SBB AND SUB XOR CMP) by their ModRM /reg number. */
    static long alu(SoftwareCpu c, int op, long a, long b, int size) {
        long m = mask(size);
        long d = a & m, s = b & m, res;
        switch (op) {
            case 0 -> {
                res = (d + s) & m;
                lazy(c, ADD, d, s, res, size);
            }
            case 1 -> {
                res = d | s;
                lazy(c, LOGIC, d, s, res, size);
            }
            case 2 -> {
                boolean carry = cf(c);
                res = (d + s + (carry ? 1 : 0)) & m;
                lazy(c, carry ? ADC_C : ADC, d, s, res, size);
            }
            case 3 -> {
                boolean carry = cf(c);
                res = (d - s - (carry ? 1 : 0)) & m;
                lazy(c, carry ? SBB_C : SBB, d, s, res, size);
            }
            case 4 -> {
                res = d & s;
                lazy(c, LOGIC, d, s, res, size);
            }
            case 5, 7 -> {
                res = (d - s) & m;
                lazy(c, SUB, d, s, res, size);
            }
            default -> {
                res = d ^ s;
                lazy(c, LOGIC, d, s, res, size);
            }
        }
        return res;
    }

    static long inc(SoftwareCpu c, long a, int size) {
        flags(c);
        long m = mask(size);
        long res = (a + 1) & m;
        lazy(c, INC, a & m, 1, res, size);
        return res;
    }

    static long dec(SoftwareCpu c, long a, int size) {
        flags(c);
        long m = mask(size);
        long res = (a - 1) & m;
        lazy(c, DEC, a & m, 1, res, size);
        return res;
    }

    static long neg(SoftwareCpu c, long a, int size) {
        return alu(c, 5, 0, a, size);
    }

    /** Condition code {@code cc} (0-15, as in Jcc/SETcc/CMOVcc). */
    static boolean cond(SoftwareCpu c, int cc) {
        boolean r;
        if (c.lazyOp != 0 && (cc >> 1) == 2) {
            r = c.lazyRes == 0;
        } else {
            int f = flags(c);
            r = switch (cc >> 1) {
                case 0 -> (f & OF) != 0;
                case 1 -> (f & CF) != 0;
                case 2 -> (f & ZF) != 0;
                case 3 -> (f & (CF | ZF)) != 0;
                case 4 -> (f & SF) != 0;
                case 5 -> (f & PF) != 0;
                case 6 -> ((f & SF) != 0) != ((f & OF) != 0);
                default -> (f & ZF) != 0 || ((f & SF) != 0) != ((f & OF) != 0);
            };
        }
        return r ^ ((cc & 1) != 0);
    }

    /** Shift/rotate group (ROL ROR RCL RCR SHL SHR SAL SAR by /reg); count already read, masked here. */
    static long shift(SoftwareCpu c, int op, long val, int count, int size) {
        count &= size == 8 ? 0x3F : 0x1F;
        if (count == 0) {
            return val;
        }
        int bits = size * 8;
        long m = mask(size);
        long v = val & m;
        long sb = sign(size);
        int f = flags(c);
        long res;
        int cf, of;
        switch (op) {
            case 0 -> {
                int k = count % bits;
                res = ((v << k) | (v >>> (bits - k))) & m;
                cf = (int) (res & 1);
                of = ((res & sb) != 0 ? 1 : 0) ^ cf;
                f = (f & ~(CF | OF)) | cf | (of != 0 ? OF : 0);
                c.eflags = f;
                return res;
            }
            case 1 -> {
                int k = count % bits;
                res = ((v >>> k) | (v << (bits - k))) & m;
                cf = (res & sb) != 0 ? 1 : 0;
                of = cf ^ ((res & (sb >>> 1)) != 0 ? 1 : 0);
                f = (f & ~(CF | OF)) | cf | (of != 0 ? OF : 0);
                c.eflags = f;
                return res;
            }
            case 2 -> {
                int k = count % (bits + 1);
                long carry = f & CF;
                res = v;
                for (int i = 0; i < k; i++) {
                    long out = (res & sb) != 0 ? 1 : 0;
                    res = ((res << 1) | carry) & m;
                    carry = out;
                }
                cf = (int) carry;
                // OF is defined for a count of 1 (MSB(result) XOR CF, which equals MSB(source XOR result)); the
                // latter form for every count is what QEMU computes, which keeps register traces comparable
                of = k == 0 ? ((res & sb) != 0 ? 1 : 0) ^ cf : ((v ^ res) & sb) != 0 ? 1 : 0;
                c.eflags = (f & ~(CF | OF)) | cf | (of != 0 ? OF : 0);
                return res;
            }
            case 3 -> {
                int k = count % (bits + 1);
                long carry = f & CF;
                res = v;
                for (int i = 0; i < k; i++) {
                    long out = res & 1;
                    res = (res >>> 1) | (carry != 0 ? sb : 0);
                    carry = out;
                }
                cf = (int) carry;
                of = k == 0 ? ((res & sb) != 0 ? 1 : 0) ^ ((res & (sb >>> 1)) != 0 ? 1 : 0)
                        : ((v ^ res) & sb) != 0 ? 1 : 0;
                c.eflags = (f & ~(CF | OF)) | cf | (of != 0 ? OF : 0);
                return res;
            }
            case 4, 6 -> {
                if (size == 8) {
                    res = v << count;
                    cf = (int) ((v >>> (64 - count)) & 1);
                } else {
                    long wide = v << count;
                    res = wide & m;
                    cf = (int) ((wide >>> bits) & 1);
                }
                of = ((res & sb) != 0 ? 1 : 0) ^ cf;
            }
            case 5 -> {
                res = v >>> count;
                cf = (int) ((v >>> (count - 1)) & 1);
                // OF is defined for a count of 1 only; for larger counts give what QEMU gives (0), for trace diffs
                of = count == 1 && (v & sb) != 0 ? 1 : 0;
            }
            default -> {
                long sv = (v ^ sb) - sb;
                res = (sv >> count) & m;
                cf = (int) ((sv >> Math.min(count - 1, 63)) & 1);
                of = 0;
            }
        }
        c.eflags = (f & ~ARITH_FLAGS) | szp(res, size) | cf | (of != 0 ? OF : 0);
        return res;
    }

    /** SHLD ({@code left}) / SHRD: {@code dst} shifted with bits from {@code src}; count masked to 5 bits. */
    static long doubleShift(SoftwareCpu c, boolean left, long dst, long src, int count, int size) {
        count &= size == 8 ? 0x3F : 0x1F;
        if (count == 0) {
            return dst;
        }
        int bits = size * 8;
        long m = mask(size);
        long d = dst & m, s = src & m;
        long res;
        int cf;
        if (size == 2) {
            // 16-bit operands with counts above 16: the bits cycle through a dst:src:dst field (Intel's result)
            if (left) {
                long shifted = ((d << 32) | (s << 16) | d) << count;
                res = (shifted >>> 32) & m;
                cf = (int) ((shifted >>> 48) & 1);
            } else {
                long x = d | (s << 16) | (d << 32);
                res = (x >>> count) & m;
                cf = (int) ((x >>> (count - 1)) & 1);
            }
        } else if (size == 8) {
            if (left) {
                res = (d << count) | (s >>> (64 - count));
                cf = (int) ((d >>> (64 - count)) & 1);
            } else {
                res = (d >>> count) | (s << (64 - count));
                cf = (int) ((d >>> (count - 1)) & 1);
            }
        } else if (left) {
            long x = (d << bits) | s;
            res = (x << count >>> bits) & m;
            cf = (int) ((d >>> (bits - count)) & 1);
        } else {
            long x = (s << bits) | d;
            res = (x >>> count) & m;
            cf = (int) ((d >>> (count - 1)) & 1);
        }
        long sb = sign(size);
        int of = ((res ^ d) & sb) != 0 ? OF : 0;
        if (size != 2 && count > 1) {
            // OF is undefined beyond a count of 1: give QEMU's value (the sign change of the last one-bit step)
            long prev = left ? (d << (count - 1)) | (s >>> (bits - count + 1))
                    : size == 8 ? d >>> (count - 1) : (d >>> (count - 1)) | (s << (bits - count + 1));
            of = (((prev ^ res) & sb) != 0) ? OF : 0;
        }
        setArith(c, szp(res, size) | cf | of);
        return res;
    }

    /** MUL/IMUL with one operand (F6/F7 /4, /5): AX/DX:AX/EDX:EAX. */
    static void mul1(SoftwareCpu c, boolean signed, long src, int size) {
        long[] r = c.r;
        boolean over;
        long lo;
        switch (size) {
            case 1 -> {
                int a = (int) r[RAX] & 0xFF;
                int p = signed ? (byte) a * (byte) src : a * (int) (src & 0xFF);
                setReg16(r, RAX, p);
                over = signed ? p != (byte) p : (p & 0xFF00) != 0;
                lo = p & 0xFF;
            }
            case 2 -> {
                int a = (int) r[RAX] & 0xFFFF;
                int p = signed ? (short) a * (short) src : a * (int) (src & 0xFFFF);
                setReg16(r, RAX, p);
                setReg16(r, RDX, p >>> 16);
                over = signed ? p != (short) p : (p & 0xFFFF0000) != 0;
                lo = p & 0xFFFF;
            }
            case 4 -> {
                long a = r[RAX] & 0xFFFFFFFFL;
                long p = signed ? (long) (int) a * (long) (int) src : a * (src & 0xFFFFFFFFL);
                r[RAX] = p & 0xFFFFFFFFL;
                r[RDX] = (p >>> 32) & 0xFFFFFFFFL;
                over = signed ? p != (int) p : (p >>> 32) != 0;
                lo = p & 0xFFFFFFFFL;
            }
            default -> {
                long a = r[RAX];
                lo = a * src;
                long hi = signed ? Math.multiplyHigh(a, src) : Math.unsignedMultiplyHigh(a, src);
                r[RAX] = lo;
                r[RDX] = hi;
                over = signed ? hi != (lo >> 63) : hi != 0;
            }
        }
        setArith(c, szp(lo, size) | (over ? CF | OF : 0));
    }

    /** IMUL with two or three operands: returns the truncated product, sets CF/OF on overflow. */
    static long imul(SoftwareCpu c, long a, long b, int size) {
        long p;
        boolean over;
        if (size == 2) {
            p = (long) (short) a * (short) b;
            over = p != (short) p;
        } else if (size == 4) {
            p = (long) (int) a * (long) (int) b;
            over = p != (int) p;
        } else {
            p = a * b;
            over = Math.multiplyHigh(a, b) != (p >> 63);
        }
        long res = p & mask(size);
        setArith(c, szp(res, size) | (over ? CF | OF : 0));
        return res;
    }

    /** DIV/IDIV: #DE on a zero divisor or a quotient that does not fit. */
    static void div(SoftwareCpu c, boolean signed, long src, int size) {
        long[] r = c.r;
        switch (size) {
            case 1 -> {
                int a = (int) r[RAX] & 0xFFFF;
                int d = signed ? (byte) src : (int) src & 0xFF;
                if (d == 0) {
                    throw CpuFault.of(CpuFault.DE);
                }
                int n = signed ? (short) a : a;
                int q = n / d, rem = n % d;
                if (signed ? q != (byte) q : q > 0xFF) {
                    throw CpuFault.of(CpuFault.DE);
                }
                setReg16(r, RAX, (q & 0xFF) | ((rem & 0xFF) << 8));
            }
            case 2 -> {
                long n = ((r[RDX] & 0xFFFF) << 16) | (r[RAX] & 0xFFFF);
                long d = signed ? (short) src : src & 0xFFFF;
                if (d == 0) {
                    throw CpuFault.of(CpuFault.DE);
                }
                if (signed) {
                    n = (int) n;
                }
                long q = n / d, rem = n % d;
                if (signed ? q != (short) q : q > 0xFFFF) {
                    throw CpuFault.of(CpuFault.DE);
                }
                setReg16(r, RAX, (int) q);
                setReg16(r, RDX, (int) rem);
            }
            case 8 -> div128(c, signed, src);
            default -> {
                long hi = r[RDX] & 0xFFFFFFFFL, lo = r[RAX] & 0xFFFFFFFFL;
                long q, rem;
                if (signed) {
                    long d = (int) src;
                    if (d == 0) {
                        throw CpuFault.of(CpuFault.DE);
                    }
                    long n = (hi << 32) | lo;
                    if (d == -1 && n == Long.MIN_VALUE) {
                        throw CpuFault.of(CpuFault.DE);
                    }
                    q = n / d;
                    rem = n % d;
                    if (q != (int) q) {
                        throw CpuFault.of(CpuFault.DE);
                    }
                } else {
                    long d = src & 0xFFFFFFFFL;
                    if (d == 0 || hi >= d) {
                        throw CpuFault.of(CpuFault.DE);
                    }
                    long n = (hi << 32) | lo;
                    q = Long.divideUnsigned(n, d);
                    rem = Long.remainderUnsigned(n, d);
                }
                r[RAX] = q & 0xFFFFFFFFL;
                r[RDX] = rem & 0xFFFFFFFFL;
            }
        }
    }

    /** 64-bit DIV/IDIV of RDX:RAX; the 128-bit dividend takes the BigInteger path only when RDX is significant. */
    private static void div128(SoftwareCpu c, boolean signed, long d) {
        long[] r = c.r;
        long hi = r[RDX], lo = r[RAX];
        if (d == 0) {
            throw CpuFault.of(CpuFault.DE);
        }
        long q, rem;
        if (signed ? hi == (lo >> 63) : hi == 0) {
            if (signed) {
                if (d == -1 && lo == Long.MIN_VALUE) {
                    throw CpuFault.of(CpuFault.DE);
                }
                q = lo / d;
                rem = lo % d;
            } else {
                q = Long.divideUnsigned(lo, d);
                rem = Long.remainderUnsigned(lo, d);
            }
        } else {
            java.math.BigInteger n = java.math.BigInteger.valueOf(hi).shiftLeft(64)
                    .or(java.math.BigInteger.valueOf(lo).and(U64));
            if (!signed) {
                n = n.and(U128);
            }
            java.math.BigInteger dv = signed ? java.math.BigInteger.valueOf(d) : java.math.BigInteger.valueOf(d).and(U64);
            java.math.BigInteger[] qr = n.divideAndRemainder(dv);
            if (signed ? qr[0].bitLength() > 63 : qr[0].bitLength() > 64) {
                throw CpuFault.of(CpuFault.DE);
            }
            q = qr[0].longValue();
            rem = qr[1].longValue();
        }
        r[RAX] = q;
        r[RDX] = rem;
    }

    private static final java.math.BigInteger U64 = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);
    private static final java.math.BigInteger U128 = java.math.BigInteger.ONE.shiftLeft(128).subtract(java.math.BigInteger.ONE);

    static void setReg16(long[] r, int i, int v) {
        r[i] = (r[i] & ~0xFFFFL) | (v & 0xFFFF);
    }

    // ---- BCD ----------------------------------------------------------------------------------------------------

    static void daa(SoftwareCpu c, boolean subtract) {
        int f = flags(c);
        int al = (int) c.r[RAX] & 0xFF;
        int oldAl = al;
        boolean oldCf = (f & CF) != 0;
        boolean cf = false, af = false;
        if ((al & 0xF) > 9 || (f & AF) != 0) {
            al = subtract ? al - 6 : al + 6;
            cf = oldCf || (subtract ? oldAl < 6 : al > 0xFF);
            af = true;
        }
        if (oldAl > 0x99 || oldCf) {
            al = subtract ? al - 0x60 : al + 0x60;
            cf = true;
        }
        al &= 0xFF;
        c.r[RAX] = (c.r[RAX] & ~0xFFL) | al;
        setArith(c, szp(al, 1) | (cf ? CF : 0) | (af ? AF : 0));
    }

    static void aaa(SoftwareCpu c, boolean subtract) {
        int f = flags(c);
        int ax = (int) c.r[RAX] & 0xFFFF;
        boolean adj = (ax & 0xF) > 9 || (f & AF) != 0;
        if (adj) {
            if (subtract) {
                ax = (ax - 6 - 0x100) & 0xFFFF; // AX - 6 (may borrow from AH), then AH - 1
            } else {
                ax = (ax + 0x106) & 0xFFFF;
            }
        }
        ax &= 0xFF0F;
        setReg16(c.r, RAX, ax);
        setArith(c, szp(ax & 0xFF, 1) | (adj ? CF | AF : 0));
    }

    static void aam(SoftwareCpu c, int base) {
        if (base == 0) {
            throw CpuFault.of(CpuFault.DE);
        }
        int al = (int) c.r[RAX] & 0xFF;
        int res = ((al / base) << 8) | (al % base);
        setReg16(c.r, RAX, res);
        setArith(c, szp(res & 0xFF, 1));
    }

    static void aad(SoftwareCpu c, int base) {
        int ax = (int) c.r[RAX];
        int al = ((ax & 0xFF) + ((ax >> 8) & 0xFF) * base) & 0xFF;
        setReg16(c.r, RAX, al);
        setArith(c, szp(al, 1));
    }
}
