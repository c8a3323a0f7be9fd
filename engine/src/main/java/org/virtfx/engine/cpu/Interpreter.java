package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import org.virtfx.engine.cpu.fpu.FpuMemory;

/**
 * Decodes and executes one instruction: prefixes (REX in 64-bit mode), ModRM/SIB with 16-, 32- and 64-bit addressing
 * (RIP-relative in 64-bit mode), the one-byte opcode map.
 * The 0F map is in {@link TwoByteOps}, string instructions in {@link StringOps}, arithmetic in {@link Alu}, far
 * transfers and interrupts in {@link ControlTransfer}. Decode state (prefixes, effective address) lives in fields of
 * this object for the duration of one instruction.
 */
final class Interpreter {
    /** Serialises LOCK-prefixed and implicitly locked read-modify-write instructions of all vCPUs. */
    static final Object BUS_LOCK = new Object();

    final SoftwareCpu c;
    final long[] r;
    final Mmu mmu;
    final TwoByteOps twoByte;
    final StringOps strings;
    final FpuMemory fpuMemory;
    /** Pre-decoded instructions by RAM offset; null when disabled with {@code -Dvirtfx.cpu.decodeCache=false}. */
    private final DecodeCache decodeCache;
    /** {@link CodePages#versions()} of this CPU's RAM (one load less on the chained path). */
    private final int[] codeVersions;
    /** System property: "false" turns the decoded-instruction cache off (for comparisons and bisecting). */
    static final String DECODE_CACHE_PROPERTY = "virtfx.cpu.decodeCache";

    // ---- per-instruction decode state -------------------------------------------------------------------------
    /** Operand size is 32 bits (no 66 prefix in 32/64-bit code); {@link #osize()} is 8 when REX.W is set. */
    boolean o32, a32;
    /** 64-bit address size (64-bit mode without a 67 prefix). */
    boolean a64;
    /** REX prefix byte (0x40-0x4F) of this instruction, 0 without one; {@link #rexW} is its W bit. */
    int rex;
    boolean rexW;
    /** Operand size in bytes (2, 4, 8) and the size of stack operations (PUSH/POP/CALL/RET: 8 in 64-bit mode). */
    private int opSize, stackSize;
    /** Opcode and map (0 one-byte, 0x0F two-byte) of the instruction, for RIP-relative immediate lengths. */
    int opcode, opMap;
    int segOverride;
    int rep;
    boolean lock;
    private int length;
    /**
     * While a LOCK-ed (or implicitly locked) instruction executes: the linear address, size and value of its last
     * memory read, so that its write to the same operand can be a compare-and-set against what it read.
     */
    private boolean atomicRmw;
    private long rmwLinear = -1;
    private int rmwSize;
    private long rmwValue;
    /** Register state at the start of a locked instruction, restored when it must run again (see executeLocked). */
    private final long[] savedRegs = new long[16];
    /** ModRM fields; {@code reg} and {@code rm} include the REX.R/REX.B extension (0-15). */
    int mod, reg, rm;
    long eaOff;
    int eaSeg;
    long startRip;
    /** Set while an instruction byte is fetched on the slow path: a fault then is a fetch fault (for traces). */
    boolean fetchFault;

    Interpreter(SoftwareCpu c) {
        this.c = c;
        this.r = c.r;
        this.mmu = c.mmu;
        this.twoByte = new TwoByteOps(this);
        this.strings = new StringOps(this);
        this.fpuMemory = new CpuFpuMemory();
        this.decodeCache = "false".equals(System.getProperty(DECODE_CACHE_PROPERTY))
                ? null : new DecodeCache(c.phys.ram());
        this.codeVersions = decodeCache == null ? null : decodeCache.pages().versions();
    }

    // ---- fetch --------------------------------------------------------------------------------------------------

    int fetch8() {
        if (fetchRam >= 0) {
            // fast path: the whole 15-byte window is inside the CS limit and one RAM page (checked at the start)
            int k = length++;
            if (k >= 15) {
                throw CpuFault.gp(0);
            }
            c.rip++;
            return mmu.ram.get(java.lang.foreign.ValueLayout.JAVA_BYTE, fetchRam + k) & 0xFF;
        }
        if (++length > 15) {
            throw CpuFault.gp(0);
        }
        fetchFault = true;
        long ip = c.rip;
        int v;
        if (c.code64) {
            if (ip != (ip << 16 >> 16)) {
                throw CpuFault.gp(0);
            }
            c.rip = ip + 1;
            v = mmu.fetch8(ip);
        } else {
            if (ip > (c.segLimit[CS] & 0xFFFFFFFFL)) {
                throw CpuFault.gp(0);
            }
            c.rip = (ip + 1) & 0xFFFFFFFFL;
            v = mmu.fetch8((c.segBase[CS] + ip) & 0xFFFFFFFFL);
        }
        fetchFault = false;
        return v;
    }

    int fetch16() {
        int lo = fetch8();
        return lo | (fetch8() << 8);
    }

    int fetch32() {
        int lo = fetch16();
        return lo | (fetch16() << 16);
    }

    /** Immediate of the operand size (Iz): 16 or 32 bits. */
    int fetchImm(int size) {
        return size == 1 ? fetch8() : size == 2 ? fetch16() : fetch32();
    }

    /** Immediate of the operand size, sign-extended to 64 bits (a 64-bit operand takes a sign-extended imm32). */
    long fetchImmS(int size) {
        return size == 1 ? (byte) fetch8() : size == 2 ? (short) fetch16() : fetch32();
    }

    long fetch64() {
        long lo = fetch32() & 0xFFFFFFFFL;
        return lo | ((long) fetch32() << 32);
    }

    private int peek8() {
        long ip = c.rip;
        if (c.code64) {
            return mmu.fetch8(ip);
        }
        if (ip > (c.segLimit[CS] & 0xFFFFFFFFL)) {
            throw CpuFault.gp(0);
        }
        return mmu.fetch8((c.segBase[CS] + ip) & 0xFFFFFFFFL);
    }

    // ---- registers ----------------------------------------------------------------------------------------------

    /** Register {@code i} (0-15) as an int: the 32-bit view; use {@link #getRegL} for 64-bit operands. */
    int getReg(int i, int size) {
        return (int) getRegL(i, size);
    }

    /**
     * Register {@code i} (0-15) of {@code size} bytes, zero-extended. Byte registers 4-7 are AH..BH without a REX
     * prefix and SPL..DIL with one.
     */
    long getRegL(int i, int size) {
        return switch (size) {
            case 1 -> i < 4 || rex != 0 ? r[i] & 0xFF : (r[i - 4] >>> 8) & 0xFF;
            case 2 -> r[i] & 0xFFFF;
            case 4 -> r[i] & 0xFFFFFFFFL;
            default -> r[i];
        };
    }

