package org.virtfx.engine.cpu.fpu;

/**
 * The x87 state images in guest memory: FNSTENV/FLDENV environments (14 bytes for a 16-bit operand size, 28 bytes
 * for 32-bit; real-mode forms hold 20/32-bit linear pointers split around FOP), FNSAVE/FRSTOR (environment plus the
 * eight registers in stack order, 10 bytes each) and the 512-byte FXSAVE/FXRSTOR image with its abridged tag byte.
 * All reads happen before any state changes, so a faulting restore leaves the FPU untouched.
 */
final class FpuImages {
    private FpuImages() {
    }

    static int environmentSize(boolean operandSize32) {
        return operandSize32 ? 28 : 14;
    }

    static void storeEnvironment(X87 f, long a, FpuMemory mem, boolean op32, boolean protectedMode) {
        int fsw = f.statusWord();
        int ftw = f.tagWord();
        long ip = f.instructionPointerForImage(protectedMode);
        long dp = f.dataPointerForImage(protectedMode);
        if (op32) {
            // the upper halves of the word fields are written as ones, as the hardware does
            mem.write32(a, 0xFFFF0000 | f.cw);
            mem.write32(a + 4, 0xFFFF0000 | fsw);
            mem.write32(a + 8, 0xFFFF0000 | ftw);
            if (protectedMode) {
                mem.write32(a + 12, (int) ip);
                mem.write32(a + 16, f.fcs | (f.fop << 16));
                mem.write32(a + 20, (int) dp);
                mem.write32(a + 24, 0xFFFF0000 | f.fds);
            } else {
                mem.write32(a + 12, 0xFFFF0000 | (int) (ip & 0xFFFF));
                mem.write32(a + 16, (int) ((ip >>> 16) & 0xFFFF) << 12 | f.fop);
                mem.write32(a + 20, 0xFFFF0000 | (int) (dp & 0xFFFF));
                mem.write32(a + 24, (int) ((dp >>> 16) & 0xFFFF) << 12);
            }
        } else {
            mem.write16(a, f.cw);
            mem.write16(a + 2, fsw);
            mem.write16(a + 4, ftw);
            if (protectedMode) {
                mem.write16(a + 6, (int) ip);
                mem.write16(a + 8, f.fcs);
                mem.write16(a + 10, (int) dp);
                mem.write16(a + 12, f.fds);
            } else {
                mem.write16(a + 6, (int) ip);
                mem.write16(a + 8, (int) ((ip >>> 16) & 0xF) << 12 | f.fop);
                mem.write16(a + 10, (int) dp);
                mem.write16(a + 12, (int) ((dp >>> 16) & 0xF) << 12);
            }
        }
    }

    /** The fields of an environment image, read before any of them is applied. */
    private record Environment(int cw, int sw, int tw, long ip, int cs, long dp, int ds, int fop) {
    }

    private static Environment readEnvironment(long a, FpuMemory mem, boolean op32, boolean protectedMode) {
        if (op32) {
            int cw = mem.read16(a);
            int sw = mem.read16(a + 4);
            int tw = mem.read16(a + 8);
            if (protectedMode) {
                long ip = mem.read32(a + 12) & 0xFFFFFFFFL;
                int csop = mem.read32(a + 16);
                long dp = mem.read32(a + 20) & 0xFFFFFFFFL;
                int ds = mem.read16(a + 24);
                return new Environment(cw, sw, tw, ip, csop & 0xFFFF, dp, ds, (csop >>> 16) & 0x7FF);
            }
            long ipLow = mem.read16(a + 12);
            int ipHigh = mem.read32(a + 16);
            long dpLow = mem.read16(a + 20);
            int dpHigh = mem.read32(a + 24);
            long ip = ipLow | (((long) (ipHigh >>> 12) & 0xFFFF) << 16);
            long dp = dpLow | (((long) (dpHigh >>> 12) & 0xFFFF) << 16);
            return new Environment(cw, sw, tw, ip, 0, dp, 0, ipHigh & 0x7FF);
        }
        int cw = mem.read16(a);
        int sw = mem.read16(a + 2);
        int tw = mem.read16(a + 4);
        if (protectedMode) {
            return new Environment(cw, sw, tw, mem.read16(a + 6), mem.read16(a + 8), mem.read16(a + 10),
                    mem.read16(a + 12), 0);
        }
        int ipLow = mem.read16(a + 6);
        int ipHigh = mem.read16(a + 8);
        int dpLow = mem.read16(a + 10);
        int dpHigh = mem.read16(a + 12);
        long ip = ipLow | ((long) (ipHigh >>> 12) << 16);
        long dp = dpLow | ((long) (dpHigh >>> 12) << 16);
        return new Environment(cw, sw, tw, ip, 0, dp, 0, ipHigh & 0x7FF);
    }

    private static void applyEnvironment(X87 f, Environment e) {
        f.cw = (e.cw & 0x1F3F) | 0x40;
        f.setStatusWord(e.sw);
        f.setTagWord(e.tw);
        f.fip = e.ip;
        f.fcs = e.cs;
        f.fdp = e.dp;
        f.fds = e.ds;
        f.fop = e.fop;
        f.updateErrorSummary();
    }

