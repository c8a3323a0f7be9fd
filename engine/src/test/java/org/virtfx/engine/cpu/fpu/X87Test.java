package org.virtfx.engine.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/** Behaviour of {@link X87} around the CPU contract: exceptions, images, MMX aliasing, snapshots. */
class X87Test {
    private static final int SCRATCH = 0x100;
    private static final int IMAGE = 0x1000;

    private final X87 x = new X87();
    private final ByteArrayFpuMemory mem = new ByteArrayFpuMemory(0x4000);

    private void exec(int escape, int modrm) {
        x.execute(escape, modrm, SCRATCH, mem);
    }

    private void fld(Float80 v) {
        mem.writeFloat80(SCRATCH, v);
        exec(0xDB, 0x28);
    }

    private void fldcw(int cw) {
        mem.write16(SCRATCH, cw);
        exec(0xD9, 0x28);
    }

    private static Float80 value(double d) {
        return SoftFloat80.fromHostDouble(d);
    }

    @Test
    void unmaskedExceptionIsReportedByTheNextWaitingInstruction() {
        fldcw(0x037F & ~0x04); // unmask ZE
        exec(0xD9, 0xE8); // FLD1
        exec(0xD9, 0xEE); // FLDZ
        exec(0xDE, 0xF9); // FDIVP ST1, ST0: 1 / 0
        assertTrue(x.pendingUnmaskedException());
        assertEquals(0x8000 | 0x80 | 0x04, x.statusWord() & 0x80FF, "B, ES and ZE");
        assertEquals(value(0), x.st(0), "destination and stack untouched");
        assertEquals(Float80.ONE, x.st(1));
        int before = x.statusWord();
        FpuException e = assertThrows(FpuException.class, () -> exec(0xD9, 0xE8));
        assertEquals(FpuException.VECTOR_MF, e.vector());
        assertEquals(before, x.statusWord(), "the faulting instruction changed nothing");
        // non-waiting instructions still run: FNSTSW m16, FNSTCW
        exec(0xDD, 0x38);
        assertEquals(before, mem.read16(SCRATCH));
        exec(0xDB, 0xE2); // FNCLEX
        assertFalse(x.pendingUnmaskedException());
        exec(0xD9, 0xE8);
        assertEquals(Float80.ONE, x.st(0));
    }

    @Test
    void withoutNumericErrorReportingTheCpuPollsErrorSummary() {
        mem.numericErrorNative = false;
        fldcw(0x037F & ~0x01); // unmask IE
        exec(0xD9, 0xE8);
        exec(0xD9, 0xEE);
        exec(0xD9, 0xEE);
        exec(0xDE, 0xF9); // 0 / 0: invalid
        assertTrue(x.errorSummary());
        exec(0xD9, 0xE8); // no #MF: the CPU raises IRQ13 from errorSummary() instead
        assertEquals(Float80.ONE, x.st(0));
    }

    @Test
    void fldcwUnmaskingAPendingFlagSetsErrorSummary() {
        exec(0xD9, 0xEE);
        exec(0xD9, 0xEE);
        exec(0xDE, 0xF9); // masked 0/0: IE, indefinite
        assertEquals(Float80.INDEFINITE, x.st(0));
        assertFalse(x.errorSummary());
        fldcw(0x037E);
        assertTrue(x.errorSummary());
        assertThrows(FpuException.class, () -> fldcw(0x037F), "FLDCW is a waiting instruction");
        mem.numericErrorNative = false;
        fldcw(0x037F);
        assertFalse(x.errorSummary(), "masking the flag again clears ES");
    }

    @Test
    void undefinedEncodingsRaiseInvalidOpcode() {
        assertEquals(FpuException.VECTOR_UD, assertThrows(FpuException.class, () -> exec(0xD9, 0xD1)).vector());
        assertEquals(FpuException.VECTOR_UD, assertThrows(FpuException.class, () -> exec(0xD9, 0x08)).vector());
        assertEquals(FpuException.VECTOR_UD, assertThrows(FpuException.class, () -> exec(0xDB, 0xE7)).vector());
    }

    @Test
    void fnstswAxIsTheStatusWordWithTop() {
        exec(0xD9, 0xE8);
        exec(0xD9, 0xE8);
        assertEquals(6 << 11, x.statusWord());
        exec(0xDF, 0xE0); // accepted, changes nothing
        assertEquals(6 << 11, x.statusWord());
    }

