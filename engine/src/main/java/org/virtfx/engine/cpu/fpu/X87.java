package org.virtfx.engine.cpu.fpu;

import java.io.IOException;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The x87 FPU (with its MMX aliasing) of one vCPU: eight 80-bit registers, control/status/tag words, the last
 * instruction and operand pointers and the last opcode.
 *
 * <h2>How the CPU calls it</h2>
 * <ul>
 * <li>Before an escape instruction (D8..DF, also FWAIT) the CPU checks CR0.EM/CR0.TS itself and raises #NM (7).
 * <li>It then calls {@link #setInstructionPointers} with the CS selector, the offset of the instruction (of its
 * first prefix, as hardware records), and for memory forms the data segment selector and effective offset (not the
 * linear address), then {@link #execute}{@code (escapeByte, modrm, linearAddress, mem)}. {@code opcode} is the
 * escape byte 0xD8..0xDF, {@code modrm} the full ModRM byte. For memory forms ({@code mod != 3}) {@code address}
 * is the linear address of the operand (segment base applied; limit/paging checks happen inside the CPU's
 * {@link FpuMemory} accessors); for register forms it is ignored. The operand size and mode for FNSTENV/FLDENV/
 * FNSAVE/FRSTOR (D9 /6, D9 /4, DD /6, DD /4) come from {@link FpuMemory#operandSize32()} and
 * {@link FpuMemory#protectedMode()} (virtual-8086 mode uses the real-mode layout).
 * <li>FNSTSW AX (DF E0) is a register move: the CPU writes {@link #statusWord()} into AX itself (calling
 * {@code execute(0xDF, 0xE0, ...)} is also accepted and does nothing else). FSTSW/FSTCW/FSTENV/FSAVE/FINIT/FCLEX
 * are FWAIT followed by the FN form: the CPU executes the 9B byte as its own instruction.
 * <li>FWAIT (9B): the CPU raises #NM if CR0.MP and CR0.TS are both set, then, if {@link #pendingUnmaskedException()},
 * reports the x87 error (see below); otherwise it is a no-op.
 * <li>Errors: an unmasked exception does not fault at the instruction that causes it. As on hardware the x87 sets
 * the status word's ES (and B) bit and the <em>next</em> waiting x87 instruction reports it. When
 * {@link FpuMemory#numericErrorNative()} is true (CR0.NE=1), {@link #execute} of a waiting instruction throws
 * {@link FpuException} with vector 16 (#MF) before changing anything; the CPU delivers it as a fault at that
 * instruction. When it is false (CR0.NE=0, PC-style FERR#/IRQ13) execute never throws #MF: the CPU checks
 * {@link #errorSummary()} after each x87 instruction and raises IRQ13 on its rising edge (the interrupt handler's
 * FNCLEX clears it). FXRSTOR with reserved MXCSR bits throws FpuException with vector 13 (#GP(0)).
 * <li>The FPU instruction pointer, data pointer and opcode (FIP/FCS/FDP/FDS/FOP) are taken from the last
 * {@link #setInstructionPointers} call when a non-control instruction executes (control instructions FNINIT,
 * FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV, FLDENV, FNSAVE, FRSTOR and FWAIT leave them unchanged). FOP is the low 3
 * bits of the escape byte and the ModRM byte (11 bits).
 * <li>FXSAVE/FXRSTOR (0F AE /0, /1) are called directly: {@link #fxsave}/{@link #fxrstor} with {@code is64} set for
 * REX.W (64-bit FIP/FDP form); alignment (#GP on a misaligned address) is the CPU's check. MMX instructions use
 * {@link #mmx}/{@link #setMmx} and {@link MmxOps}; EMMS is {@link #emms()}. Before an MMX instruction the CPU raises
 * #UD when CR0.EM=1, #NM when CR0.TS=1, and reports a pending x87 error ({@link #pendingUnmaskedException()}) like
 * a waiting x87 instruction.
 * <li>EFLAGS: FCOMI/FCOMIP/FUCOMI/FUCOMIP write ZF, PF, CF (clearing OF, SF, AF) through
 * {@link FpuMemory#setEflags}; FCMOVcc reads {@link FpuMemory#eflags()}.
 * </ul>
 *
 * <h2>Accuracy</h2>
 * Arithmetic ({@link SoftFloat80}), loads, stores, FRNDINT, FSCALE, FXTRACT, FPREM/FPREM1, compares, BCD, the
 * constants and all flag/condition-code/stack behaviour are bit-exact with Intel hardware (verified against the host
 * x87 by X87HostOracleTest). The transcendental instructions carry 51-52 correct significand bits (see
 * {@link X87Transcendentals}). {@link #reset()} gives the FNINIT state rather than the SDM's RESET control word
 * 0040h, as QEMU does.
 */
public final class X87 implements Snapshottable {
    static final int SW_ES = 0x80;
    static final int SW_C0 = 0x100;
    static final int SW_C1 = 0x200;
    static final int SW_C2 = 0x400;
    static final int SW_C3 = 0x4000;
    static final int SW_B = 0x8000;
    static final int SW_TOP_MASK = 0x3800;
    static final int CW_INIT = 0x037F;
    private static final int STATE_VERSION = 1;

    private final String stateId;
    private final X87Instructions instructions;

    // Physical registers R0..R7: ST(i) is R((top + i) & 7).
    final long[] sig = new long[8];
    final int[] se = new int[8];
    /** Bit i set: physical register i is empty (tag 11). The other tags are derived from the contents. */
    int emptyMask = 0xFF;
    int top;
    int cw = CW_INIT;
    /** Status word without the TOP field. */
    int sw;

    // Last instruction and operand pointers (FIP/FCS, FDP/FDS) and opcode (FOP).
    long fip;
    int fcs;
    long fdp;
    int fds;
    int fop;
    // What the CPU announced for the instruction being executed.
    private long nextIp;
    private int nextCs;
    private long nextDp;
    private int nextDs;

    final SoftFloat80 arith = new SoftFloat80();
    private SseState sse = new SseState();

    public X87() {
        this("x87");
    }

    public X87(String stateId) {
        this.stateId = stateId;
        this.instructions = new X87Instructions(this);
    }

    /**
     * Executes one x87 instruction (escape byte D8..DF and its ModRM byte; see the class comment).
     *
     * @throws FpuException #MF for a pending unmasked exception (CR0.NE=1), #UD for an undefined encoding
     */
    public void execute(int opcode, int modrm, long address, FpuMemory mem) {
        instructions.execute(opcode & 0xFF, modrm & 0xFF, address, mem);
    }

    /**
     * Announces the CS selector and offset of the next x87 instruction and, for a memory operand, its segment
     * selector and effective offset. In real and virtual-8086 mode the layouts store the 20-bit linear forms
     * (selector * 16 + offset) computed from these.
     */
    public void setInstructionPointers(int codeSelector, long instructionOffset, int dataSelector, long dataOffset) {
        nextCs = codeSelector & 0xFFFF;
        nextIp = instructionOffset;
        nextDs = dataSelector & 0xFFFF;
        nextDp = dataOffset;
    }

    /** Records FIP/FCS/FOP (and FDP/FDS for memory forms) for a non-control instruction. */
    void recordPointers(int opcode, int modrm, boolean memoryOperand) {
        fip = nextIp;
        fcs = nextCs;
        fop = ((opcode & 7) << 8) | modrm;
        if (memoryOperand) {
            fdp = nextDp;
            fds = nextDs;
        }
    }

    /** The status word with the current TOP (what FNSTSW stores). */
    public int statusWord() {
        return (sw & ~SW_TOP_MASK) | (top << 11);
    }

    public int controlWord() {
        return cw;
    }

    /** Full tag word: two bits per physical register (00 valid, 01 zero, 10 special, 11 empty). */
    public int tagWord() {
        int tw = 0;
        for (int r = 0; r < 8; r++) {
            int tag = (emptyMask & (1 << r)) != 0 ? 3 : new Float80(se[r], sig[r]).tag();
            tw |= tag << (2 * r);
        }
        return tw;
    }

    /** Status word ES bit: an unmasked exception is pending (the FERR# output). */
    public boolean errorSummary() {
        return (sw & SW_ES) != 0;
    }

    /** Whether FWAIT or a waiting x87/MMX instruction must report an x87 error now. */
    public boolean pendingUnmaskedException() {
        return (sw & SW_ES) != 0;
    }

    void setControlWord(int value) {
        cw = (value & 0x1F3F) | 0x40;
        updateErrorSummary();
    }

    /** ES and B follow the unmasked pending exception flags (after FLDCW, FLDENV, FRSTOR, FNCLEX). */
    void updateErrorSummary() {
        if ((sw & ~cw & 0x3F) != 0) {
            sw |= SW_ES | SW_B;
        } else {
            sw &= ~(SW_ES | SW_B);
        }
    }

    void setStatusWord(int value) {
        sw = value & ~SW_TOP_MASK;
        top = (value >> 11) & 7;
    }

    /** Sets the empty bits from a full tag word (only "empty" matters; the other tags are recomputed). */
    void setTagWord(int tw) {
        int mask = 0;
        for (int r = 0; r < 8; r++) {
            if (((tw >> (2 * r)) & 3) == 3) {
                mask |= 1 << r;
            }
        }
        emptyMask = mask;
    }

    // ---------------------------------------------------------------- register access by stack position

    int phys(int st) {
        return (top + st) & 7;
    }

    boolean isEmpty(int st) {
        return (emptyMask & (1 << phys(st))) != 0;
    }

    Float80 st(int i) {
        int r = phys(i);
        return new Float80(se[r], sig[r]);
    }

    void setSt(int i, Float80 v) {
        int r = phys(i);
        se[r] = v.se();
        sig[r] = v.sig();
        emptyMask &= ~(1 << r);
    }

    void pop() {
        emptyMask |= 1 << top;
        top = (top + 1) & 7;
    }

    /** FNINIT state. */
    void initialize() {
        cw = CW_INIT;
        sw = 0;
        top = 0;
        emptyMask = 0xFF;
        fip = 0;
        fcs = 0;
        fdp = 0;
        fds = 0;
        fop = 0;
    }

    /**
     * Code and data pointers for the 16/32-bit environment images. Real mode stores linear addresses.
     */
    long instructionPointerForImage(boolean protectedMode) {
        return protectedMode ? fip : ((long) fcs << 4) + fip;
    }

    long dataPointerForImage(boolean protectedMode) {
        return protectedMode ? fdp : ((long) fds << 4) + fdp;
    }

    // ---------------------------------------------------------------- save/restore images

    /** FNSAVE: stores the 94/108-byte image, then reinitializes the FPU. */
    public void fsave(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
        FpuImages.save(this, address, mem, operandSize32, protectedMode);
        initialize();
    }

    public void frstor(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
        FpuImages.restore(this, address, mem, operandSize32, protectedMode);
    }

    /** FNSTENV: stores the 14/28-byte environment, then masks all exceptions. */
    public void fstenv(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
        FpuImages.storeEnvironment(this, address, mem, operandSize32, protectedMode);
        cw |= 0x3F;
        updateErrorSummary();
    }

    public void fldenv(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
        FpuImages.loadEnvironment(this, address, mem, operandSize32, protectedMode);
    }

    /**
     * FXSAVE: the 512-byte image at a 16-byte aligned address (alignment is checked by the CPU). {@code is64}
     * selects the REX.W form (64-bit FIP and FDP). XMM8..15 are stored when {@code is64} or
     * {@link FpuMemory#longMode64()} (64-bit mode).
     */
    public void fxsave(long address, FpuMemory mem, boolean is64, SseState sse) {
        FpuImages.fxsave(this, address, mem, is64, sse);
    }

    /** FXSAVE with the SSE state attached by {@link #setSseState} (a private one by default). */
    public void fxsave(long address, FpuMemory mem, boolean is64) {
        fxsave(address, mem, is64, sse);
    }

    /** FXRSTOR into the SSE state attached by {@link #setSseState}. */
    public void fxrstor(long address, FpuMemory mem, boolean is64) {
        fxrstor(address, mem, is64, sse);
    }

    /** Attaches the CPU's SSE state for the three-argument FXSAVE/FXRSTOR. */
    public void setSseState(SseState state) {
        sse = java.util.Objects.requireNonNull(state);
    }

    public SseState sseState() {
        return sse;
    }

    /** FXRSTOR; throws FpuException #GP (13) before changing anything when the image's MXCSR has reserved bits. */
    public void fxrstor(long address, FpuMemory mem, boolean is64, SseState sse) {
        FpuImages.fxrstor(this, address, mem, is64, sse);
    }

    // ---------------------------------------------------------------- MMX

    /**
     * Reads MMi (the significand of physical register Ri). Like every MMX instruction this sets TOP to 0 and all
     * tags to valid; the CPU calls it once per source operand (the state change is idempotent).
     */
    public long mmx(int i) {
        enterMmx();
        return sig[i & 7];
    }

    /** Writes MMi: significand = value, sign and exponent all ones, TOP = 0, all tags valid. */
    public void setMmx(int i, long value) {
        enterMmx();
        sig[i & 7] = value;
        se[i & 7] = 0xFFFF;
    }

    private void enterMmx() {
        top = 0;
        emptyMask = 0;
    }

    /** EMMS: all tags empty. */
    public void emms() {
        emptyMask = 0xFF;
    }

    /**
     * Power-on/RESET state. The SDM lists control word 0040h for RESET; like QEMU and the BIOSes' expectations we
     * use the FNINIT state (037Fh, all exceptions masked, all registers empty) and zero registers.
     */
    public void reset() {
        initialize();
        java.util.Arrays.fill(sig, 0);
        java.util.Arrays.fill(se, 0);
    }

    // ---------------------------------------------------------------- snapshot

    @Override
    public String stateId() {
        return stateId;
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeLongs(sig);
        out.writeInts(se);
        out.writeInt(emptyMask);
        out.writeInt(top);
        out.writeInt(cw);
        out.writeInt(sw);
        out.writeLong(fip);
        out.writeInt(fcs);
        out.writeLong(fdp);
        out.writeInt(fds);
        out.writeInt(fop);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        long[] s = in.readLongs();
        int[] e = in.readInts();
        if (s.length != 8 || e.length != 8) {
            throw new SnapshotFormatException("x87 state '" + stateId + "' must have 8 registers");
        }
        int empty = in.readInt();
        int t = in.readInt();
        int c = in.readInt();
        int st = in.readInt();
        if ((empty & ~0xFF) != 0 || (t & ~7) != 0 || (c & ~0xFFFF) != 0 || (st & ~0xFFFF) != 0) {
            throw new SnapshotFormatException("x87 state '" + stateId + "' has out of range values");
        }
        long ip = in.readLong();
        int cs = in.readInt();
        long dp = in.readLong();
        int ds = in.readInt();
        int op = in.readInt();
        System.arraycopy(s, 0, sig, 0, 8);
        for (int i = 0; i < 8; i++) {
            se[i] = e[i] & 0xFFFF;
        }
        emptyMask = empty;
        top = t;
        cw = c;
        sw = st & ~SW_TOP_MASK;
        fip = ip;
        fcs = cs & 0xFFFF;
        fdp = dp;
        fds = ds & 0xFFFF;
        fop = op & 0x7FF;
    }
}