    /** Writes register {@code i}; a 32-bit write zero-extends into the 64-bit register, 8/16-bit writes merge. */
    void setReg(int i, int size, long v) {
        switch (size) {
            case 1 -> {
                if (i < 4 || rex != 0) {
                    r[i] = (r[i] & ~0xFFL) | (v & 0xFF);
                } else {
                    r[i - 4] = (r[i - 4] & ~0xFF00L) | ((v & 0xFF) << 8);
                }
            }
            case 2 -> r[i] = (r[i] & ~0xFFFFL) | (v & 0xFFFF);
            case 4 -> r[i] = v & 0xFFFFFFFFL;
            default -> r[i] = v;
        }
    }

    // ---- ModRM and memory operands --------------------------------------------------------------------------

    void decodeModrm() {
        int m = fetch8();
        mod = m >>> 6;
        int rex = this.rex;
        reg = ((m >>> 3) & 7) | ((rex & 4) << 1);
        rm = (m & 7) | ((rex & 1) << 3);
        if (mod == 3) {
            return;
        }
        int defSeg = DS;
        long off;
        if (a32) {
            int rmLow = m & 7;
            if (rmLow == 4) {
                int sib = fetch8();
                int base = sib & 7, index = ((sib >>> 3) & 7) | ((rex & 2) << 2);
                if (base == 5 && mod == 0) {
                    off = fetch32();
                } else {
                    off = r[base | ((rex & 1) << 3)];
                    if (base == 4 || base == 5) {
                        defSeg = SS;
                    }
                }
                if (index != 4) {
                    off += (a64 ? r[index] : r[index] & 0xFFFFFFFFL) << (sib >>> 6);
                }
            } else if (rmLow == 5 && mod == 0) {
                off = fetch32();
                if (c.code64) {
                    // RIP-relative: relative to the end of the instruction, after any immediate still to come
                    off += c.rip + ripRelativeImmediateBytes(m);
                }
            } else {
                off = r[rm];
                if (rmLow == 5) {
                    defSeg = SS;
                }
            }
            if (mod == 1) {
                off += (byte) fetch8();
            } else if (mod == 2) {
                off += fetch32();
            }
            eaOff = a64 ? off : off & 0xFFFFFFFFL;
        } else {
            off = switch (rm) {
                case 0 -> r[RBX] + r[RSI];
                case 1 -> r[RBX] + r[RDI];
                case 2 -> r[RBP] + r[RSI];
                case 3 -> r[RBP] + r[RDI];
                case 4 -> r[RSI];
                case 5 -> r[RDI];
                case 6 -> mod == 0 ? 0 : r[RBP];
                default -> r[RBX];
            };
            if (rm == 2 || rm == 3 || (rm == 6 && mod != 0)) {
                defSeg = SS;
            }
            if (mod == 0 && rm == 6) {
                off = fetch16();
            } else if (mod == 1) {
                off += (byte) fetch8();
            } else if (mod == 2) {
                off += fetch16();
            }
            eaOff = off & 0xFFFF;
        }
        eaSeg = segOverride >= 0 ? segOverride : defSeg;
    }

    /** Bytes of immediate data that follow the ModRM operand of the current instruction (for RIP-relative). */
    private int ripRelativeImmediateBytes(int modrm) {
        int z = opSize == 2 ? 2 : 4;
        if (opMap == 0) {
            return switch (opcode) {
                case 0x69, 0x81, 0xC7 -> z;
                case 0x6B, 0x80, 0x83, 0xC0, 0xC1, 0xC6 -> 1;
                case 0xF6 -> (modrm & 0x30) == 0 ? 1 : 0;
                case 0xF7 -> (modrm & 0x30) == 0 ? z : 0;
                default -> 0;
            };
        }
        return switch (opcode) {
            case 0x3A, 0x70, 0x71, 0x72, 0x73, 0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6 -> 1;
            default -> 0;
        };
    }

    static boolean canonical(long a) {
        return a == (a << 16 >> 16);
    }

    /** Segment-checked linear address of {@code size} bytes at {@code seg:off}. */
    long linear(int seg, long off, int size, boolean write) {
        if (c.code64) {
            // 64-bit mode: no limits or type checks, bases only for FS and GS, canonical addresses
            long a = seg >= FS ? c.segBase[seg] + off : off;
            if (!canonical(a)) {
                throw seg == SS ? CpuFault.withCode(CpuFault.SS, 0) : CpuFault.gp(0);
            }
            return a;
        }
        int attr = c.segAttr[seg];
        if ((c.cr0 & CR0_PE) != 0 && (c.eflags & VM) == 0) {
            if ((attr & ATTR_UNUSABLE) != 0) {
                throw seg == SS ? CpuFault.withCode(CpuFault.SS, 0) : CpuFault.gp(0);
            }
            if (write ? (attr & 0x0A) != 0x02 : (attr & 0x0A) == 0x08) {
                throw seg == SS ? CpuFault.withCode(CpuFault.SS, 0) : CpuFault.gp(0);
            }
        }
        long lim = c.segLimit[seg] & 0xFFFFFFFFL;
        long last = off + size - 1;
        boolean bad;
        if ((attr & 0x1C) == 0x14) {
            long upper = (attr & 0x4000) != 0 ? 0xFFFFFFFFL : 0xFFFF;
            bad = off <= lim || last > upper;
        } else {
            bad = last > lim;
        }
        if (bad) {
            throw seg == SS ? CpuFault.withCode(CpuFault.SS, 0) : CpuFault.gp(0);
        }
        return (c.segBase[seg] + off) & 0xFFFFFFFFL;
    }

    /** Linear address without limit checks (INVLPG takes any address). */
    long linearNoCheck(int seg, long off) {
        if (c.code64) {
            return seg >= FS ? c.segBase[seg] + off : off;
        }
        return (c.segBase[seg] + off) & 0xFFFFFFFFL;
    }

    /** Memory operand as an int (32-bit view); {@link #readMemL} for 64-bit operands. */
    int readMem(int seg, long off, int size) {
        return (int) readMemL(seg, off, size);
    }

    /** Memory operand of {@code size} bytes, zero-extended. */
    long readMemL(int seg, long off, int size) {
        return readLinear(linear(seg, off, size, false), size);
    }

    /** Reads {@code size} bytes at linear address {@code a}, remembered as the operand of a locked instruction. */
    long readLinear(long a, int size) {
        long v = switch (size) {
            case 1 -> mmu.read8(a);
            case 2 -> mmu.read16(a);
            case 4 -> mmu.read32(a) & 0xFFFFFFFFL;
            default -> mmu.read64(a);
        };
        if (atomicRmw) {
            rmwLinear = a;
            rmwSize = size;
            rmwValue = v;
        }
        return v;
    }

