package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * Far JMP/CALL/RET, IRET and interrupt/exception delivery in real, protected and virtual-8086 mode: call gates with
 * privilege changes and parameter copying, interrupt/trap/task gates, stack switches from the TSS, returns to outer
 * levels and to virtual-8086 mode. Task switches are in {@link TaskSwitch}, what IA-32e mode changes in
 * {@link LongMode}, which also has the 16-byte call gates of IA-32e mode.
 */
final class ControlTransfer {
    /** How an interrupt was raised: decides the EXT bit, the gate DPL check and the error code. */
    static final int EXCEPTION = 0, EXTERNAL = 1, SOFTWARE = 2, SOFTWARE_EXCEPTION = 3, PRIVILEGED_SOFTWARE = 4;

    private ControlTransfer() {
    }

    static boolean pm(SoftwareCpu c) {
        return (c.cr0 & CR0_PE) != 0 && (c.eflags & VM) == 0;
    }

    static void setCs(SoftwareCpu c, int selector, long d, int cpl) {
        Segmentation.markAccessed(c, selector, d);
        Segmentation.loadCache(c, CS, (selector & ~3) | cpl, d);
        c.cpl = cpl;
        c.modeChanged();
    }

    private static void checkLimit(SoftwareCpu c, long off, long d) {
        if (LongMode.code64(c, d)) {
            if (!Interpreter.canonical(off)) {
                throw CpuFault.gp(0);
            }
        } else if (off > (Segmentation.limit(d) & 0xFFFFFFFFL)) {
            throw CpuFault.gp(0);
        }
    }

    /** Validates a code segment as a JMP/CALL target (no gate); returns nothing, throws the right fault. */
    private static void checkDirectCode(SoftwareCpu c, int selector, long d) {
        int err = Segmentation.errorCode(selector);
        if (!Segmentation.isCode(d)) {
            throw CpuFault.gp(err);
        }
        int dpl = Segmentation.dpl(d);
        if (Segmentation.conforming(d) ? dpl > c.cpl : ((selector & 3) > c.cpl || dpl != c.cpl)) {
            throw CpuFault.gp(err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, err);
        }
    }

