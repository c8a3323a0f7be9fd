package org.virtfx.engine.cpu.fpu;

/**
 * How the x87 reaches the rest of the CPU: guest memory at linear addresses the CPU computed, and the EFLAGS bits
 * that FCOMI/FUCOMI write and FCMOVcc reads. Implemented by the CPU. Memory accessors may throw the CPU's own
 * unchecked page-fault / general-protection exceptions; they propagate out of {@link X87#execute} unchanged, and
 * because the x87 reads all its memory operands before changing any register and writes its results to memory
 * before popping, a faulting instruction can be restarted.
 *
 * <p>{@link #operandSize32()} and {@link #protectedMode()} select the FNSTENV/FLDENV/FNSAVE/FRSTOR image layout
 * (14 or 28 byte environment, real-mode or protected-mode form) when those instructions come through
 * {@link X87#execute}; the defaults describe 32-bit protected mode.
 */
public interface FpuMemory {
    int read8(long address);

    int read16(long address);

    int read32(long address);

    long read64(long address);

    void write8(long address, int value);

    void write16(long address, int value);

    void write32(long address, int value);

    void write64(long address, long value);

    /** Current EFLAGS (FCMOVcc reads CF, ZF and PF). */
    default long eflags() {
        return 0;
    }

    /** New EFLAGS after FCOMI/FCOMIP/FUCOMI/FUCOMIP (ZF, PF, CF set from the comparison; OF, SF, AF cleared). */
    default void setEflags(long eflags) {
    }

    /** Whether the current instruction has a 32-bit operand size (66h prefix considered); 16-bit otherwise. */
    default boolean operandSize32() {
        return true;
    }

    /**
     * CR0.NE: true to report pending unmasked x87 exceptions as #MF (FpuException) from waiting instructions; false
     * for the external FERR#/IRQ13 style, where the CPU polls {@link X87#errorSummary()} instead.
     */
    default boolean numericErrorNative() {
        return true;
    }

    /** Whether the CPU is in 64-bit mode (FXSAVE/FXRSTOR then include XMM8..XMM15). */
    default boolean longMode64() {
        return false;
    }

    /** Whether the CPU is in protected mode (CR0.PE=1, not virtual-8086); real-mode image layouts otherwise. */
    default boolean protectedMode() {
        return true;
    }
}
