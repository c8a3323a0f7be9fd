package org.virtfx.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Linear-address access for one vCPU: the paging walk (32-bit with 4 MiB PSE pages, PAE with NX), #PF with error code
 * and CR2, accessed/dirty bits, and a software TLB whose hits go straight to the RAM segment.
 *
 * <p>The TLB is direct-mapped by virtual page number and split in a supervisor half and a user half, so that a CPL
 * change needs no flush. Separate read, write and execute tags: an entry is only filled after the walk allowed that
 * kind of access (a write entry only once the dirty bit is set). Only RAM pages are cached; ROM and MMIO always take
 * the slow path through {@link PhysicalMemory}. The whole TLB is dropped when the physical map or A20 changes
 * ({@link PhysicalMemory#generation()}), on CR3 writes, INVLPG of a page, and CR0/CR4 paging changes.
 */
final class Mmu {
    static final int READ = 0, WRITE = 1, EXEC = 2;
    private static final int BITS = 12, SIZE = 1 << BITS, MASK = SIZE - 1;
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final SoftwareCpu cpu;
    private final PhysicalMemory phys;
    final MemorySegment ram;
    /** For the dirty-page bitmap: writes through {@link #ram} must be reported (display, snapshots use it). */
    private final GuestMemory guestRam;
    private final int[][] tags = {new int[2 * SIZE], new int[2 * SIZE], new int[2 * SIZE]};
    private final long[][] offs = {new long[2 * SIZE], new long[2 * SIZE], new long[2 * SIZE]};
    private final int[] rTag = tags[READ], wTag = tags[WRITE];
    private final long[] rOff = offs[READ], wOff = offs[WRITE];
    /** 0 for supervisor accesses, SIZE for CPL 3 ones. */
    int userHalf;
    private long generation;
    Mmu(SoftwareCpu cpu, PhysicalMemory phys) {
        this.cpu = cpu;
        this.phys = phys;
        this.ram = phys.ram().segment();
        this.guestRam = phys.ram();
        flush();
    }

    void flush() {
        for (int[] t : tags) {
            Arrays.fill(t, -1);
        }
        generation = phys.generation();
    }

    void flushPage(long lin) {
        int vpn = (int) (lin >>> 12);
        for (int[] t : tags) {
            t[vpn & MASK] = -1;
            t[(vpn & MASK) | SIZE] = -1;
        }
    }

    /** Called between instructions: drop translations when the board remapped memory or toggled A20. */
    void checkGeneration() {
        if (phys.generation() != generation) {
            flush();
        }
    }

    // ---- fast paths -------------------------------------------------------------------------------------------

    int read8(long lin) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (rTag[i] == vpn) {
            return ram.get(ValueLayout.JAVA_BYTE, rOff[i] + (lin & 0xFFF)) & 0xFF;
        }
        return (int) readSlow(lin, 1, READ);
    }

    int read16(long lin) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (rTag[i] == vpn && (lin & 0xFFF) <= 0xFFE) {
            return ram.get(LE16, rOff[i] + (lin & 0xFFF)) & 0xFFFF;
        }
        return (int) readSlow(lin, 2, READ);
    }

    int read32(long lin) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (rTag[i] == vpn && (lin & 0xFFF) <= 0xFFC) {
            return ram.get(LE32, rOff[i] + (lin & 0xFFF));
        }
        return (int) readSlow(lin, 4, READ);
    }

    long read64(long lin) {
        return (read32(lin) & 0xFFFFFFFFL) | ((long) read32((lin + 4) & 0xFFFFFFFFL) << 32);
    }

    int fetch8(long lin) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (tags[EXEC][i] == vpn) {
            return ram.get(ValueLayout.JAVA_BYTE, offs[EXEC][i] + (lin & 0xFFF)) & 0xFF;
        }
        return (int) readSlow(lin, 1, EXEC);
    }

    /** RAM offset of {@code lin} for instruction fetch when the execute TLB already holds its page, else -1. */
    long execRamOffset(long lin) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        return tags[EXEC][i] == vpn ? offs[EXEC][i] + (lin & 0xFFF) : -1;
    }

    void write8(long lin, int v) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (wTag[i] == vpn) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
            guestRam.markDirty(off, 1);
            return;
        }
        writeSlow(lin, 1, v);
    }

    void write16(long lin, int v) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (wTag[i] == vpn && (lin & 0xFFF) <= 0xFFE) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(LE16, off, (short) v);
            guestRam.markDirty(off, 2);
            return;
        }
        writeSlow(lin, 2, v);
    }

    void write32(long lin, int v) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        if (wTag[i] == vpn && (lin & 0xFFF) <= 0xFFC) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(LE32, off, v);
            guestRam.markDirty(off, 4);
            return;
        }
        writeSlow(lin, 4, v);
    }

    void write64(long lin, long v) {
        // check both halves before writing either (a fault must leave memory unchanged)
        translate(lin, WRITE, userHalf != 0);
        translate((lin + 7) & 0xFFFFFFFFL, WRITE, userHalf != 0);
        write32(lin, (int) v);
        write32((lin + 4) & 0xFFFFFFFFL, (int) (v >>> 32));
    }

    /** Supervisor-mode (implicit) accesses: descriptor tables, TSS, IDT, regardless of CPL. */
    int readSystem(long lin, int size) {
        int saved = userHalf;
        userHalf = 0;
        try {
            return switch (size) {
                case 1 -> read8(lin);
                case 2 -> read16(lin);
                default -> read32(lin);
            };
        } finally {
            userHalf = saved;
        }
    }

    void writeSystem(long lin, int size, int v) {
        int saved = userHalf;
        userHalf = 0;
        try {
            switch (size) {
                case 1 -> write8(lin, v);
                case 2 -> write16(lin, v);
                default -> write32(lin, v);
            }
        } finally {
            userHalf = saved;
        }
    }

    /**
     * RAM offset of linear address {@code lin} after the access checks of a {@code write} or read (A/D bits set as
     * the access would), filling the TLB; -1 when the page is not RAM (ROM, MMIO). For bulk string operations.
     */
    long ramOffsetFor(long lin, boolean write) {
        int vpn = (int) (lin >>> 12);
        int i = (vpn & MASK) | userHalf;
        int[] t = write ? wTag : rTag;
        long[] o = write ? wOff : rOff;
        if (t[i] != vpn) {
            long pa = translate(lin, write ? WRITE : READ, userHalf != 0);
            long off = phys.ramOffset(pa & ~0xFFFL);
            if (off < 0) {
                return -1;
            }
            t[i] = vpn;
            o[i] = off;
        }
        return o[i] + (lin & 0xFFF);
    }

    void markDirty(long ramOffset, long length) {
        guestRam.markDirty(ramOffset, length);
    }

    // ---- slow paths -------------------------------------------------------------------------------------------

    private long readSlow(long lin, int size, int access) {
        if (((lin & 0xFFF) + size) > 0x1000) {
            long v = 0;
            // translate both pages first: a fault on the second page must be reported before any side effect
            translate((lin + size - 1) & 0xFFFFFFFFL, access, userHalf != 0);
            for (int k = size - 1; k >= 0; k--) {
                v = (v << 8) | readSlow((lin + k) & 0xFFFFFFFFL, 1, access);
            }
            return v;
        }
        long pa = translate(lin, access, userHalf != 0);
        long off = phys.ramOffset(pa & ~0xFFFL);
        if (off >= 0) {
            int i = ((int) (lin >>> 12) & MASK) | userHalf;
            tags[access][i] = (int) (lin >>> 12);
            offs[access][i] = off;
            off += lin & 0xFFF;
            return switch (size) {
                case 1 -> ram.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
                case 2 -> ram.get(LE16, off) & 0xFFFF;
                default -> ram.get(LE32, off) & 0xFFFFFFFFL;
            };
        }
        return phys.read(pa, size);
    }

    private void writeSlow(long lin, int size, int v) {
        if (((lin & 0xFFF) + size) > 0x1000) {
            translate(lin, WRITE, userHalf != 0);
            translate((lin + size - 1) & 0xFFFFFFFFL, WRITE, userHalf != 0);
            for (int k = 0; k < size; k++) {
                writeSlow((lin + k) & 0xFFFFFFFFL, 1, v >>> (8 * k));
            }
            return;
        }
        long pa = translate(lin, WRITE, userHalf != 0);
        long off = phys.ramOffset(pa & ~0xFFFL);
        if (off >= 0) {
            int i = ((int) (lin >>> 12) & MASK) | userHalf;
            wTag[i] = (int) (lin >>> 12);
            wOff[i] = off;
            off += lin & 0xFFF;
            guestRam.markDirty(off, size);
            switch (size) {
                case 1 -> ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
                case 2 -> ram.set(LE16, off, (short) v);
                default -> ram.set(LE32, off, v);
            }
            return;
        }
        phys.write(pa, size, v & 0xFFFFFFFFL);
        cpu.afterDeviceAccess();
    }

    // ---- the page walk ----------------------------------------------------------------------------------------

    /** Linear to physical (A20 applied), raising #PF when the access is not allowed. */
    long translate(long lin, int access, boolean user) {
        long cr0 = cpu.cr0;
        if ((cr0 & SoftwareCpu.CR0_PG) == 0) {
            return lin & phys.a20Mask();
        }
        boolean pae = (cpu.cr4 & SoftwareCpu.CR4_PAE) != 0;
        boolean nxe = (cpu.efer & SoftwareCpu.EFER_NXE) != 0;
        boolean wp = (cr0 & SoftwareCpu.CR0_WP) != 0;
        boolean write = access == WRITE;
        long a20 = phys.a20Mask();
        int pfErr = (write ? 2 : 0) | (user ? 4 : 0) | (access == EXEC && nxe ? 16 : 0);
        boolean allowWrite = true, allowUser = true, noExec = false;
        long leaf, leafAddr, pageBase;
        long offsetMask;
        if (!pae) {
            long pdeAddr = ((cpu.cr3 & 0xFFFFF000L) | ((lin >>> 20) & 0xFFC)) & a20;
            long pde = phys.read(pdeAddr, 4);
            if ((pde & 1) == 0) {
                throw pageFault(lin, pfErr);
            }
            allowWrite = (pde & 2) != 0;
            allowUser = (pde & 4) != 0;
            if ((pde & 0x80) != 0 && (cpu.cr4 & SoftwareCpu.CR4_PSE) != 0) {
                leaf = pde;
                leafAddr = pdeAddr;
                pageBase = (pde & 0xFFC00000L) | ((pde & 0x1FE000L) << 19);
                offsetMask = 0x3FFFFF;
            } else {
                if ((pde & 0x20) == 0) {
                    phys.write(pdeAddr, 4, pde | 0x20);
                }
                long pteAddr = ((pde & 0xFFFFF000L) | ((lin >>> 10) & 0xFFC)) & a20;
                leaf = phys.read(pteAddr, 4);
                leafAddr = pteAddr;
                if ((leaf & 1) == 0) {
                    throw pageFault(lin, pfErr);
                }
                allowWrite &= (leaf & 2) != 0;
                allowUser &= (leaf & 4) != 0;
                pageBase = leaf & 0xFFFFF000L;
                offsetMask = 0xFFF;
            }
            checkRights(lin, access, user, wp, allowWrite, allowUser, false, pfErr);
            long size4 = 4;
            long want = leaf | 0x20 | (write ? 0x40 : 0);
            if (want != leaf) {
                phys.write(leafAddr, (int) size4, want);
            }
        } else {
            long rsvd = nxe ? 0xFFF0000000000000L & ~(1L << 63) : 0xFFF0000000000000L;
            long pdpteAddr = ((cpu.cr3 & 0xFFFFFFE0L) | ((lin >>> 27) & 0x18)) & a20;
            long pdpte = phys.read(pdpteAddr, 8);
            if ((pdpte & 1) == 0) {
                throw pageFault(lin, pfErr);
            }
            long pdeAddr = ((pdpte & 0x000FFFFFFFFFF000L) | ((lin >>> 18) & 0xFF8)) & a20;
            long pde = phys.read(pdeAddr, 8);
            if ((pde & 1) == 0) {
                throw pageFault(lin, pfErr);
            }
            if ((pde & rsvd) != 0) {
                throw pageFault(lin, pfErr | 9);
            }
            allowWrite = (pde & 2) != 0;
            allowUser = (pde & 4) != 0;
            noExec = nxe && pde < 0;
            if ((pde & 0x80) != 0) {
                leaf = pde;
                leafAddr = pdeAddr;
                pageBase = pde & 0x000FFFFFFFE00000L;
                offsetMask = 0x1FFFFF;
            } else {
                if ((pde & 0x20) == 0) {
                    phys.write(pdeAddr, 4, (pde | 0x20) & 0xFFFFFFFFL);
                }
                long pteAddr = ((pde & 0x000FFFFFFFFFF000L) | ((lin >>> 9) & 0xFF8)) & a20;
                leaf = phys.read(pteAddr, 8);
                leafAddr = pteAddr;
                if ((leaf & 1) == 0) {
                    throw pageFault(lin, pfErr);
                }
                if ((leaf & rsvd) != 0) {
                    throw pageFault(lin, pfErr | 9);
                }
                allowWrite &= (leaf & 2) != 0;
                allowUser &= (leaf & 4) != 0;
                noExec |= nxe && leaf < 0;
                pageBase = leaf & 0x000FFFFFFFFFF000L;
                offsetMask = 0xFFF;
            }
            checkRights(lin, access, user, wp, allowWrite, allowUser, noExec, pfErr);
            long want = leaf | 0x20 | (write ? 0x40 : 0);
            if (want != leaf) {
                phys.write(leafAddr, 4, want & 0xFFFFFFFFL);
            }
        }
        return (pageBase | (lin & offsetMask)) & a20;
    }

    private void checkRights(long lin, int access, boolean user, boolean wp, boolean allowWrite, boolean allowUser,
                             boolean noExec, int pfErr) {
        boolean ok;
        if (user) {
            ok = allowUser && (access != WRITE || allowWrite);
        } else {
            ok = access != WRITE || allowWrite || !wp;
        }
        if (access == EXEC && noExec) {
            ok = false;
        }
        if (!ok) {
            throw pageFault(lin, pfErr | 1);
        }
    }

    private CpuFault pageFault(long lin, int err) {
        cpu.cr2 = lin & 0xFFFFFFFFL;
        return CpuFault.withCode(CpuFault.PF, err);
    }
}