    @Test
    void fcomiSetsEflagsAndFcmovReadsThem() {
        mem.eflags = 0x2 | 0x800 | 0x80 | 0x10;
        fld(value(2));
        fld(value(1));
        exec(0xDB, 0xF1); // FCOMI ST0, ST1: 1 < 2
        assertEquals(0x2 | 0x01, mem.eflags, "CF only; OF, SF, AF cleared");
        exec(0xDA, 0xC1); // FCMOVB ST0, ST1 (CF=1): ST0 = 2
        assertEquals(value(2), x.st(0));
    }

    private void loadRandomState(Random r) {
        exec(0xDB, 0xE3);
        int depth = 1 + r.nextInt(8);
        for (int i = 0; i < depth; i++) {
            fld(X87HostOracleTest.randomValue(r));
        }
        exec(0xD9, 0xF6 + r.nextInt(2)); // FDECSTP or FINCSTP: TOP away from the pushed values
        fldcw(0x037F & ~(r.nextInt(64) & 0x02) | (r.nextInt(16) << 8) & 0x0F00);
        x.setInstructionPointers(0x1234, 0x5678, 0x9ABC, 0x2468);
        fld(value(r.nextDouble()));
    }

    private record Snapshot(int cw, int sw, int tw, long[] sig, int[] se) {
    }

    private Snapshot snapshot(X87 f) {
        long[] sig = new long[8];
        int[] se = new int[8];
        for (int i = 0; i < 8; i++) {
            sig[i] = f.sig[i];
            se[i] = f.se[i];
        }
        return new Snapshot(f.controlWord(), f.statusWord(), f.tagWord(), sig, se);
    }

    private static void assertSameState(Snapshot a, Snapshot b) {
        assertEquals(a.cw(), b.cw(), "control word");
        assertEquals(a.sw(), b.sw(), "status word");
        assertEquals(a.tw(), b.tw(), "tag word");
        assertArrayEquals(a.sig(), b.sig(), "significands");
        assertArrayEquals(a.se(), b.se(), "sign/exponents");
    }

    @Test
    void fsaveFrstorRoundTripInAllFourLayouts() {
        Random r = new Random(7);
        for (int layout = 0; layout < 4; layout++) {
            boolean op32 = (layout & 1) != 0;
            boolean pm = (layout & 2) != 0;
            loadRandomState(r);
            Snapshot before = snapshot(x);
            long fip = x.instructionPointerForImage(pm);
            java.util.Arrays.fill(mem.bytes, IMAGE, IMAGE + 128, (byte) 0x5A);
            x.fsave(IMAGE, mem, op32, pm);
            int size = op32 ? 108 : 94;
            assertEquals(0x5A, mem.read8(IMAGE + size), "nothing written past the " + size + "-byte image");
            assertEquals(0x037F, x.controlWord(), "FNSAVE reinitializes");
            assertEquals(0xFFFF, x.tagWord());
            X87 other = new X87();
            other.frstor(IMAGE, mem, op32, pm);
            assertSameState(before, snapshot(other));
            assertEquals(fip, other.instructionPointerForImage(pm), "FIP in layout " + layout);
            x.frstor(IMAGE, mem, op32, pm);
        }
    }

    @Test
    void environmentLayoutsFollowTheSdm() {
        exec(0xD9, 0xE8);
        x.setInstructionPointers(0xF000, 0x1234, 0x0040, 0x0010);
        exec(0xD9, 0xE8); // FLD1: records FIP/FCS/FOP (D9 E8 -> FOP 1E8)
        mem.write32(SCRATCH, 0);
        x.setInstructionPointers(0xF000, 0x1238, 0x0040, 0x0010);
        exec(0xD8, 0x05); // FADD m32fp [0x100] (+0.0): records FDP/FDS too
        int fsw = x.statusWord();
        // 16-bit real mode: 20-bit linear pointers, FOP beside FIP[19:16]
        x.fstenv(IMAGE, mem, false, false);
        assertEquals(fsw, mem.read16(IMAGE + 2));
        assertEquals((0xF0000 + 0x1238) & 0xFFFF, mem.read16(IMAGE + 6));
        assertEquals(0xF000 | 0x005, mem.read16(IMAGE + 8), "FIP[19:16] in bits 15..12, FOP in bits 10..0");
        assertEquals(0x0410, mem.read16(IMAGE + 10));
        assertEquals(0x0000, mem.read16(IMAGE + 12));
        assertEquals(0x037F, x.controlWord(), "FNSTENV masks all exceptions");
        // 32-bit protected mode: offsets and selectors
        x.fstenv(IMAGE, mem, true, true);
        assertEquals(0x1238, mem.read32(IMAGE + 12));
        assertEquals(0xF000 | (0x005 << 16), mem.read32(IMAGE + 16));
        assertEquals(0x0010, mem.read32(IMAGE + 20));
        assertEquals(0x0040, mem.read16(IMAGE + 24));
        // 16-bit protected mode
        x.fstenv(IMAGE, mem, false, true);
        assertEquals(0x1238, mem.read16(IMAGE + 6));
        assertEquals(0xF000, mem.read16(IMAGE + 8));
        assertEquals(0x0010, mem.read16(IMAGE + 10));
        assertEquals(0x0040, mem.read16(IMAGE + 12));
        // 32-bit real mode: FIP[31:16] in bits 27..12 beside FOP
        x.fstenv(IMAGE, mem, true, false);
        assertEquals(0xF1238 & 0xFFFF, mem.read16(IMAGE + 12));
        assertEquals(0xF << 12 | 0x005, mem.read32(IMAGE + 16));
        X87 other = new X87();
        other.fldenv(IMAGE, mem, true, false);
        assertEquals(0xF1238, other.instructionPointerForImage(true));
    }

