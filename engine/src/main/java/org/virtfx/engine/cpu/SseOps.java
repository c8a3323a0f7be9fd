package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import org.virtfx.engine.cpu.fpu.MmxOps;
import org.virtfx.engine.cpu.fpu.SseState;
import org.virtfx.engine.cpu.sse.SseApprox;
import org.virtfx.engine.cpu.sse.SseFloat;
import org.virtfx.engine.cpu.sse.SseInt;

/**
 * Decoding of SSE, SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2 (with POPCNT and CRC32): the 0F 10-17, 28-2F, 50-7F, C2-C6
 * and D0-FF rows selected by the mandatory prefix (none, 66, F3, F2), the 0F 38 and 0F 3A maps, and LDMXCSR/STMXCSR.
 * Plain MMX forms (no prefix) go to {@link MmxOps0F}. Floating point is {@link SseFloat}, the wider integer
 * operations {@link SseInt}, the lane-local ones {@link MmxOps} applied to each 64-bit half.
 *
 * <p>Faults: #UD when CR0.EM is set or CR4.OSFXSR clear, #NM when CR0.TS is set, #GP(0) for a misaligned 128-bit
 * operand of the aligned forms, and for an unmasked SIMD floating-point exception #XM (CR4.OSXMMEXCPT set) or #UD,
 * with MXCSR's flags updated and the destination left unchanged.
 */
final class SseOps {
    private static final int NONE = 0, P66 = 1, PF3 = 2, PF2 = 3;

    private final Interpreter in;
    private final SoftwareCpu c;
    private final long[] x;
    private final MmxOps0F mmx;
    private final SseFloat fp = new SseFloat();
    private final long[] va = new long[2], vb = new long[2], vr = new long[2];

    SseOps(Interpreter in, MmxOps0F mmx) {
        this.in = in;
        this.c = in.c;
        this.x = c.sse.xmm;
        this.mmx = mmx;
    }

    private int prefix() {
        return in.rep == 0xF3 ? PF3 : in.rep == 0xF2 ? PF2 : operandSizePrefix(in) ? P66 : NONE;
    }

    /**
     * Whether the instruction has a 66 prefix: its operand size differs from the mode's default, which is 32 bits in
     * 32-bit code and in 64-bit code (EFER.LMA with CS.L), 16 bits otherwise.
     */
    static boolean operandSizePrefix(Interpreter in) {
        SoftwareCpu c = in.c;
        boolean code64 = (c.efer & EFER_LMA) != 0 && (c.segAttr[CS] & CS_L) != 0 && (c.cr0 & CR0_PE) != 0;
        return in.o32 != (c.code32 || code64);
    }

    /** The L (64-bit code) bit of a code segment's attributes. */
    private static final int CS_L = 0x2000;

    // ---------------------------------------------------------------- checks and operands

