package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import org.virtfx.engine.cpu.fpu.MmxOps;
import org.virtfx.engine.cpu.fpu.SseState;
import org.virtfx.engine.cpu.sse.SseApprox;
import org.virtfx.engine.cpu.sse.SseFloat;
import org.virtfx.engine.cpu.sse.SseInt;

/**
 * Decoding of SSE, SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2 (with POPCNT and CRC32): the 0F 10-17, 28-2F, 50-7F, C2-C6
 * and D0-FF rows selected by the mandatory prefix (none, 66, F3, F2), and LDMXCSR/STMXCSR; the 0F 38 and 0F 3A maps
 * go to {@link SseThreeByteOps}, plain MMX forms (no prefix) to {@link MmxOps0F}. Floating point is {@link SseFloat}, the wider integer
 * operations {@link SseInt}, the lane-local ones {@link MmxOps} applied to each 64-bit half.
 *
 * <p>Faults: #UD when CR0.EM is set or CR4.OSFXSR clear, #NM when CR0.TS is set, #GP(0) for a misaligned 128-bit
 * operand of the aligned forms, and for an unmasked SIMD floating-point exception #XM (CR4.OSXMMEXCPT set) or #UD,
 * with MXCSR's flags updated and the destination left unchanged.
 */
final class SseOps extends SseOperands {
    private final MmxOps0F mmx;
    private final SseThreeByteOps threeByte;

    SseOps(Interpreter in, MmxOps0F mmx) {
        super(in);
        this.mmx = mmx;
        this.threeByte = new SseThreeByteOps(in);
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
            case 0x38 -> threeByte.execute38();
            case 0x3A -> threeByte.execute3A();
            case 0xB8 -> popcnt(p);
            default -> integerOp(op, p);
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
        boolean xmm = checkXmmOrMmxForm(p);
        in.decodeModrm();
        requireRegister();
        int n = xmm ? 16 : 8;
        long am = in.addrMask();   // DS:DI, DS:EDI or RDI by address size (in 64-bit mode the whole RDI)
        long base = in.r[RDI] & am;
        int seg = in.segDefault(DS);
        for (int i = 0; i < n; i++) {
            long data = xmm ? x[2 * in.reg + i / 8] : c.fpu.mmx(in.reg);
            long mask = xmm ? x[2 * in.rm + i / 8] : c.fpu.mmx(in.rm);
            if (((mask >>> (8 * (i & 7) + 7)) & 1) != 0) {
                in.writeMem(seg, (base + i) & am, 1, (int) (data >>> (8 * (i & 7))));
            }
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
            x[i + k] = MmxOps0F.shiftByImmediate(in.reg, x[i + k], count, bits);
        }
    }

    private void insertExtractWord(int op, int p) {
        boolean xmm = checkXmmOrMmxForm(p);
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
        if (in.rep != 0 || in.prefix66()) {
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
}
