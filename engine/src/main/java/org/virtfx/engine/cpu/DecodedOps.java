package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * The handlers {@link InsnDecoder} binds to decoded instructions. Each does what the corresponding branch of
 * {@link Interpreter}'s opcode switch does after decoding, with the operands taken from the {@link DecodedInsn}
 * (the effective address is already in {@code in.eaOff}/{@code in.eaSeg}, {@code c.rip} points past the
 * instruction). Each handler is its own small method reached by one dense table switch on the number the decoder
 * bound (an interface call per instruction measured slower: the call site is megamorphic); a translator replacing
 * hot paths later can take the same numbers and operands.
 */
final class DecodedOps {
    private DecodedOps() {
    }

    /** Handler numbers ({@link DecodedInsn#kind}); 0 is none: the interpreter decodes and runs the instruction. */
    static final int NONE = 0, ALU_EG = 1, ALU_GE = 2, ALU_AI = 3, GROUP1 = 4, TEST_EG = 5, TEST_AI = 6, INC_R = 7, DEC_R = 8, INC_DEC_E = 9, MOV_EG = 10, MOV_GE = 11, MOV_RI = 12, MOV_EI = 13, LEA = 14, NOP = 15, CBW = 16, CWD = 17, PUSH_R = 18, POP_R = 19, PUSH_I = 20, PUSH_E = 21, IMUL_GEI = 22, IMUL_GE = 23, SHIFT = 24, GROUP3 = 25, JCC = 26, SETCC = 27, CMOVCC = 28, MOVX = 29, JMP_REL = 30, CALL_REL = 31, CALL_E = 32, JMP_E = 33, RET = 34, LEAVE = 35, STRING = 36;

    /** Runs the handler bound to {@code d}: one table switch to a small method per form. */
    static void run(Interpreter in, DecodedInsn d) {
        switch (d.kind) {
            case ALU_EG -> aluEg(in, d);
            case ALU_GE -> aluGe(in, d);
            case ALU_AI -> aluAi(in, d);
            case GROUP1 -> group1(in, d);
            case TEST_EG -> testEg(in, d);
            case TEST_AI -> testAi(in, d);
            case INC_R -> incR(in, d);
            case DEC_R -> decR(in, d);
            case INC_DEC_E -> incDecE(in, d);
            case MOV_EG -> movEg(in, d);
            case MOV_GE -> movGe(in, d);
            case MOV_RI -> movRi(in, d);
            case MOV_EI -> movEi(in, d);
            case LEA -> lea(in, d);
            case NOP -> nop(in, d);
            case CBW -> cbw(in, d);
            case CWD -> cwd(in, d);
            case PUSH_R -> pushR(in, d);
            case POP_R -> popR(in, d);
            case PUSH_I -> pushI(in, d);
            case PUSH_E -> pushE(in, d);
            case IMUL_GEI -> imulGei(in, d);
            case IMUL_GE -> imulGe(in, d);
            case SHIFT -> shift(in, d);
            case GROUP3 -> group3(in, d);
            case JCC -> jcc(in, d);
            case SETCC -> setcc(in, d);
            case CMOVCC -> cmovcc(in, d);
            case MOVX -> movx(in, d);
            case JMP_REL -> jmpRel(in, d);
            case CALL_REL -> callRel(in, d);
            case CALL_E -> callE(in, d);
            case JMP_E -> jmpE(in, d);
            case RET -> ret(in, d);
            case LEAVE -> leave(in, d);
            case STRING -> string(in, d);
            default -> throw new IllegalStateException("no handler bound: " + d.kind);
        }
    }

