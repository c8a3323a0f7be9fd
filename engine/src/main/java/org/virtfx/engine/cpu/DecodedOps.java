package org.virtfx.engine.cpu;

import static org.virtfx.engine.cpu.SoftwareCpu.*;

/**
 * The handlers {@link InsnDecoder} binds to decoded instructions. Each does what the corresponding branch of
 * {@link Interpreter}'s opcode switch does after decoding, with the operands taken from the {@link DecodedInsn}
 * (the effective address is already in {@code in.eaOff}/{@code in.eaSeg}, {@code c.rip} points past the
 * instruction). Each handler is its own small method, so that a JIT (HotSpot's now, a translator later) compiles the
 * hot forms separately instead of one large switch.
 */
final class DecodedOps {
    private DecodedOps() {
    }

    static final DecodedInsn.Handler ALU_EG = (in, d) -> {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.readEaL(size), in.getRegL(d.reg, size), size);
        if (op != 7) {
            in.writeEa(size, v);
        }
    };

    static final DecodedInsn.Handler ALU_GE = (in, d) -> {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.getRegL(d.reg, size), in.readEaL(size), size);
        if (op != 7) {
            in.setReg(d.reg, size, v);
        }
    };

    static final DecodedInsn.Handler ALU_AI = (in, d) -> {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.getRegL(RAX, size), d.imm, size);
        if (op != 7) {
            in.setReg(RAX, size, v);
        }
    };

    static final DecodedInsn.Handler GROUP1 = (in, d) -> {
        int size = d.size, op = d.op;
        long v = Alu.alu(in.c, op, in.readEaL(size), d.imm, size);
        if (op != 7) {
            in.writeEa(size, v);
        }
    };

    static final DecodedInsn.Handler TEST_EG = (in, d) ->
            Alu.alu(in.c, 4, in.readEaL(d.size), in.getRegL(d.reg, d.size), d.size);

    static final DecodedInsn.Handler TEST_AI = (in, d) -> Alu.alu(in.c, 4, in.getRegL(RAX, d.size), d.imm, d.size);

    static final DecodedInsn.Handler INC_R = (in, d) ->
            in.setReg(d.reg, d.opSize, Alu.inc(in.c, in.getRegL(d.reg, d.opSize), d.opSize));

    static final DecodedInsn.Handler DEC_R = (in, d) ->
            in.setReg(d.reg, d.opSize, Alu.dec(in.c, in.getRegL(d.reg, d.opSize), d.opSize));

    static final DecodedInsn.Handler INC_DEC_E = (in, d) -> {
        long v = in.readEaL(d.size);
        in.writeEa(d.size, d.op == 0 ? Alu.inc(in.c, v, d.size) : Alu.dec(in.c, v, d.size));
    };

    static final DecodedInsn.Handler MOV_EG = (in, d) -> in.writeEa(d.size, in.getRegL(d.reg, d.size));

    static final DecodedInsn.Handler MOV_GE = (in, d) -> in.setReg(d.reg, d.size, in.readEaL(d.size));

    static final DecodedInsn.Handler MOV_RI = (in, d) -> in.setReg(d.reg, d.size, d.imm);

    static final DecodedInsn.Handler MOV_EI = (in, d) -> in.writeEa(d.size, d.imm);

    static final DecodedInsn.Handler LEA = (in, d) -> in.setReg(d.reg, d.size, in.eaOff);

    static final DecodedInsn.Handler NOP = (in, d) -> {
    };

    static final DecodedInsn.Handler CBW = (in, d) -> {
        long[] r = in.r;
        if (d.rexW) {
            r[RAX] = (int) r[RAX];
        } else if (d.o32) {
            r[RAX] = (long) (short) r[RAX] & 0xFFFFFFFFL;
        } else {
            in.setReg(RAX, 2, (byte) r[RAX]);
        }
    };

    static final DecodedInsn.Handler CWD = (in, d) -> {
        long[] r = in.r;
        if (d.rexW) {
            r[RDX] = r[RAX] >> 63;
        } else if (d.o32) {
            r[RDX] = ((int) r[RAX] < 0) ? 0xFFFFFFFFL : 0;
        } else {
            in.setReg(RDX, 2, ((short) r[RAX] < 0) ? 0xFFFF : 0);
        }
    };

    static final DecodedInsn.Handler PUSH_R = (in, d) -> in.push(d.stackSize, in.getRegL(d.reg, d.stackSize));

    static final DecodedInsn.Handler POP_R = (in, d) -> {
        long v = in.popL(d.stackSize);
        in.setReg(d.reg, d.stackSize, v);
    };

    static final DecodedInsn.Handler PUSH_I = (in, d) -> in.push(d.stackSize, d.imm);

    static final DecodedInsn.Handler PUSH_E = (in, d) -> in.push(d.stackSize, in.readEaL(d.stackSize));

    static final DecodedInsn.Handler IMUL_GEI = (in, d) ->
            in.setReg(d.reg, d.size, Alu.imul(in.c, in.readEaL(d.size), d.imm, d.size));

    static final DecodedInsn.Handler IMUL_GE = (in, d) ->
            in.setReg(d.reg, d.size, Alu.imul(in.c, in.getRegL(d.reg, d.size), in.readEaL(d.size), d.size));

    static final DecodedInsn.Handler SHIFT = (in, d) -> {
        int size = d.size;
        long v = in.readEaL(size);
        int count = d.imm < 0 ? (int) in.r[RCX] & 0xFF : (int) d.imm;
        in.writeShift(size, Alu.shift(in.c, d.reg & 7, v, count, size), v, count);
    };

    static final DecodedInsn.Handler GROUP3 = (in, d) -> {
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
    };

    static final DecodedInsn.Handler JCC = (in, d) -> {
        if (Alu.cond(in.c, d.op)) {
            in.jumpNear(in.c.rip + d.imm);
        }
    };

    static final DecodedInsn.Handler SETCC = (in, d) -> in.writeEa(1, Alu.cond(in.c, d.op) ? 1 : 0);

    static final DecodedInsn.Handler CMOVCC = (in, d) -> {
        int size = d.size;
        long v = in.readEaL(size);
        if (Alu.cond(in.c, d.op)) {
            in.setReg(d.reg, size, v);
        } else if (size == 4) {
            in.setReg(d.reg, 4, in.getRegL(d.reg, 4)); // a 32-bit CMOV zero-extends even when not moving
        }
    };

    static final DecodedInsn.Handler MOVX = (in, d) -> {
        int op = d.op;
        long v = in.readEaL((op & 1) == 0 ? 1 : 2);
        if (op >= 0xBE) {
            v = (op & 1) == 0 ? (byte) v : (short) v;
        }
        in.setReg(d.reg, d.size, v);
    };

    static final DecodedInsn.Handler JMP_REL = (in, d) -> in.jumpNear(in.c.rip + d.imm);

    static final DecodedInsn.Handler CALL_REL = (in, d) -> {
        long ret = in.c.rip;
        in.push(d.stackSize, ret);
        in.jumpNear(ret + d.imm);
    };

    static final DecodedInsn.Handler CALL_E = (in, d) -> {
        long target = in.readEaL(d.stackSize);
        in.push(d.stackSize, in.c.rip);
        in.jumpNear(target);
    };

    static final DecodedInsn.Handler JMP_E = (in, d) -> in.jumpNear(in.readEaL(d.stackSize));

    static final DecodedInsn.Handler RET = (in, d) -> {
        long ip = in.popL(d.stackSize);
        in.jumpNear(ip);
        in.setSp(in.sp() + d.imm);
    };

    static final DecodedInsn.Handler LEAVE = (in, d) -> {
        int size = d.stackSize;
        long bp = in.r[RBP] & in.spMask();
        long v = in.readMemL(SS, bp, size);
        in.setSp(bp + size);
        in.setReg(RBP, size, v);
    };

    static final DecodedInsn.Handler STRING = (in, d) -> in.strings.execute(d.opcode);
}
