package org.virtfx.engine.cpu;

import java.util.Arrays;

/**
 * Model-specific registers: TSC, APIC base, SYSENTER, PAT, MTRRs, EFER, MISC_ENABLE, the few read-only identification
 * MSRs firmware and Linux probe, and the IA-32e ones (STAR/LSTAR/CSTAR/SFMASK for SYSCALL, FS/GS bases,
 * KERNEL_GS_BASE for SWAPGS, TSC_AUX for RDTSCP). Any other MSR raises #GP(0), as on hardware.
 */
final class Msrs {
    static final int TSC = 0x10, PLATFORM_ID = 0x17, APIC_BASE = 0x1B, FEATURE_CONTROL = 0x3A, BIOS_SIGN_ID = 0x8B,
            MTRRCAP = 0xFE, SYSENTER_CS = 0x174, SYSENTER_ESP = 0x175, SYSENTER_EIP = 0x176, MCG_CAP = 0x179,
            MCG_STATUS = 0x17A, MISC_ENABLE = 0x1A0, MTRR_PHYS_BASE0 = 0x200, MTRR_FIX_64K = 0x250,
            MTRR_FIX_16K_80000 = 0x258, MTRR_FIX_16K_A0000 = 0x259, MTRR_FIX_4K_C0000 = 0x268, PAT = 0x277,
            MTRR_DEF_TYPE = 0x2FF, TSC_DEADLINE = 0x6E0, EFER = 0xC0000080, STAR = 0xC0000081, LSTAR = 0xC0000082,
            CSTAR = 0xC0000083, SFMASK = 0xC0000084, FS_BASE = 0xC0000100, GS_BASE = 0xC0000101,
            KERNEL_GS_BASE = 0xC0000102, TSC_AUX = 0xC0000103;
    private static final int VARIABLE_MTRRS = 8;

    private final SoftwareCpu c;
    long apicBase;
    long sysenterCs, sysenterEsp, sysenterEip;
    long pat;
    long mtrrDefType;
    long miscEnable;
    long featureControl;
    long star, lstar, cstar, sfmask, kernelGsBase, tscAux;
    final long[] mtrrVar = new long[2 * VARIABLE_MTRRS];
    final long[] mtrrFixed = new long[11];

    Msrs(SoftwareCpu c) {
        this.c = c;
    }

    void reset() {
        apicBase = 0xFEE00000L | (1 << 11) | (c.host.index() == 0 ? 1 << 8 : 0);
        sysenterCs = sysenterEsp = sysenterEip = 0;
        pat = 0x0007040600070406L;
        mtrrDefType = 0;
        miscEnable = 1;
        featureControl = 0;
        star = lstar = cstar = sfmask = kernelGsBase = tscAux = 0;
        Arrays.fill(mtrrVar, 0);
        Arrays.fill(mtrrFixed, 0);
    }

    private static int fixedIndex(int msr) {
        return switch (msr) {
            case MTRR_FIX_64K -> 0;
            case MTRR_FIX_16K_80000 -> 1;
            case MTRR_FIX_16K_A0000 -> 2;
            default -> msr >= MTRR_FIX_4K_C0000 && msr <= 0x26F ? 3 + msr - MTRR_FIX_4K_C0000 : -1;
        };
    }

    /** Address-valued MSRs take canonical addresses only. */
    private static long canonical(long v) {
        if (!Interpreter.canonical(v)) {
            throw CpuFault.gp(0);
        }
        return v;
    }

