package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * Segment descriptors: reading GDT/LDT entries, the protected-mode checks for loading SS and data segment registers,
 * and filling the hidden descriptor caches. Real and virtual-8086 mode loads only change selector and base (real mode
 * keeps the cached limit and attributes, which is what "unreal mode" relies on). CS is loaded by
 * {@link ControlTransfer}, which applies the control-transfer rules.
 */
final class Segmentation {
    private Segmentation() {
    }

    static int errorCode(int selector) {
        return selector & 0xFFFC;
    }

    /** The 8-byte descriptor of {@code selector}; #GP(selector) when it lies outside its table. */
    static long descriptor(SoftwareCpu c, int selector) {
        long addr = descriptorAddress(c, selector);
        if (addr == NO_DESCRIPTOR) {
            throw CpuFault.gp(errorCode(selector));
        }
        long lo = c.mmu.readSystem(addr, 4) & 0xFFFFFFFFL;
        long hi = c.mmu.readSystem((addr + 4) & c.mmu.linMask, 4) & 0xFFFFFFFFL;
        return lo | (hi << 32);
    }

    /** Bits 63:32 of the base of a 16-byte system descriptor (LDT, TSS in IA-32e mode), shifted into place. */
    static long upperBase(SoftwareCpu c, int selector) {
        long addr = descriptorAddress(c, selector);
        long limit = (selector & 4) != 0 ? c.segLimit[LDTR] & 0xFFFFFFFFL : c.gdtLimit;
        if (addr == NO_DESCRIPTOR || (selector & 0xFFF8) + 15L > limit) {
            throw CpuFault.gp(errorCode(selector));
        }
        return (c.mmu.readSystem(addr + 8, 4) & 0xFFFFFFFFL) << 32;
    }

    /**
     * What {@link #descriptorAddress} returns for a selector beyond its table's limit. Descriptor tables are
     * 8-byte aligned in practice; a negative value cannot mean "invalid" since IA-32e kernels keep them in the upper
     * half of the address space.
     */
    static final long NO_DESCRIPTOR = Long.MIN_VALUE + 1;

    /** Linear address of the descriptor, or {@link #NO_DESCRIPTOR} when the selector is beyond the GDT/LDT limit. */
    static long descriptorAddress(SoftwareCpu c, int selector) {
        int index = selector & 0xFFF8;
        long base, limit;
        if ((selector & 4) != 0) {
            if ((c.segAttr[LDTR] & ATTR_UNUSABLE) != 0 || (c.segAttr[LDTR] & 0x80) == 0) {
                return NO_DESCRIPTOR;
            }
            base = c.segBase[LDTR];
            limit = c.segLimit[LDTR] & 0xFFFFFFFFL;
        } else {
            base = c.gdtBase;
            limit = c.gdtLimit;
        }
        if (index + 7L > limit) {
            return NO_DESCRIPTOR;
        }
        return (base + index) & c.mmu.linMask;
    }

    static long base(long d) {
        return ((d >>> 16) & 0xFFFFFF) | (((d >>> 56) & 0xFF) << 24);
    }

    static int limit(long d) {
        int l = (int) ((d & 0xFFFF) | ((d >>> 32) & 0xF0000));
        return (d & (1L << 55)) != 0 ? (l << 12) | 0xFFF : l;
    }

    /** Access rights in the {@link X86Cpu#loadSegment} layout: byte 5 in bits 0-7, flags nibble in bits 12-15. */
    static int attr(long d) {
        return (int) ((d >>> 40) & 0xFF) | (int) (((d >>> 52) & 0xF) << 12);
    }

    static int dpl(long d) {
        return (int) (d >>> 45) & 3;
    }

    static boolean present(long d) {
        return (d & (1L << 47)) != 0;
    }

    /** S=1 (code/data), as opposed to system descriptors and gates. */
    static boolean isCodeOrData(long d) {
        return (d & (1L << 44)) != 0;
    }

    static boolean isCode(long d) {
        return isCodeOrData(d) && (d & (1L << 43)) != 0;
    }

    static boolean conforming(long d) {
        return (d & (1L << 42)) != 0;
    }

    /** Writable data (for data) or readable (for code): bit 41. */
    static boolean rwBit(long d) {
        return (d & (1L << 41)) != 0;
    }

    static int systemType(long d) {
        return (int) (d >>> 40) & 0xF;
    }

