package org.virtfx.engine.cpu.fpu;

import static org.virtfx.engine.cpu.fpu.SoftFloat80.DE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.IE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.PE;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.SF;
import static org.virtfx.engine.cpu.fpu.SoftFloat80.ZE;

/**
 * Decodes and executes the x87 escape instructions D8..DF on an {@link X87}: stack discipline (push/pop, stack
 * overflow and underflow as IE+SF with C1), exception masking (an unmasked IE/DE/ZE leaves the destination and the
 * stack untouched; an unmasked OE/UE delivers the bias-adjusted result) and the condition codes.
 */
final class X87Instructions {
    private static final int EFLAGS_CF = 0x01;
    private static final int EFLAGS_PF = 0x04;
    private static final int EFLAGS_AF = 0x10;
    private static final int EFLAGS_ZF = 0x40;
    private static final int EFLAGS_SF = 0x80;
    private static final int EFLAGS_OF = 0x800;


    private final X87 f;
    private final SoftFloat80 sf;

    X87Instructions(X87 fpu) {
        this.f = fpu;
        this.sf = fpu.arith;
    }

    void execute(int opcode, int modrm, long addr, FpuMemory mem) {
        boolean isMem = modrm < 0xC0;
        int reg = (modrm >> 3) & 7;
        int rm = modrm & 7;
        if (executeControl(opcode, modrm, isMem, reg, addr, mem)) {
            return;
        }
        if (f.pendingUnmaskedException() && mem.numericErrorNative()) {
            throw new FpuException(FpuException.VECTOR_MF, "pending unmasked x87 exception, status " + Integer.toHexString(f.statusWord()));
        }
        sf.setControl(f.cw);
        if (isMem) {
            executeMemory(opcode, reg, addr, mem, modrm);
        } else {
            executeRegister(opcode, modrm, reg, rm, mem);
        }
    }

