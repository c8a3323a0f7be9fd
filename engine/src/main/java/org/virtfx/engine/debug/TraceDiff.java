package org.virtfx.engine.debug;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Finds the first instruction where two CPU traces disagree — how boot failures get found: run the same guest in
 * VirtFX and in {@code qemu-system-* -accel tcg -d cpu -singlestep}, then compare.
 *
 * <p>Both traces are first brought to the same starting instruction (the second is advanced to the first's linear
 * PC when they start apart, e.g. when one side logs firmware the other skips), then compared record by record on
 * every register both sides report, minus the ignored ones. EFLAGS is compared under a mask, since undefined flags
 * legitimately differ between CPU models.
 */
public final class TraceDiff {
    /** What was found. {@code expected}/{@code actual} are null when the traces agree to the end of the shorter. */
    public record Result(long compared, CpuTraceRecord previous, CpuTraceRecord expected, CpuTraceRecord actual,
                         List<String> differences) {
        public boolean agrees() {
            return expected == null;
        }

        public String describe(String nameA, String nameB) {
            if (agrees()) {
                return "the traces agree over " + compared + " instructions";
            }
            StringBuilder sb = new StringBuilder();
            sb.append("first difference after ").append(compared).append(" matching instructions\n");
            if (previous != null) {
                sb.append(String.format("  the instruction at linear 0x%x (%s line %d) produced:%n", previous.linearPc(),
                        nameA, previous.line()));
            }
            sb.append(String.format("  %s line %d vs %s line %d, next linear pc 0x%x vs 0x%x%n", nameA, expected.line(),
                    nameB, actual.line(), expected.linearPc(), actual.linearPc()));
            for (String d : differences) {
                sb.append("    ").append(d).append('\n');
            }
            return sb.toString();
        }
    }

    private final Set<String> ignored;
    private final long eflagsMask;

    /**
     * @param ignored    register names never compared (e.g. "DR6", "EFER", "CR2")
     * @param eflagsMask bits of EFL/RFL compared
     */
    public TraceDiff(Set<String> ignored, long eflagsMask) {
        this.ignored = Set.copyOf(ignored);
        this.eflagsMask = eflagsMask;
    }

    /** Registers QEMU reports that are not architectural state or not comparable across engines. */
    public static final Set<String> DEFAULT_IGNORED = Set.of("II", "SMM", "HLT", "A20", "DR0", "DR1", "DR2", "DR3",
            "DR6", "DR7", "CCS", "CCD", "CCO", "EFER");

    public Result compare(Iterator<CpuTraceRecord> a, Iterator<CpuTraceRecord> b) {
        a = firstOfEachPcRun(a);
        b = firstOfEachPcRun(b);
        if (!a.hasNext() || !b.hasNext()) {
            return new Result(0, null, null, null, List.of());
        }
        CpuTraceRecord ra = a.next();
        CpuTraceRecord rb = b.next();
        while (rb.linearPc() != ra.linearPc() && b.hasNext()) {
            rb = b.next();
        }
        long compared = 0;
        CpuTraceRecord prev = null;
        while (true) {
            List<String> diffs = differences(ra, rb);
            if (!diffs.isEmpty()) {
                return new Result(compared, prev, ra, rb, diffs);
            }
            compared++;
            if (!a.hasNext() || !b.hasNext()) {
                return new Result(compared, prev, null, null, List.of());
            }
            prev = ra;
            ra = a.next();
            rb = b.next();
        }
    }

    /**
     * Keeps only the first of consecutive records at the same instruction address. QEMU logs a REP string
     * instruction once per iteration and logs an instruction again when its translation block was left early and
     * re-entered; VirtFX logs a REP instruction once. The first record (the state entering the instruction) is the
     * same on both sides, and the record after the run shows the instruction's result.
     */
    static Iterator<CpuTraceRecord> firstOfEachPcRun(Iterator<CpuTraceRecord> in) {
        return new Iterator<>() {
            private CpuTraceRecord last;
            private CpuTraceRecord next;

            @Override
            public boolean hasNext() {
                while (next == null && in.hasNext()) {
                    CpuTraceRecord r = in.next();
                    if (last == null || last.linearPc() != r.linearPc()) {
                        next = r;
                    }
                    last = r;
                }
                return next != null;
            }

            @Override
            public CpuTraceRecord next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                CpuTraceRecord r = next;
                next = null;
                return r;
            }
        };
    }

    List<String> differences(CpuTraceRecord x, CpuTraceRecord y) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : x.registers().entrySet()) {
            String name = e.getKey();
            if (ignored.contains(name) || ignored.contains(name.replaceAll("\\..*", ""))) {
                continue;
            }
            Long other = y.registers().get(name);
            if (other == null) {
                continue;
            }
            long va = e.getValue();
            long vb = other;
            if (name.equals("EFL") || name.equals("RFL")) {
                va &= eflagsMask;
                vb &= eflagsMask;
            }
            if (!Objects.equals(va, vb)) {
                out.add(String.format("%-9s %x vs %x", name, e.getValue(), other));
            }
        }
        return out;
    }
}
