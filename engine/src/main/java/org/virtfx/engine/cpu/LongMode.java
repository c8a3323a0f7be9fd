package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * What IA-32e mode (EFER.LMA=1) adds to control transfers: 64-bit IDT gates with IST stacks and the 64-bit interrupt
 * frame (SS:RSP always pushed, stack aligned to 16), IRET in IA-32e mode (IRETQ), SYSCALL/SYSRET with the STAR/LSTAR/
 * CSTAR/SFMASK MSRs, SWAPGS, RDTSCP and CMPXCHG16B. The 64-bit TSS holds RSP0-2 and IST1-7; task switches do not
 * exist in IA-32e mode.
 */
final class LongMode {
    /** Descriptor bits: L (64-bit code) and D/B. */
    static final long DESC_L = 1L << 53, DESC_D = 1L << 54;
    /** Segment attribute (cache) bit for L, in the {@link X86Cpu#loadSegment} layout. */
    static final int ATTR_L = 0x2000;
    private static final int R11 = 11;

    private LongMode() {
    }

    static boolean active(SoftwareCpu c) {
        return (c.efer & EFER_LMA) != 0;
    }

    /** A code descriptor that runs 64-bit code in IA-32e mode. */
    static boolean code64(SoftwareCpu c, long d) {
        return (d & DESC_L) != 0 && active(c);
    }

    /** MOV CR0 checks of IA-32e mode: paging needs PAE when EFER.LME is set, and stays on in 64-bit code. */
    static void checkCr0Write(SoftwareCpu c, long v) {
        boolean pgOn = (v & CR0_PG) != 0, wasOn = (c.cr0 & CR0_PG) != 0;
        if (pgOn && !wasOn && (c.efer & EFER_LME) != 0 && (c.cr4 & CR4_PAE) == 0) {
            throw CpuFault.gp(0);
        }
        if (!pgOn && wasOn && c.code64) {
            throw CpuFault.gp(0);
        }
    }

    // ---- 64-bit TSS and system reads --------------------------------------------------------------------------

    static long readSystem64(SoftwareCpu c, long lin) {
        return (c.mmu.readSystem(lin, 4) & 0xFFFFFFFFL) | ((long) c.mmu.readSystem(lin + 4, 4) << 32);
    }

    /** RSPn ({@code off} 4 + 8n) or ISTn ({@code off} 0x24 + 8(n-1)) from the 64-bit TSS; #TS beyond its limit. */
    private static long tssQword(SoftwareCpu c, int off) {
        if (off + 7L > (c.segLimit[TR] & 0xFFFFFFFFL)) {
            throw CpuFault.withCode(CpuFault.TS, Segmentation.errorCode(c.sel[TR]));
        }
        return readSystem64(c, c.segBase[TR] + off);
    }

    // ---- interrupts ---------------------------------------------------------------------------------------------

