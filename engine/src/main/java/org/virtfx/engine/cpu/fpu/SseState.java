package org.virtfx.engine.cpu.fpu;

/**
 * SSE register state owned by the CPU and passed to {@link X87#fxsave}/{@link X87#fxrstor}: MXCSR and the 16 XMM
 * registers as 32 longs (xmm[2*i] = low 64 bits of XMMi, xmm[2*i+1] = high 64 bits).
 */
public final class SseState {
    /** MXCSR after reset: all exceptions masked, round to nearest. */
    public static final int MXCSR_RESET = 0x1F80;
    /** MXCSR bits this CPU implements (DAZ included); FXSAVE stores it as MXCSR_MASK. */
    public static final int MXCSR_MASK = 0xFFFF;

    public int mxcsr = MXCSR_RESET;
    public long[] xmm = new long[32];

    public void reset() {
        mxcsr = MXCSR_RESET;
        java.util.Arrays.fill(xmm, 0);
    }
}