    @Test
    void fxsaveFxrstorRoundTripBothForms() {
        Random r = new Random(11);
        for (boolean is64 : new boolean[] {false, true}) {
            loadRandomState(r);
            Snapshot before = snapshot(x);
            SseState sse = new SseState();
            sse.mxcsr = 0x1F80 | 0x6000 | 0x3;
            for (int i = 0; i < 32; i++) {
                sse.xmm[i] = r.nextLong();
            }
            java.util.Arrays.fill(mem.bytes, IMAGE, IMAGE + 512, (byte) 0x5A);
            x.fxsave(IMAGE, mem, is64, sse);
            assertEquals(SseState.MXCSR_MASK, mem.read32(IMAGE + 28));
            assertEquals(~x.emptyMask & 0xFF, mem.read8(IMAGE + 4), "abridged tag: one bit per non-empty register");
            assertEquals(is64 ? sse.xmm[16] : 0x5A5A5A5A5A5A5A5AL, mem.read64(IMAGE + 160 + 16 * 8),
                    "XMM8 only in the 64-bit form");
            assertEquals(0x5A, mem.read8(IMAGE + 416), "bytes 416..511 untouched");
            X87 other = new X87();
            SseState restored = new SseState();
            other.fxrstor(IMAGE, mem, is64, restored);
            assertSameState(before, snapshot(other));
            assertEquals(sse.mxcsr, restored.mxcsr);
            for (int i = 0; i < (is64 ? 32 : 16); i++) {
                assertEquals(sse.xmm[i], restored.xmm[i]);
            }
            if (is64) {
                assertEquals(x.fip, other.fip);
                assertEquals(x.fdp, other.fdp);
            }
        }
    }

    @Test
    void threeArgumentFxsaveUsesTheAttachedSseState() {
        SseState cpuSse = new SseState();
        cpuSse.mxcsr = 0x1F80 | 0x20;
        cpuSse.xmm[3] = 0x1122334455667788L;
        x.setSseState(cpuSse);
        fld(value(2.5));
        x.fxsave(IMAGE, mem, false);
        assertEquals(0x1F80 | 0x20, mem.read32(IMAGE + 24));
        assertEquals(0x1122334455667788L, mem.read64(IMAGE + 168 + 16));
        X87 other = new X87();
        SseState otherSse = new SseState();
        other.setSseState(otherSse);
        other.fxrstor(IMAGE, mem, false);
        assertEquals(value(2.5), other.st(0));
        assertEquals(cpuSse.mxcsr, otherSse.mxcsr);
        assertEquals(cpuSse.xmm[3], otherSse.xmm[3]);
    }

    @Test
    void fxrstorRejectsReservedMxcsrBitsWithoutChangingState() {
        fld(Float80.ONE);
        SseState sse = new SseState();
        x.fxsave(IMAGE, mem, false, sse);
        mem.write32(IMAGE + 24, 0x10000);
        mem.write16(IMAGE, 0x0000);
        Snapshot before = snapshot(x);
        FpuException e = assertThrows(FpuException.class, () -> x.fxrstor(IMAGE, mem, false, sse));
        assertEquals(FpuException.VECTOR_GP, e.vector());
        assertSameState(before, snapshot(x));
        assertEquals(SseState.MXCSR_RESET, sse.mxcsr);
    }