    /** Interrupt/exception delivery through a 16-byte IDT gate; {@code c.rip} is the return address. */
    static void interrupt(SoftwareCpu c, int vector, int kind, boolean hasErr, int err) {
        int ext = kind == ControlTransfer.EXTERNAL || kind == ControlTransfer.EXCEPTION ? 1 : 0;
        int idtErr = vector * 8 + 2 + ext;
        if (vector * 16L + 15 > c.idtLimit) {
            throw CpuFault.gp(idtErr);
        }
        long gAddr = c.idtBase + vector * 16L;
        long lo = readSystem64(c, gAddr);
        long hi = readSystem64(c, gAddr + 8);
        int type = (int) (lo >>> 40) & 0x1F;
        if (type != 14 && type != 15) {
            throw CpuFault.gp(idtErr);
        }
        boolean soft = kind == ControlTransfer.SOFTWARE || kind == ControlTransfer.SOFTWARE_EXCEPTION;
        if (soft && Segmentation.dpl(lo) < c.cpl) {
            throw CpuFault.gp(vector * 8 + 2);
        }
        if (!Segmentation.present(lo)) {
            throw CpuFault.withCode(CpuFault.NP, idtErr);
        }
        int target = (int) (lo >>> 16) & 0xFFFF;
        long off = (lo & 0xFFFF) | ((lo >>> 32) & 0xFFFF0000L) | (hi << 32);
        int ist = (int) (lo >>> 32) & 7;
        if ((target & 0xFFFC) == 0) {
            throw CpuFault.gp(ext);
        }
        int terr = Segmentation.errorCode(target) | ext;
        if (Segmentation.descriptorAddress(c, target) == Segmentation.NO_DESCRIPTOR) {
            throw CpuFault.gp(terr);
        }
        long cd = Segmentation.descriptor(c, target);
        int dpl = Segmentation.dpl(cd);
        if (!Segmentation.isCode(cd) || (cd & DESC_L) == 0 || (cd & DESC_D) != 0 || dpl > c.cpl) {
            throw CpuFault.gp(terr);
        }
        if (!Segmentation.present(cd)) {
            throw CpuFault.withCode(CpuFault.NP, terr);
        }
        if (!Interpreter.canonical(off)) {
            throw CpuFault.gp(ext);
        }
        int newCpl = Segmentation.conforming(cd) ? c.cpl : dpl;
        long rsp;
        if (ist != 0) {
            rsp = tssQword(c, 0x24 + (ist - 1) * 8);
        } else if (newCpl < c.cpl) {
            rsp = tssQword(c, 4 + newCpl * 8);
        } else {
            rsp = c.r[RSP];
        }
        rsp &= ~0xFL;
        long flags = Alu.flags(c) & 0xFFFFFFFFL;
        int frame = hasErr && kind == ControlTransfer.EXCEPTION ? 6 : 5;
        long top = rsp - frame * 8L;
        if (!Interpreter.canonical(rsp) || !Interpreter.canonical(top)) {
            throw CpuFault.withCode(CpuFault.SS, 0);
        }
        long[] values = {c.sel[SS], c.r[RSP], flags, c.sel[CS], c.rip, err & 0xFFFFFFFFL};
        int saved = c.mmu.userHalf;
        c.mmu.userHalf = newCpl == 3 ? 1 << 12 : 0;
        try {
            for (int i = 0; i < frame; i++) {
                c.mmu.write64(rsp - 8L * (i + 1), values[i]);
            }
        } finally {
            c.mmu.userHalf = saved;
        }
        if (newCpl != c.cpl) {
            loadNullStack(c, newCpl);
        }
        c.eflags &= ~(TF | NT | RF | VM);
        if (type == 14) {
            c.eflags &= ~IF;
        }
        ControlTransfer.setCs(c, target, cd, newCpl);
        c.r[RSP] = top;
        c.rip = off;
    }

    /** A null SS with RPL = CPL: what a privilege change in IA-32e mode leaves in SS. */
    static void loadNullStack(SoftwareCpu c, int cpl) {
        c.sel[SS] = cpl;
        c.segBase[SS] = 0;
        c.segLimit[SS] = 0;
        c.segAttr[SS] = ATTR_UNUSABLE | 0x4000 | (cpl << 5);
    }

    /** IRET with IA-32e mode active (IRETQ with REX.W): 64-bit mode always pops SS:RSP. */
    static void iret(Interpreter in) {
        SoftwareCpu c = in.c;
        if ((c.eflags & NT) != 0) {
            throw CpuFault.gp(0);
        }
        int size = in.osize();
        long ip = in.peekStackL(0, size);
        int selector = in.peekStack(size, 2) & 0xFFFF;
        int fl = (int) in.peekStackL(2 * size, size);
        boolean from64 = c.code64;
        int rpl = selector & 3;
        long d = ControlTransfer.checkReturnCode(c, selector);
        boolean to64 = (d & DESC_L) != 0;
        if (to64) {
            if (!Interpreter.canonical(ip)) {
                throw CpuFault.gp(0);
            }
        } else if (ip > (Segmentation.limit(d) & 0xFFFFFFFFL)) {
            throw CpuFault.gp(0);
        }
        int oldCpl = c.cpl;
        int changeable = CF | PF | AF | ZF | SF | TF | DF | OF | NT | (size >= 4 ? AC | ID | RF : 0);
        if (oldCpl == 0) {
            changeable |= IOPL | (size >= 4 ? VIF | VIP : 0);
        }
        if (oldCpl <= in.iopl()) {
            changeable |= IF;
        }
        if (from64 || rpl != oldCpl) {
            long newSp = in.peekStackL(3 * size, size);
            int newSs = in.peekStack(4 * size, 2) & 0xFFFF;
            long ssd = 0;
            boolean nullSs = (newSs & 0xFFFC) == 0;
            if (nullSs) {
                if (!to64 || rpl == 3) {
                    throw CpuFault.gp(0);
                }
            } else {
                ssd = ControlTransfer.checkOuterStack(c, newSs, rpl);
            }
            ControlTransfer.setCs(c, selector, d, rpl);
            if (nullSs) {
                loadNullStack(c, rpl);
                c.sel[SS] = newSs;
            } else {
                Segmentation.markAccessed(c, newSs, ssd);
                Segmentation.loadCache(c, SS, newSs, ssd);
            }
            c.modeChanged();
            c.r[RSP] = size == 8 ? newSp : size == 4 ? newSp & 0xFFFFFFFFL : (c.r[RSP] & ~0xFFFFL) | newSp;
        } else {
            in.setSp(in.sp() + 3L * size);
            ControlTransfer.setCs(c, selector, d, rpl);
        }
        c.rip = to64 ? ip : ip & 0xFFFFFFFFL;
        in.setFlagsMasked(fl, changeable);
        if (rpl > oldCpl) {
            Segmentation.nullifyInaccessible(c);
        }
    }