    void writeMem(int seg, long off, int size, long v) {
        writeLinear(linear(seg, off, size, true), size, v);
    }

    /**
     * Writes {@code size} bytes at linear address {@code a}. The write of a locked instruction to the operand it read
     * only happens if memory still holds what it read: another vCPU's plain store in between (a spinlock release
     * next to a LOCK BTS on the same word, say) must not be overwritten with stale bytes.
     */
    void writeLinear(long a, int size, long v) {
        if (atomicRmw && a == rmwLinear && size == rmwSize) {
            if (!mmu.compareAndWrite(a, size, rmwValue, v)) {
                throw LockedOperandChanged.INSTANCE;
            }
            return;
        }
        switch (size) {
            case 1 -> mmu.write8(a, (int) v);
            case 2 -> mmu.write16(a, (int) v);
            case 4 -> mmu.write32(a, (int) v);
            default -> mmu.write64(a, v);
        }
    }

    int readEa(int size) {
        return (int) readEaL(size);
    }

    long readEaL(int size) {
        return mod == 3 ? getRegL(rm, size) : readMemL(eaSeg, eaOff, size);
    }

    void writeEa(int size, long v) {
        if (mod == 3) {
            setReg(rm, size, v);
        } else {
            writeMem(eaSeg, eaOff, size, v);
        }
    }

    /** Address-size mask: 16, 32 or 64 bits. */
    long addrMask() {
        return a64 ? -1L : a32 ? 0xFFFFFFFFL : 0xFFFF;
    }

    /** Effective offset plus {@code delta}, wrapped to the address size (second word of a far pointer, BOUND). */
    long eaPlus(int delta) {
        return (eaOff + delta) & addrMask();
    }

    int segDefault(int seg) {
        return segOverride >= 0 ? segOverride : seg;
    }

    // ---- stack --------------------------------------------------------------------------------------------------

    long sp() {
        return c.code64 ? r[RSP] : c.stack32 ? r[RSP] & 0xFFFFFFFFL : r[RSP] & 0xFFFF;
    }

    void setSp(long v) {
        if (c.code64) {
            r[RSP] = v;
        } else if (c.stack32) {
            r[RSP] = v & 0xFFFFFFFFL;
        } else {
            r[RSP] = (r[RSP] & ~0xFFFFL) | (v & 0xFFFF);
        }
    }

    long spMask() {
        return c.code64 ? -1L : c.stack32 ? 0xFFFFFFFFL : 0xFFFF;
    }

    void push(int size, long v) {
        long nsp = (sp() - size) & spMask();
        writeMem(SS, nsp, size, v);
        setSp(nsp);
    }

    int pop(int size) {
        return (int) popL(size);
    }

    long popL(int size) {
        long sp = sp();
        long v = readMemL(SS, sp, size);
        setSp(sp + size);
        return v;
    }

    /** Reads the value {@code pop} would return, {@code offset} bytes above the stack top, without popping. */
    int peekStack(int offset, int size) {
        return (int) peekStackL(offset, size);
    }

    long peekStackL(int offset, int size) {
        return readMemL(SS, (sp() + offset) & spMask(), size);
    }

    // ---- control flow helpers -----------------------------------------------------------------------------------

    void jumpNear(long target) {
        if (c.code64) {
            // near branches are 64-bit in 64-bit mode (the 66 prefix is ignored, as on Intel processors)
            if (!canonical(target)) {
                throw CpuFault.gp(0);
            }
            c.rip = target;
            return;
        }
        target &= o32 ? 0xFFFFFFFFL : 0xFFFF;
        if (target > (c.segLimit[CS] & 0xFFFFFFFFL)) {
            throw CpuFault.gp(0);
        }
        c.rip = target;
    }

    int osize() {
        return opSize;
    }

    /** Whether the instruction has an operand-size (66) prefix: it selects the SSE forms of many 0F opcodes. */
    boolean prefix66() {
        return o32 != (c.code32 || c.code64);
    }

    /** Operand size of PUSH/POP/near CALL/RET and friends: 64 bits by default in 64-bit mode. */
    int ssize() {
        return stackSize;
    }

    boolean protectedMode() {
        return (c.cr0 & CR0_PE) != 0 && (c.eflags & VM) == 0;
    }

    int iopl() {
        return (c.eflags >>> 12) & 3;
    }

    // ---- execute ------------------------------------------------------------------------------------------------

    /**
     * The cached instruction that ran last and completed, and its linear address; null after anything else ran.
     * While it is set, only cached instructions ran since the last lookup through the TLB (they change neither CS,
     * the mode, paging nor CPL), so a successor on the same linear page is at the same RAM distance: its link
     * ({@link DecodedInsn#next}, {@link DecodedInsn#other}) saves the TLB and cache lookups of the next instruction.
     */
    private DecodedInsn lastRun;
    private long lastRunLin;

    /** RAM offset of the current instruction's first byte when it can be fetched without checks, else -1. */
    private long fetchRam = -1;

