package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * The 0F opcode map: system instructions (descriptor tables, control/debug registers, MSRs, SYSENTER/SYSEXIT,
 * CPUID), CMOVcc/SETcc/Jcc near, bit instructions, double shifts, MOVZX/MOVSX, CMPXCHG/CMPXCHG8B/XADD/BSWAP and
 * FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, and the long-mode system instructions (SYSCALL/SYSRET, SWAPGS, RDTSCP,
 * CMPXCHG16B). MMX, SSE to SSE4.2, POPCNT and CRC32 (the rest of the map, 0F 38 and 0F 3A) are decoded by
 * {@link SseOps}.
 */
final class TwoByteOps {
    private final Interpreter in;
    private final SoftwareCpu c;
    private final long[] r;
    private final SseOps sse;

    TwoByteOps(Interpreter in) {
        this.in = in;
        this.c = in.c;
        this.r = in.r;
        this.sse = new SseOps(in, new MmxOps0F(in));
    }

    private void requireCpl0() {
        if ((c.cr0 & CR0_PE) != 0 && ((c.eflags & VM) != 0 || c.cpl != 0)) {
            throw CpuFault.gp(0);
        }
    }

    private void requireProtected() {
        if (!in.protectedMode()) {
            throw CpuFault.ud();
        }
    }