    // ---- call gates ---------------------------------------------------------------------------------------------

    /**
     * Far CALL or JMP through a call gate with IA-32e mode active: the gate is the 16-byte kind (type 12 with the
     * offset's high half in the next 8 bytes), its target must be 64-bit code, a CALL to a more privileged level takes
     * RSP from the 64-bit TSS with a null SS and pushes SS, RSP, CS and RIP as quadwords; no parameters are copied.
     * {@code d} is the gate's low half, already read from its table.
     */
    static void callGate(Interpreter in, int selector, long d, boolean call) {
        SoftwareCpu c = in.c;
        int err = Segmentation.errorCode(selector);
        if (Segmentation.systemType(d) != 12) {
            throw CpuFault.gp(err);   // 16-bit call gates, task gates and TSS descriptors do not exist in IA-32e mode
        }
        int dpl = Segmentation.dpl(d);
        if (dpl < c.cpl || dpl < (selector & 3)) {
            throw CpuFault.gp(err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, err);
        }
        long highAddr = Segmentation.descriptorAddress(c, selector + 8);
        if (highAddr == Segmentation.NO_DESCRIPTOR) {
            throw CpuFault.gp(err);
        }
        long hi = readSystem64(c, highAddr);
        if (((hi >>> 40) & 0x1F) != 0) {
            throw CpuFault.gp(err);   // the upper half's type field must be 0 (it is not a descriptor)
        }
        int target = (int) (d >>> 16) & 0xFFFF;
        long off = (d & 0xFFFF) | ((d >>> 32) & 0xFFFF0000L) | (hi << 32);
        if ((target & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        int terr = Segmentation.errorCode(target);
        if (Segmentation.descriptorAddress(c, target) == Segmentation.NO_DESCRIPTOR) {
            throw CpuFault.gp(terr);
        }
        long cd = Segmentation.descriptor(c, target);
        int cdpl = Segmentation.dpl(cd);
        boolean conforming = Segmentation.conforming(cd);
        boolean privilegeOk = (call || conforming) ? cdpl <= c.cpl : cdpl == c.cpl;
        if (!Segmentation.isCode(cd) || (cd & DESC_L) == 0 || (cd & DESC_D) != 0 || !privilegeOk) {
            throw CpuFault.gp(terr);
        }
        if (!Segmentation.present(cd)) {
            throw CpuFault.withCode(CpuFault.NP, terr);
        }
        if (!Interpreter.canonical(off)) {
            throw CpuFault.gp(0);
        }
        if (!call) {
            ControlTransfer.setCs(c, target, cd, c.cpl);
            c.rip = off;
            return;
        }
        int newCpl = conforming ? c.cpl : cdpl;
        boolean inner = newCpl < c.cpl;
        long rsp = inner ? tssQword(c, 4 + newCpl * 8) : c.r[RSP];
        long[] values = inner ? new long[] {c.sel[SS], c.r[RSP], c.sel[CS], c.rip} : new long[] {c.sel[CS], c.rip};
        long top = rsp - values.length * 8L;
        if (!Interpreter.canonical(rsp) || !Interpreter.canonical(top)) {
            throw CpuFault.withCode(CpuFault.SS, 0);
        }
        // all pushes before any register changes, so a #PF on the new stack leaves the caller's state intact
        int saved = c.mmu.userHalf;
        c.mmu.userHalf = newCpl == 3 ? 1 << 12 : 0;
        try {
            for (int i = 0; i < values.length; i++) {
                c.mmu.write64(rsp - 8L * (i + 1), values[i]);
            }
        } finally {
            c.mmu.userHalf = saved;
        }
        if (inner) {
            loadNullStack(c, newCpl);
        }
        ControlTransfer.setCs(c, target, cd, newCpl);
        c.r[RSP] = top;
        c.rip = off;
    }

    // ---- SYSCALL / SYSRET ---------------------------------------------------------------------------------------

    /** Loads CS or SS with the flat segment SYSCALL/SYSRET imply (no descriptor read). */
    private static void flat(SoftwareCpu c, int seg, int selector, int attr) {
        c.sel[seg] = selector & 0xFFFF;
        c.segBase[seg] = 0;
        c.segLimit[seg] = 0xFFFFFFFF;
        c.segAttr[seg] = attr;
    }

    static void syscall(Interpreter in) {
        SoftwareCpu c = in.c;
        if ((c.efer & EFER_SCE) == 0 || (c.cr0 & CR0_PE) == 0) {
            throw CpuFault.ud();
        }
        Msrs m = c.msrs;
        int cs = (int) (m.star >>> 32) & 0xFFFC;
        int flags = Alu.flags(c);
        if (active(c)) {
            boolean from64 = c.code64;
            c.r[RCX] = c.rip;
            c.r[R11] = flags & ~RF & 0xFFFFFFFFL;
            flat(c, CS, cs, 0xA09B);
            flat(c, SS, cs + 8, 0xC093);
            c.eflags = (flags & ~(int) m.sfmask & ~RF) | 2;
            c.rip = from64 ? m.lstar : m.cstar;
        } else {
            c.r[RCX] = c.rip & 0xFFFFFFFFL;
            flat(c, CS, cs, 0xC09B);
            flat(c, SS, cs + 8, 0xC093);
            c.eflags = flags & ~(VM | IF | RF);
            c.rip = m.star & 0xFFFFFFFFL;
        }
        c.cpl = 0;
        c.modeChanged();
    }

    static void sysret(Interpreter in) {
        SoftwareCpu c = in.c;
        if ((c.efer & EFER_SCE) == 0 || !c.code64) {
            throw CpuFault.ud();
        }
        if (c.cpl != 0) {
            throw CpuFault.gp(0);
        }
        int base = (int) (c.msrs.star >>> 48) & 0xFFFF;
        long target;
        if (in.rexW) {
            target = c.r[RCX];
            if (!Interpreter.canonical(target)) {
                throw CpuFault.gp(0);
            }
            flat(c, CS, (base + 16) | 3, 0xA0FB);
        } else {
            target = c.r[RCX] & 0xFFFFFFFFL;
            flat(c, CS, base | 3, 0xC0FB);
        }
        flat(c, SS, (base + 8) | 3, 0xC0F3);
        c.lazyOp = 0;
        c.eflags = ((int) c.r[R11] & 0x3C7FD7) | 2;
        c.cpl = 3;
        c.modeChanged();
        c.rip = target;
        c.interruptsMayBeEnabled();
    }

    /** 0F 01 with mod=3, reg=7: SWAPGS (rm 0) and RDTSCP (rm 1). */
    static void group7Reg7(Interpreter in, int rm) {
        SoftwareCpu c = in.c;
        switch (rm) {
            case 0 -> {
                if (!c.code64) {
                    throw CpuFault.ud();
                }
                if (c.cpl != 0) {
                    throw CpuFault.gp(0);
                }
                long gs = c.segBase[GS];
                c.segBase[GS] = c.msrs.kernelGsBase;
                c.msrs.kernelGsBase = gs;
            }
            case 1 -> {
                if ((c.cr4 & CR4_TSD) != 0 && c.cpl != 0) {
                    throw CpuFault.gp(0);
                }
                long t = c.tsc();
                c.r[RAX] = t & 0xFFFFFFFFL;
                c.r[RDX] = t >>> 32;
                c.r[RCX] = c.msrs.tscAux & 0xFFFFFFFFL;
            }
            default -> throw CpuFault.ud();
        }
    }

    /** CMPXCHG16B m128 (0F C7 /1 with REX.W): the operand must be 16-byte aligned. */
    static void cmpxchg16b(Interpreter in) {
        SoftwareCpu c = in.c;
        long[] r = c.r;
        long a = in.linear(in.eaSeg, in.eaOff, 16, true);
        if ((a & 15) != 0) {
            throw CpuFault.gp(0);
        }
        long lo = c.mmu.read64(a), hi = c.mmu.read64(a + 8);
        boolean equal = lo == r[RAX] && hi == r[RDX];
        // the destination is always written (with the old value on a mismatch), as the locked cycle does
        c.mmu.write64(a, equal ? r[RBX] : lo);
        c.mmu.write64(a + 8, equal ? r[RCX] : hi);
        if (!equal) {
            r[RAX] = lo;
            r[RDX] = hi;
        }
        Alu.setArith(c, (Alu.flags(c) & ~ZF) | (equal ? ZF : 0));
    }
}
