package org.virtfx.engine.cpu;

/**
 * One instruction decoded once, for the {@link DecodeCache}: its length, the prefix state it executes with, its
 * ModRM operands with the effective-address formula (registers, scale, displacement, segment) and the handler
 * bound to its form. Executing it restores that state into the {@link Interpreter} and runs the handler, so no
 * byte is fetched and no opcode switch is taken again. Only RAM-resident instructions that lie in one page are
 * decoded; {@link #kind} is {@link DecodedOps#NONE} for forms left to the interpreter's own decoder.
 */
final class DecodedInsn {
    // ---- key: what decoding depended on -----------------------------------------------------------------------
    /** RAM offset of the first byte. */
    long ramOffset;
    /** Code mode decoded for: 0 16-bit, 1 32-bit, 2 64-bit (default operand/address size, REX). */
    int mode;
    /** {@link CodePages} version of the page when it was decoded. */
    int pageVersion;

    // ---- links: the decoded instructions that ran after this one (fall-through, last other target) -------------
    DecodedInsn next, other;

    // ---- decoded form -----------------------------------------------------------------------------------------
    /** The {@link DecodedOps} handler number; {@link DecodedOps#NONE} for forms the interpreter runs itself. */
    int kind;
    int length;
    boolean o32, a32, a64, rexW;
    int rex, opSize, stackSize, segOverride, rep, opcode, opMap;
    /** ModRM fields as {@link Interpreter#decodeModrm} leaves them (REX-extended). */
    int mod, reg, rm;
    /** Memory operand: base and index register (-1 for none), scale shift, displacement, RIP-relative flag. */
    boolean hasEa, ripRelative;
    int eaBase = -1, eaIndex = -1, eaScale, eaSeg;
    long disp, addrMask;
    /** Operand size of the form (1 for byte forms), a sub-operation (ALU op, condition code) and an immediate. */
    int size, op;
    long imm;
}
