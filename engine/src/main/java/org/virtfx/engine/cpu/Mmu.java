package org.virtfx.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Linear-address access for one vCPU: the paging walk (32-bit with 4 MiB PSE pages, PAE with NX, and IA-32e 4-level
 * paging with 2 MiB and 1 GiB pages), #PF with error code and CR2, accessed/dirty bits, and a software TLB whose hits
 * go straight to the RAM segment.
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
    /**
     * Self-modifying code: stores into a page that holds decoded instructions give it a new version (see
     * {@link CodePages}); {@link #codeFlags} is its per-page flag array, tested on every store.
     */
    private final CodePages codePages;
    private final byte[] codeFlags;
    /** Virtual page numbers (linear address >>> 12; 36 bits in IA-32e mode), -1 for an empty entry. */
    private final long[][] tags = {new long[2 * SIZE], new long[2 * SIZE], new long[2 * SIZE]};
    private final long[][] offs = {new long[2 * SIZE], new long[2 * SIZE], new long[2 * SIZE]};
    private final long[] rTag = tags[READ], wTag = tags[WRITE];
    private final long[] rOff = offs[READ], wOff = offs[WRITE];
    private final long[] xTag = tags[EXEC];
    private final long[] xOff = offs[EXEC];
    /** 0 for supervisor accesses, SIZE for CPL 3 ones. */
    int userHalf;
    /** Linear addresses wrap at 4 GiB outside IA-32e mode; 64-bit addresses are canonical-checked by the caller. */
    long linMask = 0xFFFFFFFFL;
    /** Physical address bits this CPU reports (CPUID 0x80000008); higher bits in paging entries are reserved. */
    static final int PHYS_BITS = 40;
    private long generation;
    Mmu(SoftwareCpu cpu, PhysicalMemory phys) {
        this.cpu = cpu;
        this.phys = phys;
        this.ram = phys.ram().segment();
        this.guestRam = phys.ram();
        this.codePages = CodePages.of(guestRam);
        this.codeFlags = codePages.codeFlags;
        flush();
    }

    void flush() {
        for (long[] t : tags) {
            Arrays.fill(t, -1);
        }
        generation = phys.generation();
    }

    void flushPage(long lin) {
        long vpn = lin >>> 12;
        for (long[] t : tags) {
            t[(int) vpn & MASK] = -1;
            t[((int) vpn & MASK) | SIZE] = -1;
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
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (rTag[i] == vpn) {
            return ram.get(ValueLayout.JAVA_BYTE, rOff[i] + (lin & 0xFFF)) & 0xFF;
        }
        return (int) readSlow(lin, 1, READ);
    }

    int read16(long lin) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (rTag[i] == vpn && (lin & 0xFFF) <= 0xFFE) {
            return ram.get(LE16, rOff[i] + (lin & 0xFFF)) & 0xFFFF;
        }
        return (int) readSlow(lin, 2, READ);
    }

    int read32(long lin) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (rTag[i] == vpn && (lin & 0xFFF) <= 0xFFC) {
            return ram.get(LE32, rOff[i] + (lin & 0xFFF));
        }
        return (int) readSlow(lin, 4, READ);
    }

    long read64(long lin) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (rTag[i] == vpn && (lin & 0xFFF) <= 0xFF8) {
            return ram.get(LE64, rOff[i] + (lin & 0xFFF));
        }
        if ((lin & 0xFFF) > 0xFF8) {
            // crossing a page: translate the second page first so that either fault comes before any use
            translate((lin + 7) & linMask, READ, userHalf != 0);
        }
        return (read32(lin) & 0xFFFFFFFFL) | ((long) read32((lin + 4) & linMask) << 32);
    }

    int fetch8(long lin) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (xTag[i] == vpn) {
            return ram.get(ValueLayout.JAVA_BYTE, xOff[i] + (lin & 0xFFF)) & 0xFF;
        }
        return (int) readSlow(lin, 1, EXEC);
    }

    /** RAM offset of {@code lin} for instruction fetch when the execute TLB already holds its page, else -1. */
    long execRamOffset(long lin) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        return xTag[i] == vpn ? xOff[i] + (lin & 0xFFF) : -1;
    }

    void write8(long lin, int v) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (wTag[i] == vpn) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
            guestRam.markDirty(off, 1);
            if (codeFlags[(int) (off >>> 12)] != 0) {
                codePages.written(off, 1);
            }
            return;
        }
        writeSlow(lin, 1, v);
    }

    void write16(long lin, int v) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (wTag[i] == vpn && (lin & 0xFFF) <= 0xFFE) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(LE16, off, (short) v);
            guestRam.markDirty(off, 2);
            if (codeFlags[(int) (off >>> 12)] != 0) {
                codePages.written(off, 2);
            }
            return;
        }
        writeSlow(lin, 2, v);
    }

    void write32(long lin, int v) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (wTag[i] == vpn && (lin & 0xFFF) <= 0xFFC) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(LE32, off, v);
            guestRam.markDirty(off, 4);
            if (codeFlags[(int) (off >>> 12)] != 0) {
                codePages.written(off, 4);
            }
            return;
        }
        writeSlow(lin, 4, v);
    }

    void write64(long lin, long v) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (wTag[i] == vpn && (lin & 0xFFF) <= 0xFF8) {
            long off = wOff[i] + (lin & 0xFFF);
            ram.set(LE64, off, v);
            guestRam.markDirty(off, 8);
            if (codeFlags[(int) (off >>> 12)] != 0) {
                codePages.written(off, 8);
            }
            return;
        }
        // check both halves before writing either (a fault must leave memory unchanged)
        translate(lin, WRITE, userHalf != 0);
        translate((lin + 7) & linMask, WRITE, userHalf != 0);
        write32(lin, (int) v);
        write32((lin + 4) & linMask, (int) (v >>> 32));
    }

    private static final java.lang.invoke.VarHandle RAM_LONG =
            ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    /**
     * Writes {@code size} bytes at {@code lin} only if they still hold {@code expected}, atomically against plain
     * stores of other vCPUs (host compare-and-set on the aligned 8 bytes around the operand); returns false when they
     * changed. Operands outside RAM or across an 8-byte boundary (split locks) are written plainly.
     */
    boolean compareAndWrite(long lin, int size, long expected, long v) {
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        if (wTag[i] != vpn) {
            long pa = translate(lin, WRITE, userHalf != 0);
            long page = phys.ramOffset(pa & ~0xFFFL);
            if (page >= 0) {
                wTag[i] = vpn;
                wOff[i] = page;
            }
        }
        long off = wOff[i] + (lin & 0xFFF);
        long word = off & ~7L;
        int shift = (int) (off - word) * 8;
        if (wTag[i] != vpn || shift + size * 8 > 64 || (ram.address() & 7) != 0) {
            switch (size) {
                case 1 -> write8(lin, (int) v);
                case 2 -> write16(lin, (int) v);
                case 4 -> write32(lin, (int) v);
                default -> write64(lin, v);
            }
            return true;
        }
        long mask = size == 8 ? -1L : ((1L << (size * 8)) - 1) << shift;
        long want = (expected << shift) & mask;
        long put = (v << shift) & mask;
        while (true) {
            long cur = (long) RAM_LONG.getVolatile(ram, word);
            if ((cur & mask) != want) {
                return false;
            }
            if (RAM_LONG.compareAndSet(ram, word, cur, (cur & ~mask) | put)) {
                guestRam.markDirty(off, size);
                if (codeFlags[(int) (off >>> 12)] != 0) {
                    codePages.written(off, size);   // a locked store over cached code invalidates it like any store
                }
                return true;
            }
        }
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
        long vpn = lin >>> 12;
        int i = ((int) vpn & MASK) | userHalf;
        long[] t = write ? wTag : rTag;
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

    /** Reports a bulk write made straight into {@link #ram} (string instructions): dirty pages, changed code. */
    void markDirty(long ramOffset, long length) {
        guestRam.markDirty(ramOffset, length);
        codePages.written(ramOffset, length);
    }

    // ---- slow paths -------------------------------------------------------------------------------------------

    private long readSlow(long lin, int size, int access) {
        if (((lin & 0xFFF) + size) > 0x1000) {
            long v = 0;
            // translate both pages first: a fault on the second page must be reported before any side effect
            translate((lin + size - 1) & linMask, access, userHalf != 0);
            for (int k = size - 1; k >= 0; k--) {
                v = (v << 8) | readSlow((lin + k) & linMask, 1, access);
            }
            return v;
        }
        long pa = translate(lin, access, userHalf != 0);
        long off = phys.ramOffset(pa & ~0xFFFL);
        if (off >= 0) {
            int i = ((int) (lin >>> 12) & MASK) | userHalf;
            tags[access][i] = lin >>> 12;
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
            translate((lin + size - 1) & linMask, WRITE, userHalf != 0);
            for (int k = 0; k < size; k++) {
                writeSlow((lin + k) & linMask, 1, v >>> (8 * k));
            }
            return;
        }
        long pa = translate(lin, WRITE, userHalf != 0);
        long off = phys.ramOffset(pa & ~0xFFFL);
        if (off >= 0) {
            int i = ((int) (lin >>> 12) & MASK) | userHalf;
            wTag[i] = lin >>> 12;
            wOff[i] = off;
            off += lin & 0xFFF;
            guestRam.markDirty(off, size);
            if (codeFlags[(int) (off >>> 12)] != 0) {
                codePages.written(off, size);
            }
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
        if ((cpu.efer & SoftwareCpu.EFER_LMA) != 0) {
            return translateLong(lin, access, user);
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

    /** IA-32e 4-level walk: PML4E, PDPTE (1 GiB pages), PDE (2 MiB pages), PTE; rights are the AND of all levels. */
    private long translateLong(long lin, int access, boolean user) {
        boolean nxe = (cpu.efer & SoftwareCpu.EFER_NXE) != 0;
        boolean wp = (cpu.cr0 & SoftwareCpu.CR0_WP) != 0;
        boolean write = access == WRITE;
        int pfErr = (write ? 2 : 0) | (user ? 4 : 0) | (access == EXEC && nxe ? 16 : 0);
        long addrBits = ((1L << PHYS_BITS) - 1) & ~0xFFFL;
        long rsvd = (0x000FFFFFFFFFFFFFL & ~((1L << PHYS_BITS) - 1)) | (nxe ? 0 : 1L << 63);
        long table = cpu.cr3 & addrBits;
        boolean allowWrite = true, allowUser = true, noExec = false;
        long pageBase = 0, offsetMask = 0, leaf = 0, leafAddr = 0;
        for (int level = 3; level >= 0; level--) {
            long entryAddr = table | ((lin >>> (12 + 9 * level)) & 0x1FF) << 3;
            long e = phys.read(entryAddr, 8);
            if ((e & 1) == 0) {
                throw pageFault(lin, pfErr);
            }
            boolean large = (e & 0x80) != 0 && level > 0;
            long extra = 0;
            if (large) {
                // PS in a PML4E is reserved; a large page's address bits below its size are reserved (PAT aside)
                extra = level == 3 ? 0x80 : level == 2 ? 0x3FFFE000L : 0x1FE000L;
            }
            if ((e & (rsvd | extra)) != 0) {
                throw pageFault(lin, pfErr | 9);
            }
            allowWrite &= (e & 2) != 0;
            allowUser &= (e & 4) != 0;
            noExec |= nxe && e < 0;
            if (level == 0 || large) {
                leaf = e;
                leafAddr = entryAddr;
                offsetMask = (1L << (12 + 9 * level)) - 1;
                pageBase = e & addrBits & ~offsetMask;
                break;
            }
            if ((e & 0x20) == 0) {
                phys.write(entryAddr, 4, (e | 0x20) & 0xFFFFFFFFL);
            }
            table = e & addrBits;
        }
        checkRights(lin, access, user, wp, allowWrite, allowUser, noExec, pfErr);
        long want = leaf | 0x20 | (write ? 0x40 : 0);
        if (want != leaf) {
            phys.write(leafAddr, 4, want & 0xFFFFFFFFL);
        }
        return pageBase | (lin & offsetMask);
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
        cpu.cr2 = lin & linMask;
        return CpuFault.withCode(CpuFault.PF, err);
    }
}