    static void loadEnvironment(X87 f, long a, FpuMemory mem, boolean op32, boolean protectedMode) {
        applyEnvironment(f, readEnvironment(a, mem, op32, protectedMode));
    }

    static void save(X87 f, long a, FpuMemory mem, boolean op32, boolean protectedMode) {
        storeEnvironment(f, a, mem, op32, protectedMode);
        long regs = a + environmentSize(op32);
        for (int i = 0; i < 8; i++) {
            int r = f.phys(i);
            mem.write64(regs + 10L * i, f.sig[r]);
            mem.write16(regs + 10L * i + 8, f.se[r]);
        }
    }

    static void restore(X87 f, long a, FpuMemory mem, boolean op32, boolean protectedMode) {
        Environment e = readEnvironment(a, mem, op32, protectedMode);
        long regs = a + environmentSize(op32);
        long[] sig = new long[8];
        int[] se = new int[8];
        for (int i = 0; i < 8; i++) {
            sig[i] = mem.read64(regs + 10L * i);
            se[i] = mem.read16(regs + 10L * i + 8) & 0xFFFF;
        }
        applyEnvironment(f, e);
        for (int i = 0; i < 8; i++) {
            int r = f.phys(i);
            f.sig[r] = sig[i];
            f.se[r] = se[i];
        }
    }

    private static int abridgedTags(X87 f) {
        return ~f.emptyMask & 0xFF;
    }

    static void fxsave(X87 f, long a, FpuMemory mem, boolean is64, SseState sse) {
        mem.write16(a, f.cw);
        mem.write16(a + 2, f.statusWord());
        mem.write8(a + 4, abridgedTags(f));
        mem.write8(a + 5, 0);
        mem.write16(a + 6, f.fop);
        if (is64) {
            mem.write64(a + 8, f.fip);
            mem.write64(a + 16, f.fdp);
        } else {
            mem.write32(a + 8, (int) f.fip);
            mem.write32(a + 12, f.fcs);
            mem.write32(a + 16, (int) f.fdp);
            mem.write32(a + 20, f.fds);
        }
        mem.write32(a + 24, sse.mxcsr);
        mem.write32(a + 28, SseState.MXCSR_MASK);
        for (int i = 0; i < 8; i++) {
            int r = f.phys(i);
            long slot = a + 32 + 16L * i;
            mem.write64(slot, f.sig[r]);
            mem.write16(slot + 8, f.se[r]);
            mem.write16(slot + 10, 0);
            mem.write32(slot + 12, 0);
        }
        int xmmCount = is64 || mem.longMode64() ? 16 : 8;
        for (int i = 0; i < xmmCount; i++) {
            mem.write64(a + 160 + 16L * i, sse.xmm[2 * i]);
            mem.write64(a + 168 + 16L * i, sse.xmm[2 * i + 1]);
        }
    }

    static void fxrstor(X87 f, long a, FpuMemory mem, boolean is64, SseState sse) {
        int mxcsr = mem.read32(a + 24);
        if ((mxcsr & ~SseState.MXCSR_MASK) != 0) {
            throw new FpuException(FpuException.VECTOR_GP, "FXRSTOR: reserved MXCSR bits set: " + Integer.toHexString(mxcsr));
        }
        int cw = mem.read16(a);
        int sw = mem.read16(a + 2);
        int tags = mem.read8(a + 4);
        int fop = mem.read16(a + 6);
        long ip;
        long dp;
        int cs = 0;
        int ds = 0;
        if (is64) {
            ip = mem.read64(a + 8);
            dp = mem.read64(a + 16);
        } else {
            ip = mem.read32(a + 8) & 0xFFFFFFFFL;
            cs = mem.read16(a + 12);
            dp = mem.read32(a + 16) & 0xFFFFFFFFL;
            ds = mem.read16(a + 20);
        }
        long[] sig = new long[8];
        int[] se = new int[8];
        for (int i = 0; i < 8; i++) {
            sig[i] = mem.read64(a + 32 + 16L * i);
            se[i] = mem.read16(a + 40 + 16L * i) & 0xFFFF;
        }
        int xmmCount = is64 || mem.longMode64() ? 16 : 8;
        long[] xmm = new long[2 * xmmCount];
        for (int i = 0; i < xmmCount; i++) {
            xmm[2 * i] = mem.read64(a + 160 + 16L * i);
            xmm[2 * i + 1] = mem.read64(a + 168 + 16L * i);
        }
        f.cw = (cw & 0x1F3F) | 0x40;
        f.setStatusWord(sw);
        f.emptyMask = ~tags & 0xFF;
        f.fop = fop & 0x7FF;
        f.fip = ip;
        f.fdp = dp;
        f.fcs = cs & 0xFFFF;
        f.fds = ds & 0xFFFF;
        for (int i = 0; i < 8; i++) {
            int r = f.phys(i);
            f.sig[r] = sig[i];
            f.se[r] = se[i];
        }
        f.updateErrorSummary();
        sse.mxcsr = mxcsr;
        System.arraycopy(xmm, 0, sse.xmm, 0, xmm.length);
    }
}
