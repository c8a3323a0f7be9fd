package org.virtfx.engine.cpu;

/**
 * The CPUID model: a GenuineIntel family 6 (P6-class) processor with exactly the features this engine implements.
 * No hypervisor leaf: the guest sees a plain processor.
 */
final class Cpuid {
    /** Family 6, model 15 (0x0F), stepping 11: the signature in EAX of leaf 1 and in EDX after reset. */
    static final int SIGNATURE = 0x06FB;
    // EDX of leaf 1: FPU VME- DE- PSE TSC MSR PAE MCE- CX8 APIC SEP MTRR PGE MCA- CMOV PAT PSE36- CLFSH MMX FXSR
    // SSE SSE2
    private static final int FEATURES_EDX = 1 | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9)
            | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25)
            | (1 << 26);
    // ECX of leaf 1: SSE3 SSSE3 SSE4.1 SSE4.2 POPCNT (no PCLMULQDQ, MOVBE, AVX, XSAVE)
    private static final int FEATURES_ECX = 1 | (1 << 9) | (1 << 19) | (1 << 20) | (1 << 23);
    // EDX of leaf 0x80000001: SYSCALL (11), NX (20), 1 GiB pages (26), RDTSCP (27), LM (29); ECX: LAHF/SAHF in 64-bit
    private static final int EXT_FEATURES_EDX = (1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29);
    private static final int EXT_FEATURES_ECX = 1;

    private Cpuid() {
    }

    /** Returns {EAX, EBX, ECX, EDX} for leaf {@code eax}, subleaf {@code ecx}. */
    static int[] query(SoftwareCpu c, int eax, int ecx) {
        switch (eax) {
            case 0:
                return new int[] {2, chars("Genu"), chars("ntel"), chars("ineI")};
            case 1: {
                // EBX: initial APIC ID, logical processors, CLFLUSH line size in 8-byte units (64 bytes)
                int ebx = ((c.host.cpuCount() > 1 ? c.host.cpuCount() : 1) << 16) | (c.host.index() << 24) | (8 << 8);
                int edx = FEATURES_EDX | (c.host.cpuCount() > 1 ? 1 << 28 : 0);
                return new int[] {SIGNATURE, ebx, FEATURES_ECX, edx};
            }
            case 2:
                return new int[] {0x00000001, 0, 0, 0x002C0000 | 0x43}; // descriptors: 32K L1D, 512K L2
            default:
                break;
        }
        if (eax == 0x80000000) {
            return new int[] {0x80000008, 0, 0, 0};
        }
        if (eax == 0x80000001) {
            return new int[] {0, 0, EXT_FEATURES_ECX, EXT_FEATURES_EDX};
        }
        if (eax >= 0x80000002 && eax <= 0x80000004) {
            String brand = String.format("%-47s", "VirtFX Software x86 CPU") + "\0";
            int base = (eax - 0x80000002) * 16;
            int[] out = new int[4];
            for (int i = 0; i < 4; i++) {
                out[i] = chars(brand.substring(base + 4 * i, base + 4 * i + 4));
            }
            return out;
        }
        if (eax >= 0x80000005 && eax <= 0x80000007) {
            return new int[] {0, 0, 0, 0};
        }
        if (eax == 0x80000008) {
            return new int[] {(48 << 8) | Mmu.PHYS_BITS, 0, 0, 0}; // virtual and physical address bits
        }
        // beyond the maximum leaf Intel CPUs return the highest basic leaf's data
        return query(c, 2, ecx);
    }

    private static int chars(String s) {
        return s.charAt(0) | (s.charAt(1) << 8) | (s.charAt(2) << 16) | (s.charAt(3) << 24);
    }
}
