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

    /** Result of one file. */
    public record FileResult(String file, int passed, int failed, int excluded, List<String> failures) {
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
        int passed = 0, failed = 0, excluded = 0;
        List<String> failures = new ArrayList<>();
        for (JsonNode t : tests) {
            String why = runTest(t);
            if (why == null) {
                passed++;
            } else if (fileExcluded || exclusions.containsKey(t.path("hash").asText())) {
                excluded++;
            } else {
                failed++;
                if (failures.size() < maxFailuresListed) {
                    failures.add(t.path("hash").asText() + " " + t.path("name").asText() + ": " + why);
                }
            }
        }
        return new FileResult(name, passed, failed, excluded, failures);
    }

    /** Runs one test; returns null when it passes, else a description of the first difference. */
    String runTest(JsonNode t) {
        JsonNode init = t.get("initial");
        JsonNode fin = t.get("final");
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
        JsonNode iram = init.get("ram");
        for (JsonNode p : iram) {
            ram.write8(p.get(0).asLong(), p.get(1).asInt());
        }
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
