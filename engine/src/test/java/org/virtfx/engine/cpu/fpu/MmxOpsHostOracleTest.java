package org.virtfx.engine.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.cpu.HostGcc;

/**
 * {@link MmxOps} against this machine's MMX unit (gcc inline assembly; skipped without gcc on x86-64 Linux): every
 * packed operation on random operands, lane-boundary values and shift counts (including counts beyond the lane).
 */
class MmxOpsHostOracleTest {
    private static Map<String, LongBinaryOperator> operations() {
        Map<String, LongBinaryOperator> m = new LinkedHashMap<>();
        int[] widths = {8, 16, 32, 64};
        String[] suffix = {"b", "w", "d", "q"};
        for (int k = 0; k < 4; k++) {
            int w = widths[k];
            m.put("padd" + suffix[k], (a, b) -> MmxOps.add(a, b, w));
            m.put("psub" + suffix[k], (a, b) -> MmxOps.sub(a, b, w));
        }
        for (int k = 0; k < 2; k++) {
            int w = widths[k];
            m.put("padds" + suffix[k], (a, b) -> MmxOps.addSignedSaturate(a, b, w));
            m.put("psubs" + suffix[k], (a, b) -> MmxOps.subSignedSaturate(a, b, w));
            m.put("paddus" + suffix[k], (a, b) -> MmxOps.addUnsignedSaturate(a, b, w));
            m.put("psubus" + suffix[k], (a, b) -> MmxOps.subUnsignedSaturate(a, b, w));
            m.put("pavg" + suffix[k], (a, b) -> MmxOps.average(a, b, w));
        }
        for (int k = 0; k < 3; k++) {
            int w = widths[k];
            m.put("pcmpeq" + suffix[k], (a, b) -> MmxOps.compareEqual(a, b, w));
            m.put("pcmpgt" + suffix[k], (a, b) -> MmxOps.compareGreater(a, b, w));
            m.put("punpckl" + suffix[k] + (k == 0 ? "w" : k == 1 ? "d" : "q"), (a, b) -> MmxOps.unpackLow(a, b, w));
            m.put("punpckh" + suffix[k] + (k == 0 ? "w" : k == 1 ? "d" : "q"), (a, b) -> MmxOps.unpackHigh(a, b, w));
        }
        for (int k = 1; k < 4; k++) {
            int w = widths[k];
            m.put("psll" + suffix[k], (a, b) -> MmxOps.shiftLeft(a, b, w));
            m.put("psrl" + suffix[k], (a, b) -> MmxOps.shiftRightLogical(a, b, w));
            if (k < 3) {
                m.put("psra" + suffix[k], (a, b) -> MmxOps.shiftRightArithmetic(a, b, w));
            }
        }
        m.put("pmullw", MmxOps::mulLowWords);
        m.put("pmulhw", MmxOps::mulHighWords);
        m.put("pmulhuw", MmxOps::mulHighWordsUnsigned);
        m.put("pmaddwd", MmxOps::mulAddWords);
        m.put("pmuludq", MmxOps::mulUnsignedLowDwords);
        m.put("packsswb", MmxOps::packSignedWordsToBytes);
        m.put("packssdw", MmxOps::packSignedDwordsToWords);
        m.put("packuswb", MmxOps::packUnsignedWordsToBytes);
        m.put("pand", MmxOps::and);
        m.put("pandn", MmxOps::andNot);
        m.put("por", MmxOps::or);
        m.put("pxor", MmxOps::xor);
        m.put("pminub", (a, b) -> MmxOps.minMax(a, b, 8, false));
        m.put("pmaxub", (a, b) -> MmxOps.minMax(a, b, 8, true));
        m.put("pminsw", (a, b) -> MmxOps.minMax(a, b, 16, false));
        m.put("pmaxsw", (a, b) -> MmxOps.minMax(a, b, 16, true));
        m.put("psadbw", MmxOps::sumAbsoluteDifferences);
        return m;
    }

    private static long operand(Random r, boolean shiftCount) {
        if (shiftCount) {
            return switch (r.nextInt(6)) {
                case 0 -> r.nextLong();
                case 1 -> 60 + r.nextInt(10);
                default -> r.nextInt(34);
            };
        }
        return switch (r.nextInt(6)) {
            case 0 -> 0x8000800080008000L ^ (r.nextLong() & 0x0101010101010101L);
            case 1 -> 0x7F7F80807FFF8000L;
            case 2 -> r.nextLong() & 0x00FF00FF00FF00FFL;
            case 3 -> -r.nextInt(3);
            default -> r.nextLong();
        };
    }

    @Test
    void packedOperationsMatchHostMmx() throws Exception {
        assumeTrue(HostGcc.onX86Linux(), "gcc on x86-64 Linux needed for the host MMX oracle");
        Map<String, LongBinaryOperator> ops = operations();
        List<String> names = new ArrayList<>(ops.keySet());
        Path dir = Files.createTempDirectory("mmxoracle");
        try {
            StringBuilder c = new StringBuilder("#include <stdio.h>\nstatic unsigned long A, B, R;\n");
            for (int i = 0; i < names.size(); i++) {
                c.append("static void op").append(i).append("(void){__asm__ volatile(\"movq %1, %%mm0\\n\\tmovq %2, %%mm1\\n\\t")
                        .append(names.get(i)).append(" %%mm1, %%mm0\\n\\tmovq %%mm0, %0\\n\\temms\" : \"=m\"(R) : \"m\"(A), \"m\"(B));}\n");
            }
            c.append("static void (*const OPS[])(void) = {");
            for (int i = 0; i < names.size(); i++) {
                c.append(i == 0 ? "" : ",").append("op").append(i);
            }
            c.append("};\nint main(void){int op; while (scanf(\"%d %lx %lx\", &op, &A, &B) == 3) { OPS[op](); printf(\"%lx\\n\", R); } return 0;}\n");
            Path src = dir.resolve("mmx.c");
            Path exe = dir.resolve("mmx");
            Files.writeString(src, c.toString());
            HostGcc.compile(exe, List.of(), src);

            Random r = new Random(0x3A7);
            List<long[]> cases = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                boolean shift = names.get(i).startsWith("ps") && !names.get(i).startsWith("psub") && !names.get(i).equals("psadbw");
                for (int j = 0; j < 400; j++) {
                    cases.add(new long[] {i, operand(r, false), operand(r, shift)});
                }
            }
            Path in = dir.resolve("in.txt");
            try (BufferedWriter w = Files.newBufferedWriter(in)) {
                for (long[] k : cases) {
                    w.write(k[0] + " " + Long.toHexString(k[1]) + " " + Long.toHexString(k[2]) + "\n");
                }
            }
            Process p = new ProcessBuilder(exe.toString()).redirectInput(in.toFile()).start();
            List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
            assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(cases.size(), out.size());
            Map<String, Integer> failures = new LinkedHashMap<>();
            StringBuilder examples = new StringBuilder();
            for (int i = 0; i < cases.size(); i++) {
                long[] k = cases.get(i);
                String name = names.get((int) k[0]);
                long expected = Long.parseUnsignedLong(out.get(i), 16);
                long actual = ops.get(name).applyAsLong(k[1], k[2]);
                if (expected != actual && failures.merge(name, 1, Integer::sum) <= 2) {
                    examples.append(String.format("%s %016x %016x: hw %016x, ours %016x%n", name, k[1], k[2], expected, actual));
                }
            }
            System.out.println("MMX host oracle: " + (cases.size() - failures.values().stream().mapToInt(Integer::intValue).sum())
                    + " of " + cases.size() + " cases identical");
            assertEquals(Map.of(), failures, examples.toString());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
