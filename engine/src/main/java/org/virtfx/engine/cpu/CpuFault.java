package org.virtfx.engine.cpu;

/**
 * A processor exception raised while executing a guest instruction (#DE, #GP, #PF, ...). Thrown by the decoder,
 * memory and segmentation code and caught by the run loop, which delivers it through the IDT/IVT. Carries no stack
 * trace: guest faults are frequent under some guests and must stay cheap.
 */
public final class CpuFault extends RuntimeException {
    public static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
            TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;

    final int vector;
    final boolean hasErrorCode;
    final int errorCode;

    CpuFault(int vector, boolean hasErrorCode, int errorCode) {
        super(null, null, false, false);
        this.vector = vector;
        this.hasErrorCode = hasErrorCode;
        this.errorCode = errorCode;
    }

    static CpuFault of(int vector) {
        return new CpuFault(vector, false, 0);
    }

    static CpuFault withCode(int vector, int errorCode) {
        return new CpuFault(vector, true, errorCode);
    }

    static CpuFault gp(int errorCode) {
        return withCode(GP, errorCode);
    }

    static CpuFault ud() {
        return of(UD);
    }

    public int vector() {
        return vector;
    }

    public int errorCode() {
        return errorCode;
    }

    @Override
    public String getMessage() {
        return "vector " + vector + (hasErrorCode ? String.format(" error 0x%x", errorCode) : "");
    }

    /** Whether the vector is a fault/abort class that pushes an error code when raised by the CPU itself. */
    static boolean pushesErrorCode(int vector) {
        return vector == DF || (vector >= TS && vector <= PF) || vector == AC;
    }
}
