package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import org.virtfx.engine.cpu.sse.SseFloat;
import org.virtfx.engine.cpu.sse.SseInt;

/**
 * What the SSE decoders ({@link SseOps} for the 0F map, {@link SseThreeByteOps} for 0F 38 and 0F 3A) share: the
 * mandatory prefix, the #UD/#NM checks, operand access (XMM, MMX and general registers, memory through the
 * segment-checked linear address with the 16-byte alignment check of the aligned forms) and the MXCSR commit of a
 * floating-point instruction.
 */
abstract class SseOperands {
    static final int NONE = 0, P66 = 1, PF3 = 2, PF2 = 3;

    final Interpreter in;
    final SoftwareCpu c;
    final long[] x;
    final SseFloat fp = new SseFloat();
    /** Scratch vectors of the current instruction (low, high). */
    final long[] va = new long[2], vb = new long[2], vr = new long[2];

    SseOperands(Interpreter in) {
        this.in = in;
        this.c = in.c;
        this.x = c.sse.xmm;
    }

    int prefix() {
        return in.rep == 0xF3 ? PF3 : in.rep == 0xF2 ? PF2 : in.prefix66() ? P66 : NONE;
    }

    // ---------------------------------------------------------------- checks and operands

    /** The checks of every instruction touching XMM state or MXCSR. */
    void check() {
        if ((c.cr0 & CR0_EM) != 0 || (c.cr4 & CR4_OSFXSR) == 0) {
            throw CpuFault.ud();
        }
        if ((c.cr0 & CR0_TS) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
    }

    /** The checks of the SSE integer extensions that only use MMX registers. */
    void checkMmx() {
        if ((c.cr0 & CR0_EM) != 0) {
            throw CpuFault.ud();
        }
        if ((c.cr0 & CR0_TS) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
    }

    /**
     * The checks of an instruction with an XMM form (66 prefix) and an MMX form (no prefix); F3 and F2 are #UD.
     * Returns whether it is the XMM form.
     */
    boolean checkXmmOrMmxForm(int p) {
        if (p == P66) {
            check();
            return true;
        }
        if (p != NONE) {
            throw CpuFault.ud();
        }
        checkMmx();
        return false;
    }

    CpuFault simdFault() {
        return (c.cr4 & CR4_OSXMMEXCPT) != 0 ? CpuFault.of(CpuFault.XM) : CpuFault.ud();
    }

    void beginFp() {
        fp.begin(c.sse.mxcsr);
    }

    /** Commits the exception flags of a floating-point instruction or raises its unmasked exception. */
    void commitFp() {
        int ex = fp.unmaskedException();
        if (ex != 0) {
            c.sse.mxcsr |= ex;
            throw simdFault();
        }
        c.sse.mxcsr |= fp.flags;
    }

    long address(int size, boolean write, boolean aligned) {
        long a = in.linear(in.eaSeg, in.eaOff, size, write);
        if (aligned && (a & 15) != 0) {
            throw CpuFault.gp(0);
        }
        return a;
    }

    /** The linear address {@code n} bytes further, wrapped to the linear address width of the mode. */
    long plus(long a, int n) {
        return (a + n) & c.mmu.linMask;
    }

    /** Loads the 128-bit r/m operand into {@code v}. */
    void src128(long[] v, boolean aligned) {
        if (in.mod == 3) {
            v[0] = x[2 * in.rm];
            v[1] = x[2 * in.rm + 1];
        } else {
            long a = address(16, false, aligned);
            v[0] = c.mmu.read64(a);
            v[1] = c.mmu.read64(plus(a, 8));
        }
    }

    /** The low 64 bits of the XMM r/m operand or a 64-bit memory operand. */
    long src64() {
        return in.mod == 3 ? x[2 * in.rm] : c.mmu.read64(address(8, false, false));
    }

    long src32() {
        return in.mod == 3 ? x[2 * in.rm] & 0xFFFFFFFFL : c.mmu.read32(address(4, false, false)) & 0xFFFFFFFFL;
    }

    long src16() {
        return in.mod == 3 ? x[2 * in.rm] & 0xFFFF : c.mmu.read16(address(2, false, false)) & 0xFFFF;
    }

    /** An MMX register r/m operand or 64-bit memory. */
    long srcMmx() {
        return in.mod == 3 ? c.fpu.mmx(in.rm) : c.mmu.read64(address(8, false, false));
    }

    void store128(long lo, long hi, boolean aligned) {
        if (in.mod == 3) {
            setX(in.rm, lo, hi);
            return;
        }
        long a = address(16, true, aligned);
        // both ends are checked before anything is written: a fault leaves memory unchanged
        c.mmu.translate(a, Mmu.WRITE, c.cpl == 3);
        c.mmu.translate(plus(a, 15), Mmu.WRITE, c.cpl == 3);
        c.mmu.write64(a, lo);
        c.mmu.write64(plus(a, 8), hi);
    }

    void store64(long v) {
        c.mmu.write64(address(8, true, false), v);
    }

    void setX(int i, long lo, long hi) {
        x[2 * i] = lo;
        x[2 * i + 1] = hi;
    }

    void loadDest(long[] v) {
        v[0] = x[2 * in.reg];
        v[1] = x[2 * in.reg + 1];
    }

    void storeDest(long[] v) {
        setX(in.reg, v[0], v[1]);
    }

    /** General-register source of MOVD/CVTSI2SS/PINSR*: 32 bits, or 64 with REX.W. */
    long gprSource(boolean wide) {
        if (wide) {
            return in.mod == 3 ? in.r[in.rm] : c.mmu.read64(address(8, false, false));
        }
        return in.readEa(4) & 0xFFFFFFFFL;
    }

    void setGpr(int i, long v, boolean wide) {
        in.r[i] = wide ? v : v & 0xFFFFFFFFL;
    }

    void writeGprOrMem(long v, boolean wide) {
        if (in.mod == 3) {
            setGpr(in.rm, v, wide);
        } else if (wide) {
            store64(v);
        } else {
            in.writeMem(in.eaSeg, in.eaOff, 4, (int) v);
        }
    }

    static void requireNoRep(int p) {
        if (p >= PF3) {
            throw CpuFault.ud();
        }
    }

    static void requireP66(int p) {
        if (p != P66) {
            throw CpuFault.ud();
        }
    }

    void requireMemory() {
        if (in.mod == 3) {
            throw CpuFault.ud();
        }
    }

    void requireRegister() {
        if (in.mod != 3) {
            throw CpuFault.ud();
        }
    }

    // ---------------------------------------------------------------- floating point

    static long lane(long[] v, boolean d, int i) {
        return SseInt.get(v, d ? 64 : 32, i);
    }

    static void setLane(long[] v, boolean d, int i, long value) {
        SseInt.set(v, d ? 64 : 32, i, value);
    }

    /** The source of a packed (aligned m128) or scalar (m32/m64) floating-point instruction. */
    void floatSource(int p) {
        if (p >= PF3) {
            vb[0] = p == PF2 ? src64() : src32();
            vb[1] = 0;
        } else {
            src128(vb, true);
        }
    }
}