    /** The checks of every instruction touching XMM state or MXCSR. */
    private void check() {
        if ((c.cr0 & CR0_EM) != 0 || (c.cr4 & CR4_OSFXSR) == 0) {
            throw CpuFault.ud();
        }
        if ((c.cr0 & CR0_TS) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
    }

    /** The checks of the SSE integer extensions that only use MMX registers. */
    private void checkMmx() {
        if ((c.cr0 & CR0_EM) != 0) {
            throw CpuFault.ud();
        }
        if ((c.cr0 & CR0_TS) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
    }

    private CpuFault simdFault() {
        return (c.cr4 & CR4_OSXMMEXCPT) != 0 ? CpuFault.of(CpuFault.XM) : CpuFault.ud();
    }

    private void beginFp() {
        fp.begin(c.sse.mxcsr);
    }

    /** Commits the exception flags of a floating-point instruction or raises its unmasked exception. */
    private void commitFp() {
        int ex = fp.unmaskedException();
        if (ex != 0) {
            c.sse.mxcsr |= ex;
            throw simdFault();
        }
        c.sse.mxcsr |= fp.flags;
    }

    private long address(int size, boolean write, boolean aligned) {
        long a = in.linear(in.eaSeg, in.eaOff, size, write);
        if (aligned && (a & 15) != 0) {
            throw CpuFault.gp(0);
        }
        return a;
    }

    /** The linear address {@code n} bytes further: wraps at 4 GiB for 32-bit linear addresses (legacy modes). */
    private static long plus(long a, int n) {
        return a > 0xFFFFFFFFL ? a + n : (a + n) & 0xFFFFFFFFL;
    }

    /** Loads the 128-bit r/m operand into {@code v}. */
    private void src128(long[] v, boolean aligned) {
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
    private long src64() {
        return in.mod == 3 ? x[2 * in.rm] : c.mmu.read64(address(8, false, false));
    }

    private long src32() {
        return in.mod == 3 ? x[2 * in.rm] & 0xFFFFFFFFL : c.mmu.read32(address(4, false, false)) & 0xFFFFFFFFL;
    }

    private long src16() {
        return in.mod == 3 ? x[2 * in.rm] & 0xFFFF : c.mmu.read16(address(2, false, false)) & 0xFFFF;
    }

    /** An MMX register r/m operand or 64-bit memory. */
    private long srcMmx() {
        return in.mod == 3 ? c.fpu.mmx(in.rm) : c.mmu.read64(address(8, false, false));
    }

    private void store128(long lo, long hi, boolean aligned) {
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

    private void store64(long v) {
        c.mmu.write64(address(8, true, false), v);
    }

    private void setX(int i, long lo, long hi) {
        x[2 * i] = lo;
        x[2 * i + 1] = hi;
    }

    private void loadDest(long[] v) {
        v[0] = x[2 * in.reg];
        v[1] = x[2 * in.reg + 1];
    }

    private void storeDest(long[] v) {
        setX(in.reg, v[0], v[1]);
    }

    /** General-register source of MOVD/CVTSI2SS/PINSR*: 32 bits, or 64 with REX.W. */
    private long gprSource(boolean wide) {
        if (wide) {
            return in.mod == 3 ? in.r[in.rm] : c.mmu.read64(address(8, false, false));
        }
        return in.readEa(4) & 0xFFFFFFFFL;
    }

    private void setGpr(int i, long v, boolean wide) {
        in.r[i] = wide ? v : v & 0xFFFFFFFFL;
    }

    private void writeGprOrMem(long v, boolean wide) {
        if (in.mod == 3) {
            setGpr(in.rm, v, wide);
        } else if (wide) {
            store64(v);
        } else {
            in.writeMem(in.eaSeg, in.eaOff, 4, (int) v);
        }
    }

    // ---------------------------------------------------------------- the 0F map

    void execute(int op) {
        int p = prefix();
        if (p == NONE && MmxOps0F.isMmx(op)) {
            mmx.execute(op);
            return;
        }
        switch (op) {
            case 0x10, 0x11 -> movUps(op, p);
            case 0x12, 0x13, 0x16, 0x17 -> movLowHigh(op, p);
            case 0x14, 0x15 -> unpackFloat(op, p);
            case 0x28, 0x29 -> {
                requireNoRep(p);
                check();
                in.decodeModrm();
                if (op == 0x28) {
                    src128(vb, true);
                    storeDest(vb);
                } else {
                    store128(x[2 * in.reg], x[2 * in.reg + 1], true);
                }
            }
            case 0x2A -> convertFromInt(p);
            case 0x2B -> {
                requireNoRep(p);
                check();
                in.decodeModrm();
                requireMemory();
                store128(x[2 * in.reg], x[2 * in.reg + 1], true);
            }
            case 0x2C, 0x2D -> convertToInt(p, op == 0x2C);
            case 0x2E, 0x2F -> {
                requireNoRep(p);
                check();
                in.decodeModrm();
                boolean d = p == P66;
                long b = d ? src64() : src32();
                beginFp();
                int f = fp.comi(x[2 * in.reg], b, d, op == 0x2F);
                commitFp();
                Alu.setArith(c, f);
            }
            case 0x50 -> {
                requireNoRep(p);
                check();
                in.decodeModrm();
                requireRegister();
                long lo = x[2 * in.rm], hi = x[2 * in.rm + 1];
                int m = p == P66 ? (int) (lo >>> 63) | (int) (hi >>> 63) << 1
                        : (int) (lo >>> 31) & 1 | (int) (lo >>> 62) & 2 | (int) (hi >>> 29) & 4 | (int) (hi >>> 60) & 8;
                setGpr(in.reg, m, false);
            }
            case 0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F -> floatArith(op, p);
            case 0x52, 0x53 -> approximate(op, p);
            case 0x54, 0x55, 0x56, 0x57 -> {
                requireNoRep(p);
                check();
                in.decodeModrm();
                src128(vb, true);
                int i = 2 * in.reg;
                for (int k = 0; k < 2; k++) {
                    long a = x[i + k], b = vb[k];
                    x[i + k] = switch (op) {
                        case 0x54 -> a & b;
                        case 0x55 -> ~a & b;
                        case 0x56 -> a | b;
                        default -> a ^ b;
                    };
                }
            }
            case 0x5A -> convertFloatWidth(p);
            case 0x5B -> convertDwordsFloats(p);
            case 0xE6 -> convertDoublesDwords(p);
            case 0x70 -> shuffle(p);
            case 0x71, 0x72, 0x73 -> shiftImmediate(op, p);
            case 0x7C, 0x7D -> horizontalFloat(op, p);
            case 0xD0 -> addSub(p);
            case 0x6E, 0x7E, 0x6F, 0x7F, 0xD6 -> moves(op, p);
            case 0xC2 -> compareFloat(p);
            case 0xC3 -> {
                if (p != NONE) {
                    throw CpuFault.ud();
                }
                in.decodeModrm();
                requireMemory();
                writeGprOrMem(in.r[in.reg], in.rexW);
            }
            case 0xC4, 0xC5 -> insertExtractWord(op, p);
            case 0xC6 -> shuffleFloat(p);
            case 0xD7 -> {
                if (p == NONE) {
                    checkMmx();
                    in.decodeModrm();
                    requireRegister();
                    setGpr(in.reg, MmxOps.moveMaskBytes(c.fpu.mmx(in.rm)), false);
                    return;
                }
                requireP66(p);
                check();
                in.decodeModrm();
                requireRegister();
                int m = MmxOps.moveMaskBytes(x[2 * in.rm]) | MmxOps.moveMaskBytes(x[2 * in.rm + 1]) << 8;
                setGpr(in.reg, m, false);
            }
            case 0xE7 -> {
                in.decodeModrm();
                requireMemory();
                if (p == NONE) {
                    checkMmx();
                    store64(c.fpu.mmx(in.reg));
                } else {
                    requireP66(p);
                    check();
                    store128(x[2 * in.reg], x[2 * in.reg + 1], true);
                }
            }
            case 0xF0 -> {
                if (p != PF2) {
                    throw CpuFault.ud();
                }
                check();
                in.decodeModrm();
                requireMemory();
                src128(vb, false);
                storeDest(vb);
            }
            case 0xF7 -> maskMove(p);
            case 0x38 -> execute38();
            case 0x3A -> execute3A();
            case 0xB8 -> popcnt(p);
            default -> integerOp(op, p);
        }
    }

    private static void requireNoRep(int p) {
        if (p >= PF3) {
            throw CpuFault.ud();
        }
    }

    private static void requireP66(int p) {
        if (p != P66) {
            throw CpuFault.ud();
        }
    }

    private void requireMemory() {
        if (in.mod == 3) {
            throw CpuFault.ud();
        }
    }

    private void requireRegister() {
        if (in.mod != 3) {
            throw CpuFault.ud();
        }
    }

    // ---------------------------------------------------------------- moves

    private void movUps(int op, int p) {
        check();
        in.decodeModrm();
        int r = in.reg;
        if (p <= P66) { // MOVUPS / MOVUPD
            if (op == 0x10) {
                src128(vb, false);
                storeDest(vb);
            } else {
                store128(x[2 * r], x[2 * r + 1], false);
            }
            return;
        }
        boolean d = p == PF2;
        long mask = d ? -1L : 0xFFFFFFFFL;
        if (op == 0x10) {
            if (in.mod == 3) {
                x[2 * r] = (x[2 * r] & ~mask) | (x[2 * in.rm] & mask);
            } else {
                setX(r, d ? src64() : src32(), 0);
            }
        } else if (in.mod == 3) {
            x[2 * in.rm] = (x[2 * in.rm] & ~mask) | (x[2 * r] & mask);
        } else if (d) {
            store64(x[2 * r]);
        } else {
            in.writeMem(in.eaSeg, in.eaOff, 4, (int) x[2 * r]);
        }
    }

    /** MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS, MOVDDUP/MOVSLDUP/MOVSHDUP. */
    private void movLowHigh(int op, int p) {
        check();
        in.decodeModrm();
        int r = in.reg;
        if (op == 0x12 && p == PF2) { // MOVDDUP
            long v = src64();
            setX(r, v, v);
            return;
        }
        if ((op == 0x12 || op == 0x16) && p == PF3) { // MOVSLDUP / MOVSHDUP
            src128(vb, true);
            for (int k = 0; k < 2; k++) {
                long half = op == 0x12 ? vb[k] & 0xFFFFFFFFL : vb[k] >>> 32;
                x[2 * r + k] = half | half << 32;
            }
            return;
        }
        requireNoRep(p);
        boolean high = op >= 0x16;
        if (op == 0x12 || op == 0x16) {
            long v;
            if (in.mod == 3) {
                if (p == P66) {
                    throw CpuFault.ud();
                }
                v = op == 0x12 ? x[2 * in.rm + 1] : x[2 * in.rm]; // MOVHLPS / MOVLHPS
            } else {
                v = src64();
            }
            x[2 * r + (high ? 1 : 0)] = v;
        } else {
            requireMemory();
            store64(x[2 * r + (high ? 1 : 0)]);
        }
    }

    /** MOVD/MOVQ (6E, 7E), MOVDQA/MOVDQU (6F, 7F), MOVQ (D6), MOVQ2DQ, MOVDQ2Q. */
    private void moves(int op, int p) {
        check();
        in.decodeModrm();
        int r = in.reg;
        boolean wide = in.rexW;
        switch (op) {
            case 0x6E -> {
                requireP66(p);
                setX(r, gprSource(wide), 0);
            }
            case 0x7E -> {
                if (p == PF3) { // MOVQ xmm, xmm/m64
                    setX(r, src64(), 0);
                } else {
                    requireP66(p);
                    writeGprOrMem(wide ? x[2 * r] : x[2 * r] & 0xFFFFFFFFL, wide);
                }
            }
            case 0x6F -> {
                if (p == PF2) {
                    throw CpuFault.ud();
                }
                src128(vb, p == P66);
                storeDest(vb);
            }
            case 0x7F -> {
                if (p == PF2) {
                    throw CpuFault.ud();
                }
                store128(x[2 * r], x[2 * r + 1], p == P66);
            }
            default -> { // D6
                switch (p) {
                    case P66 -> {
                        if (in.mod == 3) {
                            setX(in.rm, x[2 * r], 0);
                        } else {
                            store64(x[2 * r]);
                        }
                    }
                    case PF3 -> { // MOVQ2DQ xmm, mm
                        requireRegister();
                        setX(r, c.fpu.mmx(in.rm), 0);
                    }
                    case PF2 -> { // MOVDQ2Q mm, xmm
                        requireRegister();
                        c.fpu.setMmx(r, x[2 * in.rm]);
                    }
                    default -> throw CpuFault.ud();
                }
            }
        }
    }

    private void maskMove(int p) {
        boolean xmm = p == P66;
        if (xmm) {
            check();
        } else if (p == NONE) {
            checkMmx();
        } else {
            throw CpuFault.ud();
        }
        in.decodeModrm();
        requireRegister();
        int n = xmm ? 16 : 8;
        long base = in.a32 ? in.r[RDI] & 0xFFFFFFFFL : in.r[RDI] & 0xFFFF;
        int seg = in.segDefault(DS);
        for (int i = 0; i < n; i++) {
            long data = xmm ? x[2 * in.reg + i / 8] : c.fpu.mmx(in.reg);
            long mask = xmm ? x[2 * in.rm + i / 8] : c.fpu.mmx(in.rm);
            if (((mask >>> (8 * (i & 7) + 7)) & 1) != 0) {
                in.writeMem(seg, (base + i) & (in.a32 ? 0xFFFFFFFFL : 0xFFFF), 1, (int) (data >>> (8 * (i & 7))));
            }
        }
    }

    // ---------------------------------------------------------------- floating point

    private static long lane(long[] v, boolean d, int i) {
        return SseInt.get(v, d ? 64 : 32, i);
    }

    private static void setLane(long[] v, boolean d, int i, long value) {
        SseInt.set(v, d ? 64 : 32, i, value);
    }

    /** The source of a packed (aligned m128) or scalar (m32/m64) floating-point instruction. */
    private void floatSource(int p) {
        if (p >= PF3) {
            vb[0] = p == PF2 ? src64() : src32();
            vb[1] = 0;
        } else {
            src128(vb, true);
        }
    }

    private void floatArith(int op, int p) {
        check();
        in.decodeModrm();
        boolean d = p == P66 || p == PF2;
        int lanes = p >= PF3 ? 1 : d ? 2 : 4;
        floatSource(p);
        loadDest(va);
        beginFp();
        for (int i = 0; i < lanes; i++) {
            long a = lane(va, d, i), b = lane(vb, d, i);
            setLane(va, d, i, switch (op) {
                case 0x51 -> fp.sqrt(b, d);
                case 0x58 -> fp.add(a, b, d);
                case 0x59 -> fp.mul(a, b, d);
                case 0x5C -> fp.sub(a, b, d);
                case 0x5D -> fp.minMax(a, b, d, false);
                case 0x5E -> fp.div(a, b, d);
                default -> fp.minMax(a, b, d, true);
            });
        }
        commitFp();
        storeDest(va);
    }

    /** RSQRTPS/SS (52), RCPPS/SS (53): single precision only, no exceptions. */
    private void approximate(int op, int p) {
        if (p == P66 || p == PF2) {
            throw CpuFault.ud();
        }
        check();
        in.decodeModrm();
        floatSource(p);
        loadDest(va);
        for (int i = 0; i < (p == PF3 ? 1 : 4); i++) {
            long b = lane(vb, false, i);
            setLane(va, false, i, op == 0x53 ? SseApprox.reciprocal((int) b) : SseApprox.reciprocalSqrt((int) b));
        }
        storeDest(va);
    }

    private void compareFloat(int p) {
        check();
        in.decodeModrm();
        boolean d = p == P66 || p == PF2;
        int lanes = p >= PF3 ? 1 : d ? 2 : 4;
        floatSource(p);
        int pred = in.fetch8() & 7;
        loadDest(va);
        beginFp();
        for (int i = 0; i < lanes; i++) {
            boolean t = fp.compare(lane(va, d, i), lane(vb, d, i), d, pred);
            setLane(va, d, i, t ? -1L : 0);
        }
        commitFp();
        storeDest(va);
    }

    private void unpackFloat(int op, int p) {
        requireNoRep(p);
        check();
        in.decodeModrm();
        src128(vb, true);
        loadDest(va);
        int k = op == 0x15 ? 1 : 0;
        if (p == P66) {
            setX(in.reg, va[k], vb[k]);
        } else {
            long a = va[k], b = vb[k];
            setX(in.reg, (a & 0xFFFFFFFFL) | b << 32, (a >>> 32) | (b >>> 32) << 32);
        }
    }

    private void shuffleFloat(int p) {
        requireNoRep(p);
        check();
        in.decodeModrm();
        src128(vb, true);
        int imm = in.fetch8();
        loadDest(va);
        if (p == P66) {
            setX(in.reg, va[imm & 1], vb[(imm >> 1) & 1]);
        } else {
            long r0 = SseInt.get(va, 32, imm & 3), r1 = SseInt.get(va, 32, (imm >> 2) & 3);
            long r2 = SseInt.get(vb, 32, (imm >> 4) & 3), r3 = SseInt.get(vb, 32, (imm >> 6) & 3);
            setX(in.reg, r0 | r1 << 32, r2 | r3 << 32);
        }
    }

    /** HADDPS/HADDPD (7C), HSUBPS/HSUBPD (7D). */
    private void horizontalFloat(int op, int p) {
        if (p != P66 && p != PF2) {
            throw CpuFault.ud();
        }
        check();
        in.decodeModrm();
        boolean d = p == P66;
        src128(vb, true);
        loadDest(va);
        beginFp();
        int lanes = d ? 2 : 4;
        long[] out = new long[2];
        for (int i = 0; i < lanes; i++) {
            long[] s = i < lanes / 2 ? va : vb;
            int j = (i % (lanes / 2)) * 2;
            long a = lane(s, d, j), b = lane(s, d, j + 1);
            setLane(out, d, i, op == 0x7C ? fp.add(a, b, d) : fp.sub(a, b, d));
        }
        commitFp();
        storeDest(out);
    }

    /** ADDSUBPD (66 D0), ADDSUBPS (F2 D0): even lanes subtract, odd lanes add. */
    private void addSub(int p) {
        if (p != P66 && p != PF2) {
            throw CpuFault.ud();
        }
        check();
        in.decodeModrm();
        boolean d = p == P66;
        src128(vb, true);
        loadDest(va);
        beginFp();
        for (int i = 0; i < (d ? 2 : 4); i++) {
            long a = lane(va, d, i), b = lane(vb, d, i);
            setLane(va, d, i, (i & 1) == 0 ? fp.sub(a, b, d) : fp.add(a, b, d));
        }
        commitFp();
        storeDest(va);
    }

    /** CVTPI2PS, CVTPI2PD, CVTSI2SS, CVTSI2SD. */
    private void convertFromInt(int p) {
        check();
        in.decodeModrm();
        loadDest(va);
        beginFp();
        switch (p) {
            case NONE, P66 -> {
                long v = srcMmx();
                boolean d = p == P66;
                for (int i = 0; i < 2; i++) {
                    setLane(va, d, i, fp.fromInt((int) (v >>> (32 * i)), d));
                }
            }
            default -> {
                boolean d = p == PF2;
                long v = gprSource(in.rexW);
                setLane(va, d, 0, fp.fromInt(in.rexW ? v : (int) v, d));
            }
        }
        commitFp();
        storeDest(va);
    }

    /** CVT(T)PS2PI, CVT(T)PD2PI, CVT(T)SS2SI, CVT(T)SD2SI. */
    private void convertToInt(int p, boolean truncate) {
        check();
        in.decodeModrm();
        beginFp();
        switch (p) {
            case NONE, P66 -> {
                boolean d = p == P66;
                if (d) {
                    src128(vb, true);
                } else {
                    vb[0] = src64();
                }
                long r = 0;
                for (int i = 0; i < 2; i++) {
                    r |= fp.toInt(lane(vb, d, i), d, truncate, 32) << (32 * i);
                }
                commitFp();
                c.fpu.setMmx(in.reg, r);
            }
            default -> {
                boolean d = p == PF2;
                long v = d ? src64() : src32();
                long r = fp.toInt(v, d, truncate, in.rexW ? 64 : 32);
                commitFp();
                setGpr(in.reg, r, in.rexW);
            }
        }
    }

    /** CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS. */
    private void convertFloatWidth(int p) {
        check();
        in.decodeModrm();
        loadDest(va);
        beginFp();
        switch (p) {
            case NONE -> {
                long v = src64();
                va[0] = fp.widen(v);
                va[1] = fp.widen(v >>> 32);
            }
            case P66 -> {
                src128(vb, true);
                va[0] = fp.narrow(vb[0]) | fp.narrow(vb[1]) << 32;
                va[1] = 0;
            }
            case PF3 -> va[0] = fp.widen(src32());
            default -> va[0] = (va[0] & ~0xFFFFFFFFL) | fp.narrow(src64());
        }
        commitFp();
        storeDest(va);
    }

    /** CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ. */
    private void convertDwordsFloats(int p) {
        if (p == PF2) {
            throw CpuFault.ud();
        }
        check();
        in.decodeModrm();
        src128(vb, true);
        beginFp();
        for (int i = 0; i < 4; i++) {
            long v = SseInt.get(vb, 32, i);
            SseInt.set(vr, 32, i, p == NONE ? fp.fromInt((int) v, false) : fp.toInt(v, false, p == PF3, 32));
        }
        commitFp();
        storeDest(vr);
    }

    /** CVTTPD2DQ (66 E6), CVTDQ2PD (F3 E6), CVTPD2DQ (F2 E6). */
    private void convertDoublesDwords(int p) {
        if (p == NONE) {
            throw CpuFault.ud();
        }
        check();
        in.decodeModrm();
        beginFp();
        if (p == PF3) {
            long v = src64();
            vr[0] = fp.fromInt((int) v, true);
            vr[1] = fp.fromInt((int) (v >>> 32), true);
        } else {
            src128(vb, true);
            vr[0] = fp.toInt(vb[0], true, p == P66, 32) | fp.toInt(vb[1], true, p == P66, 32) << 32;
            vr[1] = 0;
        }
        commitFp();
        storeDest(vr);
    }

    // ---------------------------------------------------------------- integer

    private void shuffle(int p) {
        if (p == NONE) { // PSHUFW mm, mm/m64, imm8
            checkMmx();
            in.decodeModrm();
            long v = srcMmx();
            c.fpu.setMmx(in.reg, MmxOps.shuffleWords(v, in.fetch8()));
            return;
        }
        check();
        in.decodeModrm();
        src128(vb, true);
        int imm = in.fetch8();
        switch (p) {
            case P66 -> SseInt.shuffleDwords(vb, imm, vr);
            case PF3 -> {
                vr[0] = vb[0];
                vr[1] = MmxOps.shuffleWords(vb[1], imm);
            }
            default -> {
                vr[0] = MmxOps.shuffleWords(vb[0], imm);
                vr[1] = vb[1];
            }
        }
        storeDest(vr);
    }

    /** 66 0F 71/72/73 with an immediate count: PSRLW/PSRAW/PSLLW, D, Q, and PSRLDQ/PSLLDQ. */
    private void shiftImmediate(int op, int p) {
        requireP66(p);
        check();
        in.decodeModrm();
        requireRegister();
        int count = in.fetch8();
        int i = 2 * in.rm;
        int bits = op == 0x71 ? 16 : op == 0x72 ? 32 : 64;
        if (op == 0x73 && (in.reg == 3 || in.reg == 7)) {
            va[0] = x[i];
            va[1] = x[i + 1];
            SseInt.shiftBytes(va, count, in.reg == 7, vr);
            setX(in.rm, vr[0], vr[1]);
            return;
        }
        for (int k = 0; k < 2; k++) {
            long v = x[i + k];
            x[i + k] = switch (in.reg) {
                case 2 -> MmxOps.shiftRightLogical(v, count, bits);
                case 4 -> {
                    if (bits == 64) {
                        throw CpuFault.ud();
                    }
                    yield MmxOps.shiftRightArithmetic(v, count, bits);
                }
                case 6 -> MmxOps.shiftLeft(v, count, bits);
                default -> throw CpuFault.ud();
            };
        }
    }

    private void insertExtractWord(int op, int p) {
        boolean xmm = p == P66;
        if (xmm) {
            check();
        } else if (p == NONE) {
            checkMmx();
        } else {
            throw CpuFault.ud();
        }
        in.decodeModrm();
        if (op == 0xC4) { // PINSRW
            int w = in.mod == 3 ? (int) in.r[in.rm] & 0xFFFF : in.readMem(in.eaSeg, in.eaOff, 2) & 0xFFFF;
            int imm = in.fetch8();
            if (xmm) {
                loadDest(va);
                SseInt.set(va, 16, imm & 7, w);
                storeDest(va);
            } else {
                long[] m = {c.fpu.mmx(in.reg)};
                SseInt.set(m, 16, imm & 3, w);
                c.fpu.setMmx(in.reg, m[0]);
            }
        } else { // PEXTRW r32, reg, imm8
            requireRegister();
            int imm = in.fetch8();
            long w = xmm ? SseInt.get(new long[] {x[2 * in.rm], x[2 * in.rm + 1]}, 16, imm & 7)
                    : SseInt.get(new long[] {c.fpu.mmx(in.rm)}, 16, imm & 3);
            setGpr(in.reg, w, false);
        }
    }

    /** The SSE integer extensions on MMX registers (no prefix) and all 66-prefixed integer ops on XMM registers. */
    private void integerOp(int op, int p) {
        if (p == NONE) {
            if (!mmxExtension(op)) {
                throw CpuFault.ud();
            }
            checkMmx();
            in.decodeModrm();
            long b = srcMmx();
            long a = c.fpu.mmx(in.reg);
            c.fpu.setMmx(in.reg, laneOp(op, a, b));
            return;
        }
        if (p != P66 || !xmmInteger(op)) {
            throw CpuFault.ud();
        }
        check();
        in.decodeModrm();
        src128(vb, true);
        loadDest(va);
        long aLo = va[0], aHi = va[1], bLo = vb[0], bHi = vb[1];
        long lo, hi;
        switch (op) {
            case 0x60, 0x61, 0x62 -> {
                int bits = 8 << (op - 0x60);
                lo = MmxOps.unpackLow(aLo, bLo, bits);
                hi = MmxOps.unpackHigh(aLo, bLo, bits);
            }
            case 0x68, 0x69, 0x6A -> {
                int bits = 8 << (op - 0x68);
                lo = MmxOps.unpackLow(aHi, bHi, bits);
                hi = MmxOps.unpackHigh(aHi, bHi, bits);
            }
            case 0x6C -> {
                lo = aLo;
                hi = bLo;
            }
            case 0x6D -> {
                lo = aHi;
                hi = bHi;
            }
            case 0x63 -> {
                lo = MmxOps.packSignedWordsToBytes(aLo, aHi);
                hi = MmxOps.packSignedWordsToBytes(bLo, bHi);
            }
            case 0x67 -> {
                lo = MmxOps.packUnsignedWordsToBytes(aLo, aHi);
                hi = MmxOps.packUnsignedWordsToBytes(bLo, bHi);
            }
            case 0x6B -> {
                lo = MmxOps.packSignedDwordsToWords(aLo, aHi);
                hi = MmxOps.packSignedDwordsToWords(bLo, bHi);
            }
            case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3 -> { // shifts by the low quadword
                lo = laneOp(op, aLo, bLo);
                hi = laneOp(op, aHi, bLo);
            }
            default -> {
                lo = laneOp(op, aLo, bLo);
                hi = laneOp(op, aHi, bHi);
            }
        }
        setX(in.reg, lo, hi);
    }

    private static boolean mmxExtension(int op) {
        return switch (op) {
            case 0xD4, 0xDA, 0xDE, 0xE0, 0xE3, 0xE4, 0xEA, 0xEE, 0xF4, 0xF6, 0xFB -> true;
            default -> false;
        };
    }

    private static boolean xmmInteger(int op) {
        return (op >= 0x60 && op <= 0x6D) || (op >= 0x74 && op <= 0x76) || (op >= 0xD1 && op <= 0xFE && op != 0xD6
                && op != 0xD7 && op != 0xE6 && op != 0xE7 && op != 0xF0 && op != 0xF7);
    }

    /** A lane-local operation on one 64-bit half. */
    private static long laneOp(int op, long a, long b) {
        return switch (op) {
            case 0xD4 -> a + b;
            case 0xFB -> a - b;
            case 0xDA -> MmxOps.minMax(a, b, 8, false);
            case 0xDE -> MmxOps.minMax(a, b, 8, true);
            case 0xEA -> MmxOps.minMax(a, b, 16, false);
            case 0xEE -> MmxOps.minMax(a, b, 16, true);
            case 0xE0 -> MmxOps.average(a, b, 8);
            case 0xE3 -> MmxOps.average(a, b, 16);
            case 0xE4 -> MmxOps.mulHighWordsUnsigned(a, b);
            case 0xF4 -> MmxOps.mulUnsignedLowDwords(a, b);
            case 0xF6 -> MmxOps.sumAbsoluteDifferences(a, b);
            default -> MmxOps0F.binary(op, a, b);
        };
    }

    // ---------------------------------------------------------------- POPCNT, LDMXCSR/STMXCSR

    private void popcnt(int p) {
        if (p != PF3) {
            throw CpuFault.ud();
        }
        in.decodeModrm();
        boolean wide = in.rexW;
        int size = in.osize();
        long v = wide ? gprSource(true) : in.readEa(size) & (size == 2 ? 0xFFFFL : 0xFFFFFFFFL);
        int n = Long.bitCount(v);
        if (wide) {
            in.r[in.reg] = n;
        } else {
            in.setReg(in.reg, size, n);
        }
        Alu.setArith(c, v == 0 ? ZF : 0);
    }

    /** 0F AE /2 (LDMXCSR) and /3 (STMXCSR), memory forms; the caller decoded the ModRM. */
    void mxcsrAccess(boolean load) {
        if (in.rep != 0 || operandSizePrefix(in)) {
            throw CpuFault.ud();
        }
        check();
        if (load) {
            int v = in.readMem(in.eaSeg, in.eaOff, 4);
            if ((v & ~SseState.MXCSR_MASK) != 0) {
                throw CpuFault.gp(0);
            }
            c.sse.mxcsr = v;
        } else {
            in.writeMem(in.eaSeg, in.eaOff, 4, c.sse.mxcsr);
        }
    }

    // ---------------------------------------------------------------- 0F 38

    private void execute38() {
        int op = in.fetch8();
        int p = prefix();
        if (op == 0xF0 || op == 0xF1) {
            crc32(op);
            return;
        }
        if (op <= 0x0B || (op >= 0x1C && op <= 0x1E)) {
            ssse3(op, p);
            return;
        }
        requireP66(p);
        check();
        in.decodeModrm();
        if ((op >= 0x20 && op <= 0x25) || (op >= 0x30 && op <= 0x35)) {
            extend(op);
            return;
        }
        if (op == 0x2A) { // MOVNTDQA
            requireMemory();
            src128(vb, true);
            storeDest(vb);
            return;
        }
        src128(vb, true);
        loadDest(va);
        switch (op) {
            case 0x10, 0x14, 0x15 -> { // PBLENDVB, BLENDVPS, BLENDVPD: mask in XMM0
                int bits = op == 0x10 ? 8 : op == 0x14 ? 32 : 64;
                long[] m = {x[0], x[1]};
                for (int i = 0; i < 128 / bits; i++) {
                    if (SseInt.getSigned(m, bits, i) < 0) {
                        SseInt.set(va, bits, i, SseInt.get(vb, bits, i));
                    }
                }
            }
            case 0x17 -> { // PTEST
                boolean zf = ((va[0] & vb[0]) | (va[1] & vb[1])) == 0;
                boolean cf = ((~va[0] & vb[0]) | (~va[1] & vb[1])) == 0;
                Alu.setArith(c, (zf ? ZF : 0) | (cf ? CF : 0));
                return;
            }
            case 0x28 -> { // PMULDQ
                va[0] = (long) (int) va[0] * (int) vb[0];
                va[1] = (long) (int) va[1] * (int) vb[1];
            }
            case 0x29 -> {
                va[0] = va[0] == vb[0] ? -1 : 0;
                va[1] = va[1] == vb[1] ? -1 : 0;
            }
            case 0x37 -> {
                va[0] = va[0] > vb[0] ? -1 : 0;
                va[1] = va[1] > vb[1] ? -1 : 0;
            }
            case 0x2B -> SseInt.packUnsignedDwords(va, vb, va);
            case 0x38 -> SseInt.minMax(va, vb, 8, true, false, va);
            case 0x39 -> SseInt.minMax(va, vb, 32, true, false, va);
            case 0x3A -> SseInt.minMax(va, vb, 16, false, false, va);
            case 0x3B -> SseInt.minMax(va, vb, 32, false, false, va);
            case 0x3C -> SseInt.minMax(va, vb, 8, true, true, va);
            case 0x3D -> SseInt.minMax(va, vb, 32, true, true, va);
            case 0x3E -> SseInt.minMax(va, vb, 16, false, true, va);
            case 0x3F -> SseInt.minMax(va, vb, 32, false, true, va);
            case 0x40 -> {
                for (int i = 0; i < 4; i++) {
                    SseInt.set(va, 32, i, SseInt.get(va, 32, i) * SseInt.get(vb, 32, i));
                }
            }
            case 0x41 -> SseInt.minPosition(vb, va);
            default -> throw CpuFault.ud();
        }
        storeDest(va);
    }

    /** PMOVSX* (66 0F 38 20-25) and PMOVZX* (30-35): the source is as wide as the lanes it fills. */
    private void extend(int op) {
        int kind = op & 7;
        int from = kind <= 2 ? 8 : kind <= 4 ? 16 : 32;
        int to = switch (kind) {
            case 0 -> 16;
            case 1, 3 -> 32;
            default -> 64;
        };
        int srcBits = from * (128 / to);
        vb[1] = 0;
        vb[0] = switch (srcBits) {
            case 64 -> src64();
            case 32 -> src32();
            default -> src16();
        };
        SseInt.extend(vb, from, to, op < 0x30, vr);
        storeDest(vr);
    }

    private void ssse3(int op, int p) {
        boolean xmm = p == P66;
        if (xmm) {
            check();
        } else if (p == NONE) {
            checkMmx();
        } else {
            throw CpuFault.ud();
        }
        in.decodeModrm();
        int n = xmm ? 2 : 1;
        long[] a = xmm ? va : new long[1];
        long[] b = xmm ? vb : new long[1];
        if (xmm) {
            src128(vb, true);
            loadDest(va);
        } else {
            b[0] = srcMmx();
            a[0] = c.fpu.mmx(in.reg);
        }
        switch (op) {
            case 0x00 -> SseInt.shuffleBytes(a, b, a, n);
            case 0x01 -> SseInt.horizontal(a, b, 16, false, false, a, n);
            case 0x02 -> SseInt.horizontal(a, b, 32, false, false, a, n);
            case 0x03 -> SseInt.horizontal(a, b, 16, false, true, a, n);
            case 0x04 -> SseInt.mulAddUnsignedSignedBytes(a, b, a, n);
            case 0x05 -> SseInt.horizontal(a, b, 16, true, false, a, n);
            case 0x06 -> SseInt.horizontal(a, b, 32, true, false, a, n);
            case 0x07 -> SseInt.horizontal(a, b, 16, true, true, a, n);
            case 0x08, 0x09, 0x0A -> SseInt.sign(a, b, 8 << (op - 0x08), a, n);
            case 0x0B -> SseInt.mulHighRoundScale(a, b, a, n);
            default -> SseInt.abs(b, 8 << (op - 0x1C), a, n);
        }
        if (xmm) {
            storeDest(a);
        } else {
            c.fpu.setMmx(in.reg, a[0]);
        }
    }

    /** CRC32 r32/r64, r/m8 (F0) or r/m16/32/64 (F1): mandatory F2, 66 selects the 16-bit source. */
    private void crc32(int op) {
        if (in.rep != 0xF2) {
            throw CpuFault.ud(); // MOVBE is not implemented on this model
        }
        in.decodeModrm();
        int size = op == 0xF0 ? 1 : in.rexW ? 8 : in.osize();
        long v = size == 8 ? gprSource(true) : in.readEa(size) & ((1L << (8 * size)) - 1);
        int crc = SseInt.crc32c((int) in.r[in.reg], v, size);
        in.r[in.reg] = crc & 0xFFFFFFFFL;
    }

    // ---------------------------------------------------------------- 0F 3A

    private void execute3A() {
        int op = in.fetch8();
        int p = prefix();
        if (op == 0x0F) {
            palignr(p);
            return;
        }
        requireP66(p);
        check();
        in.decodeModrm();
        switch (op) {
            case 0x14, 0x15, 0x16, 0x17 -> {
                extract(op);
                return;
            }
            case 0x20, 0x21, 0x22 -> {
                insert(op);
                return;
            }
            case 0x60, 0x61, 0x62, 0x63 -> {
                stringCompare(op);
                return;
            }
            default -> {
            }
        }
        if (op == 0x0A || op == 0x0B) {
            floatSource(op == 0x0A ? PF3 : PF2);
        } else {
            src128(vb, true);
        }
        int imm = in.fetch8();
        loadDest(va);
        switch (op) {
            case 0x08, 0x09, 0x0A, 0x0B -> {
                boolean d = (op & 1) != 0;
                int lanes = op >= 0x0A ? 1 : d ? 2 : 4;
                beginFp();
                for (int i = 0; i < lanes; i++) {
                    setLane(va, d, i, fp.roundToIntegral(lane(vb, d, i), d, imm));
                }
                commitFp();
            }
            case 0x0C, 0x0D, 0x0E -> {
                int bits = op == 0x0C ? 32 : op == 0x0D ? 64 : 16;
                for (int i = 0; i < 128 / bits; i++) {
                    if ((imm >> i & 1) != 0) {
                        SseInt.set(va, bits, i, SseInt.get(vb, bits, i));
                    }
                }
            }
            case 0x40, 0x41 -> dotProduct(op == 0x41, imm);
            case 0x42 -> SseInt.multipleSad(va, vb, imm, va);
            default -> throw CpuFault.ud();
        }
        storeDest(va);
    }

    /**
     * DPPS/DPPD: products of the lanes selected by imm8[7:4] (+0 elsewhere), summed, to the lanes of imm8[3:0]. The
     * multiplications and the additions are separate steps: an unmasked exception of the products faults before any
     * addition (and its flags reach MXCSR without the additions'). The hardware sums per destination lane in a
     * lane-dependent order, which shows in which NaN it returns: DPPS lane i gets s[i] + s[i ^ 2] with
     * s[i] = t[i ^ 1] + t[i]; DPPD lane i gets t[i] + t[i ^ 1].
     */
    private void dotProduct(boolean d, int imm) {
        beginFp();
        int lanes = d ? 2 : 4;
        long[] t = new long[4];
        for (int i = 0; i < lanes; i++) {
            t[i] = (imm >> (4 + i) & 1) != 0 ? fp.mul(lane(va, d, i), lane(vb, d, i), d) : 0;
        }
        commitFp();
        beginFp();
        long[] s = new long[4];
        for (int i = 0; i < lanes; i++) {
            s[i] = d ? fp.add(t[i], t[i ^ 1], d) : fp.add(t[i ^ 1], t[i], d);
        }
        long[] sum = s;
        if (!d) {
            sum = new long[4];
            for (int i = 0; i < 4; i++) {
                sum[i] = fp.add(s[i], s[i ^ 2], d);
            }
        }
        commitFp();
        for (int i = 0; i < lanes; i++) {
            setLane(va, d, i, (imm >> i & 1) != 0 ? sum[i] : 0);
        }
    }

    private void palignr(int p) {
        boolean xmm = p == P66;
        if (xmm) {
            check();
        } else if (p == NONE) {
            checkMmx();
        } else {
            throw CpuFault.ud();
        }
        in.decodeModrm();
        if (xmm) {
            src128(vb, true);
            int imm = in.fetch8();
            loadDest(va);
            SseInt.alignRight(va, vb, imm, va, 2);
            storeDest(va);
        } else {
            long[] b = {srcMmx()};
            int imm = in.fetch8();
            long[] a = {c.fpu.mmx(in.reg)};
            SseInt.alignRight(a, b, imm, a, 1);
            c.fpu.setMmx(in.reg, a[0]);
        }
    }

    /** PEXTRB (14), PEXTRW r/m16 (15), PEXTRD/PEXTRQ (16), EXTRACTPS (17): register or memory destination. */
    private void extract(int op) {
        int imm = in.fetch8();
        loadDest(va);
        int bits = switch (op) {
            case 0x14 -> 8;
            case 0x15 -> 16;
            case 0x16 -> in.rexW ? 64 : 32;
            default -> 32;
        };
        long v = SseInt.get(va, bits, imm & (128 / bits - 1));
        if (in.mod == 3) {
            setGpr(in.rm, v, bits == 64);
        } else if (bits == 64) {
            store64(v);
        } else {
            in.writeMem(in.eaSeg, in.eaOff, bits / 8, (int) v);
        }
    }

    /** PINSRB (20), INSERTPS (21), PINSRD/PINSRQ (22). */
    private void insert(int op) {
        if (op == 0x21) {
            long v = in.mod == 3 ? -1 : src32();
            int imm = in.fetch8();
            loadDest(va);
            if (in.mod == 3) {
                va[0] = x[2 * in.rm];
                va[1] = x[2 * in.rm + 1];
                v = SseInt.get(va, 32, (imm >> 6) & 3);
                loadDest(va);
            }
            SseInt.set(va, 32, (imm >> 4) & 3, v);
            for (int i = 0; i < 4; i++) {
                if ((imm >> i & 1) != 0) {
                    SseInt.set(va, 32, i, 0);
                }
            }
            storeDest(va);
            return;
        }
        int bits = op == 0x20 ? 8 : in.rexW ? 64 : 32;
        long v;
        if (in.mod == 3) {
            v = in.r[in.rm];
        } else {
            v = bits == 64 ? src64() : bits == 32 ? src32() : in.readMem(in.eaSeg, in.eaOff, 1);
        }
        int imm = in.fetch8();
        loadDest(va);
        SseInt.set(va, bits, imm & (128 / bits - 1), v);
        storeDest(va);
    }

    /** PCMPESTRM (60), PCMPESTRI (61), PCMPISTRM (62), PCMPISTRI (63). */
    private void stringCompare(int op) {
        src128(vb, false);
        int imm = in.fetch8();
        loadDest(va);
        boolean explicit = op <= 0x61;
        int n = (imm & 1) != 0 ? 8 : 16;
        int la = -1, lb = -1;
        if (explicit) {
            la = explicitLength(RAX, n);
            lb = explicitLength(RDX, n);
        }
        int[] out = new int[2];
        SseInt.stringCompare(va, vb, imm, la, lb, out);
        int res = out[0];
        if ((op & 1) != 0) { // index into ECX
            int idx = res == 0 ? n : (imm & 0x40) != 0 ? 31 - Integer.numberOfLeadingZeros(res)
                    : Integer.numberOfTrailingZeros(res);
            in.r[RCX] = idx;
        } else if ((imm & 0x40) == 0) { // mask in XMM0 bits
            setX(0, res & 0xFFFF, 0);
        } else { // expanded mask
            long[] m = new long[2];
            int bits = n == 8 ? 16 : 8;
            for (int i = 0; i < n; i++) {
                SseInt.set(m, bits, i, (res >> i & 1) != 0 ? -1 : 0);
            }
            setX(0, m[0], m[1]);
        }
        Alu.setArith(c, out[1]);
    }

    private int explicitLength(int reg, int n) {
        long v = in.rexW ? in.r[reg] : (int) in.r[reg];
        long m = Math.abs(v);
        return (int) Math.min(m < 0 ? n : m, n);
    }
}