    void execute() {
        startRip = c.rip;
        length = 0;
        long ip = c.rip;
        boolean m64 = c.code64;
        long lin = m64 ? ip : (c.segBase[CS] + ip) & 0xFFFFFFFFL;
        fetchRam = -1;
        DecodedInsn prev = lastRun;
        lastRun = null;
        if ((lin & 0xFFF) <= 0xFF0 && (m64 ? canonical(ip) : ip + 15 <= (c.segLimit[CS] & 0xFFFFFFFFL))) {
            int mode = m64 ? 2 : c.code32 ? 1 : 0;
            boolean samePage = prev != null && ((lin ^ lastRunLin) >>> 12) == 0;
            if (samePage) {
                // chained: the previous instruction ran from this linear page and nothing since could remap it
                long chainOff = prev.ramOffset + (lin - lastRunLin);
                DecodedInsn d = prev.next;
                if (d == null || d.ramOffset != chainOff) {
                    d = prev.other;
                }
                if (d != null && d.ramOffset == chainOff && d.mode == mode
                        && d.pageVersion == codeVersions[(int) (chainOff >>> 12)]) {
                    lastRunLin = lin;
                    runDecoded(d, ip);
                    return;
                }
            }
            long off = mmu.execRamOffset(lin);
            if (off < 0) {
                fetchFault = true;
                mmu.fetch8(lin); // fills the TLB (or raises the fetch's #PF, as the first byte would)
                fetchFault = false;
                off = mmu.execRamOffset(lin);
            }
            fetchRam = off;
            if (off >= 0 && decodeCache != null) {
                DecodedInsn d = decodeCache.lookup(off, mode);
                if (d.kind != DecodedOps.NONE) {
                    if (samePage) {
                        if (d.ramOffset == prev.ramOffset + prev.length) {
                            prev.next = d;
                        } else {
                            prev.other = d;
                        }
                    }
                    lastRunLin = lin;
                    runDecoded(d, ip);
                    return;
                }
            }
        }
        boolean big = c.code32 || m64;
        o32 = big;
        a32 = big;
        a64 = m64;
        segOverride = -1;
        rep = 0;
        lock = false;
        int rx = 0;
        int b;
        prefixes:
        while (true) {
            b = fetch8();
            switch (b) {
                case 0x66 -> o32 = !big;
                case 0x67 -> {
                    if (m64) {
                        a64 = false;
                    } else {
                        a32 = !big;
                    }
                }
                case 0x26 -> segOverride = ES;
                case 0x2E -> segOverride = CS;
                case 0x36 -> segOverride = SS;
                case 0x3E -> segOverride = DS;
                case 0x64 -> segOverride = FS;
                case 0x65 -> segOverride = GS;
                case 0xF0 -> lock = true;
                case 0xF2, 0xF3 -> rep = b;
                case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> {
                    if (!m64) {
                        break prefixes; // INC/DEC outside 64-bit mode
                    }
                    rx = b;
                    continue; // a REX prefix counts only when the opcode follows it directly
                }
                default -> {
                    break prefixes;
                }
            }
            rx = 0;
        }
        rex = rx;
        rexW = (rx & 8) != 0;
        opSize = rexW ? 8 : o32 ? 4 : 2;
        stackSize = m64 ? (rexW || o32 ? 8 : 2) : opSize;
        opcode = b;
        opMap = 0;
        if (lock || b == 0x86 || b == 0x87) {
            executeLocked(b);
        } else {
            exec(b);
        }
    }

    /** Executes a cached instruction: its decode state restored, its memory operand's address computed. */
    private void runDecoded(DecodedInsn d, long ip) {
        o32 = d.o32;
        a32 = d.a32;
        a64 = d.a64;
        rex = d.rex;
        rexW = d.rexW;
        opSize = d.opSize;
        stackSize = d.stackSize;
        segOverride = d.segOverride;
        rep = d.rep;
        lock = false;
        opcode = d.opcode;
        opMap = d.opMap;
        mod = d.mod;
        reg = d.reg;
        rm = d.rm;
        long next = ip + d.length;
        c.rip = next;
        if (d.hasEa) {
            long off = d.disp;
            if (d.eaBase >= 0) {
                off += r[d.eaBase];
            }
            if (d.eaIndex >= 0) {
                off += r[d.eaIndex] << d.eaScale;
            }
            if (d.ripRelative) {
                off += next;
            }
            eaOff = off & d.addrMask;
            eaSeg = d.eaSeg;
        }
        DecodedOps.run(this, d);
        lastRun = d;
    }

    /**
     * Forgets the instruction that ran last, so that the next one is looked up through the TLB and the cache again:
     * called when something other than a cached instruction changed the state (event delivery, a new batch, a step
     * driven from outside the run loop).
     */
    void breakChain() {
        lastRun = null;
    }

    /**
     * A locked read-modify-write: atomic against the other vCPUs' locked instructions (BUS_LOCK) and, through the
     * compare-and-set of its write, against their plain stores. When such a store changed the operand after the
     * read, the instruction runs again from its registers at the start (nothing else of it is visible yet).
     */
    private void executeLocked(int b) {
        if (lock && !lockable(b)) {
            throw CpuFault.ud();
        }
        synchronized (BUS_LOCK) {
            System.arraycopy(r, 0, savedRegs, 0, 16);
            long rip = c.rip;
            int len = length;
            int eflags = c.eflags;
            int lazyOp = c.lazyOp;
            long lazyDst = c.lazyDst;
            long lazySrc = c.lazySrc;
            long lazyRes = c.lazyRes;
            int lazySize = c.lazySize;
            while (true) {
                atomicRmw = true;
                rmwLinear = -1;
                try {
                    exec(b);
                    return;
                } catch (LockedOperandChanged again) {
                    System.arraycopy(savedRegs, 0, r, 0, 16);
                    c.rip = rip;
                    length = len;
                    c.eflags = eflags;
                    c.lazyOp = lazyOp;
                    c.lazyDst = lazyDst;
                    c.lazySrc = lazySrc;
                    c.lazyRes = lazyRes;
                    c.lazySize = lazySize;
                } finally {
                    atomicRmw = false;
                }
            }
        }
    }

    /** Thrown by the write of a locked instruction whose operand another vCPU changed since it was read. */
    private static final class LockedOperandChanged extends RuntimeException {
        static final LockedOperandChanged INSTANCE = new LockedOperandChanged();

        private LockedOperandChanged() {
            super(null, null, false, false);
        }
    }

    /** LOCK is allowed only on read-modify-write instructions with a memory destination. */
    private boolean lockable(int b) {
        if (b == 0x0F) {
            long save = c.rip;
            int saveLen = length;
            int op = fetch8();
            int m = peek8();
            c.rip = save;
            length = saveLen;
            if ((m >>> 6) == 3) {
                return false;
            }
            return switch (op) {
                case 0xAB, 0xB3, 0xBB, 0xB0, 0xB1, 0xC0, 0xC1 -> true;
                case 0xBA -> ((m >>> 3) & 7) >= 5;
                case 0xC7 -> ((m >>> 3) & 7) == 1;
                default -> false;
            };
        }
        boolean rmw = switch (b) {
            case 0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x86, 0x87 -> true;
            case 0x80, 0x81, 0x82, 0x83 -> ((peek8() >>> 3) & 7) != 7;
            case 0xF6, 0xF7 -> ((peek8() >>> 3) & 7) == 2 || ((peek8() >>> 3) & 7) == 3;
            case 0xFE, 0xFF -> ((peek8() >>> 3) & 7) <= 1;
            default -> false;
        };
        return rmw && (peek8() >>> 6) != 3;
    }

    /** #UD for opcodes that do not exist in 64-bit mode. */
    private void invalidIn64() {
        if (c.code64) {
            throw CpuFault.ud();
        }
    }

