package org.virtfx.engine.cpu.fpu;

import java.io.IOException;
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
 * {@link #mmx}/{@link #setMmx} and {@link MmxOps}; EMMS is {@link #emms()}.
 * </ul>
 */
public final class X87 implements Snapshottable {
    private final String stateId;

    public X87() {
        this("x87");
    }

    public X87(String stateId) {
        this.stateId = stateId;
    }

    public void execute(int opcode, int modrm, long address, FpuMemory mem) {
    }

    public void setInstructionPointers(int codeSelector, long instructionOffset, int dataSelector, long dataOffset) {
    }

    public int statusWord() {
        return 0;
    }

    public int controlWord() {
        return 0x37F;
    }

    public int tagWord() {
        return 0xFFFF;
    }

    public boolean errorSummary() {
        return false;
    }

    public boolean pendingUnmaskedException() {
        return false;
    }

    public void fsave(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
    }

    public void frstor(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
    }

    public void fstenv(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
    }

    public void fldenv(long address, FpuMemory mem, boolean operandSize32, boolean protectedMode) {
    }

    public void fxsave(long address, FpuMemory mem, boolean is64, SseState sse) {
    }

    public void fxrstor(long address, FpuMemory mem, boolean is64, SseState sse) {
    }

    public long mmx(int i) {
        return 0;
    }

    public void setMmx(int i, long value) {
    }

    public void emms() {
    }

    public void reset() {
    }

    @Override
    public String stateId() {
        return stateId;
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
    }

    @Override
    public void loadState(StateReader in) throws IOException {
    }
}