    /** Control instructions: they do not check pending exceptions (except FLDCW/FLDENV/FRSTOR) nor record FIP. */
    private boolean executeControl(int opcode, int modrm, boolean isMem, int reg, long addr, FpuMemory mem) {
        if (isMem) {
            if (opcode == 0xD9 && reg >= 4) {
                if ((reg == 4 || reg == 5) && f.pendingUnmaskedException() && mem.numericErrorNative()) {
                    throw new FpuException(FpuException.VECTOR_MF, "pending unmasked x87 exception");
                }
                switch (reg) {
                    case 4 -> f.fldenv(addr, mem, mem.operandSize32(), mem.protectedMode());
                    case 5 -> f.setControlWord(mem.read16(addr));
                    case 6 -> f.fstenv(addr, mem, mem.operandSize32(), mem.protectedMode());
                    default -> mem.write16(addr, f.cw);
                }
                return true;
            }
            if (opcode == 0xDD && (reg == 4 || reg == 6 || reg == 7)) {
                if (reg == 4 && f.pendingUnmaskedException() && mem.numericErrorNative()) {
                    throw new FpuException(FpuException.VECTOR_MF, "pending unmasked x87 exception");
                }
                switch (reg) {
                    case 4 -> f.frstor(addr, mem, mem.operandSize32(), mem.protectedMode());
                    case 6 -> f.fsave(addr, mem, mem.operandSize32(), mem.protectedMode());
                    default -> mem.write16(addr, f.statusWord());
                }
                return true;
            }
            return false;
        }
        if (opcode == 0xDB && modrm >= 0xE0 && modrm <= 0xE4) {
            switch (modrm) {
                case 0xE2 -> {
                    f.sw &= ~(0x3F | SoftFloat80.SF | X87.SW_ES | X87.SW_B);
                }
                case 0xE3 -> f.initialize();
                default -> {
                    // FNENI, FNDISI, FNSETPM: 8087/80287 controls, no-ops on later FPUs
                }
            }
            return true;
        }
        if (opcode == 0xDF && modrm == 0xE0) {
            // FNSTSW AX: the CPU moves statusWord() into AX
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- memory forms

    private void executeMemory(int opcode, int reg, long a, FpuMemory mem, int modrm) {
        f.recordPointers(opcode, modrm, true);
        switch (opcode) {
            case 0xD8 -> arithmeticWithMemory(reg, sf.fromSingle(mem.read32(a)));
            case 0xDC -> arithmeticWithMemory(reg, sf.fromDouble(mem.read64(a)));
            case 0xDA -> arithmeticWithMemory(reg, SoftFloat80.fromInteger(mem.read32(a)));
            case 0xDE -> arithmeticWithMemory(reg, SoftFloat80.fromInteger((short) mem.read16(a)));
            case 0xD9 -> {
                switch (reg) {
                    case 0 -> loadConverted(sf.fromSingle(mem.read32(a)));
                    case 2, 3 -> X87Stores.storeFloat(this, f, sf, a, mem, 32, reg == 3);
                    default -> undefined(opcode, modrm);
                }
            }
            case 0xDB -> {
                switch (reg) {
                    case 0 -> push(SoftFloat80.fromInteger(mem.read32(a)));
                    case 1 -> X87Stores.storeInteger(this, f, sf, a, mem, 32, true, true);
                    case 2, 3 -> X87Stores.storeInteger(this, f, sf, a, mem, 32, reg == 3, false);
                    case 5 -> {
                        long sig = mem.read64(a);
                        int se = mem.read16(a + 8);
                        push(new Float80(se, sig));
                    }
                    case 7 -> X87Stores.storeFloat(this, f, sf, a, mem, 80, true);
                    default -> undefined(opcode, modrm);
                }
            }
            case 0xDD -> {
                switch (reg) {
                    case 0 -> loadConverted(sf.fromDouble(mem.read64(a)));
                    case 1 -> X87Stores.storeInteger(this, f, sf, a, mem, 64, true, true);
                    case 2, 3 -> X87Stores.storeFloat(this, f, sf, a, mem, 64, reg == 3);
                    default -> undefined(opcode, modrm);
                }
            }
            default -> {
                switch (reg) {
                    case 0 -> push(SoftFloat80.fromInteger((short) mem.read16(a)));
                    case 1 -> X87Stores.storeInteger(this, f, sf, a, mem, 16, true, true);
                    case 2, 3 -> X87Stores.storeInteger(this, f, sf, a, mem, 16, reg == 3, false);
                    case 4 -> push(X87Stores.loadBcd(a, mem));
                    case 5 -> push(SoftFloat80.fromInteger(mem.read64(a)));
                    case 6 -> X87Stores.storeBcd(this, f, sf, a, mem);
                    default -> X87Stores.storeInteger(this, f, sf, a, mem, 64, true, false);
                }
            }
        }
    }

    /** D8/DC/DA/DE with a memory operand: ST0 op m, or compare ST0 with m. */
    private void arithmeticWithMemory(int reg, Float80 operand) {
        if (f.isEmpty(0)) {
            if (reg == 2 || reg == 3) {
                compareUnderflow(reg == 3 ? 1 : 0);
            } else {
                stackUnderflow(0, 0);
            }
            return;
        }
        if (reg == 2 || reg == 3) {
            compareResult(sf.compare(f.st(0), operand, false), reg == 3 ? 1 : 0);
            return;
        }
        finish(0, compute(reg, f.st(0), operand), 0);
    }

    private Float80 compute(int op, Float80 dest, Float80 src) {
        return switch (op) {
            case 0 -> sf.add(dest, src);
            case 1 -> sf.mul(dest, src);
            case 4 -> sf.sub(dest, src);
            case 5 -> sf.sub(src, dest);
            case 6 -> sf.div(dest, src);
            default -> sf.div(src, dest);
        };
    }

    // ---------------------------------------------------------------- register forms

    private void executeRegister(int opcode, int modrm, int reg, int i, FpuMemory mem) {
        f.recordPointers(opcode, modrm, false);
        switch (opcode) {
            case 0xD8 -> registerArithmetic(reg, 0, i, false, false);
            case 0xDC -> registerArithmetic(reg, i, 0, true, false);
            case 0xDE -> {
                if (reg == 3) {
                    if (modrm == 0xD9) {
                        compareRegisters(1, false, 2);
                    } else {
                        undefined(opcode, modrm);
                    }
                } else {
                    registerArithmetic(reg, i, 0, true, true);
                }
            }
            case 0xD9 -> executeD9(modrm, reg, i);
            case 0xDA -> {
                if (reg <= 3) {
                    fcmov(i, conditionTrue(reg, mem.eflags()));
                } else if (modrm == 0xE9) {
                    compareRegisters(1, true, 2);
                } else {
                    undefined(opcode, modrm);
                }
            }
            case 0xDB -> {
                switch (reg) {
                    case 0, 1, 2, 3 -> fcmov(i, !conditionTrue(reg, mem.eflags()));
                    case 5 -> compareToEflags(i, true, false, mem);
                    case 6 -> compareToEflags(i, false, false, mem);
                    default -> undefined(opcode, modrm);
                }
            }
            case 0xDD -> {
                switch (reg) {
                    case 0 -> f.emptyMask |= 1 << f.phys(i);
                    case 1 -> exchange(i);
                    case 2, 3 -> storeRegister(i, reg == 3);
                    case 4, 5 -> compareRegisters(i, true, reg == 5 ? 1 : 0);
                    default -> undefined(opcode, modrm);
                }
            }
            default -> {
                switch (reg) {
                    case 0 -> {
                        f.emptyMask |= 1 << f.phys(i);
                        f.pop();
                    }
                    case 1 -> exchange(i);
                    case 2, 3 -> storeRegister(i, true);
                    case 5 -> compareToEflags(i, true, true, mem);
                    case 6 -> compareToEflags(i, false, true, mem);
                    default -> undefined(opcode, modrm);
                }
            }
        }
    }

    private void executeD9(int modrm, int reg, int i) {
        switch (reg) {
            case 0 -> {
                if (f.isEmpty(i)) {
                    pushUnderflow();
                } else {
                    push(f.st(i));
                }
            }
            case 1 -> exchange(i);
            case 2 -> {
                if (modrm != 0xD0) {
                    undefined(0xD9, modrm);
                }
                // FNOP
            }
            case 3 -> fstp1(i);
            default -> {
                switch (modrm) {
                    case 0xE0, 0xE1 -> {
                        if (f.isEmpty(0)) {
                            stackUnderflow(0, 0);
                        } else {
                            Float80 v = f.st(0);
                            f.setSt(0, modrm == 0xE0 ? v.negate() : v.abs());
                            setC1(false);
                        }
                    }
                    case 0xE4 -> {
                        if (f.isEmpty(0)) {
                            compareUnderflow(0);
                        } else {
                            compareResult(sf.compare(f.st(0), Float80.ZERO, false), 0);
                        }
                    }
                    case 0xE5 -> examine();
                    case 0xE8 -> push(Float80.ONE);
                    case 0xE9, 0xEA, 0xEB, 0xEC, 0xED -> push(X87Constants.constant(modrm, sf.rc));
                    case 0xEE -> push(Float80.ZERO);
                    case 0xF0, 0xF1, 0xF2, 0xF3, 0xFB, 0xFE, 0xFF, 0xF9 -> X87Transcendentals.execute(this, f, sf, modrm);
                    case 0xF4 -> extract();
                    case 0xF5, 0xF8 -> partialRemainder(modrm == 0xF5);
                    case 0xF6 -> {
                        f.top = (f.top - 1) & 7;
                        setC1(false);
                    }
                    case 0xF7 -> {
                        f.top = (f.top + 1) & 7;
                        setC1(false);
                    }
                    case 0xFA -> {
                        if (f.isEmpty(0)) {
                            stackUnderflow(0, 0);
                        } else {
                            finish(0, sf.sqrt(f.st(0)), 0);
                        }
                    }
                    case 0xFC -> unaryRound();
                    case 0xFD -> binaryOnStack((a, b) -> sf.scale(a, b));
                    default -> undefined(0xD9, modrm);
                }
            }
        }
    }

    private static boolean conditionTrue(int cc, long eflags) {
        return switch (cc) {
            case 0 -> (eflags & EFLAGS_CF) != 0;
            case 1 -> (eflags & EFLAGS_ZF) != 0;
            case 2 -> (eflags & (EFLAGS_CF | EFLAGS_ZF)) != 0;
            default -> (eflags & EFLAGS_PF) != 0;
        };
    }

    private void undefined(int opcode, int modrm) {
        throw new FpuException(FpuException.VECTOR_UD,
                String.format("undefined x87 instruction %02x %02x", opcode, modrm));
    }

    // ---------------------------------------------------------------- result delivery

    void setC1(boolean on) {
        f.sw = on ? f.sw | X87.SW_C1 : f.sw & ~X87.SW_C1;
    }

    private void setConditionCodes(boolean c3, boolean c2, boolean c1, boolean c0) {
        f.sw = (f.sw & ~(X87.SW_C0 | X87.SW_C1 | X87.SW_C2 | X87.SW_C3)) | (c0 ? X87.SW_C0 : 0) | (c1 ? X87.SW_C1 : 0)
                | (c2 ? X87.SW_C2 : 0) | (c3 ? X87.SW_C3 : 0);
    }

    /** Whether the flags of the current operation include an unmasked IE, DE or ZE (no result is delivered). */
    boolean blocked() {
        return (sf.flags & ~sf.masks & (IE | DE | ZE)) != 0;
    }

    /** Merges the operation's flags into the status word (ES/B when any is unmasked); false when blocked. */
    boolean report() {
        int flags = sf.flags;
        boolean blocked = blocked();
        if (blocked) {
            flags &= IE | DE | ZE | SF;
        }
        f.sw |= flags & 0x7F;
        if ((flags & ~sf.masks & 0x3F) != 0) {
            f.sw |= X87.SW_ES | X87.SW_B;
        }
        setC1(!blocked && (flags & PE) != 0 && sf.roundedUp);
        return !blocked;
    }

    /** Writes an arithmetic result to ST(dest) unless blocked, then pops {@code pops} times. */
    void finish(int dest, Float80 result, int pops) {
        if (report()) {
            f.setSt(dest, result);
            for (int k = 0; k < pops; k++) {
                f.pop();
            }
        }
    }

    /** Stack underflow of an operation writing ST(dest): masked, the destination gets the indefinite. */
    void stackUnderflow(int dest, int pops) {
        sf.flags |= IE | SF;
        if (report()) {
            f.setSt(dest, Float80.INDEFINITE);
            for (int k = 0; k < pops; k++) {
                f.pop();
            }
        }
        setC1(false);
    }

    /** Pushes a value, or reports stack overflow (IE, SF, C1=1; masked: pushes the indefinite). */
    void push(Float80 v) {
        if (!f.isEmpty(7)) {
            sf.flags = IE | SF;
            if (report()) {
                f.top = (f.top - 1) & 7;
                f.setSt(0, Float80.INDEFINITE);
            }
            setC1(true);
            return;
        }
        if (report()) {
            f.top = (f.top - 1) & 7;
            f.setSt(0, v);
        }
    }

    /**
     * Stack underflow of FXTRACT/FPTAN/FSINCOS (ST0 empty): masked, ST0 and the pushed register both become the
     * indefinite, whatever ST7 held (no overflow is reported).
     */
    void underflowPushing() {
        sf.flags |= IE | SF;
        if (report()) {
            f.setSt(0, Float80.INDEFINITE);
            f.top = (f.top - 1) & 7;
            f.setSt(0, Float80.INDEFINITE);
        }
        setC1(false);
    }

    /** Stack overflow of FXTRACT/FPTAN/FSINCOS: masked, ST0 and the pushed register both become the indefinite. */
    void overflowReplacingTop() {
        sf.flags = IE | SF;
        if (report()) {
            f.setSt(0, Float80.INDEFINITE);
            f.top = (f.top - 1) & 7;
            f.setSt(0, Float80.INDEFINITE);
        }
        setC1(true);
    }

    /**
     * FLD of an m32/m64 value: SNaN sources raise IE and load quietly; a denormal source raises DE but, unlike in
     * arithmetic, is loaded even when DE is unmasked.
     */
    private void loadConverted(Float80 v) {
        if (v.isSignalingNaN()) {
            sf.flags |= IE;
            v = v.quiet();
        }
        if (!f.isEmpty(7) || (sf.flags & ~sf.masks & IE) != 0) {
            push(v);
            return;
        }
        if (sf.memoryDenormal) {
            sf.flags |= DE;
        }
        int flags = sf.flags;
        f.sw |= flags & 0x3F;
        if ((flags & ~sf.masks & 0x3F) != 0) {
            f.sw |= X87.SW_ES | X87.SW_B;
        }
        setC1(false);
        f.top = (f.top - 1) & 7;
        f.setSt(0, v);
    }

    /** FLD ST(i) with ST(i) empty. */
    private void pushUnderflow() {
        if (!f.isEmpty(7)) {
            push(Float80.INDEFINITE);
            return;
        }
        sf.flags |= IE | SF;
        if (report()) {
            f.top = (f.top - 1) & 7;
            f.setSt(0, Float80.INDEFINITE);
        }
        setC1(false);
    }

    private void registerArithmetic(int op, int dest, int src, boolean reversedEncoding, boolean pop) {
        if (op == 2 || op == 3) {
            // FCOM/FCOMP ST(i) (and their DC/DE aliases)
            compareRegisters(reversedEncoding ? dest : src, false, op == 3 || pop ? 1 : 0);
            return;
        }
        if (reversedEncoding && op >= 4) {
            op ^= 1;
        }
        if (f.isEmpty(dest) || f.isEmpty(src)) {
            stackUnderflow(dest, pop ? 1 : 0);
            return;
        }
        finish(dest, compute(op, f.st(dest), f.st(src)), pop ? 1 : 0);
    }

    private void unaryRound() {
        if (f.isEmpty(0)) {
            stackUnderflow(0, 0);
            return;
        }
        finish(0, sf.roundInt(f.st(0)), 0);
    }

    interface BinaryOp {
        Float80 apply(Float80 st0, Float80 st1);
    }

    /** ST0 = op(ST0, ST1) (FSCALE). */
    private void binaryOnStack(BinaryOp op) {
        if (f.isEmpty(0) || f.isEmpty(1)) {
            stackUnderflow(0, 0);
            return;
        }
        finish(0, op.apply(f.st(0), f.st(1)), 0);
    }

    // ---------------------------------------------------------------- compares

    private void compareResult(int outcome, int pops) {
        boolean ok = report();
        switch (outcome) {
            case SoftFloat80.LESS -> setConditionCodes(false, false, false, true);
            case SoftFloat80.EQUAL -> setConditionCodes(true, false, false, false);
            case SoftFloat80.GREATER -> setConditionCodes(false, false, false, false);
            default -> setConditionCodes(true, true, false, true);
        }
        if (!ok) {
            return;
        }
        for (int k = 0; k < pops; k++) {
            f.pop();
        }
    }

    private void compareUnderflow(int pops) {
        sf.flags |= IE | SF;
        compareResult(SoftFloat80.UNORDERED, pops);
    }

    private void compareRegisters(int i, boolean quiet, int pops) {
        if (f.isEmpty(0) || f.isEmpty(i)) {
            compareUnderflow(pops);
            return;
        }
        compareResult(sf.compare(f.st(0), f.st(i), quiet), pops);
    }

    /** FCOMI/FUCOMI(P): ZF, PF, CF from the comparison; OF, SF, AF cleared. */
    private void compareToEflags(int i, boolean quiet, boolean pop, FpuMemory mem) {
        int outcome;
        if (f.isEmpty(0) || f.isEmpty(i)) {
            sf.flags |= IE | SF;
            outcome = SoftFloat80.UNORDERED;
        } else {
            outcome = sf.compare(f.st(0), f.st(i), quiet);
        }
        boolean ok = report();
        long flags = mem.eflags() & ~(EFLAGS_CF | EFLAGS_PF | EFLAGS_ZF | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF);
        flags |= switch (outcome) {
            case SoftFloat80.LESS -> EFLAGS_CF;
            case SoftFloat80.EQUAL -> EFLAGS_ZF;
            case SoftFloat80.GREATER -> 0;
            default -> EFLAGS_CF | EFLAGS_PF | EFLAGS_ZF;
        };
        mem.setEflags(flags);
        if (ok && pop) {
            f.pop();
        }
    }

    private void examine() {
        Float80 v = f.st(0);
        boolean c1 = v.sign();
        if (f.isEmpty(0)) {
            setConditionCodes(true, false, c1, true);
        } else if (v.isUnsupported()) {
            setConditionCodes(false, false, c1, false);
        } else if (v.isNaN()) {
            setConditionCodes(false, false, c1, true);
        } else if (v.isInfinity()) {
            setConditionCodes(false, true, c1, true);
        } else if (v.isZero()) {
            setConditionCodes(true, false, c1, false);
        } else if (v.isDenormal()) {
            setConditionCodes(true, true, c1, false);
        } else {
            setConditionCodes(false, true, c1, false);
        }
    }

    // ---------------------------------------------------------------- data movement

    private void exchange(int i) {
        boolean e0 = f.isEmpty(0);
        boolean ei = f.isEmpty(i);
        if (e0 || ei) {
            sf.flags |= IE | SF;
            if (!report()) {
                setC1(false);
                return;
            }
            if (e0) {
                f.setSt(0, Float80.INDEFINITE);
            }
            if (ei) {
                f.setSt(i, Float80.INDEFINITE);
            }
        }
        Float80 a = f.st(0);
        f.setSt(0, f.st(i));
        f.setSt(i, a);
        setC1(false);
    }

    private void storeRegister(int i, boolean pop) {
        if (f.isEmpty(0)) {
            stackUnderflowStore(i, pop);
            return;
        }
        f.setSt(i, f.st(0));
        setC1(false);
        if (pop) {
            f.pop();
        }
    }

    /**
     * FSTP1 (D9 D8+i), the undocumented FSTP alias: with ST0 empty it only pops (no stack underflow, ST(i)
     * untouched), as the hardware does; otherwise it is FSTP ST(i).
     */
    private void fstp1(int i) {
        if (f.isEmpty(0)) {
            setC1(false);
            f.pop();
            return;
        }
        storeRegister(i, true);
    }

    private void stackUnderflowStore(int i, boolean pop) {
        sf.flags |= IE | SF;
        if (report()) {
            f.setSt(i, Float80.INDEFINITE);
            if (pop) {
                f.pop();
            }
        }
        setC1(false);
    }

    private void fcmov(int i, boolean condition) {
        if (f.isEmpty(0) || f.isEmpty(i)) {
            sf.flags |= IE | SF;
            if (report()) {
                f.setSt(0, Float80.INDEFINITE);
            }
            setC1(false);
            return;
        }
        if (condition) {
            f.setSt(0, f.st(i));
        }
        setC1(false);
    }

    // ---------------------------------------------------------------- FXTRACT, FPREM

    private void extract() {
        if (f.isEmpty(0)) {
            underflowPushing();
            return;
        }
        if (!f.isEmpty(7)) {
            overflowReplacingTop();
            return;
        }
        Float80 v = f.st(0);
        Float80 exponent;
        Float80 significand;
        Float80 special = sf.specialOperand(v);
        if (special != null) {
            exponent = special;
            significand = special;
        } else if (v.isZero()) {
            sf.flags |= ZE;
            exponent = Float80.NEG_INFINITY;
            significand = v;
        } else if (v.isInfinity()) {
            exponent = Float80.INFINITY;
            significand = v;
        } else {
            exponent = SoftFloat80.fromInteger(SoftFloat80.normExp(v) - Float80.BIAS);
            significand = new Float80((v.sign() ? 0x8000 : 0) | Float80.BIAS, SoftFloat80.normSig(v));
        }
        if (report()) {
            f.setSt(0, exponent);
            f.top = (f.top - 1) & 7;
            f.setSt(0, significand);
        }
    }

    private void partialRemainder(boolean ieee) {
        if (f.isEmpty(0) || f.isEmpty(1)) {
            stackUnderflow(0, 0);
            return;
        }
        Float80 r = sf.remainder(f.st(0), f.st(1), ieee);
        int q = sf.quotientBits;
        if (!report()) {
            return;
        }
        f.setSt(0, r);
        if (q < 0) {
            setConditionCodes(false, true, false, false);
        } else {
            setConditionCodes((q & 2) != 0, false, (q & 1) != 0, (q & 4) != 0);
        }
    }
}
