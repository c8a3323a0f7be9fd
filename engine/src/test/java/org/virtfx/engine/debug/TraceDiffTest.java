package org.virtfx.engine.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceDiffTest {
    private static String record(int eip, int eax, int efl) {
        return String.format("""
                Trace 0: 0x7fe970000100 [ffff0000/%08x/00000040/ff000201]\s
                EAX=%08x EBX=00000000 ECX=00000000 EDX=00000663
                ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000
                EIP=%08x EFL=%08x [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0
                ES =0000 00000000 0000ffff 00009300
                CS =f000 000f0000 0000ffff 00009b00
                CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000
                DR6=ffff0ff0 DR7=00000400
                CCS=00000000 CCD=00000000 CCO=EFLAGS
                EFER=0000000000000000
                """, 0xF0000 + eip, eax, eip, efl);
    }

    private static QemuTraceParser parse(String s) {
        return new QemuTraceParser(new BufferedReader(new StringReader(s)));
    }

    @Test
    void parsesQemuRegisterDumps() {
        QemuTraceParser p = parse(record(0xE05B, 0x12, 2) + "Servicing hardware INT=0x08\n" + record(0xE062, 0x13, 0x46));
        CpuTraceRecord a = p.next();
        assertEquals(0x12, a.registers().get("EAX"));
        assertEquals(0xF0000L, a.registers().get("CS.base"));
        assertEquals(0xF000L, a.registers().get("CS"));
        assertEquals(0x60000010L, a.registers().get("CR0"));
        assertEquals(0xFE05BL, a.linearPc());
        CpuTraceRecord b = p.next();
        assertEquals(0x46, b.registers().get("EFL"));
        assertEquals(1, b.ordinal());
        assertFalse(p.hasNext());
    }

    @Test
    void findsTheFirstDifferenceAndTheInstructionBeforeIt() {
        String expected = record(0x10, 1, 2) + record(0x12, 2, 2) + record(0x14, 3, 2) + record(0x16, 4, 2);
        String actual = record(0x10, 1, 2) + record(0x12, 2, 2) + record(0x14, 9, 2) + record(0x16, 4, 2);
        TraceDiff.Result r = new TraceDiff(TraceDiff.DEFAULT_IGNORED, 0xFFFFFFFFL).compare(parse(expected), parse(actual));
        assertFalse(r.agrees());
        assertEquals(2, r.compared());
        assertEquals(0xF0012L, r.previous().linearPc());
        assertEquals(List.of("EAX       3 vs 9"), r.differences());
        assertTrue(r.describe("qemu.log", "virtfx.log").contains("0xf0012"));
    }

    @Test
    void undefinedFlagsCanBeMaskedAndStartsAreAligned() {
        String expected = record(0x12, 2, 0x46) + record(0x14, 3, 2);
        String actual = record(0x00, 0, 2) + record(0x10, 1, 2) + record(0x12, 2, 0x06) + record(0x14, 3, 2);
        TraceDiff strict = new TraceDiff(TraceDiff.DEFAULT_IGNORED, 0xFFFFFFFFL);
        assertFalse(strict.compare(parse(expected), parse(actual)).agrees());
        TraceDiff masked = new TraceDiff(TraceDiff.DEFAULT_IGNORED, ~0x40L & 0xFFFFFFFFL);
        TraceDiff.Result r = masked.compare(parse(expected), parse(actual));
        assertTrue(r.agrees(), r.describe("a", "b"));
        assertEquals(2, r.compared());
        assertTrue(new TraceDiff(Set.of("EFL"), 0).compare(parse(expected), parse(actual)).agrees());
    }

    @Test
    @Tag("guest")
    void aRealQemuTraceAgreesWithItselfAndAMutationIsFound(@TempDir Path dir) throws Exception {
        Path qemu = Path.of("/usr/bin/qemu-system-i386");
        Path bios = Path.of("/usr/share/seabios/bios-256k.bin");
        assumeTrue(Files.isExecutable(qemu) && Files.isRegularFile(bios), "qemu-system-x86 and seabios needed");
        Path log = dir.resolve("qemu.log");
        Process run = new ProcessBuilder(qemu.toString(), "-accel", "tcg", "-display", "none", "-m", "32", "-bios",
                bios.toString(), "-d", "cpu", "-singlestep", "-D", log.toString(), "-monitor", "none", "-serial", "none")
                .redirectErrorStream(true).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && (!Files.exists(log) || Files.size(log) < 2_000_000)) {
            Thread.sleep(50);
        }
        run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        List<String> lines = Files.readAllLines(log).subList(0, 20_000);
        String text = String.join("\n", lines) + "\n";
        TraceDiff diff = new TraceDiff(TraceDiff.DEFAULT_IGNORED, 0xFFFFFFFFL);
        TraceDiff.Result same = diff.compare(parse(text), parse(text));
        assertTrue(same.agrees());
        assertTrue(same.compared() > 500, "records: " + same.compared());
        int victim = -1;
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("EAX=") && ++seen == 400) {
                victim = i;
                break;
            }
        }
        List<String> mutated = new java.util.ArrayList<>(lines);
        mutated.set(victim, mutated.get(victim).replaceFirst("EBX=[0-9a-f]{8}", "EBX=deadbeef"));
        TraceDiff.Result r = diff.compare(parse(text), parse(String.join("\n", mutated) + "\n"));
        assertEquals(399, r.compared());
        assertTrue(r.differences().getFirst().startsWith("EBX"), r.differences().toString());
    }
}
