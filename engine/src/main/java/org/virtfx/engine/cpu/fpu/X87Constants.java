package org.virtfx.engine.cpu.fpu;

/**
 * FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2: the constants are held with 128 significand bits and rounded to 64 bits
 * with the current rounding control, as the hardware does (no precision control, no exception flags).
 */
final class X87Constants {
    private X87Constants() {
    }

    // exponent field, significand high 64 bits, next 64 bits
    private static final long[][] CONSTANTS = {
        {0x4000, 0xD49A784BCD1B8AFEL, 0x492BF6FF4DAFDB4CL}, // log2(10)
        {0x3FFF, 0xB8AA3B295C17F0BBL, 0xBE87FED0691D3E88L}, // log2(e)
        {0x4000, 0xC90FDAA22168C234L, 0xC4C6628B80DC1CD1L}, // pi
        {0x3FFD, 0x9A209A84FBCFF798L, 0x8F8959AC0B7C9178L}, // log10(2)
        {0x3FFE, 0xB17217F7D1CF79ABL, 0xC9E3B39803F2F6AFL}, // ln(2)
    };

    /** @param modrm E9..ED of the D9 escape */
    static Float80 constant(int modrm, int roundingControl) {
        long[] c = CONSTANTS[modrm - 0xE9];
        long sig = c[1];
        long rest = c[2];
        boolean up = switch (roundingControl) {
            case SoftFloat80.RC_NEAREST -> rest < 0;
            case SoftFloat80.RC_UP -> true;
            default -> false;
        };
        return new Float80((int) c[0], up ? sig + 1 : sig);
    }
}
