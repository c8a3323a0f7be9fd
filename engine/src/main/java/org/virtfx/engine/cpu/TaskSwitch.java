package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * Hardware task switching through 16-bit (type 1/3) and 32-bit (type 9/11) TSSs, for JMP, CALL, INT (task gates)
 * and IRET with NT set: saves the outgoing state, handles busy bits, back link and NT, loads CR3, registers, LDT and
 * segments of the new task, and sets CR0.TS.
 */
final class TaskSwitch {
    static final int JMP = 0, CALL = 1, INT = 2, IRET = 3;

    private TaskSwitch() {
    }

    static void run(SoftwareCpu c, int selector, long d, int source, boolean pushErr, int err) {
        int serr = Segmentation.errorCode(selector);
        if (LongMode.active(c)) {
            throw CpuFault.gp(serr); // there are no task switches in IA-32e mode
        }
        if ((selector & 4) != 0) {
            throw CpuFault.withCode(source == IRET ? CpuFault.TS : CpuFault.GP, serr);
        }
        int type = Segmentation.systemType(d);
        boolean busy = (type & 2) != 0;
        if (Segmentation.isCodeOrData(d) || (type & ~0xA) != 1 || busy != (source == IRET)) {
            throw CpuFault.withCode(source == IRET ? CpuFault.TS : CpuFault.GP, serr);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(CpuFault.NP, serr);
        }
        boolean new32 = (type & 8) != 0;
        long newBase = Segmentation.base(d);
        long newLimit = Segmentation.limit(d) & 0xFFFFFFFFL;
        if (newLimit < (new32 ? 0x67 : 0x2B)) {
            throw CpuFault.withCode(CpuFault.TS, serr);
        }
        Mmu m = c.mmu;
        // read the new task's state first (faults here leave the old task intact)
        long[] regs = new long[8];
        int[] sels = new int[6];
        long eip, cr3 = 0;
        int fl, ldt;
        if (new32) {
            cr3 = m.readSystem((newBase + 0x1C) & 0xFFFFFFFFL, 4) & 0xFFFFFFFFL;
            eip = m.readSystem((newBase + 0x20) & 0xFFFFFFFFL, 4) & 0xFFFFFFFFL;
            fl = m.readSystem((newBase + 0x24) & 0xFFFFFFFFL, 4);
            for (int i = 0; i < 8; i++) {
                regs[i] = m.readSystem((newBase + 0x28 + 4 * i) & 0xFFFFFFFFL, 4) & 0xFFFFFFFFL;
            }
            for (int s = 0; s < 6; s++) {
                sels[s] = m.readSystem((newBase + 0x48 + 4 * s) & 0xFFFFFFFFL, 2) & 0xFFFF;
            }
            ldt = m.readSystem((newBase + 0x60) & 0xFFFFFFFFL, 2) & 0xFFFF;
        } else {
            eip = m.readSystem((newBase + 0x0E) & 0xFFFFFFFFL, 2) & 0xFFFF;
            fl = m.readSystem((newBase + 0x10) & 0xFFFFFFFFL, 2) & 0xFFFF;
            for (int i = 0; i < 8; i++) {
                regs[i] = (c.r[i] & ~0xFFFFL) | (m.readSystem((newBase + 0x12 + 2 * i) & 0xFFFFFFFFL, 2) & 0xFFFF);
            }
            for (int s = 0; s < 4; s++) {
                sels[s] = m.readSystem((newBase + 0x22 + 2 * s) & 0xFFFFFFFFL, 2) & 0xFFFF;
            }
            ldt = m.readSystem((newBase + 0x2A) & 0xFFFFFFFFL, 2) & 0xFFFF;
        }
        // save the outgoing task
        int oldSel = c.sel[TR];
        long oldBase = c.segBase[TR];
        boolean old32 = (c.segAttr[TR] & 8) != 0;
        int oldFlags = Alu.flags(c);
        if (source == IRET) {
            oldFlags &= ~NT;
        }
        if (old32) {
            m.writeSystem((oldBase + 0x20) & 0xFFFFFFFFL, 4, (int) c.rip);
            m.writeSystem((oldBase + 0x24) & 0xFFFFFFFFL, 4, oldFlags);
            for (int i = 0; i < 8; i++) {
                m.writeSystem((oldBase + 0x28 + 4 * i) & 0xFFFFFFFFL, 4, (int) c.r[i]);
            }
            for (int s = 0; s < 6; s++) {
                m.writeSystem((oldBase + 0x48 + 4 * s) & 0xFFFFFFFFL, 2, c.sel[s]);
            }
        } else {
            m.writeSystem((oldBase + 0x0E) & 0xFFFFFFFFL, 2, (int) c.rip);
            m.writeSystem((oldBase + 0x10) & 0xFFFFFFFFL, 2, oldFlags);
            for (int i = 0; i < 8; i++) {
                m.writeSystem((oldBase + 0x12 + 2 * i) & 0xFFFFFFFFL, 2, (int) c.r[i]);
            }
            for (int s = 0; s < 4; s++) {
                m.writeSystem((oldBase + 0x22 + 2 * s) & 0xFFFFFFFFL, 2, c.sel[s]);
            }
        }
        if (source == JMP || source == IRET) {
            setBusy(c, oldSel, false);
        }
        if (source == CALL || source == INT) {
            m.writeSystem(newBase, 2, oldSel);
            fl |= NT;
        }
        if (source != IRET) {
            setBusy(c, selector, true);
        }
        // switch
        c.sel[TR] = selector;
        c.segBase[TR] = newBase;
        c.segLimit[TR] = (int) newLimit;
        c.segAttr[TR] = Segmentation.attr(d) | 2;
        c.cr0 |= CR0_TS;
        if (new32 && (c.cr0 & CR0_PG) != 0) {
            c.writeCr3(cr3);
        }
        for (int i = 0; i < 8; i++) {
            c.r[i] = regs[i];
        }
        c.lazyOp = 0;
        c.eflags = (fl & 0x3F7FD5) | 2;
        if (!new32) {
            c.eflags &= 0xFFFF;
        }
        c.rip = eip;
        c.interruptsMayBeEnabled();
        // LDT, then segment registers; faults now are #TS in the context of the new task
        if ((ldt & 0xFFFC) == 0) {
            c.sel[LDTR] = ldt;
            c.segAttr[LDTR] = ATTR_UNUSABLE;
        } else {
            if ((ldt & 4) != 0) {
                throw CpuFault.withCode(CpuFault.TS, ldt & 0xFFFC);
            }
            long ld = Segmentation.descriptor(c, ldt);
            if (Segmentation.isCodeOrData(ld) || Segmentation.systemType(ld) != 2) {
                throw CpuFault.withCode(CpuFault.TS, ldt & 0xFFFC);
            }
            Segmentation.loadCache(c, LDTR, ldt, ld);
        }
        if ((c.eflags & VM) != 0) {
            c.cpl = 3;
            for (int s = 0; s < 6; s++) {
                Segmentation.loadReal(c, s, sels[s]);
            }
        } else {
            c.cpl = sels[CS] & 3;
            loadTaskSegment(c, CS, sels[CS]);
            loadTaskSegment(c, SS, sels[SS]);
            for (int s : new int[] {ES, DS, FS, GS}) {
                if (!new32 && (s == FS || s == GS)) {
                    continue;
                }
                loadTaskSegment(c, s, sels[s]);
            }
        }
        c.modeChanged();
        if (pushErr) {
            c.interp.push(c.stack32 ? 4 : 2, err);
        }
    }