    void execute() {
        int op = in.fetch8();
        in.opMap = 0x0F;
        in.opcode = op;
        int size = in.osize();
        switch (op) {
            case 0x00 -> group6();
            case 0x01 -> group7();
            case 0x02, 0x03 -> larLsl(op == 0x02);
            case 0x05 -> LongMode.syscall(in);
            case 0x07 -> LongMode.sysret(in);
            case 0x06 -> {
                requireCpl0();
                c.cr0 &= ~CR0_TS;
            }
            case 0x08, 0x09 -> requireCpl0();
            case 0x0B, 0xB9, 0xFF -> throw CpuFault.ud();
            case 0x0D, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F -> {
                in.decodeModrm(); // hint NOPs (NOP Ev, PREFETCH): decode only
            }
            case 0x20, 0x22 -> movCr(op == 0x22);
            case 0x21, 0x23 -> movDr(op == 0x23);
            case 0x30 -> {
                requireCpl0();
                c.msrs.write((int) r[RCX], (r[RAX] & 0xFFFFFFFFL) | (r[RDX] << 32));
            }
            case 0x31 -> {
                if ((c.cr4 & CR4_TSD) != 0 && c.cpl != 0 && (c.cr0 & CR0_PE) != 0) {
                    throw CpuFault.gp(0);
                }
                long t = c.tsc();
                r[RAX] = t & 0xFFFFFFFFL;
                r[RDX] = t >>> 32;
            }
            case 0x32 -> {
                requireCpl0();
                long v = c.msrs.read((int) r[RCX]);
                r[RAX] = v & 0xFFFFFFFFL;
                r[RDX] = v >>> 32;
            }
            case 0x33 -> {
                // RDPMC: this model has no performance counters, so every counter index is invalid
                throw CpuFault.gp(0);
            }
            case 0x34 -> sysenter();
            case 0x35 -> sysexit();
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> {
                in.decodeModrm();
                long v = in.readEaL(size);
                if (Alu.cond(c, op & 15)) {
                    in.setReg(in.reg, size, v);
                } else if (size == 4) {
                    in.setReg(in.reg, 4, in.getRegL(in.reg, 4));
                }
            }
            case 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F -> {
                int d = in.fetchImm(c.code64 ? 4 : size);
                if (size == 2 && !c.code64) {
                    d = (short) d;
                }
                if (Alu.cond(c, op & 15)) {
                    in.jumpNear(c.rip + d);
                }
            }
            case 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F -> {
                in.decodeModrm();
                in.writeEa(1, Alu.cond(c, op & 15) ? 1 : 0);
            }
            case 0xA0, 0xA8 -> in.push(in.ssize(), c.sel[op == 0xA0 ? FS : GS]);
            case 0xA1, 0xA9 -> {
                int v = in.peekStack(0, in.ssize());
                Segmentation.load(c, op == 0xA1 ? FS : GS, v & 0xFFFF);
                in.setSp(in.sp() + in.ssize());
            }
            case 0xA2 -> {
                int[] q = Cpuid.query(c, (int) r[RAX], (int) r[RCX]);
                r[RAX] = q[0] & 0xFFFFFFFFL;
                r[RBX] = q[1] & 0xFFFFFFFFL;
                r[RCX] = q[2] & 0xFFFFFFFFL;
                r[RDX] = q[3] & 0xFFFFFFFFL;
            }
            case 0xA3, 0xAB, 0xB3, 0xBB -> bitOp((op >>> 3) & 3, false);
            case 0xBA -> {
                in.decodeModrm();
                if ((in.reg & 7) < 4) {
                    throw CpuFault.ud();
                }
                bitOpDecoded(in.reg & 3, true);
            }
            case 0xA4, 0xA5, 0xAC, 0xAD -> {
                in.decodeModrm();
                long dst = in.readEaL(size);
                int count = (op & 1) == 0 ? in.fetch8() : (int) r[RCX] & 0xFF;
                long res = Alu.doubleShift(c, op < 0xA8, dst, in.getRegL(in.reg, size), count, size);
                if ((count & (size == 8 ? 0x3F : 0x1F)) != 0) {
                    in.writeEa(size, res);
                }
            }
            case 0xAE -> groupAE();
            case 0xAF -> {
                in.decodeModrm();
                in.setReg(in.reg, size, Alu.imul(c, in.getRegL(in.reg, size), in.readEaL(size), size));
            }
            case 0xB0, 0xB1 -> cmpxchg(op == 0xB0 ? 1 : size);
            case 0xB2, 0xB4, 0xB5 -> {
                in.decodeModrm();
                if (in.mod == 3) {
                    throw CpuFault.ud();
                }
                long off = in.readMemL(in.eaSeg, in.eaOff, size);
                int s = in.readMem(in.eaSeg, in.eaPlus(size), 2);
                Segmentation.load(c, op == 0xB2 ? SS : op == 0xB4 ? FS : GS, s);
                in.setReg(in.reg, size, off);
            }
            case 0xB6, 0xB7, 0xBE, 0xBF -> {
                in.decodeModrm();
                long v = in.readEaL((op & 1) == 0 ? 1 : 2);
                if (op >= 0xBE) {
                    v = (op & 1) == 0 ? (byte) v : (short) v;
                }
                in.setReg(in.reg, size, v);
            }
            case 0xBC, 0xBD -> {
                in.decodeModrm();
                long v = in.readEaL(size);
                if (v == 0) {
                    Alu.setArith(c, ZF);
                } else {
                    int idx = op == 0xBC ? Long.numberOfTrailingZeros(v) : 63 - Long.numberOfLeadingZeros(v);
                    in.setReg(in.reg, size, idx);
                    Alu.setArith(c, Alu.parity(idx));
                }
            }
            case 0xC0, 0xC1 -> {
                int s = op == 0xC0 ? 1 : size;
                in.decodeModrm();
                long d = in.readEaL(s);
                long src = in.getRegL(in.reg, s);
                long sum = Alu.alu(c, 0, d, src, s);
                in.setReg(in.reg, s, d);
                in.writeEa(s, sum);
            }
            case 0xC7 -> cmpxchg8b();
            case 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF -> {
                int i = (op & 7) | ((in.rex & 1) << 3);
                long v = r[i];
                r[i] = size == 8 ? Long.reverseBytes(v) : size == 4 ? Integer.reverseBytes((int) v) & 0xFFFFFFFFL
                        : v & ~0xFFFFL;
            }
            default -> sse.execute(op);
        }
    }

