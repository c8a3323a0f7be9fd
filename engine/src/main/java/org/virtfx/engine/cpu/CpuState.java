package org.virtfx.engine.cpu;

import java.io.IOException;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * Saving and restoring a {@link SoftwareCpu}'s architectural state (registers, segment caches, control and debug
 * registers, descriptor tables, MSRs, SSE/x87 state and run state) for snapshots. Restored values are validated
 * where a bad value could break the engine (array sizes, CPL, selector and attribute ranges).
 */
final class CpuState {
    /** 2: IA-32e MSRs (STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX) added after the MTRRs. */
    static final int VERSION = 2;

    private CpuState() {
    }

    static void save(SoftwareCpu c, StateWriter out) throws IOException {
        out.writeLongs(c.r).writeLong(c.rip).writeInt(Alu.flags(c));
        out.writeInts(c.sel).writeLongs(c.segBase).writeInts(c.segLimit).writeInts(c.segAttr);
        out.writeLong(c.cr0).writeLong(c.cr2).writeLong(c.cr3).writeLong(c.cr4).writeLong(c.efer);
        out.writeLong(c.gdtBase).writeInt(c.gdtLimit).writeLong(c.idtBase).writeInt(c.idtLimit);
        out.writeInt(c.cpl).writeLongs(c.dr);
        out.writeBoolean(c.halted).writeBoolean(c.waitForSipi).writeBoolean(c.interruptShadow);
        out.writeLong(c.tscOffset);
        Msrs m = c.msrs;
        out.writeLong(m.apicBase).writeLong(m.sysenterCs).writeLong(m.sysenterEsp).writeLong(m.sysenterEip);
        out.writeLong(m.pat).writeLong(m.mtrrDefType).writeLong(m.miscEnable).writeLong(m.featureControl);
        out.writeLongs(m.mtrrVar).writeLongs(m.mtrrFixed);
        out.writeLong(m.star).writeLong(m.lstar).writeLong(m.cstar).writeLong(m.sfmask).writeLong(m.kernelGsBase)
                .writeLong(m.tscAux);
        out.writeInt(c.sse.mxcsr).writeLongs(c.sse.xmm);
        StateWriter fpu = new StateWriter(c.fpu.stateId(), 1);
        c.fpu.saveState(fpu);
        out.writeBytes(fpu.toByteArray());
    }

    static void load(SoftwareCpu c, StateReader in) throws IOException {
        long[] r = fixed(in.readLongs(), 16, "general registers");
        long rip = in.readLong();
        int flags = in.readInt();
        int[] sel = fixed(in.readInts(), 8, "selectors");
        long[] base = fixed(in.readLongs(), 8, "segment bases");
        int[] limit = fixed(in.readInts(), 8, "segment limits");
        int[] attr = fixed(in.readInts(), 8, "segment attributes");
        for (int s = 0; s < 8; s++) {
            if ((sel[s] & ~0xFFFF) != 0 || (attr[s] & ~(0xF0FF | SoftwareCpu.ATTR_UNUSABLE)) != 0) {
                throw new SnapshotFormatException("CPU state: segment " + s + " out of range");
            }
        }
        long cr0 = in.readLong(), cr2 = in.readLong(), cr3 = in.readLong(), cr4 = in.readLong(), efer = in.readLong();
        long gdtBase = in.readLong();
        int gdtLimit = in.readInt();
        long idtBase = in.readLong();
        int idtLimit = in.readInt();
        int cpl = in.readInt();
        if (cpl < 0 || cpl > 3) {
            throw new SnapshotFormatException("CPU state: CPL " + cpl);
        }
        long[] dr = fixed(in.readLongs(), 8, "debug registers");
        boolean halted = in.readBoolean(), waitForSipi = in.readBoolean(), shadow = in.readBoolean();
        long tscOffset = in.readLong();
        Msrs m = c.msrs;
        long apicBase = in.readLong(), sysCs = in.readLong(), sysEsp = in.readLong(), sysEip = in.readLong();
        long pat = in.readLong(), defType = in.readLong(), misc = in.readLong(), feature = in.readLong();
        long[] var = fixed(in.readLongs(), m.mtrrVar.length, "variable MTRRs");
        long[] fixedMtrr = fixed(in.readLongs(), m.mtrrFixed.length, "fixed MTRRs");
        long star = in.readLong(), lstar = in.readLong(), cstar = in.readLong(), sfmask = in.readLong();
        long kernelGs = in.readLong(), tscAux = in.readLong();
        int mxcsr = in.readInt();
        long[] xmm = fixed(in.readLongs(), c.sse.xmm.length, "XMM registers");
        byte[] fpu = in.readBytes();
        c.fpu.loadState(new StateReader(fpu, c.fpu.stateId(), 1));
        // everything read and checked: commit
        System.arraycopy(r, 0, c.r, 0, 16);
        c.rip = rip;
        c.lazyOp = 0;
        c.eflags = (flags & 0x3F7FD5) | 2;
        System.arraycopy(sel, 0, c.sel, 0, 8);
        System.arraycopy(base, 0, c.segBase, 0, 8);
        System.arraycopy(limit, 0, c.segLimit, 0, 8);
        System.arraycopy(attr, 0, c.segAttr, 0, 8);
        c.cr0 = cr0;
        c.cr2 = cr2;
        c.cr3 = cr3;
        c.cr4 = cr4;
        c.efer = efer;
        c.gdtBase = gdtBase;
        c.gdtLimit = gdtLimit & 0xFFFF;
        c.idtBase = idtBase;
        c.idtLimit = idtLimit & 0xFFFF;
        c.cpl = cpl;
        System.arraycopy(dr, 0, c.dr, 0, 8);
        c.halted = halted;
        c.waitForSipi = waitForSipi;
        c.interruptShadow = shadow;
        c.tscOffset = tscOffset;
        m.apicBase = apicBase;
        m.sysenterCs = sysCs;
        m.sysenterEsp = sysEsp;
        m.sysenterEip = sysEip;
        m.pat = pat;
        m.mtrrDefType = defType;
        m.miscEnable = misc;
        m.featureControl = feature;
        System.arraycopy(var, 0, m.mtrrVar, 0, var.length);
        System.arraycopy(fixedMtrr, 0, m.mtrrFixed, 0, fixedMtrr.length);
        m.star = star;
        m.lstar = lstar;
        m.cstar = cstar;
        m.sfmask = sfmask;
        m.kernelGsBase = kernelGs;
        m.tscAux = tscAux;
        c.sse.mxcsr = mxcsr;
        System.arraycopy(xmm, 0, c.sse.xmm, 0, xmm.length);
        c.modeChanged();
        c.mmu.flush();
        c.interruptsMayBeEnabled();
    }

    private static long[] fixed(long[] a, int n, String what) throws SnapshotFormatException {
        if (a.length != n) {
            throw new SnapshotFormatException("CPU state: " + what + " must be " + n + " values, not " + a.length);
        }
        return a;
    }

    private static int[] fixed(int[] a, int n, String what) throws SnapshotFormatException {
        if (a.length != n) {
            throw new SnapshotFormatException("CPU state: " + what + " must be " + n + " values, not " + a.length);
        }
        return a;
    }
}