    @Test
    void mmxRegistersAliasTheSignificands() {
        fld(value(1.5));
        fld(value(-3));
        int r0 = x.phys(0);
        assertEquals(x.sig[r0], x.mmx(r0));
        assertEquals(0, x.emptyMask, "MMX use: every tag valid (FSTENV then derives zero/special tags)");
        assertEquals(0, (x.statusWord() >> 11) & 7, "and TOP = 0");
        x.setMmx(5, 0x0123456789ABCDEFL);
        assertEquals(0xFFFF, x.se[5], "MMX writes set sign and exponent to ones");
        assertEquals(0x0123456789ABCDEFL, x.st(5).sig());
        assertEquals(0x0123456789ABCDEFL, x.mmx(5));
        x.emms();
        assertEquals(0xFFFF, x.tagWord());
    }

    @Test
    void snapshotRoundTripAndRejection() throws IOException {
        Random r = new Random(3);
        loadRandomState(r);
        exec(0xD9, 0xEE);
        exec(0xD9, 0xEE);
        exec(0xDE, 0xF9); // IE flag in the status word
        StateWriter w = new StateWriter(x.stateId(), 1);
        x.saveState(w);
        X87 other = new X87();
        other.loadState(new StateReader(w.toByteArray(), other.stateId(), 1));
        assertSameState(snapshot(x), snapshot(other));
        assertEquals(x.fip, other.fip);
        assertEquals(x.fop, other.fop);

        StateWriter bad = new StateWriter(x.stateId(), 1);
        bad.writeLongs(new long[7]);
        bad.writeInts(new int[8]);
        assertThrows(SnapshotFormatException.class,
                () -> new X87().loadState(new StateReader(bad.toByteArray(), "x87", 1)));
        StateWriter badTop = new StateWriter(x.stateId(), 1);
        badTop.writeLongs(new long[8]).writeInts(new int[8]).writeInt(0xFF).writeInt(9).writeInt(0x37F).writeInt(0)
                .writeLong(0).writeInt(0).writeLong(0).writeInt(0).writeInt(0);
        assertThrows(SnapshotFormatException.class,
                () -> new X87().loadState(new StateReader(badTop.toByteArray(), "x87", 1)));
    }

    @Test
    void resetGivesTheFninitState() {
        fld(value(5));
        fldcw(0x0C00);
        x.reset();
        assertEquals(0x037F, x.controlWord());
        assertEquals(0, x.statusWord());
        assertEquals(0xFFFF, x.tagWord());
    }

    @Test
    void transcendentalsAreCloseAndKeepTheStackRules() {
        fld(value(Math.PI / 6));
        exec(0xD9, 0xFE); // FSIN
        assertEquals(0.5, SoftFloat80.toHostDouble(x.st(0)), 1e-15);
        fld(value(0x1p64));
        exec(0xD9, 0xFF); // FCOS out of range: C2, operand unchanged
        assertEquals(X87.SW_C2, x.statusWord() & X87.SW_C2);
        assertEquals(value(0x1p64), x.st(0));
        exec(0xDD, 0xD8); // FSTP ST0
        fld(value(1));
        fld(value(1));
        exec(0xD9, 0xF3); // FPATAN: atan2(1, 1)
        assertEquals(Math.PI / 4, SoftFloat80.toHostDouble(x.st(0)), 1e-15);
        fld(value(0.25));
        exec(0xD9, 0xF2); // FPTAN pushes 1
        assertEquals(Float80.ONE, x.st(0));
        assertEquals(Math.tan(0.25), SoftFloat80.toHostDouble(x.st(1)), 1e-15);
        fld(value(0.3));
        exec(0xD9, 0xFB); // FSINCOS: ST0 = cos, ST1 = sin
        assertEquals(Math.cos(0.3), SoftFloat80.toHostDouble(x.st(0)), 1e-15);
        assertEquals(Math.sin(0.3), SoftFloat80.toHostDouble(x.st(1)), 1e-15);
        exec(0xDB, 0xE3);
        fld(value(3));
        fld(value(8));
        exec(0xD9, 0xF1); // FYL2X: 3 * log2(8)
        assertEquals(value(9), x.st(0));
        fld(value(0.5));
        exec(0xD9, 0xF0); // F2XM1
        assertEquals(Math.sqrt(2) - 1, SoftFloat80.toHostDouble(x.st(0)), 1e-15);
        exec(0xDB, 0xE3);
        fld(value(2));
        fld(value(-1));
        exec(0xD9, 0xF1); // FYL2X of a negative number: invalid
        assertEquals(Float80.INDEFINITE, x.st(0));
        assertEquals(1, x.statusWord() & 1);
    }
}