    private void exec(int b) {
        switch (b) {
            case 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D,
                 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D,
                 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D -> aluForm(b);
            case 0x06, 0x0E, 0x16, 0x1E -> {
                invalidIn64();
                push(osize(), c.sel[b >>> 3]);
            }
            case 0x07, 0x17, 0x1F -> {
                invalidIn64();
                popSeg(b >>> 3);
            }
            case 0x0F -> twoByte.execute();
            case 0x27, 0x2F -> {
                invalidIn64();
                Alu.daa(c, b == 0x2F);
            }
            case 0x37, 0x3F -> {
                invalidIn64();
                Alu.aaa(c, b == 0x3F);
            }
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 ->
                    setReg(b & 7, osize(), Alu.inc(c, getRegL(b & 7, osize()), osize()));
            case 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F ->
                    setReg(b & 7, osize(), Alu.dec(c, getRegL(b & 7, osize()), osize()));
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 ->
                    push(stackSize, getRegL((b & 7) | ((rex & 1) << 3), stackSize));
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F -> {
                long v = popL(stackSize);
                setReg((b & 7) | ((rex & 1) << 3), stackSize, v);
            }
            case 0x60 -> {
                invalidIn64();
                pusha();
            }
            case 0x61 -> {
                invalidIn64();
                popa();
            }
            case 0x62 -> {
                invalidIn64();
                bound();
            }
            case 0x63 -> {
                if (c.code64) {
                    movsxd();
                } else {
                    arpl();
                }
            }
            case 0x68 -> push(stackSize, fetchImmS(stackSize));
            case 0x69, 0x6B -> {
                decodeModrm();
                long a = readEaL(osize());
                long imm = b == 0x69 ? fetchImmS(osize()) : (byte) fetch8();
                setReg(reg, osize(), Alu.imul(c, a, imm, osize()));
            }
            case 0x6A -> push(stackSize, (byte) fetch8());
            case 0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF -> strings.execute(b);
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F -> {
                int d = (byte) fetch8();
                if (Alu.cond(c, b & 15)) {
                    jumpNear(c.rip + d);
                }
            }
            case 0x80 -> group1(1, -1);
            case 0x82 -> {
                invalidIn64();
                group1(1, -1);
            }
            case 0x81 -> group1(osize(), osize());
            case 0x83 -> group1(osize(), 1);
            case 0x84, 0x85 -> {
                int size = b == 0x84 ? 1 : osize();
                decodeModrm();
                Alu.alu(c, 4, readEaL(size), getRegL(reg, size), size);
            }
            case 0x86, 0x87 -> {
                int size = b == 0x86 ? 1 : osize();
                decodeModrm();
                long a = readEaL(size);
                long g = getRegL(reg, size);
                writeEa(size, g);
                setReg(reg, size, a);
            }
            case 0x88, 0x89 -> {
                int size = b == 0x88 ? 1 : osize();
                decodeModrm();
                writeEa(size, getRegL(reg, size));
            }
            case 0x8A, 0x8B -> {
                int size = b == 0x8A ? 1 : osize();
                decodeModrm();
                setReg(reg, size, readEaL(size));
            }
            case 0x8C -> {
                decodeModrm();
                if ((reg & 7) > 5) {
                    throw CpuFault.ud();
                }
                if (mod == 3) {
                    setReg(rm, osize(), c.sel[reg & 7]);
                } else {
                    writeEa(2, c.sel[reg & 7]);
                }
            }
            case 0x8D -> {
                decodeModrm();
                if (mod == 3) {
                    throw CpuFault.ud();
                }
                setReg(reg, osize(), eaOff);
            }
            case 0x8E -> {
                decodeModrm();
                int sreg = reg & 7;
                if (sreg > 5 || sreg == CS) {
                    throw CpuFault.ud();
                }
                Segmentation.load(c, sreg, readEa(2));
                if (sreg == SS) {
                    c.interruptShadow = true;
                }
            }
            case 0x8F -> {
                long saveRip = c.rip;
                int saveLen = length;
                int m = peek8();
                if (((m >>> 3) & 7) != 0) {
                    throw CpuFault.ud();
                }
                long v = popL(stackSize);
                c.rip = saveRip;
                length = saveLen;
                decodeModrm();
                writeEa(stackSize, v);
            }
            case 0x90 -> {
                if ((rex & 1) != 0) {
                    xchgAccumulator(8); // XCHG R8, rAX; without REX.B this is NOP (no zero-extension)
                }
            }
            case 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97 -> xchgAccumulator((b & 7) | ((rex & 1) << 3));
            case 0x98 -> {
                if (rexW) {
                    r[RAX] = (int) r[RAX];
                } else if (o32) {
                    r[RAX] = (long) (short) r[RAX] & 0xFFFFFFFFL;
                } else {
                    setReg(RAX, 2, (byte) r[RAX]);
                }
            }
            case 0x99 -> {
                if (rexW) {
                    r[RDX] = r[RAX] >> 63;
                } else if (o32) {
                    r[RDX] = ((int) r[RAX] < 0) ? 0xFFFFFFFFL : 0;
                } else {
                    setReg(RDX, 2, ((short) r[RAX] < 0) ? 0xFFFF : 0);
                }
            }
            case 0x9A -> {
                invalidIn64();
                int off = fetchImm(osize());
                int s = fetch16();
                ControlTransfer.farCall(this, s, off & 0xFFFFFFFFL);
            }
            case 0x9B -> fwait();
            case 0x9C -> pushf();
            case 0x9D -> popf();
            case 0x9E -> Alu.setArith(c, (Alu.flags(c) & ~0xD5 & ARITH_FLAGS) | (Alu.flags(c) & OF) | (int) (r[RAX] >>> 8) & 0xD5);
            case 0x9F -> r[RAX] = (r[RAX] & ~0xFF00L) | (long) ((Alu.flags(c) & 0xD5) | 2) << 8;
            case 0xA0, 0xA1, 0xA2, 0xA3 -> {
                int size = (b & 1) == 0 ? 1 : osize();
                long off = a64 ? fetch64() : a32 ? fetch32() & 0xFFFFFFFFL : fetch16();
                if (b < 0xA2) {
                    setReg(RAX, size, readMemL(segDefault(DS), off, size));
                } else {
                    writeMem(segDefault(DS), off, size, getRegL(RAX, size));
                }
            }
            case 0xA8 -> Alu.alu(c, 4, getRegL(RAX, 1), fetch8(), 1);
            case 0xA9 -> Alu.alu(c, 4, getRegL(RAX, osize()), fetchImmS(osize()), osize());
            case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7 -> setReg((b & 7) | ((rex & 1) << 3), 1, fetch8());
            case 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF ->
                    setReg((b & 7) | ((rex & 1) << 3), osize(), rexW ? fetch64() : fetchImm(osize()));
            case 0xC0, 0xC1 -> {
                int size = b == 0xC0 ? 1 : osize();
                decodeModrm();
                long v = readEaL(size);
                int count = fetch8();
                writeShift(size, Alu.shift(c, reg & 7, v, count, size), v, count);
            }
            case 0xC2, 0xC3 -> {
                int imm = b == 0xC2 ? fetch16() : 0;
                long ip = popL(stackSize);
                jumpNear(ip);
                setSp(sp() + imm);
            }
            case 0xC4, 0xC5 -> {
                invalidIn64(); // VEX prefixes in 64-bit mode: no AVX here
                loadFarPointer(b == 0xC4 ? ES : DS);
            }
            case 0xC6, 0xC7 -> {
                int size = b == 0xC6 ? 1 : osize();
                decodeModrm();
                if ((reg & 7) != 0) {
                    throw CpuFault.ud();
                }
                writeEa(size, fetchImmS(size));
            }
            case 0xC8 -> enter();
            case 0xC9 -> {
                long bp = r[RBP] & spMask();
                long v = readMemL(SS, bp, stackSize);
                setSp(bp + stackSize);
                setReg(RBP, stackSize, v);
            }
            case 0xCA, 0xCB -> ControlTransfer.farReturn(this, b == 0xCA ? fetch16() : 0);
            case 0xCC -> softInterrupt(3, ControlTransfer.SOFTWARE_EXCEPTION);
            case 0xCD -> softInterrupt(fetch8(), ControlTransfer.SOFTWARE);
            case 0xCE -> {
                invalidIn64();
                if ((Alu.flags(c) & OF) != 0) {
                    softInterrupt(4, ControlTransfer.SOFTWARE_EXCEPTION);
                }
            }
            case 0xCF -> ControlTransfer.iret(this);
            case 0xD0, 0xD1, 0xD2, 0xD3 -> {
                int size = (b & 1) == 0 ? 1 : osize();
                decodeModrm();
                long v = readEaL(size);
                int count = b < 0xD2 ? 1 : (int) r[RCX] & 0xFF;
                writeShift(size, Alu.shift(c, reg & 7, v, count, size), v, count);
            }
            case 0xD4 -> {
                invalidIn64();
                Alu.aam(c, fetch8());
            }
            case 0xD5 -> {
                invalidIn64();
                Alu.aad(c, fetch8());
            }
            case 0xD6 -> {
                invalidIn64();
                setReg(RAX, 1, Alu.cf(c) ? 0xFF : 0);
            }
            case 0xD7 -> {
                long off = (r[RBX] + (r[RAX] & 0xFF)) & addrMask();
                setReg(RAX, 1, readMem(segDefault(DS), off, 1));
            }
            case 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF -> x87(b);
            case 0xE0, 0xE1, 0xE2, 0xE3 -> loop(b);
            case 0xE4, 0xE5 -> in(fetch8(), b == 0xE4 ? 1 : ioSize());
            case 0xE6, 0xE7 -> out(fetch8(), b == 0xE6 ? 1 : ioSize());
            case 0xEC, 0xED -> in((int) r[RDX] & 0xFFFF, b == 0xEC ? 1 : ioSize());
            case 0xEE, 0xEF -> out((int) r[RDX] & 0xFFFF, b == 0xEE ? 1 : ioSize());
            case 0xE8 -> {
                long d = fetchImmS(c.code64 ? 4 : osize());
                long target = c.rip + d;
                push(stackSize, c.rip);
                jumpNear(target);
            }
            case 0xE9 -> {
                long d = fetchImmS(c.code64 ? 4 : osize());
                jumpNear(c.rip + d);
            }
            case 0xEA -> {
                invalidIn64();
                int off = fetchImm(osize());
                int s = fetch16();
                ControlTransfer.farJump(this, s, off & 0xFFFFFFFFL);
            }
            case 0xEB -> {
                int d = (byte) fetch8();
                jumpNear(c.rip + d);
            }
            case 0xF1 -> softInterrupt(1, ControlTransfer.PRIVILEGED_SOFTWARE);
            case 0xF4 -> {
                if (protectedMode() ? c.cpl != 0 : (c.eflags & VM) != 0) {
                    throw CpuFault.gp(0);
                }
                c.halted = true;
            }
            case 0xF5 -> Alu.setArith(c, Alu.flags(c) ^ CF);
            case 0xF6 -> group3(1);
            case 0xF7 -> group3(osize());
            case 0xF8 -> Alu.setArith(c, Alu.flags(c) & ~CF);
            case 0xF9 -> Alu.setArith(c, Alu.flags(c) | CF);
            case 0xFA, 0xFB -> cliSti(b == 0xFB);
            case 0xFC -> c.eflags &= ~DF;
            case 0xFD -> c.eflags |= DF;
            case 0xFE -> {
                decodeModrm();
                long v = readEaL(1);
                switch (reg & 7) {
                    case 0 -> writeEa(1, Alu.inc(c, v, 1));
                    case 1 -> writeEa(1, Alu.dec(c, v, 1));
                    default -> throw CpuFault.ud();
                }
            }
            case 0xFF -> group5();
            default -> throw CpuFault.ud();
        }
    }

