package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP/REPE/REPNE. A repeated instruction runs in batches: after a batch
 * the instruction pointer is left on the instruction so that pending interrupts are taken between batches (as
 * hardware does between iterations) and the rest runs on the next step. A fault leaves the registers at the
 * faulting iteration, which is what the SDM requires for restart.
 */
final class StringOps {
    private static final int BATCH = 4096;
    /** Elements a bulk REP MOVS/STOS moves before letting the run loop look at interrupts. */
    private static final long BULK_LIMIT = 1 << 16;
    private final Interpreter in;
    private final SoftwareCpu c;
    private final long[] r;

    StringOps(Interpreter in) {
        this.in = in;
        this.c = in.c;
        this.r = in.r;
    }

    void execute(int op) {
        int size = (op & 1) == 0 ? 1 : op <= 0x6F ? in.ioSize() : in.osize();
        long am = in.addrMask();
        int delta = (c.eflags & DF) != 0 ? -size : size;
        if (op >= 0x6C && op <= 0x6F) {
            in.checkIo((int) r[RDX] & 0xFFFF, size);
        }
        if (in.rep == 0) {
            once(op, size, am, delta);
            return;
        }
        boolean compares = op == 0xA6 || op == 0xA7 || op == 0xAE || op == 0xAF;
        boolean bulkable = (op == 0xA4 || op == 0xA5 || op == 0xAA || op == 0xAB) && (c.eflags & DF) == 0;
        for (int n = 0; ; n++) {
            if (bulkable && bulk(op == 0xA4 || op == 0xA5, size, am)) {
                return;
            }
            long count = r[RCX] & am;
            if (count == 0) {
                return;
            }
            if (n == BATCH) {
                c.rip = in.startRip;
                return;
            }
            once(op, size, am, delta);
            set(RCX, count - 1, am);
            if (compares) {
                boolean zf = (Alu.flags(c) & ZF) != 0;
                if (in.rep == 0xF3 ? !zf : zf) {
                    return;
                }
            }
        }
    }

    /**
     * Forward REP MOVS/STOS on RAM, a page-sized chunk at a time straight on the RAM segment. Returns true when the
     * count is exhausted or the batch limit reached (instruction pointer left on the instruction), false when the
     * next element needs the element-by-element path (page edge, ROM/MMIO, overlapping copy, offset wrap).
     */
    private boolean bulk(boolean movs, int size, long am) {
        Mmu mmu = c.mmu;
        long done = 0;
        int src = in.segDefault(DS);
        while (true) {
            long count = r[RCX] & am;
            if (count == 0) {
                return true;
            }
            if (done >= BULK_LIMIT) {
                c.rip = in.startRip;
                return true;
            }
            long di = r[RDI] & am;
            long n = am == -1L ? count : Math.min(count, (am - di) / size + 1);
            long dstLin = in.linear(ES, di, size, true);
            n = Math.min(n, (0x1000 - (dstLin & 0xFFF)) / size);
            long si = 0, srcLin = 0;
            if (movs) {
                si = r[RSI] & am;
                if (am != -1L) {
                    n = Math.min(n, (am - si) / size + 1);
                }
                srcLin = in.linear(src, si, size, false);
                n = Math.min(n, (0x1000 - (srcLin & 0xFFF)) / size);
            }
            if (n < 4) {
                return false;
            }
            int bytes = (int) (n * size);
            in.linear(ES, di, bytes, true);
            long dOff = mmu.ramOffsetFor(dstLin, true);
            if (dOff < 0) {
                return false;
            }
            if (movs) {
                in.linear(src, si, bytes, false);
                long sOff = mmu.ramOffsetFor(srcLin, false);
                if (sOff < 0 || (dOff > sOff && dOff < sOff + bytes)) {
                    return false; // an overlapping forward copy replicates data element by element
                }
                java.lang.foreign.MemorySegment.copy(mmu.ram, sOff, mmu.ram, dOff, bytes);
                set(RSI, si + bytes, am);
            } else {
                long v = in.getRegL(RAX, size);
                if (size == 1) {
                    mmu.ram.asSlice(dOff, bytes).fill((byte) v);
                } else {
                    for (int k = 0; k < bytes; k += size) {
                        if (size == 2) {
                            mmu.ram.set(Mmu.LE16, dOff + k, (short) v);
                        } else if (size == 4) {
                            mmu.ram.set(Mmu.LE32, dOff + k, (int) v);
                        } else {
                            mmu.ram.set(Mmu.LE64, dOff + k, v);
                        }
                    }
                }
            }
            mmu.markDirty(dOff, bytes);
            set(RDI, di + bytes, am);
            set(RCX, count - n, am);
            done += n;
        }
    }

    private void set(int reg, long v, long am) {
        r[reg] = (r[reg] & ~am) | (v & am);
    }

    private void once(int op, int size, long am, int delta) {
        long si = r[RSI] & am, di = r[RDI] & am;
        int src = in.segDefault(DS);
        switch (op) {
            case 0xA4, 0xA5 -> {
                long v = in.readMemL(src, si, size);
                in.writeMem(ES, di, size, v);
                set(RSI, si + delta, am);
                set(RDI, di + delta, am);
            }
            case 0xA6, 0xA7 -> {
                long a = in.readMemL(src, si, size);
                long b = in.readMemL(ES, di, size);
                Alu.alu(c, 7, a, b, size);
                set(RSI, si + delta, am);
                set(RDI, di + delta, am);
            }
            case 0xAA, 0xAB -> {
                in.writeMem(ES, di, size, in.getRegL(RAX, size));
                set(RDI, di + delta, am);
            }
            case 0xAC, 0xAD -> {
                in.setReg(RAX, size, in.readMemL(src, si, size));
                set(RSI, si + delta, am);
            }
            case 0xAE, 0xAF -> {
                Alu.alu(c, 7, in.getRegL(RAX, size), in.readMemL(ES, di, size), size);
                set(RDI, di + delta, am);
            }
            case 0x6C, 0x6D -> {
                // the destination is checked before the port is read (a faulting INS must not consume data)
                in.linear(ES, di, size, true);
                int v = c.host.io().read((int) r[RDX] & 0xFFFF, size);
                in.writeMem(ES, di, size, v);
                set(RDI, di + delta, am);
            }
            default -> {
                int v = in.readMem(src, si, size);
                c.host.io().write((int) r[RDX] & 0xFFFF, size, v);
                set(RSI, si + delta, am);
            }
        }
    }
}