    /** Sets the descriptor's accessed bit in memory, as the processor does on a segment load. */
    static void markAccessed(SoftwareCpu c, int selector, long d) {
        if ((d & (1L << 40)) == 0) {
            long addr = descriptorAddress(c, selector);
            if (addr != NO_DESCRIPTOR) {
                c.mmu.writeSystem((addr + 5) & c.mmu.linMask, 1, (int) (d >>> 40) | 1);
            }
        }
    }

    static void loadCache(SoftwareCpu c, int seg, int selector, long d) {
        c.sel[seg] = selector & 0xFFFF;
        c.segBase[seg] = base(d);
        c.segLimit[seg] = limit(d);
        c.segAttr[seg] = attr(d) | 1;
    }

    /** MOV/POP/LxS to a segment register other than CS. */
    static void load(SoftwareCpu c, int seg, int selector) {
        selector &= 0xFFFF;
        if ((c.cr0 & CR0_PE) == 0 || (c.eflags & VM) != 0) {
            loadReal(c, seg, selector);
            return;
        }
        if (seg == SS) {
            loadStack(c, selector, c.cpl);
            return;
        }
        if ((selector & 0xFFFC) == 0) {
            c.sel[seg] = selector;
            c.segBase[seg] = 0;
            c.segLimit[seg] = 0;
            c.segAttr[seg] = ATTR_UNUSABLE;
            return;
        }
        long d = descriptor(c, selector);
        int err = errorCode(selector);
        if (!isCodeOrData(d) || (isCode(d) && !rwBit(d))) {
            throw CpuFault.gp(err);
        }
        if (!isCode(d) || !conforming(d)) {
            if (dpl(d) < Math.max(c.cpl, selector & 3)) {
                throw CpuFault.gp(err);
            }
        }
        if (!present(d)) {
            throw CpuFault.withCode(CpuFault.NP, err);
        }
        markAccessed(c, selector, d);
        loadCache(c, seg, selector, d);
    }

    /** Loads SS for privilege level {@code cpl} with the SDM's checks (also used on stack switches). */
    static void loadStack(SoftwareCpu c, int selector, int cpl) {
        int err = errorCode(selector);
        if ((selector & 0xFFFC) == 0) {
            if (c.code64 && cpl < 3 && (selector & 3) == cpl) {
                LongMode.loadNullStack(c, cpl); // 64-bit code below CPL 3 may run with a null SS
                c.modeChanged();
                return;
            }
            throw CpuFault.gp(0);
        }
        if ((selector & 3) != cpl) {
            throw CpuFault.gp(err);
        }
        long d = descriptor(c, selector);
        if (!isCodeOrData(d) || isCode(d) || !rwBit(d) || dpl(d) != cpl) {
            throw CpuFault.gp(err);
        }
        if (!present(d)) {
            throw CpuFault.withCode(CpuFault.SS, err);
        }
        markAccessed(c, selector, d);
        loadCache(c, SS, selector, d);
        c.modeChanged();
    }

    static void loadReal(SoftwareCpu c, int seg, int selector) {
        c.sel[seg] = selector;
        c.segBase[seg] = (long) selector << 4;
        if ((c.eflags & VM) != 0) {
            c.segLimit[seg] = 0xFFFF;
            c.segAttr[seg] = seg == CS ? 0xFB : 0xF3;
        } else {
            c.segAttr[seg] &= ~ATTR_UNUSABLE;
            c.segAttr[seg] |= 0x80;
        }
        if (seg == CS || seg == SS) {
            c.modeChanged();
        }
    }

    /**
     * After a return to an outer privilege level: data segment registers the new CPL may not use become null
     * (the SDM's rule for RET/IRET).
     */
    static void nullifyInaccessible(SoftwareCpu c) {
        for (int s : new int[] {ES, DS, FS, GS}) {
            int a = c.segAttr[s];
            if ((a & ATTR_UNUSABLE) != 0) {
                continue;
            }
            if ((s == FS || s == GS) && (c.sel[s] & 0xFFFC) == 0 && (c.efer & EFER_LMA) != 0) {
                continue; // a null FS/GS keeps its base (set through the MSRs) in IA-32e mode
            }
            boolean conformingCode = (a & 0x1C) == 0x1C;
            int dpl = (a >>> 5) & 3;
            if (!conformingCode && dpl < c.cpl) {
                c.sel[s] = 0;
                c.segAttr[s] = ATTR_UNUSABLE;
                c.segBase[s] = 0;
                c.segLimit[s] = 0;
            }
        }
    }
}
