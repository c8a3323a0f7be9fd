package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import org.virtfx.engine.cpu.fpu.MmxOps;

/**
 * Decoding of the MMX instructions of the 0F map (the Pentium MMX set, without prefix; {@link SseOps} decodes the
 * SSE forms selected by 66/F2/F3 and the SSE integer extensions on MMX registers). The packed arithmetic is
 * {@link MmxOps}; the registers alias the x87 stack through {@link org.virtfx.engine.cpu.fpu.X87#mmx}/{@code setMmx}.
 */
final class MmxOps0F {
    private final Interpreter in;
    private final SoftwareCpu c;

    MmxOps0F(Interpreter in) {
        this.in = in;
        this.c = in.c;
    }

    static boolean isMmx(int op) {
        return (op >= 0x60 && op <= 0x6B) || op == 0x6E || op == 0x6F || (op >= 0x71 && op <= 0x77) || op == 0x7E
                || op == 0x7F || (op >= 0xD1 && op <= 0xFE && MMX_D_TO_F[op - 0xD0]);
    }

    private static final boolean[] MMX_D_TO_F = new boolean[0x30];

    static {
        for (int op : new int[] {0xD1, 0xD2, 0xD3, 0xD5, 0xD8, 0xD9, 0xDB, 0xDC, 0xDD, 0xDF, 0xE1, 0xE2, 0xE5, 0xE8,
                0xE9, 0xEB, 0xEC, 0xED, 0xEF, 0xF1, 0xF2, 0xF3, 0xF5, 0xF8, 0xF9, 0xFA, 0xFC, 0xFD, 0xFE}) {
            MMX_D_TO_F[op - 0xD0] = true;
        }
    }