    private void group6() {
        in.decodeModrm();
        requireProtected();
        switch (in.reg & 7) {
            case 0, 1 -> {
                int v = c.sel[in.reg == 0 ? LDTR : TR];
                in.writeEa(in.mod == 3 ? in.osize() : 2, v);
            }
            case 2 -> {
                requireCpl0();
                lldt(in.readEa(2) & 0xFFFF);
            }
            case 3 -> {
                requireCpl0();
                ltr(in.readEa(2) & 0xFFFF);
            }
            case 4, 5 -> {
                int s = in.readEa(2) & 0xFFFF;
                Alu.setArith(c, Alu.flags(c) & ~ZF | (verify(s, (in.reg & 7) == 5) ? ZF : 0));
            }
            default -> throw CpuFault.ud();
        }
    }

    private void lldt(int s) {
        if ((s & 0xFFFC) == 0) {
            c.sel[LDTR] = s;
            c.segAttr[LDTR] = ATTR_UNUSABLE;
            return;
        }
        if ((s & 4) != 0) {
            throw CpuFault.gp(s & 0xFFFC);
        }
        long d = Segmentation.descriptor(c, s);
        if (Segmentation.isCodeOrData(d) || Segmentation.systemType(d) != 2) {
            throw CpuFault.gp(s & 0xFFFC);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, s & 0xFFFC);
        }
        Segmentation.loadCache(c, LDTR, s, d);
        c.segAttr[LDTR] &= ~1;
        if (LongMode.active(c)) {
            c.segBase[LDTR] |= Segmentation.upperBase(c, s);
        }
    }

    private void ltr(int s) {
        if ((s & 0xFFFC) == 0 || (s & 4) != 0) {
            throw CpuFault.gp(s & 0xFFFC);
        }
        long d = Segmentation.descriptor(c, s);
        int type = Segmentation.systemType(d);
        if (Segmentation.isCodeOrData(d) || (type != 1 && type != 9)) {
            throw CpuFault.gp(s & 0xFFFC);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, s & 0xFFFC);
        }
        boolean lma = LongMode.active(c);
        if (lma && type != 9) {
            throw CpuFault.gp(s & 0xFFFC); // only 64-bit TSSs (type 9) exist in IA-32e mode
        }
        long upper = lma ? Segmentation.upperBase(c, s) : 0;
        TaskSwitch.setBusy(c, s, true);
        Segmentation.loadCache(c, TR, s, d);
        c.segBase[TR] |= upper;
        c.segAttr[TR] = Segmentation.attr(d) | 2;
    }

    /** VERR/VERW: whether the segment is readable/writable at the current CPL and the selector's RPL. */
    private boolean verify(int s, boolean write) {
        if ((s & 0xFFFC) == 0 || Segmentation.descriptorAddress(c, s) == Segmentation.NO_DESCRIPTOR) {
            return false;
        }
        long d = Segmentation.descriptor(c, s);
        if (!Segmentation.isCodeOrData(d)) {
            return false;
        }
        boolean conformingCode = Segmentation.isCode(d) && Segmentation.conforming(d);
        if (!conformingCode && Segmentation.dpl(d) < Math.max(c.cpl, s & 3)) {
            return false;
        }
        if (write) {
            return !Segmentation.isCode(d) && Segmentation.rwBit(d);
        }
        return !Segmentation.isCode(d) || Segmentation.rwBit(d);
    }

    private void larLsl(boolean lar) {
        requireProtected();
        in.decodeModrm();
        int s = in.readEa(2) & 0xFFFF;
        int size = in.osize();
        boolean ok = false;
        long d = 0;
        if ((s & 0xFFFC) != 0 && Segmentation.descriptorAddress(c, s) != Segmentation.NO_DESCRIPTOR) {
            d = Segmentation.descriptor(c, s);
            if (Segmentation.isCodeOrData(d)) {
                boolean conformingCode = Segmentation.isCode(d) && Segmentation.conforming(d);
                ok = conformingCode || Segmentation.dpl(d) >= Math.max(c.cpl, s & 3);
            } else {
                int t = Segmentation.systemType(d);
                boolean valid = lar ? t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 11 || t == 12
                        : t == 1 || t == 2 || t == 3 || t == 9 || t == 11;
                ok = valid && Segmentation.dpl(d) >= Math.max(c.cpl, s & 3);
            }
        }
        if (ok) {
            int v = lar ? (int) ((d >>> 32) & 0x00F0FF00L) : Segmentation.limit(d);
            in.setReg(in.reg, size, v);
        }
        Alu.setArith(c, Alu.flags(c) & ~ZF | (ok ? ZF : 0));
    }

    private void group7() {
        in.decodeModrm();
        int reg = in.reg & 7;
        if (in.mod == 3 && reg == 7) {
            LongMode.group7Reg7(in, in.rm & 7);
            return;
        }
        if (in.mod == 3 && reg != 4 && reg != 6) {
            throw CpuFault.ud();
        }
        switch (reg) {
            case 0, 1 -> {
                boolean idt = reg == 1;
                in.writeMem(in.eaSeg, in.eaOff, 2, idt ? c.idtLimit : c.gdtLimit);
                // 64-bit mode stores an 8-byte base
                in.writeMem(in.eaSeg, in.eaPlus(2), c.code64 ? 8 : 4, idt ? c.idtBase : c.gdtBase);
            }
            case 2, 3 -> {
                requireCpl0();
                int limit = in.readMem(in.eaSeg, in.eaOff, 2) & 0xFFFF;
                long base;
                if (c.code64) {
                    base = in.readMemL(in.eaSeg, in.eaPlus(2), 8);
                    if (!Interpreter.canonical(base)) {
                        throw CpuFault.gp(0);
                    }
                } else {
                    base = in.readMem(in.eaSeg, in.eaPlus(2), 4) & 0xFFFFFFFFL;
                    if (!in.o32) {
                        base &= 0xFFFFFF;
                    }
                }
                c.setDescriptorTable(reg == 3, base, limit);
            }
            case 4 -> {
                int v = (int) c.cr0;
                if (in.mod == 3) {
                    in.setReg(in.rm, in.osize(), v);
                } else {
                    in.writeEa(2, v);
                }
            }
            case 6 -> {
                requireCpl0();
                int v = in.readEa(2);
                // LMSW sets PE but never clears it, and changes only MP/EM/TS
                long n = (c.cr0 & ~0xEL) | (v & 0xE) | (c.cr0 & 1) | (v & 1);
                c.writeCr0(n);
            }
            case 7 -> {
                requireCpl0();
                c.mmu.flushPage(in.linearNoCheck(in.eaSeg, in.eaOff));
            }
            default -> throw CpuFault.ud();
        }
    }

    private void movCr(boolean write) {
        in.decodeModrm(); // register form only: mod is ignored, as on hardware
        requireCpl0();
        int n = in.reg;
        if (n == 1 || (n > 4 && n != 8) || (n == 8 && !c.code64)) {
            throw CpuFault.ud();
        }
        // in 64-bit mode control registers move as 64-bit values whatever the operand size
        if (!write) {
            in.setReg(in.rm, c.code64 ? 8 : 4, c.controlRegister(n));
            return;
        }
        long v = c.code64 ? r[in.rm] : r[in.rm] & 0xFFFFFFFFL;
        if (n == 8) {
            if ((v & ~0xFL) != 0) {
                throw CpuFault.gp(0);
            }
            c.setControlRegister(8, v);
            return;
        }
        switch (n) {
            case 0 -> {
                if ((v & CR0_PG) != 0 && (v & CR0_PE) == 0) {
                    throw CpuFault.gp(0);
                }
                if ((v & CR0_NW) != 0 && (v & CR0_CD) == 0) {
                    throw CpuFault.gp(0);
                }
                LongMode.checkCr0Write(c, v);
                c.writeCr0(v);
            }
            case 2 -> c.cr2 = v;
            case 3 -> c.writeCr3(v);
            default -> {
                if ((v & ~0x7FFL) != 0 || (v & (CR4_VME | CR4_PVI)) != 0) {
                    throw CpuFault.gp(0);
                }
                if ((c.efer & EFER_LMA) != 0 && (v & CR4_PAE) == 0) {
                    throw CpuFault.gp(0); // PAE cannot be cleared in IA-32e mode
                }
                c.writeCr4(v);
            }
        }
    }

    private void movDr(boolean write) {
        in.decodeModrm();
        requireCpl0();
        int n = in.reg;
        if (n > 7) {
            throw CpuFault.ud();
        }
        if (n == 4 || n == 5) {
            if ((c.cr4 & CR4_DE) != 0) {
                throw CpuFault.ud();
            }
            n += 2;
        }
        if (write) {
            long v = c.code64 ? r[in.rm] : r[in.rm] & 0xFFFFFFFFL;
            c.dr[n] = n == 6 ? (v | 0xFFFF0FF0L) & 0xFFFFEFFFL : n == 7 ? (v | 0x400) & 0xFFFF2FFFL : v;
        } else {
            in.setReg(in.rm, c.code64 ? 8 : 4, c.dr[n]);
        }
    }

    private void sysenter() {
        long cs = c.msrs.sysenterCs;
        if ((c.cr0 & CR0_PE) == 0 || (cs & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        c.lazyOp = c.lazyOp;
        Alu.flags(c);
        c.eflags &= ~(VM | IF | RF);
        boolean lma = LongMode.active(c);
        flat(CS, (int) cs & 0xFFFC, 0x9B, 0);
        if (lma) {
            c.segAttr[CS] = 0xA09B; // SYSENTER in IA-32e mode always enters 64-bit code
        }
        flat(SS, ((int) cs & 0xFFFC) + 8, 0x93, 0);
        c.cpl = 0;
        c.modeChanged();
        r[RSP] = lma ? c.msrs.sysenterEsp : c.msrs.sysenterEsp & 0xFFFFFFFFL;
        c.rip = lma ? c.msrs.sysenterEip : c.msrs.sysenterEip & 0xFFFFFFFFL;
    }

    private void sysexit() {
        long cs = c.msrs.sysenterCs;
        if ((c.cr0 & CR0_PE) == 0 || (c.eflags & VM) != 0 || c.cpl != 0 || (cs & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        boolean to64 = in.rexW;
        flat(CS, (((int) cs + (to64 ? 32 : 16)) & 0xFFFC) | 3, 0xFB, 3);
        if (to64) {
            c.segAttr[CS] = 0xA0FB;
        }
        flat(SS, (((int) cs + (to64 ? 40 : 24)) & 0xFFFC) | 3, 0xF3, 3);
        c.cpl = 3;
        c.modeChanged();
        r[RSP] = to64 ? r[RCX] : r[RCX] & 0xFFFFFFFFL;
        c.rip = to64 ? r[RDX] : r[RDX] & 0xFFFFFFFFL;
    }

    /** SYSENTER/SYSEXIT load fixed flat 4 GiB segments without reading the GDT. */
    private void flat(int seg, int selector, int typeByte, int dpl) {
        c.sel[seg] = selector;
        c.segBase[seg] = 0;
        c.segLimit[seg] = 0xFFFFFFFF;
        c.segAttr[seg] = typeByte | 0xC000;
    }

    private void bitOp(int kind, boolean imm) {
        in.decodeModrm();
        bitOpDecoded(kind, imm);
    }

    /** BT (0), BTS (1), BTR (2), BTC (3) with a register or immediate bit offset. */
    private void bitOpDecoded(int kind, boolean imm) {
        int size = in.osize();
        int bits = size * 8;
        long v;
        int bit;
        long off = in.eaOff;
        if (imm) {
            bit = in.fetch8() & (bits - 1);
        } else {
            long idx = in.getRegL(in.reg, size);
            idx = size == 2 ? (short) idx : size == 4 ? (int) idx : idx;
            if (in.mod != 3) {
                // a register bit offset addresses memory beyond the operand (signed)
                long delta = (idx >> (size == 2 ? 4 : size == 4 ? 5 : 6)) * size;
                off = (off + delta) & in.addrMask();
            }
            bit = (int) idx & (bits - 1);
        }
        v = in.mod == 3 ? in.getRegL(in.rm, size) : in.readMemL(in.eaSeg, off, size);
        int cf = (int) (v >>> bit) & 1;
        long nv = switch (kind) {
            case 1 -> v | (1L << bit);
            case 2 -> v & ~(1L << bit);
            case 3 -> v ^ (1L << bit);
            default -> v;
        };
        if (kind != 0) {
            if (in.mod == 3) {
                in.setReg(in.rm, size, nv);
            } else {
                in.writeMem(in.eaSeg, off, size, nv);
            }
        }
        Alu.setArith(c, (Alu.flags(c) & ~CF) | cf);
    }

    private void cmpxchg(int size) {
        in.decodeModrm();
        long d = in.readEaL(size);
        long acc = in.getRegL(RAX, size);
        Alu.alu(c, 7, acc, d, size);
        if ((Alu.mask(size) & (acc ^ d)) == 0) {
            in.writeEa(size, in.getRegL(in.reg, size));
        } else {
            if (in.mod != 3) {
                in.writeEa(size, d);
            }
            in.setReg(RAX, size, d);
        }
    }

    private void cmpxchg8b() {
        in.decodeModrm();
        if ((in.reg & 7) != 1 || in.mod == 3) {
            throw CpuFault.ud();
        }
        if (in.rexW) {
            LongMode.cmpxchg16b(in);
            return;
        }
        long a = in.linear(in.eaSeg, in.eaOff, 8, true);
        long mem = in.readLinear(a, 8);
        long cmp = (r[RAX] & 0xFFFFFFFFL) | (r[RDX] << 32);
        if (mem == cmp) {
            in.writeLinear(a, 8, (r[RBX] & 0xFFFFFFFFL) | (r[RCX] << 32));
            Alu.setArith(c, Alu.flags(c) | ZF);
        } else {
            in.writeLinear(a, 8, mem);
            r[RAX] = mem & 0xFFFFFFFFL;
            r[RDX] = mem >>> 32;
            Alu.setArith(c, Alu.flags(c) & ~ZF);
        }
    }

    private void groupAE() {
        in.decodeModrm();
        if (in.mod == 3) {
            if ((in.reg & 7) >= 5) {
                return; // LFENCE/MFENCE/SFENCE: memory is already sequentially consistent here
            }
            throw CpuFault.ud();
        }
        switch (in.reg & 7) {
            case 0, 1 -> {
                if ((c.cr0 & (CR0_EM | CR0_TS)) != 0) {
                    throw CpuFault.of(CpuFault.NM);
                }
                boolean save = (in.reg & 7) == 0;
                long a = in.linear(in.eaSeg, in.eaOff, 512, save);
                if ((a & 15) != 0) {
                    throw CpuFault.gp(0);
                }
                if (save) {
                    c.fpu.fxsave(a, in.fpuMemory, in.rexW, c.sse);
                } else {
                    c.fpu.fxrstor(a, in.fpuMemory, in.rexW, c.sse);
                }
            }
            case 2, 3 -> sse.mxcsrAccess(in.reg == 2);
            case 7 -> in.linear(in.eaSeg, in.eaOff, 1, false); // CLFLUSH: nothing cached to flush
            default -> throw CpuFault.ud();
        }
    }
}