    private static void loadTaskSegment(SoftwareCpu c, int seg, int selector) {
        int err = Segmentation.errorCode(selector);
        if ((selector & 0xFFFC) == 0) {
            if (seg == CS || seg == SS) {
                throw CpuFault.withCode(CpuFault.TS, err);
            }
            c.sel[seg] = selector;
            c.segAttr[seg] = ATTR_UNUSABLE;
            return;
        }
        if (Segmentation.descriptorAddress(c, selector) == Segmentation.NO_DESCRIPTOR) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        long d = Segmentation.descriptor(c, selector);
        if (!Segmentation.isCodeOrData(d)) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        if (seg == CS && !Segmentation.isCode(d)) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        if (seg == SS && (Segmentation.isCode(d) || !Segmentation.rwBit(d) || Segmentation.dpl(d) != c.cpl)) {
            throw CpuFault.withCode(CpuFault.TS, err);
        }
        if (!Segmentation.present(d)) {
            throw CpuFault.withCode(seg == SS ? CpuFault.SS : CpuFault.NP, err);
        }
        Segmentation.markAccessed(c, selector, d);
        Segmentation.loadCache(c, seg, selector, d);
    }

    static void setBusy(SoftwareCpu c, int selector, boolean busy) {
        long addr = Segmentation.descriptorAddress(c, selector);
        if (addr == Segmentation.NO_DESCRIPTOR) {
            return;
        }
        long a5 = (addr + 5) & c.mmu.linMask;
        int b = c.mmu.readSystem(a5, 1);
        c.mmu.writeSystem(a5, 1, busy ? b | 2 : b & ~2);
    }
}
