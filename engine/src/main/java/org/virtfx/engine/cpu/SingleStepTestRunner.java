package org.virtfx.engine.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPInputStream;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Runs SingleStepTests-format instruction tests (gzip JSON arrays of initial/final register and RAM states) through a
 * {@link SoftwareCpu} on a bare test host: 16 MiB of RAM, no devices (ports read as all ones), real mode.
 *
 * <p>Flags the Intel SDM leaves undefined for an instruction are masked in the comparison, in FLAGS and in the FLAGS
 * copy an exception pushed; that is not an exclusion. Exclusions (tests where a modern CPU must differ from the
 * captured 80286) are listed, each with its reason, in {@code sst-exclusions.txt} next to this class.
 */
public final class SingleStepTestRunner implements AutoCloseable {
    private static final String[] REGS = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] SEGS = {"es", "cs", "ss", "ds"};
    private static final int MEMORY = 16 << 20;
    private static final int MAX_STEPS = 64;

    /**
     * Result of one file. {@code passed} counts tests that end as captured; {@code modern} tests whose capture shows
     * the 80286's behaviour where a modern CPU must differ and that end as the modern CPU must (the difference named
     * by the exclusion list, checked here: {@link ModernRule}); {@code excluded} tests that are only listed.
     */
    public record FileResult(String file, int passed, int modern, int failed, int excluded, List<String> failures) {
    }

    /**
     * How a listed test is judged instead of by its 80286 capture. The rule follows from the reason the exclusion
     * list gives, so every reason is either checked or explicitly left unchecked.
     */
    enum ModernRule {
        /** LOCK on an instruction that cannot be locked: #UD (6) before anything executes. */
        UD_FOR_LOCK,
        /** POPF/IRET in real mode: bits 12-14 of the popped FLAGS are loaded (the 286 kept them clear). */
        LOAD_IOPL_NT,
        /** A limit violation: #SS (12) for an SS-relative access, else #GP (13), before the faulting access changes
         * anything (the 286 either did not fault or raised #GP after updating SI/DI). */
        LIMIT_FAULT,
        /** Not checkable from the capture (the modern result is not derivable from it): listed only. */
        NONE;

        static ModernRule of(String reason) {
            if (reason.contains("LOCK on an instruction that cannot be locked")) {
                return UD_FOR_LOCK;
            }
            if (reason.contains("POPF/IRET in real mode")) {
                return LOAD_IOPL_NT;
            }
            if (reason.contains("segment limit fault at offset 0xFFFF") || reason.contains("raise #SS (12)")) {
                return LIMIT_FAULT;
            }
            return NONE;
        }
    }

    private final GuestMemory ram;
    private final SoftwareCpu cpu;
    private final Map<String, String> exclusions;
    private final ObjectMapper json = new ObjectMapper();
    private int maxFailuresListed = 5;

    /** How many failures per file {@link FileResult#failures()} lists. */
    public void setMaxFailuresListed(int n) {
        maxFailuresListed = n;
    }

    public SingleStepTestRunner() throws IOException {
        ram = GuestMemory.allocate(MEMORY);
        ReentrantLock lock = new ReentrantLock();
        PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
        phys.mapRam(0, MEMORY, 0);
        cpu = new SoftwareCpu(new CpuHost(0, 1, phys, new IoBus(lock), null, null, CpuHost.DEFAULT_TSC_HZ));
        exclusions = loadExclusions();
    }

    /** Exclusion keys (test hash or opcode file name such as {@code 0F} or {@code F6.7}) to their reasons. */
    public static Map<String, String> loadExclusions() throws IOException {
        Map<String, String> m = new HashMap<>();
        try (InputStream in = SingleStepTestRunner.class.getResourceAsStream("sst-exclusions.txt")) {
            if (in == null) {
                return m;
            }
            BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = br.readLine()) != null; ) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int sp = line.indexOf(' ');
                if (sp < 0) {
                    throw new IOException("sst-exclusions.txt: entry without a reason: " + line);
                }
                m.put(line.substring(0, sp), line.substring(sp + 1).strip());
            }
        }
        return m;
    }

    public FileResult runFile(Path file) throws IOException {
        JsonNode tests;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            tests = json.readTree(in);
        }
        if (tests == null || !tests.isArray()) {
            throw new IOException(file + ": not a JSON array of tests");
        }
        String name = file.getFileName().toString().replace(".json.gz", "");
        boolean fileExcluded = exclusions.containsKey(name);
        int passed = 0, modern = 0, failed = 0, excluded = 0;
        List<String> failures = new ArrayList<>();
        for (JsonNode t : tests) {
            String reason = fileExcluded ? exclusions.get(name) : exclusions.get(t.path("hash").asText());
            ModernRule rule = reason == null ? null : ModernRule.of(reason);
            String why;
            if (rule != null && rule != ModernRule.LOAD_IOPL_NT && runTest(t, null) == null) {
                // a listed test that ends as the 80286 did: the listed difference is not real, the entry is stale
                failed++;
                if (failures.size() < maxFailuresListed) {
                    failures.add(t.path("hash").asText() + " " + t.path("name").asText()
                            + ": listed as differing on a modern CPU (" + reason + ") but passes as captured");
                }
                continue;
            }
            if (rule == ModernRule.NONE) {
                excluded++;
                continue;
            }
            why = rule == null ? runTest(t, null) : rule == ModernRule.LOAD_IOPL_NT ? runTest(t, rule)
                    : runFaultTest(t, rule);
            if (why == null) {
                if (rule == null) {
                    passed++;
                } else {
                    modern++;
                }
            } else {
                failed++;
                if (failures.size() < maxFailuresListed) {
                    failures.add(t.path("hash").asText() + " " + t.path("name").asText()
                            + (rule != null ? " [modern rule " + rule + "]" : "") + ": " + why);
                }
            }
        }
        return new FileResult(name, passed, modern, failed, excluded, failures);
    }

    /** Runs one test; returns null when it passes, else a description of the first difference. */
    String runTest(JsonNode t) {
        return runTest(t, null);
    }

    private void loadInitialState(JsonNode init) {
        JsonNode iregs = init.get("regs");
        cpu.reset();
        for (int i = 0; i < 8; i++) {
            cpu.r[i] = iregs.get(REGS[i]).asInt() & 0xFFFF;
        }
        for (int s = 0; s < 4; s++) {
            int v = iregs.get(SEGS[s]).asInt() & 0xFFFF;
            cpu.sel[s] = v;
            cpu.segBase[s] = (long) v << 4;
        }
        cpu.rip = iregs.get("ip").asInt() & 0xFFFF;
        cpu.eflags = (iregs.get("flags").asInt() & 0x0FFF) | 2;
        for (JsonNode p : init.get("ram")) {
            ram.write8(p.get(0).asLong(), p.get(1).asInt());
        }
    }

    private String runTest(JsonNode t, ModernRule rule) {
        JsonNode init = t.get("initial");
        JsonNode fin = t.get("final");
        JsonNode iregs = init.get("regs");
        JsonNode iram = init.get("ram");
        loadInitialState(init);
        try {
            for (int i = 0; i < MAX_STEPS && !cpu.halted && !cpu.shutdown; i++) {
                cpu.step();
            }
            if (!cpu.halted) {
                return cpu.shutdown ? "shutdown" : "no HLT reached";
            }
            int mask = undefinedFlags(t.get("bytes"));
            JsonNode fregs = fin.get("regs");
            StringBuilder diff = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                int want = fregs.has(REGS[i]) ? fregs.get(REGS[i]).asInt() : iregs.get(REGS[i]).asInt();
                check(diff, REGS[i], want & 0xFFFF, (int) cpu.r[i] & 0xFFFF);
            }
            for (int s = 0; s < 4; s++) {
                int want = fregs.has(SEGS[s]) ? fregs.get(SEGS[s]).asInt() : iregs.get(SEGS[s]).asInt();
                check(diff, SEGS[s], want & 0xFFFF, cpu.sel[s]);
            }
            check(diff, "ip", fregs.has("ip") ? fregs.get("ip").asInt() : iregs.get("ip").asInt(), (int) cpu.rip & 0xFFFF);
            int wantFlags = fregs.has("flags") ? fregs.get("flags").asInt() : iregs.get("flags").asInt();
            if (rule == ModernRule.LOAD_IOPL_NT) {
                // a 386+ in real mode loads IOPL and NT from the popped FLAGS image (POPF: at SS:SP, IRET: SS:SP+4)
                int op = firstOpcode(t.get("bytes"));
                long at = ((iregs.get("ss").asLong() & 0xFFFF) << 4) + ((iregs.get("sp").asInt() + (op == 0xCF ? 4 : 0)) & 0xFFFF);
                int popped = initialByte(iram, at + 1) << 8;
                wantFlags = (wantFlags & ~0x7000) | (popped & 0x7000);
            }
            int gotFlags = Alu.flags(cpu);
            check(diff, "flags", wantFlags & 0xFFFF & ~mask, gotFlags & 0xFFFF & ~mask);
            // the FLAGS copy an exception pushed lies above IP and CS on the handler's stack (the capture's
            // flag_address is off by one for odd stack pointers, so it is recomputed here)
            long flagAddr = -1;
            if (t.has("exception")) {
                int ss = fregs.has("ss") ? fregs.get("ss").asInt() : iregs.get("ss").asInt();
                int sp = fregs.has("sp") ? fregs.get("sp").asInt() : iregs.get("sp").asInt();
                flagAddr = ((long) ss << 4) + ((sp + 4) & 0xFFFF);
            }
            for (JsonNode p : fin.get("ram")) {
                long a = p.get(0).asLong();
                int want = p.get(1).asInt();
                int got = ram.read8(a);
                if (a == flagAddr) {
                    want &= ~mask;
                    got &= ~mask;
                } else if (a == flagAddr + 1) {
                    want &= ~(mask >>> 8);
                    got &= ~(mask >>> 8);
                }
                check(diff, String.format("[%x]", a), want, got);
            }
            return diff.isEmpty() ? null : diff.toString();
        } catch (RuntimeException e) {
            return "engine error " + e;
        } finally {
            for (JsonNode p : iram) {
                ram.write8(p.get(0).asLong(), 0);
            }
            for (JsonNode p : fin.get("ram")) {
                ram.write8(p.get(0).asLong(), 0);
            }
        }
    }

    /**
     * Runs a test whose modern outcome is an exception raised before the instruction (or the faulting iteration of
     * a repeated string instruction) changes anything: checks the vector taken, the pushed IP (the instruction's
     * first prefix), CS and FLAGS, that only the stack and the registers of completed string iterations changed.
     */
    private String runFaultTest(JsonNode t, ModernRule rule) {
        JsonNode init = t.get("initial");
        JsonNode iregs = init.get("regs");
        JsonNode iram = init.get("ram");
        JsonNode bytes = t.get("bytes");
        loadInitialState(init);
        int ss = iregs.get("ss").asInt() & 0xFFFF, sp0 = iregs.get("sp").asInt() & 0xFFFF;
        int cs0 = iregs.get("cs").asInt() & 0xFFFF, ip0 = iregs.get("ip").asInt() & 0xFFFF;
        int flags0 = (iregs.get("flags").asInt() & 0x0FFF) | 2;
        int op = firstOpcode(bytes);
        boolean string = op >= 0xA4 && op <= 0xAF || op >= 0x6C && op <= 0x6F;
        boolean rep = hasPrefix(bytes, 0xF2) || hasPrefix(bytes, 0xF3);
        int elem = string ? ((op & 1) == 0 ? 1 : 2) : 0;
        // handler addresses of #UD, #SS and #GP that no test byte uses: where the vector lands shows which was raised
        long[] planted = {6 * 4, 12 * 4, 13 * 4};
        List<Long> written = new ArrayList<>();
        for (long v : planted) {
            if (!hasInitialByte(iram, v) && !hasInitialByte(iram, v + 3)) {
                ram.write16(v, (int) (0x100 + v));
                ram.write16(v + 2, 0x7000);
                written.add(v);
            }
        }
        try {
            for (int i = 0; i < 70000 && !cpu.halted && !cpu.shutdown; i++) {
                cpu.step();
                if (cpu.sel[SoftwareCpu.CS] != cs0 || (cpu.rip & 0xFFFF) < ip0 || (cpu.rip & 0xFFFF) >= ip0 + bytes.size()) {
                    break; // left the instruction: an exception was delivered (or the instruction completed)
                }
            }
            int vector = -1;
            for (int v : new int[] {6, 12, 13}) {
                if (cpu.sel[SoftwareCpu.CS] == ram.read16(v * 4 + 2) && (cpu.rip & 0xFFFF) == ram.read16(v * 4)) {
                    vector = v;
                }
            }
            StringBuilder diff = new StringBuilder();
            int k = 0;
            int si0 = iregs.get("si").asInt() & 0xFFFF, di0 = iregs.get("di").asInt() & 0xFFFF;
            int step = (flags0 & SoftwareCpu.DF) != 0 ? -elem : elem;
            boolean usesSi = op != 0xAA && op != 0xAB && op != 0xAE && op != 0xAF && op != 0x6C && op != 0x6D;
            boolean usesDi = op < 0xAC || op > 0xAD ? op != 0x6E && op != 0x6F : false;
            if (string && rep) {
                k = (iregs.get("cx").asInt() - (int) cpu.r[1]) & 0xFFFF;
            }
            int want = rule == ModernRule.UD_FOR_LOCK ? 6
                    : limitFaultVector(bytes, op, string, iregs, (si0 + k * step) & 0xFFFF, usesSi);
            check(diff, "vector", want, vector);
            if (string) {
                if (usesSi) {
                    check(diff, "si", (si0 + k * step) & 0xFFFF, (int) cpu.r[6] & 0xFFFF);
                }
                if (usesDi) {
                    check(diff, "di", (di0 + k * step) & 0xFFFF, (int) cpu.r[7] & 0xFFFF);
                }
                // the faulting iteration is the one whose word access straddles offset 0xFFFF
                int si = (si0 + k * step) & 0xFFFF, di = (di0 + k * step) & 0xFFFF;
                if (!(elem == 2 && ((usesSi && si == 0xFFFF) || (usesDi && di == 0xFFFF))) && rule != ModernRule.UD_FOR_LOCK) {
                    diff.append("fault not at the iteration that accesses offset 0xFFFF ");
                }
            }
            for (int i = 0; i < 8; i++) {
                if (i == 4 || (string && (i == 6 || i == 7 || (rep && i == 1)))) {
                    continue;
                }
                check(diff, REGS[i], iregs.get(REGS[i]).asInt() & 0xFFFF, (int) cpu.r[i] & 0xFFFF);
            }
            for (int s = 0; s < 4; s++) {
                if (s != SoftwareCpu.CS) {
                    check(diff, SEGS[s], iregs.get(SEGS[s]).asInt() & 0xFFFF, cpu.sel[s]);
                }
            }
            check(diff, "sp", (sp0 - 6) & 0xFFFF, (int) cpu.r[4] & 0xFFFF);
            long top = ((long) ss << 4);
            check(diff, "pushed ip", ip0, ram.read16(top + ((sp0 - 6) & 0xFFFF)));
            check(diff, "pushed cs", cs0, ram.read16(top + ((sp0 - 4) & 0xFFFF)));
            int pushedFlags = ram.read16(top + ((sp0 - 2) & 0xFFFF));
            // completed CMPS/SCAS iterations set the arithmetic flags; the rest of FLAGS is as before
            int arith = rep && (op == 0xA6 || op == 0xA7 || op == 0xAE || op == 0xAF) ? 0x8D5 : 0;
            check(diff, "pushed flags", flags0 & ~arith, pushedFlags & ~arith);
            check(diff, "IF/TF after delivery", 0, Alu.flags(cpu) & (SoftwareCpu.IF | SoftwareCpu.TF));
            return diff.isEmpty() ? null : diff.toString();
        } catch (RuntimeException e) {
            return "engine error " + e;
        } finally {
            for (JsonNode p : iram) {
                ram.write8(p.get(0).asLong(), 0);
            }
            for (JsonNode p : t.get("final").get("ram")) {
                ram.write8(p.get(0).asLong(), 0);
            }
            for (long v : written) {
                ram.write32(v, 0);
            }
            // the frame the modern exception pushed
            long top = ((long) ss << 4);
            for (int d = 1; d <= 6; d++) {
                ram.write8(top + ((sp0 - d) & 0xFFFF), 0);
            }
        }
    }

    /**
     * #SS when the access that crosses the limit is SS-relative, else #GP. The crossing access is found from the
     * initial registers: the stack (implicit stack instructions, or POP r/m with SP at 0xFFFF), the source DS:SI of
     * a string instruction at the faulting iteration (overridable), its destination ES:DI (never overridable), or
     * the ModRM memory operand (override, else SS for BP-based addressing).
     */
    private static int limitFaultVector(JsonNode bytes, int op, boolean string, JsonNode iregs, int si, boolean usesSi) {
        int seg = -1;
        int i = 0;
        for (; i < bytes.size(); i++) {
            int b = bytes.get(i).asInt();
            if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E) {
                seg = b;
            } else if (b != 0xF0 && b != 0xF2 && b != 0xF3) {
                break;
            }
        }
        if (string) {
            return usesSi && si == 0xFFFF && seg == 0x36 ? 12 : 13;
        }
        boolean stackOp = op == 0x06 || op == 0x07 || op == 0x0E || op == 0x16 || op == 0x17 || op == 0x1E
                || op == 0x1F || (op >= 0x50 && op <= 0x61) || op == 0x68 || op == 0x6A || op == 0x9C || op == 0x9D
                || op == 0xC2 || op == 0xC3 || op == 0xC8 || op == 0xC9 || op == 0xCA || op == 0xCB || op == 0xCF
                || op == 0xE8 || op == 0x9A;
        if (stackOp || (op == 0x8F && (iregs.get("sp").asInt() & 0xFFFF) == 0xFFFF)) {
            return 12;
        }
        if (seg >= 0) {
            return seg == 0x36 ? 12 : 13;
        }
        int modrm = i + 1 < bytes.size() ? bytes.get(i + 1).asInt() : 0;
        int mod = modrm >>> 6, rm = modrm & 7;
        boolean bpBased = mod != 3 && (rm == 2 || rm == 3 || (rm == 6 && mod != 0));
        return bpBased ? 12 : 13;
    }

    private static int firstOpcode(JsonNode bytes) {
        for (JsonNode b : bytes) {
            int v = b.asInt();
            if (v != 0x26 && v != 0x2E && v != 0x36 && v != 0x3E && v != 0xF0 && v != 0xF2 && v != 0xF3) {
                return v;
            }
        }
        return -1;
    }

    private static boolean hasPrefix(JsonNode bytes, int prefix) {
        for (JsonNode b : bytes) {
            int v = b.asInt();
            if (v == prefix) {
                return true;
            }
            if (v != 0x26 && v != 0x2E && v != 0x36 && v != 0x3E && v != 0xF0 && v != 0xF2 && v != 0xF3) {
                return false;
            }
        }
        return false;
    }

    private static boolean hasInitialByte(JsonNode ram, long address) {
        for (JsonNode p : ram) {
            if (p.get(0).asLong() == address) {
                return true;
            }
        }
        return false;
    }

    private static int initialByte(JsonNode ram, long address) {
        for (JsonNode p : ram) {
            if (p.get(0).asLong() == address) {
                return p.get(1).asInt();
            }
        }
        return 0;
    }

    private static void check(StringBuilder diff, String what, int want, int got) {
        if (want != got) {
            diff.append(String.format("%s=%x (want %x) ", what, got, want));
        }
    }

    /** FLAGS bits the SDM calls undefined for the instruction in {@code bytes} (after its prefixes). */
    static int undefinedFlags(JsonNode bytes) {
        int i = 0;
        int op;
        while (true) {
            op = bytes.get(i).asInt();
            if (op == 0x26 || op == 0x2E || op == 0x36 || op == 0x3E || op == 0xF0 || op == 0xF2 || op == 0xF3) {
                i++;
                continue;
            }
            break;
        }
        int reg = bytes.size() > i + 1 ? (bytes.get(i + 1).asInt() >>> 3) & 7 : 0;
        final int of = SoftwareCpu.OF, sf = SoftwareCpu.SF, zf = SoftwareCpu.ZF, af = SoftwareCpu.AF,
                pf = SoftwareCpu.PF, cf = SoftwareCpu.CF;
        return switch (op) {
            case 0xF6, 0xF7 -> reg == 4 || reg == 5 ? sf | zf | af | pf : reg >= 6 ? of | sf | zf | af | pf | cf
                    : reg <= 1 ? af : 0;
            case 0x69, 0x6B -> sf | zf | af | pf;
            case 0xC0, 0xC1, 0xD2, 0xD3 -> of | af;
            case 0xD0, 0xD1 -> af;
            case 0x27, 0x2F -> of;
            case 0x37, 0x3F -> of | sf | zf | pf;
            case 0xD4, 0xD5 -> of | af | cf;
            case 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x30, 0x31, 0x32, 0x33, 0x34,
                 0x35, 0x84, 0x85, 0xA8, 0xA9 -> af;
            case 0x80, 0x81, 0x82, 0x83 -> reg == 1 || reg == 4 || reg == 6 ? af : 0;
            default -> 0;
        };
    }

    @Override
    public void close() {
        ram.close();
    }
}