    static void farJump(Interpreter in, int selector, long off) {
        SoftwareCpu c = in.c;
        if (!pm(c)) {
            if (off > (c.segLimit[CS] & 0xFFFFFFFFL)) {
                throw CpuFault.gp(0);
            }
            Segmentation.loadReal(c, CS, selector);
            c.rip = off;
            return;
        }
        if ((selector & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        long d = Segmentation.descriptor(c, selector);
        int err = Segmentation.errorCode(selector);
        if (Segmentation.isCodeOrData(d)) {
            checkDirectCode(c, selector, d);
            checkLimit(c, off, d);
            setCs(c, selector, d, c.cpl);
            c.rip = off;
            return;
        }
        if (LongMode.active(c)) {
            LongMode.callGate(in, selector, d, false);
            return;
        }
        int type = Segmentation.systemType(d);
        int dpl = Segmentation.dpl(d);
        switch (type) {
            case 4, 12 -> {
                if (dpl < c.cpl || dpl < (selector & 3)) {
                    throw CpuFault.gp(err);
                }
                if (!Segmentation.present(d)) {
                    throw CpuFault.withCode(CpuFault.NP, err);
                }
                int target = (int) (d >>> 16) & 0xFFFF;
                long toff = gateOffset(d, type == 12);
                if ((target & 0xFFFC) == 0) {
                    throw CpuFault.gp(0);
                }
                long cd = Segmentation.descriptor(c, target);
                int terr = Segmentation.errorCode(target);
                if (!Segmentation.isCode(cd) || (Segmentation.conforming(cd) ? Segmentation.dpl(cd) > c.cpl
                        : Segmentation.dpl(cd) != c.cpl)) {
                    throw CpuFault.gp(terr);
                }
                if (!Segmentation.present(cd)) {
                    throw CpuFault.withCode(CpuFault.NP, terr);
                }
                checkLimit(c, toff, cd);
                setCs(c, target, cd, c.cpl);
                c.rip = toff;
            }
            case 5, 1, 9 -> {
                if (dpl < c.cpl || dpl < (selector & 3)) {
                    throw CpuFault.gp(err);
                }
                if (!Segmentation.present(d)) {
                    throw CpuFault.withCode(CpuFault.NP, err);
                }
                int tss = selector;
                long td = d;
                if (type == 5) {
                    tss = (int) (d >>> 16) & 0xFFFF;
                    td = Segmentation.descriptor(c, tss);
                }
                TaskSwitch.run(c, tss, td, TaskSwitch.JMP, false, 0);
            }
            default -> throw CpuFault.gp(err);
        }
    }

    static long gateOffset(long d, boolean gate32) {
        long off = d & 0xFFFF;
        if (gate32) {
            off |= ((d >>> 48) & 0xFFFF) << 16;
        }
        return off;
    }

    static void farCall(Interpreter in, int selector, long off) {
        SoftwareCpu c = in.c;
        int size = in.osize();
        if (!pm(c)) {
            if (off > (c.segLimit[CS] & 0xFFFFFFFFL)) {
                throw CpuFault.gp(0);
            }
            in.push(size, c.sel[CS]);
            in.push(size, (int) c.rip);
            Segmentation.loadReal(c, CS, selector);
            c.rip = off;
            return;
        }
        if ((selector & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        long d = Segmentation.descriptor(c, selector);
        int err = Segmentation.errorCode(selector);
        if (Segmentation.isCodeOrData(d)) {
            checkDirectCode(c, selector, d);
            checkLimit(c, off, d);
            in.push(size, c.sel[CS]);
            in.push(size, c.rip);
            setCs(c, selector, d, c.cpl);
            c.rip = off;
            return;
        }
        if (LongMode.active(c)) {
            LongMode.callGate(in, selector, d, true);
            return;
        }
        int type = Segmentation.systemType(d);
        int dpl = Segmentation.dpl(d);
        if (type != 4 && type != 12 && type != 5 && type != 1 && type != 9) {
            throw CpuFault.gp(err);
        }
        if (dpl < c.cpl || dpl < (selector & 3)) {
            throw CpuFault.gp(err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, err);
        }
        if (type == 5 || type == 1 || type == 9) {
            int tss = selector;
            long td = d;
            if (type == 5) {
                tss = (int) (d >>> 16) & 0xFFFF;
                td = Segmentation.descriptor(c, tss);
            }
            TaskSwitch.run(c, tss, td, TaskSwitch.CALL, false, 0);
            return;
        }
        boolean gate32 = type == 12;
        int gsize = gate32 ? 4 : 2;
        int target = (int) (d >>> 16) & 0xFFFF;
        long toff = gateOffset(d, gate32);
        if ((target & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        long cd = Segmentation.descriptor(c, target);
        int terr = Segmentation.errorCode(target);
        int cdpl = Segmentation.dpl(cd);
        if (!Segmentation.isCode(cd) || cdpl > c.cpl) {
            throw CpuFault.gp(terr);
        }
        if (!Segmentation.present(cd)) {
            throw CpuFault.withCode(CpuFault.NP, terr);
        }
        checkLimit(c, toff, cd);
        if (!Segmentation.conforming(cd) && cdpl < c.cpl) {
            // more privileged: switch to the inner stack from the TSS and copy the parameters
            int params = (int) (d >>> 32) & 0x1F;
            long[] stack = tssStack(c, cdpl);
            int newSs = (int) stack[0];
            long newSp = stack[1];
            long ssd = checkNewStack(c, newSs, cdpl);
            int[] copied = new int[params];
            for (int i = 0; i < params; i++) {
                copied[i] = in.peekStack(i * gsize, gsize);
            }
            int oldSs = c.sel[SS];
            long oldSp = in.sp();
            int oldCs = c.sel[CS];
            long oldIp = c.rip;
            NewStack ns = new NewStack(c, ssd, newSp, cdpl);
            ns.push(gsize, oldSs);
            ns.push(gsize, (int) oldSp);
            for (int i = params - 1; i >= 0; i--) {
                ns.push(gsize, copied[i]);
            }
            ns.push(gsize, oldCs);
            ns.push(gsize, (int) oldIp);
            Segmentation.markAccessed(c, newSs, ssd);
            Segmentation.loadCache(c, SS, newSs, ssd);
            setCs(c, target, cd, cdpl);
            ns.commit();
            c.rip = toff;
        } else {
            in.push(gsize, c.sel[CS]);
            in.push(gsize, (int) c.rip);
            setCs(c, target, cd, c.cpl);
            c.rip = toff;
        }
    }

    /** SS:ESP for privilege level {@code level} from the current TSS (16- or 32-bit). */
    static long[] tssStack(SoftwareCpu c, int level) {
        int type = c.segAttr[TR] & 0xF;
        long tss = c.segBase[TR];
        boolean tss32 = type == 9 || type == 11;
        int off = tss32 ? 4 + level * 8 : 2 + level * 4;
        int width = tss32 ? 4 : 2;
        if (off + 2 * width - 1 > (c.segLimit[TR] & 0xFFFFFFFFL)) {
            throw CpuFault.withCode(CpuFault.TS, Segmentation.errorCode(c.sel[TR]));
        }
        long sp = c.mmu.readSystem((tss + off) & 0xFFFFFFFFL, width) & (tss32 ? 0xFFFFFFFFL : 0xFFFF);
        int ss = c.mmu.readSystem((tss + off + width) & 0xFFFFFFFFL, 2) & 0xFFFF;
        return new long[] {ss, sp};
    }

    /** Checks an inner stack segment named by the TSS; faults are #TS as the SDM lists for stack switches. */
    static long checkNewStack(SoftwareCpu c, int ss, int cpl) {
        int err = Segmentation.errorCode(ss);
        if ((ss & 0xFFFC) == 0) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        if (Segmentation.descriptorAddress(c, ss) == Segmentation.NO_DESCRIPTOR) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        long d = Segmentation.descriptor(c, ss);
        if ((ss & 3) != cpl || Segmentation.dpl(d) != cpl || !Segmentation.isCodeOrData(d) || Segmentation.isCode(d)
                || !Segmentation.rwBit(d)) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.SS, err);
        }
        return d;
    }

    /** Pushes onto a stack segment that is not loaded yet (inner stack of a privilege change). */
    static final class NewStack {
        private final SoftwareCpu c;
        private final long base;
        private final long limit;
        private final boolean big;
        private final boolean user;
        long sp;

        NewStack(SoftwareCpu c, long ssDescriptor, long sp, int cpl) {
            this.c = c;
            this.base = Segmentation.base(ssDescriptor);
            this.limit = Segmentation.limit(ssDescriptor) & 0xFFFFFFFFL;
            this.big = (ssDescriptor & (1L << 54)) != 0;
            this.sp = sp & (big ? 0xFFFFFFFFL : 0xFFFF);
            this.user = cpl == 3;
        }

        void push(int size, int v) {
            long nsp = (sp - size) & (big ? 0xFFFFFFFFL : 0xFFFF);
            if (nsp + size - 1 > limit) {
                throw CpuFault.withCode(CpuFault.SS, 0);
            }
            long lin = (base + nsp) & 0xFFFFFFFFL;
            if (user) {
                int saved = c.mmu.userHalf;
                c.mmu.userHalf = 1 << 12;
                try {
                    if (size == 2) {
                        c.mmu.write16(lin, v);
                    } else {
                        c.mmu.write32(lin, v);
                    }
                } finally {
                    c.mmu.userHalf = saved;
                }
            } else {
                c.mmu.writeSystem(lin, size, v);
            }
            sp = nsp;
        }

        /** Sets ESP (SS must have been loaded with this stack's descriptor). */
        void commit() {
            c.modeChanged();
            if (big) {
                c.r[RSP] = sp;
            } else {
                c.r[RSP] = (c.r[RSP] & ~0xFFFFL) | sp;
            }
        }
    }

    static void farReturn(Interpreter in, int imm) {
        SoftwareCpu c = in.c;
        int size = in.osize();
        if (!pm(c)) {
            int ip = in.peekStack(0, size);
            int cs = in.peekStack(size, 2) & 0xFFFF;
            long off = size == 2 ? ip & 0xFFFF : ip & 0xFFFFFFFFL;
            if (off > (c.segLimit[CS] & 0xFFFFFFFFL)) {
                throw CpuFault.gp(0);
            }
            in.setSp(in.sp() + 2L * size + imm);
            Segmentation.loadReal(c, CS, cs);
            c.rip = off;
            return;
        }
        long off = in.peekStackL(0, size);
        int selector = in.peekStack(size, 2) & 0xFFFF;
        int rpl = selector & 3;
        long d = checkReturnCode(c, selector);
        checkLimit(c, off, d);
        if (rpl == c.cpl) {
            in.setSp(in.sp() + 2L * size + imm);
            setCs(c, selector, d, rpl);
            c.rip = off;
            return;
        }
        long newSp = in.peekStackL(2 * size + imm, size);
        int newSs = in.peekStack(3 * size + imm, 2) & 0xFFFF;
        // IA-32e mode: a return to 64-bit code below ring 3 may load a null SS (what a 64-bit call gate left)
        boolean nullSs = (newSs & 0xFFFC) == 0 && LongMode.code64(c, d) && rpl != 3;
        long ssd = nullSs ? 0 : checkOuterStack(c, newSs, rpl);
        setCs(c, selector, d, rpl);
        if (nullSs) {
            LongMode.loadNullStack(c, rpl);
            c.sel[SS] = newSs;
        } else {
            Segmentation.loadCache(c, SS, newSs, ssd);
            Segmentation.markAccessed(c, newSs, ssd);
        }
        c.modeChanged();
        long sp = newSp + imm;
        if (c.code64) {
            c.r[RSP] = sp;
        } else if (c.stack32) {
            c.r[RSP] = sp & 0xFFFFFFFFL;
        } else {
            c.r[RSP] = (c.r[RSP] & ~0xFFFFL) | (sp & 0xFFFF);
        }
        c.rip = off;
        Segmentation.nullifyInaccessible(c);
    }

    /** The code segment a RET/IRET returns to: RPL >= CPL, conforming/non-conforming DPL rules, present. */
    static long checkReturnCode(SoftwareCpu c, int selector) {
        if ((selector & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        long d = Segmentation.descriptor(c, selector);
        int err = Segmentation.errorCode(selector);
        int rpl = selector & 3;
        if (rpl < c.cpl || !Segmentation.isCode(d)) {
            throw CpuFault.gp(err);
        }
        int dpl = Segmentation.dpl(d);
        if (Segmentation.conforming(d) ? dpl > rpl : dpl != rpl) {
            throw CpuFault.gp(err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, err);
        }
        return d;
    }

    static long checkOuterStack(SoftwareCpu c, int ss, int rpl) {
        int err = Segmentation.errorCode(ss);
        if ((ss & 0xFFFC) == 0) {
            throw CpuFault.gp(0);
        }
        long d = Segmentation.descriptor(c, ss);
        if ((ss & 3) != rpl || Segmentation.dpl(d) != rpl || !Segmentation.isCodeOrData(d) || Segmentation.isCode(d)
                || !Segmentation.rwBit(d)) {
            throw CpuFault.gp(err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.SS, err);
        }
        return d;
    }

    static void iret(Interpreter in) {
        SoftwareCpu c = in.c;
        int size = in.osize();
        c.nmiReturn();
        if (LongMode.active(c)) {
            LongMode.iret(in);
            return;
        }
        if ((c.cr0 & CR0_PE) == 0 || (c.eflags & VM) != 0) {
            boolean v86 = (c.eflags & VM) != 0;
            if (v86 && in.iopl() < 3) {
                throw CpuFault.gp(0);
            }
            int ip = in.peekStack(0, size);
            int cs = in.peekStack(size, 2) & 0xFFFF;
            int fl = in.peekStack(2 * size, size);
            long off = size == 2 ? ip & 0xFFFF : ip & 0xFFFFFFFFL;
            if (off > (c.segLimit[CS] & 0xFFFFFFFFL)) {
                throw CpuFault.gp(0);
            }
            in.setSp(in.sp() + 3L * size);
            Segmentation.loadReal(c, CS, cs);
            c.rip = off;
            int changeable = 0x7FD5 | (size == 4 ? AC | ID | RF : 0);
            if (v86) {
                changeable &= ~IOPL;
            }
            in.setFlagsMasked(fl, changeable);
            return;
        }
        if ((c.eflags & NT) != 0) {
            int back = c.mmu.readSystem(c.segBase[TR], 2) & 0xFFFF;
            long bd = Segmentation.descriptor(c, back);
            TaskSwitch.run(c, back, bd, TaskSwitch.IRET, false, 0);
            return;
        }
        int ip = in.peekStack(0, size);
        int selector = in.peekStack(size, 2) & 0xFFFF;
        int fl = in.peekStack(2 * size, size);
        if (size == 4 && (fl & VM) != 0 && c.cpl == 0) {
            returnToV86(in, ip, selector, fl);
            return;
        }
        long off = size == 2 ? ip & 0xFFFF : ip & 0xFFFFFFFFL;
        int rpl = selector & 3;
        long d = checkReturnCode(c, selector);
        checkLimit(c, off, d);
        int oldCpl = c.cpl;
        int changeable = CF | PF | AF | ZF | SF | TF | DF | OF | NT | (size == 4 ? AC | ID | RF : 0);
        if (oldCpl == 0) {
            changeable |= IOPL | (size == 4 ? VIF | VIP : 0);
        }
        if (oldCpl <= in.iopl()) {
            changeable |= IF;
        }
        if (rpl == oldCpl) {
            in.setSp(in.sp() + 3L * size);
            setCs(c, selector, d, rpl);
            c.rip = off;
            in.setFlagsMasked(fl, changeable);
            return;
        }
        int newSp = in.peekStack(3 * size, size);
        int newSs = in.peekStack(4 * size, 2) & 0xFFFF;
        long ssd = checkOuterStack(c, newSs, rpl);
        setCs(c, selector, d, rpl);
        Segmentation.markAccessed(c, newSs, ssd);
        Segmentation.loadCache(c, SS, newSs, ssd);
        c.modeChanged();
        if (c.stack32) {
            c.r[RSP] = size == 2 ? newSp & 0xFFFF : newSp & 0xFFFFFFFFL;
        } else {
            c.r[RSP] = (c.r[RSP] & ~0xFFFFL) | (newSp & 0xFFFF);
        }
        c.rip = off;
        in.setFlagsMasked(fl, changeable);
        Segmentation.nullifyInaccessible(c);
    }

    private static void returnToV86(Interpreter in, int ip, int cs, int fl) {
        SoftwareCpu c = in.c;
        int esp = in.peekStack(12, 4);
        int ss = in.peekStack(16, 2) & 0xFFFF;
        int es = in.peekStack(20, 2) & 0xFFFF;
        int ds = in.peekStack(24, 2) & 0xFFFF;
        int fs = in.peekStack(28, 2) & 0xFFFF;
        int gs = in.peekStack(32, 2) & 0xFFFF;
        c.lazyOp = 0;
        c.eflags = (fl & 0x3F7FD5) | 2;
        c.cpl = 3;
        int[] sels = {es, cs, ss, ds, fs, gs};
        for (int s = 0; s < 6; s++) {
            Segmentation.loadReal(c, s, sels[s]);
        }
        c.modeChanged();
        c.r[RSP] = esp & 0xFFFFFFFFL;
        c.rip = ip & 0xFFFF;
        c.interruptsMayBeEnabled();
    }

    /** Delivers interrupt or exception {@code vector}; {@code c.rip} is the return address to save. */
    static void interrupt(SoftwareCpu c, int vector, int kind, boolean hasErr, int err) {
        c.interp.breakChain(); // CS, CPL, the mode and (task gates) paging may change: the next fetch looks up afresh
        c.halted = false;
        Interpreter in = c.interp;
        if ((c.cr0 & CR0_PE) == 0) {
            long entry = vector * 4L;
            if (entry + 3 > c.idtLimit) {
                throw CpuFault.gp(0);
            }
            int ip = c.mmu.readSystem((c.idtBase + entry) & 0xFFFFFFFFL, 2);
            int cs = c.mmu.readSystem((c.idtBase + entry + 2) & 0xFFFFFFFFL, 2);
            int fl = Alu.flags(c);
            in.push(2, fl);
            in.push(2, c.sel[CS]);
            in.push(2, (int) c.rip);
            c.eflags &= ~(IF | TF | AC | RF);
            Segmentation.loadReal(c, CS, cs & 0xFFFF);
            c.rip = ip & 0xFFFF;
            return;
        }
        if (LongMode.active(c)) {
            LongMode.interrupt(c, vector, kind, hasErr, err);
            return;
        }
        int ext = kind == EXTERNAL || kind == EXCEPTION ? 1 : 0;
        int idtErr = vector * 8 + 2 + ext;
        if (vector * 8L + 7 > c.idtLimit) {
            throw CpuFault.gp(idtErr);
        }
        long gAddr = (c.idtBase + vector * 8L) & 0xFFFFFFFFL;
        long gate = (c.mmu.readSystem(gAddr, 4) & 0xFFFFFFFFL)
                | ((c.mmu.readSystem((gAddr + 4) & 0xFFFFFFFFL, 4) & 0xFFFFFFFFL) << 32);
        int type = (int) (gate >>> 40) & 0x1F;
        if (type != 5 && type != 6 && type != 7 && type != 14 && type != 15) {
            throw CpuFault.gp(idtErr);
        }
        boolean soft = kind == SOFTWARE || kind == SOFTWARE_EXCEPTION;
        if (soft && Segmentation.dpl(gate) < c.cpl) {
            throw CpuFault.gp(vector * 8 + 2);
        }
        if (!Segmentation.present(gate)) {
            throw CpuFault.withCode(CpuFault.NP, idtErr);
        }
        boolean pushErr = hasErr && kind == EXCEPTION;
        if (type == 5) {
            int tss = (int) (gate >>> 16) & 0xFFFF;
            long td = Segmentation.descriptor(c, tss);
            TaskSwitch.run(c, tss, td, TaskSwitch.INT, pushErr, err);
            return;
        }
        boolean gate32 = type >= 14;
        int gsize = gate32 ? 4 : 2;
        int target = (int) (gate >>> 16) & 0xFFFF;
        long off = gateOffset(gate, gate32);
        if ((target & 0xFFFC) == 0) {
            throw CpuFault.gp(ext);
        }
        int terr = Segmentation.errorCode(target) | ext;
        if (Segmentation.descriptorAddress(c, target) == Segmentation.NO_DESCRIPTOR) {
            throw CpuFault.gp(terr);
        }
        long cd = Segmentation.descriptor(c, target);
        int dpl = Segmentation.dpl(cd);
        if (!Segmentation.isCode(cd) || dpl > c.cpl) {
            throw CpuFault.gp(terr);
        }
        if (!Segmentation.present(cd)) {
            throw CpuFault.withCode(CpuFault.NP, terr);
        }
        checkLimit(c, off, cd);
        boolean v86 = (c.eflags & VM) != 0;
        int fl = Alu.flags(c);
        if (!Segmentation.conforming(cd) && dpl < c.cpl) {
            if (v86 && dpl != 0) {
                throw CpuFault.gp(terr);
            }
            long[] stack = tssStack(c, dpl);
            int newSs = (int) stack[0];
            long ssd = checkNewStack(c, newSs, dpl);
            NewStack ns = new NewStack(c, ssd, stack[1], dpl);
            if (v86) {
                ns.push(gsize, c.sel[GS]);
                ns.push(gsize, c.sel[FS]);
                ns.push(gsize, c.sel[DS]);
                ns.push(gsize, c.sel[ES]);
            }
            ns.push(gsize, c.sel[SS]);
            ns.push(gsize, (int) c.r[RSP]);
            ns.push(gsize, fl);
            ns.push(gsize, c.sel[CS]);
            ns.push(gsize, (int) c.rip);
            if (pushErr) {
                ns.push(gsize, err);
            }
            Segmentation.markAccessed(c, newSs, ssd);
            Segmentation.loadCache(c, SS, newSs, ssd);
            c.eflags &= ~(VM | TF | NT | RF);
            setCs(c, target, cd, dpl);
            ns.commit();
            if (v86) {
                for (int s : new int[] {ES, DS, FS, GS}) {
                    c.sel[s] = 0;
                    c.segBase[s] = 0;
                    c.segLimit[s] = 0;
                    c.segAttr[s] = ATTR_UNUSABLE;
                }
            }
        } else {
            if (v86) {
                throw CpuFault.gp(terr);
            }
            in.push(gsize, fl);
            in.push(gsize, c.sel[CS]);
            in.push(gsize, (int) c.rip);
            if (pushErr) {
                in.push(gsize, err);
            }
            c.eflags &= ~(TF | NT | RF);
            setCs(c, target, cd, c.cpl);
        }
        if ((type & 1) == 0) {
            c.eflags &= ~IF;
        }
        c.rip = off;
    }
}