    /** IN/OUT operand size: 16 or 32 bits (REX.W does not make port I/O 64-bit). */
    int ioSize() {
        return o32 ? 4 : 2;
    }

    private void xchgAccumulator(int i) {
        int size = osize();
        long a = getRegL(RAX, size);
        setReg(RAX, size, getRegL(i, size));
        setReg(i, size, a);
    }

    /** MOVSXD (63 in 64-bit mode): with REX.W sign-extends a doubleword, else behaves as MOV. */
    private void movsxd() {
        decodeModrm();
        int size = osize();
        if (size == 8) {
            setReg(reg, 8, (long) readEa(4));
        } else {
            setReg(reg, size, readEaL(size));
        }
    }

    private void aluForm(int b) {
        int op = (b >>> 3) & 7;
        switch (b & 7) {
            case 0, 1 -> {
                int size = (b & 1) == 0 ? 1 : osize();
                decodeModrm();
                long v = Alu.alu(c, op, readEaL(size), getRegL(reg, size), size);
                if (op != 7) {
                    writeEa(size, v);
                }
            }
            case 2, 3 -> {
                int size = (b & 1) == 0 ? 1 : osize();
                decodeModrm();
                long v = Alu.alu(c, op, getRegL(reg, size), readEaL(size), size);
                if (op != 7) {
                    setReg(reg, size, v);
                }
            }
            case 4 -> {
                long v = Alu.alu(c, op, getRegL(RAX, 1), fetch8(), 1);
                if (op != 7) {
                    setReg(RAX, 1, v);
                }
            }
            default -> {
                int size = osize();
                long v = Alu.alu(c, op, getRegL(RAX, size), fetchImmS(size), size);
                if (op != 7) {
                    setReg(RAX, size, v);
                }
            }
        }
    }

    /** 80-83: {@code immSize} -1 for a byte immediate at byte size, 1 for a sign-extended byte. */
    private void group1(int size, int immSize) {
        decodeModrm();
        long v = readEaL(size);
        long imm = immSize == -1 ? fetch8() : immSize == 1 ? (byte) fetch8() : fetchImmS(immSize);
        int op = reg & 7;
        long res = Alu.alu(c, op, v, imm, size);
        if (op != 7) {
            writeEa(size, res);
        }
    }