    void execute(int op) {
        if (in.rep != 0 || in.prefix66()) {
            throw CpuFault.ud(); // 66/F2/F3 select the SSE forms, decoded by SseOps before this is called
        }
        if ((c.cr0 & CR0_EM) != 0) {
            throw CpuFault.ud();
        }
        if ((c.cr0 & CR0_TS) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
        if (op == 0x77) {
            c.fpu.emms();
            return;
        }
        in.decodeModrm();
        int reg = in.reg;
        switch (op) {
            case 0x6E -> { // MOVD mm, r/m32 (MOVQ mm, r/m64 with REX.W)
                long v;
                if (!in.rexW) {
                    v = in.readEa(4) & 0xFFFFFFFFL;
                } else if (in.mod == 3) {
                    v = in.r[in.rm];
                } else {
                    v = c.mmu.read64(in.linear(in.eaSeg, in.eaOff, 8, false));
                }
                c.fpu.setMmx(reg, v);
            }
            case 0x7E -> { // MOVD r/m32, mm (MOVQ r/m64, mm with REX.W)
                long v = c.fpu.mmx(reg);
                if (!in.rexW) {
                    in.writeEa(4, (int) v);
                } else if (in.mod == 3) {
                    in.r[in.rm] = v;
                } else {
                    c.mmu.write64(in.linear(in.eaSeg, in.eaOff, 8, true), v);
                }
            }
            case 0x6F -> c.fpu.setMmx(reg, source());
            case 0x7F -> {
                long v = c.fpu.mmx(reg);
                if (in.mod == 3) {
                    c.fpu.setMmx(in.rm, v);
                } else {
                    c.mmu.write64(in.linear(in.eaSeg, in.eaOff, 8, true), v);
                }
            }
            case 0x71, 0x72, 0x73 -> {
                if (in.mod != 3) {
                    throw CpuFault.ud();
                }
                int bits = op == 0x71 ? 16 : op == 0x72 ? 32 : 64;
                long count = in.fetch8();
                c.fpu.setMmx(in.rm, shiftByImmediate(reg, c.fpu.mmx(in.rm), count, bits));
            }
            default -> {
                long b = source();
                long a = c.fpu.mmx(reg);
                c.fpu.setMmx(reg, binary(op, a, b));
            }
        }
    }

    private long source() {
        if (in.mod == 3) {
            return c.fpu.mmx(in.rm);
        }
        return c.mmu.read64(in.linear(in.eaSeg, in.eaOff, 8, false));
    }

    static long binary(int op, long a, long b) {
        return switch (op) {
            case 0x60 -> MmxOps.unpackLow(a, b, 8);
            case 0x61 -> MmxOps.unpackLow(a, b, 16);
            case 0x62 -> MmxOps.unpackLow(a, b, 32);
            case 0x63 -> MmxOps.packSignedWordsToBytes(a, b);
            case 0x64 -> MmxOps.compareGreater(a, b, 8);
            case 0x65 -> MmxOps.compareGreater(a, b, 16);
            case 0x66 -> MmxOps.compareGreater(a, b, 32);
            case 0x67 -> MmxOps.packUnsignedWordsToBytes(a, b);
            case 0x68 -> MmxOps.unpackHigh(a, b, 8);
            case 0x69 -> MmxOps.unpackHigh(a, b, 16);
            case 0x6A -> MmxOps.unpackHigh(a, b, 32);
            case 0x6B -> MmxOps.packSignedDwordsToWords(a, b);
            case 0x74 -> MmxOps.compareEqual(a, b, 8);
            case 0x75 -> MmxOps.compareEqual(a, b, 16);
            case 0x76 -> MmxOps.compareEqual(a, b, 32);
            case 0xD1 -> MmxOps.shiftRightLogical(a, b, 16);
            case 0xD2 -> MmxOps.shiftRightLogical(a, b, 32);
            case 0xD3 -> MmxOps.shiftRightLogical(a, b, 64);
            case 0xD5 -> MmxOps.mulLowWords(a, b);
            case 0xD8 -> MmxOps.subUnsignedSaturate(a, b, 8);
            case 0xD9 -> MmxOps.subUnsignedSaturate(a, b, 16);
            case 0xDB -> MmxOps.and(a, b);
            case 0xDC -> MmxOps.addUnsignedSaturate(a, b, 8);
            case 0xDD -> MmxOps.addUnsignedSaturate(a, b, 16);
            case 0xDF -> MmxOps.andNot(a, b);
            case 0xE1 -> MmxOps.shiftRightArithmetic(a, b, 16);
            case 0xE2 -> MmxOps.shiftRightArithmetic(a, b, 32);
            case 0xE5 -> MmxOps.mulHighWords(a, b);
            case 0xE8 -> MmxOps.subSignedSaturate(a, b, 8);
            case 0xE9 -> MmxOps.subSignedSaturate(a, b, 16);
            case 0xEB -> MmxOps.or(a, b);
            case 0xEC -> MmxOps.addSignedSaturate(a, b, 8);
            case 0xED -> MmxOps.addSignedSaturate(a, b, 16);
            case 0xEF -> MmxOps.xor(a, b);
            case 0xF1 -> MmxOps.shiftLeft(a, b, 16);
            case 0xF2 -> MmxOps.shiftLeft(a, b, 32);
            case 0xF3 -> MmxOps.shiftLeft(a, b, 64);
            case 0xF5 -> MmxOps.mulAddWords(a, b);
            case 0xF8 -> MmxOps.sub(a, b, 8);
            case 0xF9 -> MmxOps.sub(a, b, 16);
            case 0xFA -> MmxOps.sub(a, b, 32);
            case 0xFC -> MmxOps.add(a, b, 8);
            case 0xFD -> MmxOps.add(a, b, 16);
            case 0xFE -> MmxOps.add(a, b, 32);
            default -> throw CpuFault.ud();
        };
    }

    /**
     * The shift-by-immediate groups 0F 71-73 on one 64-bit lane group (an MMX register, or half of an XMM register):
     * /2 logical right, /4 arithmetic right (no quadword form), /6 left; other /r are #UD.
     */
    static long shiftByImmediate(int reg, long v, long count, int bits) {
        return switch (reg) {
            case 2 -> MmxOps.shiftRightLogical(v, count, bits);
            case 4 -> {
                if (bits == 64) {
                    throw CpuFault.ud();
                }
                yield MmxOps.shiftRightArithmetic(v, count, bits);
            }
            case 6 -> MmxOps.shiftLeft(v, count, bits);
            default -> throw CpuFault.ud();
        };
    }
}