    private static void aluEg(Interpreter in, DecodedInsn d) {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.readEaL(size), in.getRegL(d.reg, size), size);
        if (op != 7) {
            in.writeEa(size, v);
        }
    }

    private static void aluGe(Interpreter in, DecodedInsn d) {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.getRegL(d.reg, size), in.readEaL(size), size);
        if (op != 7) {
            in.setReg(d.reg, size, v);
        }
    }

    private static void aluAi(Interpreter in, DecodedInsn d) {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.getRegL(RAX, size), d.imm, size);
        if (op != 7) {
            in.setReg(RAX, size, v);
        }
    }

    private static void group1(Interpreter in, DecodedInsn d) {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.readEaL(size), d.imm, size);
        if (op != 7) {
            in.writeEa(size, v);
        }
    }

    private static void testEg(Interpreter in, DecodedInsn d) {
        Alu.alu(in.c, 4, in.readEaL(d.size), in.getRegL(d.reg, d.size), d.size);
    }

    private static void testAi(Interpreter in, DecodedInsn d) {
        Alu.alu(in.c, 4, in.getRegL(RAX, d.size), d.imm, d.size);
    }

    private static void incR(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.opSize, Alu.inc(in.c, in.getRegL(d.reg, d.opSize), d.opSize));
    }

    private static void decR(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.opSize, Alu.dec(in.c, in.getRegL(d.reg, d.opSize), d.opSize));
    }

    private static void incDecE(Interpreter in, DecodedInsn d) {
        long v = in.readEaL(d.size);
        in.writeEa(d.size, d.op == 0 ? Alu.inc(in.c, v, d.size) : Alu.dec(in.c, v, d.size));
    }

    private static void movEg(Interpreter in, DecodedInsn d) {
        in.writeEa(d.size, in.getRegL(d.reg, d.size));
    }

    private static void movGe(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.size, in.readEaL(d.size));
    }

    private static void movRi(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.size, d.imm);
    }

    private static void movEi(Interpreter in, DecodedInsn d) {
        in.writeEa(d.size, d.imm);
    }

    private static void lea(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.size, in.eaOff);
    }

    private static void nop(Interpreter in, DecodedInsn d) {
    }

    private static void cbw(Interpreter in, DecodedInsn d) {
        long[] r = in.r;
        if (d.rexW) {
            r[RAX] = (int) r[RAX];
        } else if (d.o32) {
            r[RAX] = (long) (short) r[RAX] & 0xFFFFFFFFL;
        } else {
            in.setReg(RAX, 2, (byte) r[RAX]);
        }
    }

    private static void cwd(Interpreter in, DecodedInsn d) {
        long[] r = in.r;
        if (d.rexW) {
            r[RDX] = r[RAX] >> 63;
        } else if (d.o32) {
            r[RDX] = ((int) r[RAX] < 0) ? 0xFFFFFFFFL : 0;
        } else {
            in.setReg(RDX, 2, ((short) r[RAX] < 0) ? 0xFFFF : 0);
        }
    }

    private static void pushR(Interpreter in, DecodedInsn d) {
        in.push(d.stackSize, in.getRegL(d.reg, d.stackSize));
    }

    private static void popR(Interpreter in, DecodedInsn d) {
        long v = in.popL(d.stackSize);
        in.setReg(d.reg, d.stackSize, v);
    }

    private static void pushI(Interpreter in, DecodedInsn d) {
        in.push(d.stackSize, d.imm);
    }

    private static void pushE(Interpreter in, DecodedInsn d) {
        in.push(d.stackSize, in.readEaL(d.stackSize));
    }

    private static void imulGei(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.size, Alu.imul(in.c, in.readEaL(d.size), d.imm, d.size));
    }

    private static void imulGe(Interpreter in, DecodedInsn d) {
        in.setReg(d.reg, d.size, Alu.imul(in.c, in.getRegL(d.reg, d.size), in.readEaL(d.size), d.size));
    }

    private static void shift(Interpreter in, DecodedInsn d) {
        int size = d.size;
        long v = in.readEaL(size);
        int count = d.imm < 0 ? (int) in.r[RCX] & 0xFF : (int) d.imm;
        in.writeShift(size, Alu.shift(in.c, d.reg & 7, v, count, size), v, count);
    }

    private static void group3(Interpreter in, DecodedInsn d) {
        int size = d.size;
        long v = in.readEaL(size);
        SoftwareCpu c = in.c;
        switch (d.op) {
            case 0, 1 -> Alu.alu(c, 4, v, d.imm, size);
            case 2 -> in.writeEa(size, ~v);
            case 3 -> in.writeEa(size, Alu.neg(c, v, size));
            case 4 -> Alu.mul1(c, false, v, size);
            case 5 -> Alu.mul1(c, true, v, size);
            case 6 -> Alu.div(c, false, v, size);
            default -> Alu.div(c, true, v, size);
        }
    }

    private static void jcc(Interpreter in, DecodedInsn d) {
        if (Alu.cond(in.c, d.op)) {
            in.jumpNear(in.c.rip + d.imm);
        }
    }

    private static void setcc(Interpreter in, DecodedInsn d) {
        in.writeEa(1, Alu.cond(in.c, d.op) ? 1 : 0);
    }

    private static void cmovcc(Interpreter in, DecodedInsn d) {
        int size = d.size;
        long v = in.readEaL(size);
        if (Alu.cond(in.c, d.op)) {
            in.setReg(d.reg, size, v);
        } else if (size == 4) {
            in.setReg(d.reg, 4, in.getRegL(d.reg, 4)); // a 32-bit CMOV zero-extends even when not moving
        }
    }

    private static void movx(Interpreter in, DecodedInsn d) {
        int op = d.op;
        long v = in.readEaL((op & 1) == 0 ? 1 : 2);
        if (op >= 0xBE) {
            v = (op & 1) == 0 ? (byte) v : (short) v;
        }
        in.setReg(d.reg, d.size, v);
    }

    private static void jmpRel(Interpreter in, DecodedInsn d) {
        in.jumpNear(in.c.rip + d.imm);
    }

    private static void callRel(Interpreter in, DecodedInsn d) {
        long ret = in.c.rip;
        in.push(d.stackSize, ret);
        in.jumpNear(ret + d.imm);
    }

    private static void callE(Interpreter in, DecodedInsn d) {
        long target = in.readEaL(d.stackSize);
        in.push(d.stackSize, in.c.rip);
        in.jumpNear(target);
    }

    private static void jmpE(Interpreter in, DecodedInsn d) {
        in.jumpNear(in.readEaL(d.stackSize));
    }

    private static void ret(Interpreter in, DecodedInsn d) {
        long ip = in.popL(d.stackSize);
        in.jumpNear(ip);
        in.setSp(in.sp() + d.imm);
    }

    private static void leave(Interpreter in, DecodedInsn d) {
        int size = d.stackSize;
        long bp = in.r[RBP] & in.spMask();
        long v = in.readMemL(SS, bp, size);
        in.setSp(bp + size);
        in.setReg(RBP, size, v);
    }

    private static void string(Interpreter in, DecodedInsn d) {
        in.strings.execute(d.opcode);
    }
}