    void writeShift(int size, long res, long old, int count) {
        if ((count & (size == 8 ? 0x3F : 0x1F)) != 0) {
            writeEa(size, res);
        } else if (mod != 3) {
            // a zero count still performs the write cycle checks of a read-modify-write
            writeEa(size, old);
        }
    }

    private void group3(int size) {
        decodeModrm();
        long v = readEaL(size);
        switch (reg & 7) {
            case 0, 1 -> Alu.alu(c, 4, v, fetchImmS(size), size);
            case 2 -> writeEa(size, ~v);
            case 3 -> writeEa(size, Alu.neg(c, v, size));
            case 4 -> Alu.mul1(c, false, v, size);
            case 5 -> Alu.mul1(c, true, v, size);
            case 6 -> Alu.div(c, false, v, size);
            default -> Alu.div(c, true, v, size);
        }
    }

    private void group5() {
        decodeModrm();
        int size = osize();
        switch (reg & 7) {
            case 0 -> writeEa(size, Alu.inc(c, readEaL(size), size));
            case 1 -> writeEa(size, Alu.dec(c, readEaL(size), size));
            case 2 -> {
                long target = readEaL(stackSize);
                push(stackSize, c.rip);
                jumpNear(target);
            }
            case 4 -> jumpNear(readEaL(stackSize));
            case 3, 5 -> {
                if (mod == 3) {
                    throw CpuFault.ud();
                }
                long off = readMemL(eaSeg, eaOff, size);
                int s = readMem(eaSeg, eaPlus(size), 2);
                if (reg == 3) {
                    ControlTransfer.farCall(this, s, off);
                } else {
                    ControlTransfer.farJump(this, s, off);
                }
            }
            case 6 -> push(stackSize, readEaL(stackSize));
            default -> throw CpuFault.ud();
        }
    }

    private void popSeg(int seg) {
        int v = peekStack(0, osize());
        Segmentation.load(c, seg, v & 0xFFFF);
        setSp(sp() + osize());
        if (seg == SS) {
            c.interruptShadow = true;
        }
    }

    private void pusha() {
        int size = osize();
        int sp = getReg(RSP, size);
        long base = sp();
        // the whole frame is checked before anything is written
        linear(SS, (base - 8L * size) & spMask(), 1, true);
        for (int i = 0; i < 8; i++) {
            push(size, i == RSP ? sp : getReg(i, size));
        }
    }

    private void popa() {
        int size = osize();
        int[] v = new int[8];
        for (int i = 7; i >= 0; i--) {
            v[i] = pop(size);
        }
        for (int i = 0; i < 8; i++) {
            if (i != RSP) {
                setReg(i, size, v[i]);
            }
        }
    }

    private void bound() {
        decodeModrm();
        if (mod == 3) {
            throw CpuFault.ud();
        }
        int size = osize();
        int idx = getReg(reg, size);
        int lo = readMem(eaSeg, eaOff, size);
        int hi = readMem(eaSeg, eaPlus(size), size);
        if (size == 2) {
            idx = (short) idx;
            lo = (short) lo;
            hi = (short) hi;
        }
        if (idx < lo || idx > hi) {
            throw CpuFault.of(CpuFault.BR);
        }
    }

    private void arpl() {
        if (!protectedMode()) {
            throw CpuFault.ud();
        }
        decodeModrm();
        int dst = readEa(2);
        int src = getReg(reg, 2);
        if ((dst & 3) < (src & 3)) {
            writeEa(2, (dst & ~3) | (src & 3));
            Alu.setArith(c, Alu.flags(c) | ZF);
        } else {
            Alu.setArith(c, Alu.flags(c) & ~ZF);
        }
    }

    private void loadFarPointer(int seg) {
        decodeModrm();
        if (mod == 3) {
            throw CpuFault.ud();
        }
        int size = osize();
        int off = readMem(eaSeg, eaOff, size);
        int s = readMem(eaSeg, eaPlus(size), 2);
        Segmentation.load(c, seg, s);
        setReg(reg, size, off);
    }

    private void enter() {
        int frame = fetch16();
        int level = fetch8() & 0x1F;
        int size = stackSize;
        push(size, getRegL(RBP, size));
        long frameTemp = sp();
        long bp = r[RBP] & spMask();
        for (int i = 1; i < level; i++) {
            bp = (bp - size) & spMask();
            push(size, readMemL(SS, bp, size));
        }
        if (level > 0) {
            push(size, frameTemp);
        }
        long nsp = (sp() - frame) & spMask();
        // the final stack pointer must be writable (the SDM checks it before any update; done here at the end)
        if (frame > 0) {
            linear(SS, nsp, 1, true);
        }
        if (c.code64) {
            setReg(RBP, size, frameTemp);
        } else if (c.stack32) {
            r[RBP] = size == 4 ? frameTemp : (r[RBP] & ~0xFFFFL) | (frameTemp & 0xFFFF);
        } else {
            setReg(RBP, size, (int) frameTemp);
        }
        setSp(nsp);
    }

    private void loop(int b) {
        int d = (byte) fetch8();
        long am = addrMask();
        long count = r[RCX] & am;
        boolean take;
        if (b == 0xE3) {
            take = count == 0;
        } else {
            count = (count - 1) & am;
            if (a32) {
                r[RCX] = count;
            } else {
                setReg(RCX, 2, (int) count);
            }
            take = count != 0;
            if (b == 0xE0) {
                take &= (Alu.flags(c) & ZF) == 0;
            } else if (b == 0xE1) {
                take &= (Alu.flags(c) & ZF) != 0;
            }
        }
        if (take) {
            jumpNear(c.rip + d);
        }
    }

    void softInterrupt(int vector, int kind) {
        if (kind == ControlTransfer.SOFTWARE && (c.eflags & VM) != 0 && iopl() < 3) {
            throw CpuFault.gp(0);
        }
        ControlTransfer.interrupt(c, vector, kind, false, 0);
    }

    private void pushf() {
        if ((c.eflags & VM) != 0 && iopl() < 3) {
            throw CpuFault.gp(0);
        }
        push(stackSize, Alu.flags(c) & ~(RF | VM));
    }

    private void popf() {
        int size = stackSize;
        boolean v86 = (c.eflags & VM) != 0;
        if (v86 && iopl() < 3) {
            throw CpuFault.gp(0);
        }
        int v = pop(size);
        int changeable = CF | PF | AF | ZF | SF | TF | DF | OF | NT | (size >= 4 ? AC | ID : 0);
        if (!protectedMode() && !v86) {
            changeable |= IF | IOPL;
        } else if (v86) {
            changeable |= IF;
        } else {
            if (c.cpl == 0) {
                changeable |= IOPL;
            }
            if (c.cpl <= iopl()) {
                changeable |= IF;
            }
        }
        setFlagsMasked(v, changeable);
    }

