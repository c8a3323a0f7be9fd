package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import org.virtfx.engine.cpu.sse.SseInt;

/**
 * The 0F 38 and 0F 3A maps: SSSE3 (also on MMX registers), SSE4.1, SSE4.2 string compares and CRC32; the operand
 * access and checks are {@link SseOperands}'.
 */
final class SseThreeByteOps extends SseOperands {
    SseThreeByteOps(Interpreter in) {
        super(in);
    }

    // ---------------------------------------------------------------- 0F 38

    void execute38() {
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
        boolean xmm = checkXmmOrMmxForm(p);
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

    void execute3A() {
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
        boolean xmm = checkXmmOrMmxForm(p);
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
