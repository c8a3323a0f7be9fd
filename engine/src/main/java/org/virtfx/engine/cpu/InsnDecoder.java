package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Decodes one instruction from RAM into a {@link DecodedInsn} for the {@link DecodeCache}, binding a handler of
 * {@link DecodedOps} to the common integer forms (ALU, MOV, LEA, PUSH/POP, Jcc, CALL/RET/JMP, shifts, INC/DEC,
 * TEST, MUL/DIV, MOVZX/MOVSX, SETcc, CMOVcc, string instructions). It reads the same prefixes, ModRM/SIB and
 * immediates as {@link Interpreter#execute}, without side effects; anything else (LOCK, system instructions, x87,
 * SSE, segment loads, forms that raise #UD) gets no handler ({@link DecodedOps#NONE}) and runs through the interpreter.
 */
final class InsnDecoder {
    private final MemorySegment ram;
    private long start;
    private int pos;
    private boolean overlong;
    /** Decoding for 64-bit mode. */
    private boolean m64;

    InsnDecoder(MemorySegment ram) {
        this.ram = ram;
    }

    private int next8() {
        if (pos >= 15) {
            overlong = true; // more than 15 bytes: #GP, left to the interpreter
            return 0x90;
        }
        return ram.get(ValueLayout.JAVA_BYTE, start + pos++) & 0xFF;
    }

    private int next16() {
        int lo = next8();
        return lo | (next8() << 8);
    }

    private int next32() {
        int lo = next16();
        return lo | (next16() << 16);
    }

    private long next64() {
        long lo = next32() & 0xFFFFFFFFL;
        return lo | ((long) next32() << 32);
    }

    /** Immediate of {@code size} bytes sign-extended (8-byte operands take a sign-extended imm32), as fetchImmS. */
    private long nextImmS(int size) {
        return size == 1 ? (byte) next8() : size == 2 ? (short) next16() : next32();
    }

    /** Decodes the instruction at RAM offset {@code ramOffset} for {@code mode} (0 16-bit, 1 32-bit, 2 64-bit). */
    DecodedInsn decode(long ramOffset, int mode) {
        start = ramOffset;
        pos = 0;
        overlong = false;
        DecodedInsn d = new DecodedInsn();
        m64 = mode == 2;
        boolean big = mode != 0;
        boolean o32 = big, a32 = big, a64 = m64, lock = false;
        int seg = -1, rep = 0, rx = 0, b;
        prefixes:
        while (true) {
            b = next8();
            switch (b) {
                case 0x66 -> o32 = !big;
                case 0x67 -> {
                    if (m64) {
                        a64 = false;
                    } else {
                        a32 = !big;
                    }
                }
                case 0x26 -> seg = ES;
                case 0x2E -> seg = CS;
                case 0x36 -> seg = SS;
                case 0x3E -> seg = DS;
                case 0x64 -> seg = FS;
                case 0x65 -> seg = GS;
                case 0xF0 -> lock = true;
                case 0xF2, 0xF3 -> rep = b;
                case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> {
                    if (!m64) {
                        break prefixes;
                    }
                    rx = b;
                    continue;
                }
                default -> {
                    break prefixes;
                }
            }
            if (overlong) {
                return d;
            }
            rx = 0;
        }
        d.o32 = o32;
        d.a32 = a32;
        d.a64 = a64;
        d.rex = rx;
        d.rexW = (rx & 8) != 0;
        d.opSize = d.rexW ? 8 : o32 ? 4 : 2;
        d.stackSize = m64 ? (d.rexW || o32 ? 8 : 2) : d.opSize;
        d.segOverride = seg;
        d.rep = rep;
        d.opcode = b;
        if (lock) {
            return d;
        }
        int h = b == 0x0F ? bindTwoByte(d, m64) : bindOneByte(d, b, m64);
        if (h != DecodedOps.NONE && !overlong) {
            d.kind = h;
            d.length = pos;
        }
        return d;
    }

    private int bindOneByte(DecodedInsn d, int b, boolean m64) {
        int osize = d.opSize;
        int rexB = (d.rex & 1) << 3;
        switch (b) {
            case 0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x38, 0x39 -> {
                modrm(d);
                d.size = (b & 1) == 0 ? 1 : osize;
                d.op = (b >>> 3) & 7;
                return DecodedOps.ALU_EG;
            }
            case 0x02, 0x03, 0x0A, 0x0B, 0x12, 0x13, 0x1A, 0x1B, 0x22, 0x23, 0x2A, 0x2B, 0x32, 0x33, 0x3A, 0x3B -> {
                modrm(d);
                d.size = (b & 1) == 0 ? 1 : osize;
                d.op = (b >>> 3) & 7;
                return DecodedOps.ALU_GE;
            }
            case 0x04, 0x0C, 0x14, 0x1C, 0x24, 0x2C, 0x34, 0x3C -> {
                d.size = 1;
                d.op = (b >>> 3) & 7;
                d.imm = next8();
                return DecodedOps.ALU_AI;
            }
            case 0x05, 0x0D, 0x15, 0x1D, 0x25, 0x2D, 0x35, 0x3D -> {
                d.size = osize;
                d.op = (b >>> 3) & 7;
                d.imm = nextImmS(osize);
                return DecodedOps.ALU_AI;
            }
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 -> {
                d.reg = b & 7;
                return DecodedOps.INC_R;
            }
            case 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> {
                d.reg = b & 7;
                return DecodedOps.DEC_R;
            }
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> {
                d.reg = (b & 7) | rexB;
                return DecodedOps.PUSH_R;
            }
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F -> {
                d.reg = (b & 7) | rexB;
                return DecodedOps.POP_R;
            }
            case 0x68 -> {
                d.imm = nextImmS(d.stackSize);
                return DecodedOps.PUSH_I;
            }
            case 0x6A -> {
                d.imm = (byte) next8();
                return DecodedOps.PUSH_I;
            }
            case 0x69, 0x6B -> {
                modrm(d);
                d.size = osize;
                d.imm = b == 0x69 ? nextImmS(osize) : (byte) next8();
                return DecodedOps.IMUL_GEI;
            }
            case 0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF -> {
                return DecodedOps.STRING;
            }
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F -> {
                d.op = b & 15;
                d.imm = (byte) next8();
                return DecodedOps.JCC;
            }
            case 0x80, 0x81, 0x83 -> {
                modrm(d);
                d.size = b == 0x80 ? 1 : osize;
                d.op = d.reg & 7;
                d.imm = b == 0x80 ? next8() : b == 0x83 ? (byte) next8() : nextImmS(osize);
                return DecodedOps.GROUP1;
            }
            case 0x84, 0x85 -> {
                modrm(d);
                d.size = b == 0x84 ? 1 : osize;
                return DecodedOps.TEST_EG;
            }
            case 0x88, 0x89 -> {
                modrm(d);
                d.size = b == 0x88 ? 1 : osize;
                return DecodedOps.MOV_EG;
            }
            case 0x8A, 0x8B -> {
                modrm(d);
                d.size = b == 0x8A ? 1 : osize;
                return DecodedOps.MOV_GE;
            }
            case 0x8D -> {
                modrm(d);
                d.size = osize;
                return d.mod == 3 ? DecodedOps.NONE : DecodedOps.LEA;
            }
            case 0x90 -> {
                return (d.rex & 1) != 0 ? DecodedOps.NONE : DecodedOps.NOP;
            }
            case 0x98 -> {
                return DecodedOps.CBW;
            }
            case 0x99 -> {
                return DecodedOps.CWD;
            }
            case 0xA8 -> {
                d.size = 1;
                d.imm = next8();
                return DecodedOps.TEST_AI;
            }
            case 0xA9 -> {
                d.size = osize;
                d.imm = nextImmS(osize);
                return DecodedOps.TEST_AI;
            }
            case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7 -> {
                d.reg = (b & 7) | rexB;
                d.size = 1;
                d.imm = next8();
                return DecodedOps.MOV_RI;
            }
            case 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF -> {
                d.reg = (b & 7) | rexB;
                d.size = osize;
                d.imm = d.rexW ? next64() : osize == 2 ? next16() : next32();
                return DecodedOps.MOV_RI;
            }
            case 0xC0, 0xC1 -> {
                modrm(d);
                d.size = b == 0xC0 ? 1 : osize;
                d.imm = next8();
                return DecodedOps.SHIFT;
            }
            case 0xD0, 0xD1 -> {
                modrm(d);
                d.size = b == 0xD0 ? 1 : osize;
                d.imm = 1;
                return DecodedOps.SHIFT;
            }
            case 0xD2, 0xD3 -> {
                modrm(d);
                d.size = b == 0xD2 ? 1 : osize;
                d.imm = -1; // count in CL
                return DecodedOps.SHIFT;
            }
            case 0xC2 -> {
                d.imm = next16();
                return DecodedOps.RET;
            }
            case 0xC3 -> {
                d.imm = 0;
                return DecodedOps.RET;
            }
            case 0xC6, 0xC7 -> {
                modrm(d);
                d.size = b == 0xC6 ? 1 : osize;
                d.imm = nextImmS(d.size);
                return (d.reg & 7) != 0 ? DecodedOps.NONE : DecodedOps.MOV_EI;
            }
            case 0xC9 -> {
                return DecodedOps.LEAVE;
            }
            case 0xE8 -> {
                d.imm = nextImmS(m64 ? 4 : osize);
                return DecodedOps.CALL_REL;
            }
            case 0xE9 -> {
                d.imm = nextImmS(m64 ? 4 : osize);
                return DecodedOps.JMP_REL;
            }
            case 0xEB -> {
                d.imm = (byte) next8();
                return DecodedOps.JMP_REL;
            }
            case 0xF6, 0xF7 -> {
                modrm(d);
                d.size = b == 0xF6 ? 1 : osize;
                d.op = d.reg & 7;
                if (d.op <= 1) {
                    d.imm = nextImmS(d.size);
                }
                return DecodedOps.GROUP3;
            }
            case 0xFE -> {
                modrm(d);
                d.size = 1;
                d.op = d.reg & 7;
                return d.op <= 1 ? DecodedOps.INC_DEC_E : DecodedOps.NONE;
            }
            case 0xFF -> {
                modrm(d);
                d.size = osize;
                d.op = d.reg & 7;
                return switch (d.op) {
                    case 0, 1 -> DecodedOps.INC_DEC_E;
                    case 2 -> DecodedOps.CALL_E;
                    case 4 -> DecodedOps.JMP_E;
                    case 6 -> DecodedOps.PUSH_E;
                    default -> DecodedOps.NONE; // far CALL/JMP, #UD
                };
            }
            default -> {
                return DecodedOps.NONE;
            }
        }
    }

    private int bindTwoByte(DecodedInsn d, boolean m64) {
        int op = next8();
        d.opMap = 0x0F;
        d.opcode = op;
        int osize = d.opSize;
        if (op >= 0x80 && op <= 0x8F) {
            int disp = osize == 2 && !m64 ? (short) next16() : next32();
            d.op = op & 15;
            d.imm = disp;
            return DecodedOps.JCC;
        }
        if (op >= 0x90 && op <= 0x9F) {
            modrm(d);
            d.op = op & 15;
            return DecodedOps.SETCC;
        }
        if (op >= 0x40 && op <= 0x4F) {
            modrm(d);
            d.op = op & 15;
            d.size = osize;
            return DecodedOps.CMOVCC;
        }
        switch (op) {
            case 0xAF -> {
                modrm(d);
                d.size = osize;
                return DecodedOps.IMUL_GE;
            }
            case 0xB6, 0xB7, 0xBE, 0xBF -> {
                modrm(d);
                d.size = osize;
                d.op = op;
                return DecodedOps.MOVX;
            }
            default -> {
                return DecodedOps.NONE;
            }
        }
    }

    /** ModRM/SIB/displacement, as {@link Interpreter#decodeModrm} but recording the address formula. */
    private void modrm(DecodedInsn d) {
        int m = next8();
        int rex = d.rex;
        d.mod = m >>> 6;
        d.reg = ((m >>> 3) & 7) | ((rex & 4) << 1);
        d.rm = (m & 7) | ((rex & 1) << 3);
        if (d.mod == 3) {
            return;
        }
        d.hasEa = true;
        int defSeg = DS;
        int mod = d.mod;
        long disp = 0;
        if (d.a32) {
            int rmLow = m & 7;
            if (rmLow == 4) {
                int sib = next8();
                int base = sib & 7, index = ((sib >>> 3) & 7) | ((rex & 2) << 2);
                if (base == 5 && mod == 0) {
                    disp = next32();
                } else {
                    d.eaBase = base | ((rex & 1) << 3);
                    if (base == 4 || base == 5) {
                        defSeg = SS;
                    }
                }
                if (index != 4) {
                    d.eaIndex = index;
                    d.eaScale = sib >>> 6;
                }
            } else if (rmLow == 5 && mod == 0) {
                disp = next32();
                d.ripRelative = m64; // relative to the end of the instruction in 64-bit mode, also with 67
            } else {
                d.eaBase = d.rm;
                if (rmLow == 5) {
                    defSeg = SS;
                }
            }
            if (mod == 1) {
                disp += (byte) next8();
            } else if (mod == 2) {
                disp += next32();
            }
            d.addrMask = d.a64 ? -1L : 0xFFFFFFFFL;
        } else {
            int rm = d.rm;
            switch (rm) {
                case 0 -> { d.eaBase = RBX; d.eaIndex = RSI; }
                case 1 -> { d.eaBase = RBX; d.eaIndex = RDI; }
                case 2 -> { d.eaBase = RBP; d.eaIndex = RSI; }
                case 3 -> { d.eaBase = RBP; d.eaIndex = RDI; }
                case 4 -> d.eaBase = RSI;
                case 5 -> d.eaBase = RDI;
                case 6 -> d.eaBase = mod == 0 ? -1 : RBP;
                default -> d.eaBase = RBX;
            }
            if (rm == 2 || rm == 3 || (rm == 6 && mod != 0)) {
                defSeg = SS;
            }
            if (mod == 0 && rm == 6) {
                disp = next16();
            } else if (mod == 1) {
                disp = (byte) next8();
            } else if (mod == 2) {
                disp = next16();
            }
            d.addrMask = 0xFFFF;
        }
        d.disp = disp;
        d.eaSeg = d.segOverride >= 0 ? d.segOverride : defSeg;
    }
}