    /** Loads the bits of {@code changeable} from {@code v} into EFLAGS (POPF, IRET helpers). */
    void setFlagsMasked(int v, int changeable) {
        int old = Alu.flags(c);
        int nf = (old & ~changeable) | (v & changeable) | 2;
        c.eflags = nf & ~0x8028 & 0x3F7FFF;
        if ((nf & IF) != 0 && (old & IF) == 0) {
            c.interruptsMayBeEnabled();
        }
    }

    private void cliSti(boolean set) {
        if (protectedMode() ? c.cpl > iopl() : (c.eflags & VM) != 0 && iopl() < 3) {
            throw CpuFault.gp(0);
        }
        if (set) {
            if ((c.eflags & IF) == 0) {
                c.eflags |= IF;
                c.interruptShadow = true;
                c.interruptsMayBeEnabled();
            }
        } else {
            c.eflags &= ~IF;
        }
    }

    private void fwait() {
        if ((c.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
            throw CpuFault.of(CpuFault.NM);
        }
        if (c.fpu.pendingUnmaskedException()) {
            if ((c.cr0 & CR0_NE) != 0) {
                throw CpuFault.of(CpuFault.MF);
            }
            c.checkFerr();
        }
    }

    private void x87(int b) {
        decodeModrm();
        if ((c.cr0 & (CR0_EM | CR0_TS)) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
        int modrm = (mod << 6) | (reg << 3) | rm;
        if (b == 0xDF && modrm == 0xE0) {
            setReg(RAX, 2, c.fpu.statusWord());
            return;
        }
        long addr = 0;
        if (mod != 3) {
            // the whole operand is checked against the segment limit and rights before anything executes
            addr = linear(eaSeg, eaOff, x87OperandSize(b, reg), x87Stores(b, reg));
            c.fpu.setInstructionPointers(c.sel[CS], startRip, c.sel[eaSeg], eaOff);
        } else {
            c.fpu.setInstructionPointers(c.sel[CS], startRip, 0, 0);
        }
        c.fpu.execute(b, modrm, addr, fpuMemory);
        if ((c.cr0 & CR0_NE) == 0) {
            c.checkFerr();
        }
    }

    /** Bytes of the memory operand of x87 instruction {@code escape /reg} (environment and save images included). */
    private int x87OperandSize(int escape, int reg) {
        return switch (escape) {
            case 0xD8, 0xDA -> 4;
            case 0xD9 -> reg == 4 || reg == 6 ? (o32 ? 28 : 14) : reg == 5 || reg == 7 ? 2 : 4;
            case 0xDB -> reg == 5 || reg == 7 ? 10 : 4;
            case 0xDC -> 8;
            case 0xDD -> reg == 4 || reg == 6 ? (o32 ? 108 : 94) : reg == 7 ? 2 : 8;
            case 0xDE -> 2;
            default -> reg == 4 || reg == 6 ? 10 : reg == 5 || reg == 7 ? 8 : 2; // DF
        };
    }

    /** Whether x87 instruction {@code escape /reg} writes its memory operand (stores, FNSTENV, FNSAVE, FNSTCW/SW). */
    private static boolean x87Stores(int escape, int reg) {
        return switch (escape) {
            case 0xD9 -> reg == 2 || reg == 3 || reg == 6 || reg == 7;
            case 0xDB -> reg == 1 || reg == 2 || reg == 3 || reg == 7;
            case 0xDD, 0xDF -> reg == 1 || reg == 2 || reg == 3 || reg == 6 || reg == 7;
            default -> false;
        };
    }

    // ---- port I/O -----------------------------------------------------------------------------------------------

    /** IOPL and TSS I/O permission bitmap check for {@code size} ports from {@code port}. */
    void checkIo(int port, int size) {
        if ((c.cr0 & CR0_PE) == 0 || ((c.eflags & VM) == 0 && c.cpl <= iopl())) {
            return;
        }
        // 32-bit or 64-bit TSS only (type 9/11); a 16-bit TSS has no bitmap
        int trType = c.segAttr[TR] & 0xF;
        if ((trType != 9 && trType != 11) || c.segLimit[TR] < 0x67) {
            throw CpuFault.gp(0);
        }
        long tss = c.segBase[TR];
        int mapBase = c.mmu.readSystem((tss + 0x66) & c.mmu.linMask, 2);
        long byteOff = mapBase + (port >>> 3);
        if (byteOff + 1 > (c.segLimit[TR] & 0xFFFFFFFFL)) {
            throw CpuFault.gp(0);
        }
        int bits = c.mmu.readSystem((tss + byteOff) & c.mmu.linMask, 2);
        if (((bits >>> (port & 7)) & ((1 << size) - 1)) != 0) {
            throw CpuFault.gp(0);
        }
    }

    void in(int port, int size) {
        checkIo(port, size);
        int v = c.host.io().read(port, size);
        setReg(RAX, size, v);
        c.afterDeviceAccess();
    }

    void out(int port, int size) {
        checkIo(port, size);
        c.host.io().write(port, size, getReg(RAX, size));
        c.afterDeviceAccess();
    }

    /** The x87's view of memory: linear addresses through this CPU's paging and faults. */
    private final class CpuFpuMemory implements FpuMemory {
        @Override
        public int read8(long a) {
            return mmu.read8(a & mmu.linMask);
        }

        @Override
        public int read16(long a) {
            return mmu.read16(a & mmu.linMask);
        }

        @Override
        public int read32(long a) {
            return mmu.read32(a & mmu.linMask);
        }

        @Override
        public long read64(long a) {
            return mmu.read64(a & mmu.linMask);
        }

        @Override
        public void write8(long a, int v) {
            mmu.write8(a & mmu.linMask, v);
        }

        @Override
        public void write16(long a, int v) {
            mmu.write16(a & mmu.linMask, v);
        }

        @Override
        public void write32(long a, int v) {
            mmu.write32(a & mmu.linMask, v);
        }

        @Override
        public void write64(long a, long v) {
            mmu.write64(a & mmu.linMask, v);
        }

        @Override
        public long eflags() {
            return Alu.flags(c);
        }

        @Override
        public void setEflags(long f) {
            Alu.setArith(c, (int) f);
        }

        @Override
        public boolean operandSize32() {
            return o32;
        }

        @Override
        public boolean numericErrorNative() {
            return (c.cr0 & CR0_NE) != 0;
        }

        @Override
        public boolean protectedMode() {
            return Interpreter.this.protectedMode();
        }
    }
}
