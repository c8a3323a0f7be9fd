package org.virtfx.engine.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes a {@link SoftwareCpu}'s register state before every instruction in the text format QEMU prints with
 * {@code -d cpu} (one record per instruction with {@code -singlestep}/{@code one-insn-per-tb}), so that
 * {@link org.virtfx.engine.debug.TraceDiff} ({@code virtfx trace-diff}) can find the first instruction where VirtFX
 * and QEMU disagree. Like QEMU, 64-bit register names are used while executing 64-bit code and segment bases are
 * printed with 16 digits while IA-32e mode is active. Stops after {@code limit} records.
 */
final class QemuStyleTrace {
    private final Writer out;
    private long remaining;
    private final StringBuilder sb = new StringBuilder(1024);
    private static final String[] SEGS = {"ES =", "CS =", "SS =", "DS =", "FS =", "GS =", "LDT=", "TR ="};
    private static final String[] R64 = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15"};

    QemuStyleTrace(Writer out, long limit) {
        this.out = out;
        this.remaining = limit;
    }

    /**
     * Formats the state before the next instruction ({@link #emit} writes it); returns false once the limit is
     * reached (the trace is closed then and nothing is captured).
     */
    boolean capture(SoftwareCpu c) {
        sb.setLength(0);
        if (remaining-- <= 0) {
            close();
            return false;
        }
        long[] r = c.r;
        int f = Alu.flags(c);
        boolean lma = (c.efer & SoftwareCpu.EFER_LMA) != 0;
        if (c.code64) {
            int[] order = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15};
            for (int k = 0; k < 16; k++) {
                int i = order[k];
                sb.append(R64[i]).append('=').append(hex(r[i], 16)).append(k % 4 == 3 ? '\n' : ' ');
            }
            sb.append("RIP=").append(hex(c.rip, 16));
        } else {
            sb.append("EAX=").append(hex(r[0], 8)).append(" EBX=").append(hex(r[3], 8)).append(" ECX=")
                    .append(hex(r[1], 8)).append(" EDX=").append(hex(r[2], 8)).append('\n');
            sb.append("ESI=").append(hex(r[6], 8)).append(" EDI=").append(hex(r[7], 8)).append(" EBP=")
                    .append(hex(r[5], 8)).append(" ESP=").append(hex(r[4], 8)).append('\n');
            sb.append("EIP=").append(hex(c.rip, 8));
        }
        sb.append(c.code64 ? " RFL=" : " EFL=").append(hex(f & 0xFFFFFFFFL, 8)).append(" [")
                .append((f & SoftwareCpu.DF) != 0 ? 'D' : '-').append((f & SoftwareCpu.OF) != 0 ? 'O' : '-')
                .append((f & SoftwareCpu.SF) != 0 ? 'S' : '-').append((f & SoftwareCpu.ZF) != 0 ? 'Z' : '-')
                .append((f & SoftwareCpu.AF) != 0 ? 'A' : '-').append((f & SoftwareCpu.PF) != 0 ? 'P' : '-')
                .append((f & SoftwareCpu.CF) != 0 ? 'C' : '-').append("] CPL=").append(c.cpl).append(" II=")
                .append(c.interruptShadow ? 1 : 0).append(" A20=1 SMM=0 HLT=").append(c.halted ? 1 : 0).append('\n');
        for (int s = 0; s < 8; s++) {
            long base = c.segBase[s];
            int attr = c.segAttr[s];
            // QEMU keeps the descriptor's second doubleword as the segment flags (base bits included)
            long flags = (attr & ATTR_MASK) == 0 && (attr & SoftwareCpu.ATTR_UNUSABLE) != 0 ? 0
                    : ((attr & 0xFFL) << 8) | (((attr >>> 12) & 0xFL) << 20) | (base & 0xFF000000L)
                    | ((base >>> 16) & 0xFF) | (rawLimit(c.segLimit[s], attr) & 0xF0000L);
            sb.append(SEGS[s]).append(hex(c.sel[s], 4)).append(' ').append(hex(base, lma ? 16 : 8)).append(' ')
                    .append(hex(c.segLimit[s] & 0xFFFFFFFFL, 8)).append(' ').append(hex(flags, 8)).append('\n');
        }
        sb.append("GDT=     ").append(hex(c.gdtBase, lma ? 16 : 8)).append(' ').append(hex(c.gdtLimit, 8)).append('\n');
        sb.append("IDT=     ").append(hex(c.idtBase, lma ? 16 : 8)).append(' ').append(hex(c.idtLimit, 8)).append('\n');
        sb.append("CR0=").append(hex(c.cr0, 8)).append(" CR2=").append(hex(c.cr2, lma ? 16 : 8)).append(" CR3=")
                .append(hex(c.cr3, lma ? 16 : 8)).append(" CR4=").append(hex(c.cr4, 8)).append('\n');
        sb.append("EFER=").append(hex(c.efer, 16)).append('\n');
        return true;
    }

    /** Writes the record {@link #capture} formatted (nothing after the limit). */
    void emit() {
        if (sb.isEmpty()) {
            return;
        }
        try {
            out.append(sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sb.setLength(0);
    }

    private static final int ATTR_MASK = 0xF0FF;

    /** The descriptor's 20-bit limit field (the cached limit is in bytes; G=1 means 4 KiB units). */
    private static long rawLimit(int limit, int attr) {
        long l = limit & 0xFFFFFFFFL;
        return (attr & 0x8000) != 0 ? l >>> 12 : l;
    }

    void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hex(long v, int digits) {
        String h = Long.toHexString(v);
        if (digits < 16) {
            h = Long.toHexString(v & ((1L << (4 * digits)) - 1));
        }
        return h.length() >= digits ? h : "0".repeat(digits - h.length()) + h;
    }
}
