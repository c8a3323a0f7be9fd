package org.virtfx.engine.cpu.fpu;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtfx.engine.cpu.HostGcc;

/**
 * The host CPU's own x87 as a test oracle: generates a C program (gcc inline assembly) with one function per tested
 * instruction encoding, which loads a given control word and two 80-bit values (after an optional number of FLDZ
 * pushes), sets EFLAGS, runs the instruction with its memory operand at [RAX], and dumps the whole FPU with FNSAVE
 * (non-waiting, so pending unmasked exceptions are captured instead of trapping), plus the memory operand and EFLAGS.
 */
final class HostX87Oracle implements AutoCloseable {
    /** Memory operand bytes exchanged per case (an FXSAVE image's header and registers fit). */
    static final int MEM_SIZE = 160;
    static final int SAVE_SIZE = 108;

    /** One instruction encoding: escape byte and ModRM (mod 00, r/m 000 = [RAX] for memory forms). */
    record Op(String name, int escape, int modrm, boolean operandSize16, String hostBytes) {
        Op(String name, int escape, int modrm) {
            this(name, escape, modrm, false, null);
        }

        Op(String name, int escape, int modrm, boolean operandSize16) {
            this(name, escape, modrm, operandSize16, null);
        }

        boolean memory() {
            return modrm < 0xC0;
        }
    }

    /**
     * Input: control word, FLDZ count before B and A (every physical register first holds A or B, so that even
     * empty registers have known contents), the values (10 bytes each), memory operand, EFLAGS in. */
    record Case(int op, int cw, int prefill, byte[] a, byte[] b, byte[] mem, long eflags) {
    }

    /** Output: the FNSAVE image, the memory operand afterwards and EFLAGS after the instruction. */
    record Result(byte[] save, byte[] mem, long eflags) {
    }

    private static final String XMM_CLOBBERS = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "\"xmm" + i + "\"")
            .collect(java.util.stream.Collectors.joining(", "));

    private final Path dir;
    private final Path exe;
    private final List<Op> ops;

    /**
     * Whether the host can serve as the x87 oracle: x86-64 Linux with gcc and an Intel CPU (the emulated x87 is
     * Intel's; AMD differs in corner cases such as the FPREM reduction step).
     */
    static boolean available() {
        return HostGcc.onX86Linux() && HostGcc.cpuinfoContains("GenuineIntel");
    }

    HostX87Oracle(List<Op> ops) throws IOException, InterruptedException {
        this.ops = ops;
        dir = Files.createTempDirectory("x87oracle");
        Path src = dir.resolve("oracle.c");
        Files.writeString(src, source());
        exe = dir.resolve("oracle");
        HostGcc.compile(exe, List.of("-mno-red-zone"), src);
    }

    private String source() {
        StringBuilder s = new StringBuilder();
        s.append("""
                #include <stdio.h>
                #include <string.h>
                static unsigned short CW;
                static unsigned char A[10], B[10], M[512] __attribute__((aligned(16))), SAVE[%d];
                static unsigned long FLIN, FLOUT;
                static void setup(int prefill) {
                  __asm__ volatile("fninit\\n\\tfldt %%0\\n\\tfldt %%1\\n\\tfldt %%0\\n\\tfldt %%1\\n\\t"
                                   "fldt %%0\\n\\tfldt %%1\\n\\tfldt %%0\\n\\tfldt %%1" :: "m"(A), "m"(B) : "memory");
                  __asm__ volatile("fninit\\n\\tfldcw %%0" :: "m"(CW) : "memory");
                  for (int i = 0; i < prefill; i++) __asm__ volatile("fldz");
                  __asm__ volatile("fldt %%0\\n\\tfldt %%1" :: "m"(B), "m"(A) : "memory");
                }
                """.formatted(SAVE_SIZE));
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            String bytes = op.hostBytes() != null ? op.hostBytes()
                    : (op.operandSize16() ? "0x66," : "") + String.format("0x%02x,0x%02x", op.escape(), op.modrm());
            s.append("static void op").append(i).append("(void) { __asm__ volatile(\"pushq %1\\n\\tpopfq\\n\\t.byte ")
                    .append(bytes)
                    .append("\\n\\tpushfq\\n\\tpopq %0\" : \"=m\"(FLOUT) : \"m\"(FLIN), \"a\"(M) : \"memory\", \"cc\", ")
                    .append(XMM_CLOBBERS).append("); }\n");
        }
        s.append("static void (*const OPS[])(void) = {");
        for (int i = 0; i < ops.size(); i++) {
            s.append(i == 0 ? "" : ",").append("op").append(i);
        }
        s.append("};\n");
        s.append("""
                static int hex(const char *h, unsigned char *out, int n) {
                  for (int i = 0; i < n; i++) { unsigned v; if (sscanf(h + 2 * i, "%2x", &v) != 1) return 0; out[i] = v; }
                  return 1;
                }
                static void put(const unsigned char *p, int n) { for (int i = 0; i < n; i++) printf("%02x", p[i]); }
                int main(void) {
                  static char line[4096], a[64], b[64], m[1024];
                  int op, cw, pre; unsigned long fl;
                  while (fgets(line, sizeof line, stdin)) {
                    if (sscanf(line, "%d %x %d %63s %63s %1023s %lx", &op, &cw, &pre, a, b, m, &fl) != 7) return 2;
                    if (!hex(a, A, 10) || !hex(b, B, 10) || !hex(m, M, MEMSIZE)) return 3;
                    CW = cw; FLIN = fl;
                    setup(pre);
                    OPS[op]();
                    __asm__ volatile("fnsave %0\\n\\tfninit" : "=m"(SAVE) :: "memory");
                    put(SAVE, sizeof SAVE); putchar(' '); put(M, MEMSIZE); printf(" %lx\\n", FLOUT);
                  }
                  return 0;
                }
                """.replace("MEMSIZE", String.valueOf(MEM_SIZE)));
        return s.toString();
    }

    List<Result> run(List<Case> cases) throws IOException, InterruptedException {
        Path in = dir.resolve("in.txt");
        Path out = dir.resolve("out.txt");
        HexFormat hex = HexFormat.of();
        try (BufferedWriter w = Files.newBufferedWriter(in)) {
            for (Case c : cases) {
                w.write(c.op() + " " + Integer.toHexString(c.cw()) + " " + c.prefill() + " " + hex.formatHex(c.a()) + " "
                        + hex.formatHex(c.b()) + " " + hex.formatHex(c.mem()) + " " + Long.toHexString(c.eflags()) + "\n");
            }
        }
        Process p = new ProcessBuilder(exe.toString()).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("x87 oracle failed with exit code " + (p.isAlive() ? "timeout" : p.exitValue()));
        }
        List<Result> results = new ArrayList<>(cases.size());
        try (BufferedReader r = Files.newBufferedReader(out)) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split(" ");
                results.add(new Result(hex.parseHex(f[0]), hex.parseHex(f[1]), Long.parseUnsignedLong(f[2], 16)));
            }
        }
        if (results.size() != cases.size()) {
            throw new IOException("x87 oracle answered " + results.size() + " of " + cases.size() + " cases");
        }
        return results;
    }

    @Override
    public void close() throws IOException {
        if (Boolean.getBoolean("x87.oracle.keep")) {
            System.out.println("x87 oracle files kept in " + dir);
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
