package org.virtfx.engine.cpu.fpu;

/**
 * A fault the x87 asks the CPU to deliver: {@link #VECTOR_MF} (#MF, pending unmasked x87 exception found by a
 * waiting instruction), {@link #VECTOR_UD} (#UD, an undefined x87 encoding) or {@link #VECTOR_GP} (#GP(0), e.g. FXRSTOR with reserved MXCSR bits set). Thrown before
 * the instruction changed any state, so the CPU delivers it as a fault at the faulting instruction.
 */
public final class FpuException extends RuntimeException {
    public static final int VECTOR_MF = 16;
    public static final int VECTOR_GP = 13;
    public static final int VECTOR_UD = 6;

    private final int vector;

    public FpuException(int vector, String message) {
        super(message, null, false, false);
        this.vector = vector;
    }

    /** The exception vector to deliver: 16 (#MF) or 13 (#GP, error code 0). */
    public int vector() {
        return vector;
    }
}