    long read(int msr) {
        switch (msr) {
            case TSC:
                return c.tsc();
            case PLATFORM_ID, BIOS_SIGN_ID, MCG_STATUS:
                return 0;
            case MCG_CAP:
                return 0;
            case APIC_BASE:
                // the local APIC owns its base address and enable bit; without a controller keep the reset value
                return c.host.interrupts() != null ? c.host.interrupts().apicBaseMsr() : apicBase;
            case TSC_DEADLINE:
                return c.host.interrupts() != null ? c.host.interrupts().tscDeadline() : 0;
            case FEATURE_CONTROL:
                return featureControl;
            case MTRRCAP:
                return VARIABLE_MTRRS | (1 << 8) | (1 << 10);
            case SYSENTER_CS:
                return sysenterCs;
            case SYSENTER_ESP:
                return sysenterEsp;
            case SYSENTER_EIP:
                return sysenterEip;
            case MISC_ENABLE:
                return miscEnable;
            case PAT:
                return pat;
            case MTRR_DEF_TYPE:
                return mtrrDefType;
            case EFER:
                return c.efer;
            case STAR:
                return star;
            case LSTAR:
                return lstar;
            case CSTAR:
                return cstar;
            case SFMASK:
                return sfmask;
            case FS_BASE:
                return c.segBase[SoftwareCpu.FS];
            case GS_BASE:
                return c.segBase[SoftwareCpu.GS];
            case KERNEL_GS_BASE:
                return kernelGsBase;
            case TSC_AUX:
                return tscAux;
            default:
                break;
        }
        if (msr >= MTRR_PHYS_BASE0 && msr < MTRR_PHYS_BASE0 + 2 * VARIABLE_MTRRS) {
            return mtrrVar[msr - MTRR_PHYS_BASE0];
        }
        int fi = fixedIndex(msr);
        if (fi >= 0) {
            return mtrrFixed[fi];
        }
        throw CpuFault.gp(0);
    }

    void write(int msr, long v) {
        switch (msr) {
            case TSC -> c.tscOffset += v - c.tsc();
            case BIOS_SIGN_ID, MCG_STATUS, PLATFORM_ID -> { }
            case APIC_BASE -> {
                apicBase = (v & 0xFFFFFF900L) | (apicBase & 0x100);
                if (c.host.interrupts() != null) {
                    c.host.interrupts().setApicBaseMsr(v);
                }
            }
            case TSC_DEADLINE -> {
                if (c.host.interrupts() != null) {
                    c.host.interrupts().setTscDeadline(v);
                }
            }
            case FEATURE_CONTROL -> featureControl = v;
            case STAR -> star = v;
            case LSTAR -> lstar = canonical(v);
            case CSTAR -> cstar = canonical(v);
            case SFMASK -> sfmask = v & 0xFFFFFFFFL;
            case FS_BASE -> c.segBase[SoftwareCpu.FS] = canonical(v);
            case GS_BASE -> c.segBase[SoftwareCpu.GS] = canonical(v);
            case KERNEL_GS_BASE -> kernelGsBase = canonical(v);
            case TSC_AUX -> tscAux = v & 0xFFFFFFFFL;
            case SYSENTER_CS -> sysenterCs = v & 0xFFFF;
            case SYSENTER_ESP -> sysenterEsp = v;
            case SYSENTER_EIP -> sysenterEip = v;
            case MISC_ENABLE -> miscEnable = v;
            case PAT -> {
                for (int i = 0; i < 8; i++) {
                    int t = (int) (v >>> (8 * i)) & 0xFF;
                    if (t == 2 || t == 3 || t > 7) {
                        throw CpuFault.gp(0);
                    }
                }
                pat = v;
            }
            case MTRR_DEF_TYPE -> mtrrDefType = v & 0xCFF;
            case EFER -> {
                if ((v & ~(SoftwareCpu.EFER_NXE | SoftwareCpu.EFER_SCE | SoftwareCpu.EFER_LME
                        | SoftwareCpu.EFER_LMA)) != 0) {
                    throw CpuFault.gp(0);
                }
                // LMA is read-only (set by enabling paging); LME may only change while paging is off
                v = (v & ~SoftwareCpu.EFER_LMA) | (c.efer & SoftwareCpu.EFER_LMA);
                long changed = c.efer ^ v;
                if ((changed & SoftwareCpu.EFER_LME) != 0 && (c.cr0 & SoftwareCpu.CR0_PG) != 0) {
                    throw CpuFault.gp(0);
                }
                c.efer = v;
                if (changed != 0) {
                    c.mmu.flush();
                }
            }
            default -> {
                if (msr >= MTRR_PHYS_BASE0 && msr < MTRR_PHYS_BASE0 + 2 * VARIABLE_MTRRS) {
                    mtrrVar[msr - MTRR_PHYS_BASE0] = v;
                    return;
                }
                int fi = fixedIndex(msr);
                if (fi >= 0) {
                    mtrrFixed[fi] = v;
                    return;
                }
                throw CpuFault.gp(0);
            }
        }
    }
}
