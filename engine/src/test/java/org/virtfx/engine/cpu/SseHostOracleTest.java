package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Every SSE..SSE4.2, POPCNT and CRC32 encoding the CPU implements, run on random and special inputs (NaNs, denormals,
 * infinities, zeros, extremes, all rounding modes, DAZ, FTZ, masked and unmasked exceptions) by VirtFX's CPU in
 * 32-bit protected mode and by this host's CPU ({@link HostSseOracle}); XMM0-7, MM0-1, MXCSR, five general registers,
 * the arithmetic flags, the memory operand and the fault (SIGFPE = #XM, SIGILL = #UD, SIGSEGV = #GP) must be equal.
 * Memory forms run with the operand at [EBX], [EBX+4] (misaligned: the aligned forms must raise #GP) and [EBX+8].
 * RCPPS/RSQRTPS are compared within their documented error bound. {@code -Dsse.oracle.cases=N} (per encoding and
 * form) and {@code -Dsse.oracle.seed=S} run more or other cases,
 * {@code -Dsse.oracle.only=REGEX} only the encodings whose name matches.
 */
class SseHostOracleTest {
    @TempDir
    Path tmp;

    /** Operand data: float32 lanes, float64 lanes, integers, text for string compares. */
    enum Kind { PS, PD, INT, TEXT }

    /**
     * One encoding: bytes before the ModRM, register-form ModRM (-1: none) and memory-form ModRM (-1: none; r/m =
     * [EBX]), immediate mask (-1: no immediate), operand data, whether results are approximate.
     */
    record Spec(String name, byte[] opcode, int regModrm, int memModrm, int immMask, Kind kind, boolean approx) {
    }

    private static final List<Spec> SPECS = new ArrayList<>();
    /** REX forms, run in 64-bit mode only: REX.W general-register operands, REX.R/REX.B for XMM8-15. */
    private static final List<Spec> SPECS64 = new ArrayList<>();

    private static void add64(String name, String hex, int reg, int mem, int imm, Kind kind) {
        SPECS64.add(new Spec(name, HexFormat.of().parseHex(hex.replace(" ", "")), reg, mem, imm, kind, false));
    }

    private static void add(String name, String hex, int reg, int mem, int imm, Kind kind) {
        SPECS.add(new Spec(name, HexFormat.of().parseHex(hex.replace(" ", "")), reg, mem, imm, kind, false));
    }

    private static void add(String name, String hex, Kind kind) {
        add(name, hex, 0xC1, 0x03, -1, kind);
    }

    static {
        String[] fpNames = {"sqrt", "", "", "", "", "", "", "add", "mul", "", "", "sub", "min", "div", "max"};
        for (int op = 0x51; op <= 0x5F; op++) {
            String n = fpNames[op - 0x51];
            if (n.isEmpty()) {
                continue;
            }
            String o = String.format("0F %02X", op);
            add(n + "ps", o, Kind.PS);
            add(n + "pd", "66 " + o, Kind.PD);
            add(n + "ss", "F3 " + o, Kind.PS);
            add(n + "sd", "F2 " + o, Kind.PD);
        }
        add("cmpps", "0F C2", 0xC1, 0x03, 7, Kind.PS);
        add("cmppd", "66 0F C2", 0xC1, 0x03, 7, Kind.PD);
        add("cmpss", "F3 0F C2", 0xC1, 0x03, 7, Kind.PS);
        add("cmpsd", "F2 0F C2", 0xC1, 0x03, 7, Kind.PD);
        add("ucomiss", "0F 2E", Kind.PS);
        add("comiss", "0F 2F", Kind.PS);
        add("ucomisd", "66 0F 2E", Kind.PD);
        add("comisd", "66 0F 2F", Kind.PD);
        SPECS.add(new Spec("rsqrtps", HexFormat.of().parseHex("0F52"), 0xC1, 0x03, -1, Kind.PS, true));
        SPECS.add(new Spec("rsqrtss", HexFormat.of().parseHex("F30F52"), 0xC1, 0x03, -1, Kind.PS, true));
        SPECS.add(new Spec("rcpps", HexFormat.of().parseHex("0F53"), 0xC1, 0x03, -1, Kind.PS, true));
        SPECS.add(new Spec("rcpss", HexFormat.of().parseHex("F30F53"), 0xC1, 0x03, -1, Kind.PS, true));
        for (int op = 0x54; op <= 0x57; op++) {
            add("logic" + op, String.format("0F %02X", op), Kind.INT);
            add("logicpd" + op, String.format("66 0F %02X", op), Kind.INT);
        }
        add("unpcklps", "0F 14", Kind.PS);
        add("unpckhps", "0F 15", Kind.PS);
        add("unpcklpd", "66 0F 14", Kind.PD);
        add("unpckhpd", "66 0F 15", Kind.PD);
        add("shufps", "0F C6", 0xC1, 0x03, 0xFF, Kind.PS);
        add("shufpd", "66 0F C6", 0xC1, 0x03, 0xFF, Kind.PD);
        for (String p : new String[] {"", "66 ", "F3 ", "F2 "}) {
            add(p + "mov10", p + "0F 10", Kind.INT);
            add(p + "mov11", p + "0F 11", Kind.INT);
        }
        add("movaps", "0F 28", Kind.INT);
        add("movaps-st", "0F 29", Kind.INT);
        add("movapd", "66 0F 28", Kind.INT);
        add("movlps/movhlps", "0F 12", Kind.INT);
        add("movlpd", "66 0F 12", -1, 0x03, -1, Kind.INT);
        add("movhps/movlhps", "0F 16", Kind.INT);
        add("movhpd", "66 0F 16", -1, 0x03, -1, Kind.INT);
        add("movlps-st", "0F 13", -1, 0x03, -1, Kind.INT);
        add("movhpd-st", "66 0F 17", -1, 0x03, -1, Kind.INT);
        add("movmskps", "0F 50", 0xC1, -1, -1, Kind.PS);
        add("movmskpd", "66 0F 50", 0xC1, -1, -1, Kind.PD);
        add("movntps", "0F 2B", -1, 0x03, -1, Kind.INT);
        // conversions
        add("cvtsi2ss", "F3 0F 2A", Kind.INT);
        add("cvtsi2sd", "F2 0F 2A", Kind.INT);
        add("cvtpi2ps", "0F 2A", Kind.INT);
        add("cvtpi2pd", "66 0F 2A", Kind.INT);
        add("cvttss2si", "F3 0F 2C", Kind.PS);
        add("cvtss2si", "F3 0F 2D", Kind.PS);
        add("cvttsd2si", "F2 0F 2C", Kind.PD);
        add("cvtsd2si", "F2 0F 2D", Kind.PD);
        add("cvttps2pi", "0F 2C", Kind.PS);
        add("cvtps2pi", "0F 2D", Kind.PS);
        add("cvttpd2pi", "66 0F 2C", Kind.PD);
        add("cvtpd2pi", "66 0F 2D", Kind.PD);
        add("cvtps2pd", "0F 5A", Kind.PS);
        add("cvtpd2ps", "66 0F 5A", Kind.PD);
        add("cvtss2sd", "F3 0F 5A", Kind.PS);
        add("cvtsd2ss", "F2 0F 5A", Kind.PD);
        add("cvtdq2ps", "0F 5B", Kind.INT);
        add("cvtps2dq", "66 0F 5B", Kind.PS);
        add("cvttps2dq", "F3 0F 5B", Kind.PS);
        add("cvttpd2dq", "66 0F E6", Kind.PD);
        add("cvtdq2pd", "F3 0F E6", Kind.INT);
        add("cvtpd2dq", "F2 0F E6", Kind.PD);
        // SSE2 integer
        for (int op : new int[] {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D,
                0x74, 0x75, 0x76, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0,
                0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4,
                0xF5, 0xF6, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE}) {
            add(String.format("66 0F %02X", op), String.format("66 0F %02X", op), Kind.INT);
        }
        for (int op : new int[] {0xD4, 0xDA, 0xDE, 0xE0, 0xE3, 0xE4, 0xEA, 0xEE, 0xF4, 0xF6, 0xFB}) {
            add(String.format("mmx 0F %02X", op), String.format("0F %02X", op), Kind.INT);
        }
        add("pshufw", "0F 70", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pinsrw mm", "0F C4", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pextrw mm", "0F C5", 0xC1, -1, 0xFF, Kind.INT);
        add("pmovmskb mm", "0F D7", 0xC1, -1, -1, Kind.INT);
        add("pshufd", "66 0F 70", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pshufhw", "F3 0F 70", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pshuflw", "F2 0F 70", 0xC1, 0x03, 0xFF, Kind.INT);
        for (int op = 0x71; op <= 0x73; op++) {
            for (int r : op == 0x73 ? new int[] {2, 3, 6, 7} : new int[] {2, 4, 6}) {
                add(String.format("66 0F %02X /%d", op, r), String.format("66 0F %02X", op), 0xC1 | r << 3, -1, 0x1F,
                        Kind.INT);
            }
        }
        for (int op = 0x71; op <= 0x73; op++) {
            for (int r : op == 0x73 ? new int[] {2, 6} : new int[] {2, 4, 6}) {
                add(String.format("mmx 0F %02X /%d", op, r), String.format("0F %02X", op), 0xC1 | r << 3, -1, 0x1F,
                        Kind.INT);
            }
        }
        add("pmovmskb", "66 0F D7", 0xC1, -1, -1, Kind.INT);
        add("pinsrw", "66 0F C4", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pextrw", "66 0F C5", 0xC1, -1, 0xFF, Kind.INT);
        add("movd xmm,r/m", "66 0F 6E", Kind.INT);
        add("movd r/m,xmm", "66 0F 7E", Kind.INT);
        add("movq xmm,xmm/m", "F3 0F 7E", Kind.INT);
        add("movq xmm/m,xmm", "66 0F D6", Kind.INT);
        add("movdqa", "66 0F 6F", Kind.INT);
        add("movdqu", "F3 0F 6F", Kind.INT);
        add("movdqa-st", "66 0F 7F", Kind.INT);
        add("movdqu-st", "F3 0F 7F", Kind.INT);
        add("movntdq", "66 0F E7", -1, 0x03, -1, Kind.INT);
        add("movntq", "0F E7", -1, 0x03, -1, Kind.INT);
        add("movnti", "0F C3", -1, 0x03, -1, Kind.INT);
        add("movq2dq", "F3 0F D6", 0xC1, -1, -1, Kind.INT);
        add("movdq2q", "F2 0F D6", 0xC1, -1, -1, Kind.INT);
        // SSE3
        add("haddps", "F2 0F 7C", Kind.PS);
        add("haddpd", "66 0F 7C", Kind.PD);
        add("hsubps", "F2 0F 7D", Kind.PS);
        add("hsubpd", "66 0F 7D", Kind.PD);
        add("addsubps", "F2 0F D0", Kind.PS);
        add("addsubpd", "66 0F D0", Kind.PD);
        add("movddup", "F2 0F 12", Kind.INT);
        add("movsldup", "F3 0F 12", Kind.INT);
        add("movshdup", "F3 0F 16", Kind.INT);
        add("lddqu", "F2 0F F0", -1, 0x03, -1, Kind.INT);
        // SSSE3
        for (int op : new int[] {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x1C, 0x1D,
                0x1E}) {
            add(String.format("66 0F 38 %02X", op), String.format("66 0F 38 %02X", op), Kind.INT);
            add(String.format("0F 38 %02X", op), String.format("0F 38 %02X", op), Kind.INT);
        }
        add("palignr", "66 0F 3A 0F", 0xC1, 0x03, 0x3F, Kind.INT);
        add("palignr mm", "0F 3A 0F", 0xC1, 0x03, 0x1F, Kind.INT);
        // SSE4.1
        add("roundps", "66 0F 3A 08", 0xC1, 0x03, 0x0F, Kind.PS);
        add("roundpd", "66 0F 3A 09", 0xC1, 0x03, 0x0F, Kind.PD);
        add("roundss", "66 0F 3A 0A", 0xC1, 0x03, 0x0F, Kind.PS);
        add("roundsd", "66 0F 3A 0B", 0xC1, 0x03, 0x0F, Kind.PD);
        add("blendps", "66 0F 3A 0C", 0xC1, 0x03, 0x0F, Kind.INT);
        add("blendpd", "66 0F 3A 0D", 0xC1, 0x03, 0x03, Kind.INT);
        add("pblendw", "66 0F 3A 0E", 0xC1, 0x03, 0xFF, Kind.INT);
        add("dpps", "66 0F 3A 40", 0xC1, 0x03, 0xFF, Kind.PS);
        add("dppd", "66 0F 3A 41", 0xC1, 0x03, 0x33, Kind.PD);
        add("mpsadbw", "66 0F 3A 42", 0xC1, 0x03, 0x07, Kind.INT);
        add("pextrb", "66 0F 3A 14", Kind.INT);
        SPECS.removeLast();
        add("pextrb", "66 0F 3A 14", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pextrw2", "66 0F 3A 15", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pextrd", "66 0F 3A 16", 0xC1, 0x03, 0xFF, Kind.INT);
        add("extractps", "66 0F 3A 17", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pinsrb", "66 0F 3A 20", 0xC1, 0x03, 0xFF, Kind.INT);
        add("insertps", "66 0F 3A 21", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pinsrd", "66 0F 3A 22", 0xC1, 0x03, 0xFF, Kind.INT);
        add("pblendvb", "66 0F 38 10", 0xD1, 0x13, -1, Kind.INT);
        add("blendvps", "66 0F 38 14", 0xD1, 0x13, -1, Kind.INT);
        add("blendvpd", "66 0F 38 15", 0xD1, 0x13, -1, Kind.INT);
        for (int op : new int[] {0x17, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2B, 0x30, 0x31, 0x32, 0x33,
                0x34, 0x35, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41}) {
            add(String.format("66 0F 38 %02X", op), String.format("66 0F 38 %02X", op), Kind.INT);
        }
        add("movntdqa", "66 0F 38 2A", -1, 0x03, -1, Kind.INT);
        // SSE4.2, POPCNT, CRC32
        for (int op = 0x60; op <= 0x63; op++) {
            add(String.format("pcmpstr %02X", op), String.format("66 0F 3A %02X", op), 0xC1, 0x03, 0x7F, Kind.TEXT);
        }
        add("crc32 r32,r/m8", "F2 0F 38 F0", Kind.INT);
        add("crc32 r32,r/m32", "F2 0F 38 F1", Kind.INT);
        add("crc32 r32,r/m16", "66 F2 0F 38 F1", Kind.INT);
        add("popcnt r32", "F3 0F B8", Kind.INT);
        add("popcnt r16", "66 F3 0F B8", Kind.INT);
        add("ldmxcsr", "0F AE", -1, 0x13, -1, Kind.INT);
        add("stmxcsr", "0F AE", -1, 0x1B, -1, Kind.INT);
        add("maskmovdqu", "66 0F F7", 0xC1, -1, -1, Kind.INT);
        add("maskmovq", "0F F7", 0xC1, -1, -1, Kind.INT);
        add64("movq xmm,r/m64", "66 48 0F 6E", 0xC1, 0x03, -1, Kind.INT);
        add64("movq r/m64,xmm", "66 48 0F 7E", 0xC1, 0x03, -1, Kind.INT);
        add64("cvtsi2ss r64", "F3 48 0F 2A", 0xC1, 0x03, -1, Kind.INT);
        add64("cvtsi2sd r64", "F2 48 0F 2A", 0xC1, 0x03, -1, Kind.INT);
        add64("cvttss2si r64", "F3 48 0F 2C", 0xC1, 0x03, -1, Kind.PS);
        add64("cvtss2si r64", "F3 48 0F 2D", 0xC1, 0x03, -1, Kind.PS);
        add64("cvttsd2si r64", "F2 48 0F 2C", 0xC1, 0x03, -1, Kind.PD);
        add64("cvtsd2si r64", "F2 48 0F 2D", 0xC1, 0x03, -1, Kind.PD);
        add64("pextrq", "66 48 0F 3A 16", 0xC1, 0x03, 0xFF, Kind.INT);
        add64("pinsrq", "66 48 0F 3A 22", 0xC1, 0x03, 0xFF, Kind.INT);
        add64("crc32 r64,r/m64", "F2 48 0F 38 F1", 0xC1, 0x03, -1, Kind.INT);
        add64("crc32 r64,r/m8", "F2 48 0F 38 F0", 0xC1, 0x03, -1, Kind.INT);
        add64("popcnt r64", "F3 48 0F B8", 0xC1, 0x03, -1, Kind.INT);
        add64("movnti m64", "48 0F C3", -1, 0x03, -1, Kind.INT);
        add64("movd r32 zero-extends", "66 0F 7E", 0xC1, -1, -1, Kind.INT);
        add64("addps xmm8,xmm1", "44 0F 58", 0xC1, 0x03, -1, Kind.PS);
        add64("addpd xmm0,xmm9", "66 41 0F 58", 0xC1, -1, -1, Kind.PD);
        add64("pxor xmm8,xmm9", "66 45 0F EF", 0xC1, -1, -1, Kind.INT);
        add64("movdqa xmm12,m", "66 44 0F 6F", 0xE1, 0x23, -1, Kind.INT);
        add64("movaps xmm15,xmm14", "45 0F 28", 0xFE, -1, -1, Kind.INT);
        add64("pshufb xmm10,xmm11", "66 45 0F 38 00", 0xD3, -1, -1, Kind.INT);
        add64("pshufb xmm10,m", "66 44 0F 38 00", 0xD3, 0x13, -1, Kind.INT);
        add64("pcmpistri xmm8", "66 44 0F 3A 63", 0xC1, 0x03, 0x7F, Kind.TEXT);
        add64("pmovmskb eax,xmm9", "66 41 0F D7", 0xC1, -1, -1, Kind.INT);
        add64("cvtsd2ss xmm13", "F2 44 0F 5A", 0xE9, 0x2B, -1, Kind.PD);
        add64("pinsrw xmm11,ecx", "66 44 0F C4", 0xD9, -1, 0xFF, Kind.INT);
        add64("blendvps xmm10,xmm9", "66 45 0F 38 14", 0xD1, -1, -1, Kind.INT);
        add64("movq xmm9,xmm8", "F3 45 0F 7E", 0xC8, -1, -1, Kind.INT);
        add64("mmx paddb", "0F FC", 0xC1, 0x03, -1, Kind.INT);
        add64("mmx movd mm0,rcx", "48 0F 6E", 0xC1, 0x03, -1, Kind.INT);
        add64("mmx movq rcx,mm0", "48 0F 7E", 0xC1, 0x03, -1, Kind.INT);
        // encodings that must be #UD: register forms of memory-only instructions, prefixes selecting nothing
        for (String ud : new String[] {"66 0F 12", "66 0F 16", "0F 13", "66 0F 17", "0F 2B", "66 0F E7", "F2 0F F0",
                "66 0F 38 2A", "0F C3", "F2 0F 5B", "0F E6", "F3 0F 28", "F2 0F 6F", "F3 0F D0", "0F 7C", "F3 0F 6E",
                "F3 0F 38 00", "0F 38 10", "0F 38 17", "F2 0F 3A 0F", "0F 3A 08", "0F 38 F1", "F2 0F 53", "66 0F 52",
                "F3 0F 50", "66 0F F0", "F3 0F D7", "0F AE"}) {
            add("#UD " + ud, ud, ud.equals("0F AE") ? 0xD1 : 0xC1, -1, -1, Kind.INT);
        }
    }

    // ---------------------------------------------------------------- the emulated side

    private static final int CODE_AT = 0x1000, MEM_AT = 0x2000, PML4_AT = 0x80000;

    /** VirtFX's CPU in flat 32-bit protected mode with OSFXSR and OSXMMEXCPT, one instruction at a time. */
    static final class Emulated implements AutoCloseable {
        final GuestMemory ram = GuestMemory.allocate(1 << 20);
        final SoftwareCpu cpu;
        /** 64-bit mode (identity-mapped first 2 MiB, CS.L) instead of flat 32-bit protected mode. */
        final boolean long64;

        Emulated(boolean long64) {
            this.long64 = long64;
            ReentrantLock lock = new ReentrantLock();
            PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
            phys.mapRam(0, 1 << 20, 0);
            cpu = new SoftwareCpu(new CpuHost(0, 1, phys, new IoBus(lock), null, null, CpuHost.DEFAULT_TSC_HZ));
        }

        byte[] run(byte[] code, byte[] state) {
            ByteBuffer in = ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN);
            cpu.reset();
            if (long64) {
                ram.write64(PML4_AT, PML4_AT + 0x1003);
                ram.write64(PML4_AT + 0x1000, PML4_AT + 0x2003);
                ram.write64(PML4_AT + 0x2000, 0x83); // one 2 MiB page at 0
                cpu.setControlRegister(4, SoftwareCpu.CR4_PAE | SoftwareCpu.CR4_OSFXSR | SoftwareCpu.CR4_OSXMMEXCPT);
                cpu.setControlRegister(3, PML4_AT);
                cpu.writeMsr(0xC0000080, SoftwareCpu.EFER_LME);
                cpu.setControlRegister(0, 0x80000031L); // PG, PE, ET, NE: activates long mode
                cpu.loadSegment(X86Cpu.Segment.CS, 8, 0, -1, 0xA09B); // L
            } else {
                cpu.setControlRegister(0, 0x31); // PE, ET, NE
                cpu.setControlRegister(4, SoftwareCpu.CR4_OSFXSR | SoftwareCpu.CR4_OSXMMEXCPT);
                cpu.loadSegment(X86Cpu.Segment.CS, 8, 0, -1, 0xC09B);
            }
            for (X86Cpu.Segment s : new X86Cpu.Segment[] {X86Cpu.Segment.DS, X86Cpu.Segment.ES, X86Cpu.Segment.SS}) {
                cpu.loadSegment(s, 16, 0, -1, 0xC093);
            }
            ram.write(CODE_AT, code, 0, code.length);
            ram.write(MEM_AT, state, HostSseOracle.MEM, 64);
            for (int i = 0; i < 16; i++) {
                cpu.sse.xmm[i] = in.getLong(HostSseOracle.XMM + 8 * i);
                cpu.sse.xmm[16 + i] = long64 ? in.getLong(HostSseOracle.XMM_HIGH + 8 * i) : 0;
            }
            cpu.sse.mxcsr = in.getInt(HostSseOracle.MXCSR);
            int[] gprIndex = {X86Cpu.RAX, X86Cpu.RCX, X86Cpu.RDX, X86Cpu.RBX, X86Cpu.RSI, X86Cpu.RDI};
            for (int i = 0; i < 6; i++) {
                cpu.r[gprIndex[i]] = in.getInt(HostSseOracle.GPR + 4 * i) & 0xFFFFFFFFL
                        | (long64 ? (long) in.getInt(HostSseOracle.GPR_HIGH + 4 * i) << 32 : 0);
            }
            cpu.r[X86Cpu.RBX] = MEM_AT;
            if (in.getInt(HostSseOracle.RDI_IS_MEM) != 0) {
                cpu.r[X86Cpu.RDI] = MEM_AT;
            }
            cpu.r[X86Cpu.RSP] = 0x8000;
            cpu.setRflags(in.getInt(HostSseOracle.EFLAGS));
            cpu.fpu.setMmx(0, in.getLong(HostSseOracle.MM));
            cpu.fpu.setMmx(1, in.getLong(HostSseOracle.MM + 8));
            cpu.setRip(CODE_AT);
            byte[] out = state.clone();
            ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            try {
                cpu.interp.execute();
            } catch (CpuFault f) {
                o.putInt(HostSseOracle.FAULT, switch (f.vector()) {
                    case CpuFault.XM -> 8; // SIGFPE
                    case CpuFault.UD -> 4; // SIGILL
                    default -> 11; // SIGSEGV
                });
                o.putInt(HostSseOracle.MXCSR, cpu.sse.mxcsr);
                return out;
            }
            for (int i = 0; i < 16; i++) {
                o.putLong(HostSseOracle.XMM + 8 * i, cpu.sse.xmm[i]);
                if (long64) {
                    o.putLong(HostSseOracle.XMM_HIGH + 8 * i, cpu.sse.xmm[16 + i]);
                }
            }
            o.putInt(HostSseOracle.MXCSR, cpu.sse.mxcsr);
            for (int i = 0; i < 6; i++) {
                o.putInt(HostSseOracle.GPR + 4 * i, (int) cpu.r[gprIndex[i]]);
                if (long64) {
                    o.putInt(HostSseOracle.GPR_HIGH + 4 * i, (int) (cpu.r[gprIndex[i]] >>> 32));
                }
            }
            o.putInt(HostSseOracle.EFLAGS, Alu.flags(cpu));
            o.putLong(HostSseOracle.MM, cpu.fpu.mmx(0));
            o.putLong(HostSseOracle.MM + 8, cpu.fpu.mmx(1));
            o.putInt(HostSseOracle.FAULT, 0);
            byte[] mem = new byte[64];
            ram.read(MEM_AT, mem, 0, 64);
            System.arraycopy(mem, 0, out, HostSseOracle.MEM, 64);
            return out;
        }

        @Override
        public void close() {
            ram.close();
        }
    }

    // ---------------------------------------------------------------- inputs

    private static long float32(Random rnd) {
        return switch (rnd.nextInt(16)) {
            case 0 -> rnd.nextBoolean() ? 0 : 0x80000000L;
            case 1 -> rnd.nextBoolean() ? 0x7F800000L : 0xFF800000L;
            case 2 -> (rnd.nextBoolean() ? 0x7FC00000L : 0xFFC00000L) | rnd.nextInt(1 << 22);
            case 3 -> (rnd.nextBoolean() ? 0x7F800000L : 0xFF800000L) | (1 + rnd.nextInt((1 << 22) - 1));
            case 4 -> (rnd.nextBoolean() ? 0 : 0x80000000L) | (1 + rnd.nextInt((1 << 23) - 1));
            case 5 -> (rnd.nextBoolean() ? 0 : 0x80000000L) | ((long) (1 + rnd.nextInt(24)) << 23)
                    | rnd.nextInt(1 << 23);
            case 6 -> (rnd.nextBoolean() ? 0 : 0x80000000L) | ((long) (230 + rnd.nextInt(25)) << 23)
                    | rnd.nextInt(1 << 23);
            case 7 -> Float.floatToRawIntBits((float) ((rnd.nextInt(2001) - 1000) / 2.0)) & 0xFFFFFFFFL;
            case 8 -> Float.floatToRawIntBits((float) (rnd.nextInt(1 << 24) * (rnd.nextBoolean() ? 128.0 : 1)))
                    & 0xFFFFFFFFL;
            case 9 -> Float.floatToRawIntBits((float) ((rnd.nextBoolean() ? 1 : -1) * 0x1p31 + rnd.nextInt(257) - 128))
                    & 0xFFFFFFFFL;
            default -> (rnd.nextBoolean() ? 0 : 0x80000000L) | ((long) (110 + rnd.nextInt(36)) << 23)
                    | rnd.nextInt(1 << 23);
        };
    }

    private static long float64(Random rnd) {
        long sign = rnd.nextBoolean() ? 0 : 1L << 63;
        long frac = rnd.nextLong() & 0xFFFFFFFFFFFFFL;
        return switch (rnd.nextInt(16)) {
            case 0 -> sign;
            case 1 -> sign | 0x7FF0000000000000L;
            case 2 -> sign | 0x7FF8000000000000L | (frac >>> 1);
            case 3 -> sign | 0x7FF0000000000000L | Math.max(1, frac >>> 1);
            case 4 -> sign | Math.max(1, frac >>> rnd.nextInt(52));
            case 5 -> sign | ((long) (1 + rnd.nextInt(60)) << 52) | frac;
            case 6 -> sign | ((long) (1990 + rnd.nextInt(57)) << 52) | frac;
            case 7 -> Double.doubleToRawLongBits((rnd.nextInt(2001) - 1000) / 2.0);
            case 8 -> Double.doubleToRawLongBits((rnd.nextBoolean() ? 1 : -1) * 0x1p31 + rnd.nextInt(257) - 128.5);
            case 9 -> Double.doubleToRawLongBits(Float.intBitsToFloat((int) float32(rnd)));
            case 10 -> sign | ((long) (1023 - 126 - 30 + rnd.nextInt(60)) << 52) | frac; // near float's limits
            case 11 -> sign | ((long) (1023 + 100 + rnd.nextInt(60)) << 52) | frac;
            default -> sign | ((long) (900 + rnd.nextInt(250)) << 52) | frac;
        };
    }

    private static long intLane(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> 0x8000800080008000L ^ (rnd.nextLong() & 0x0101010101010101L);
            case 3 -> 0x7F7F7FFF7FFF7FFFL ^ (rnd.nextLong() & 0x0303030303030303L);
            default -> rnd.nextLong();
        };
    }

    private static long text(Random rnd) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int b = rnd.nextInt(12) == 0 ? 0 : "abcAZ09\u00ff\u0080-".charAt(rnd.nextInt(10));
            v |= (long) (b & 0xFF) << (8 * i);
        }
        return v;
    }

    private static long vectorHalf(Kind kind, Random rnd) {
        return switch (kind) {
            case PS -> float32(rnd) | float32(rnd) << 32;
            case PD -> float64(rnd);
            case INT -> intLane(rnd);
            default -> text(rnd);
        };
    }

    private static byte[] randomState(Kind kind, Random rnd, boolean long64) {
        ByteBuffer b = ByteBuffer.allocate(HostSseOracle.STATE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            b.putLong(HostSseOracle.XMM + 8 * i, vectorHalf(kind, rnd));
            if (long64) {
                b.putLong(HostSseOracle.XMM_HIGH + 8 * i, vectorHalf(kind, rnd));
            }
        }
        for (int i = 0; i < 6 && long64; i++) {
            b.putInt(HostSseOracle.GPR_HIGH + 4 * i, rnd.nextBoolean() ? 0 : rnd.nextInt());
        }
        int mxcsr = rnd.nextInt(4) << 13;
        if (rnd.nextInt(4) == 0) {
            mxcsr |= 0x40; // DAZ
        }
        if (rnd.nextInt(4) == 0) {
            mxcsr |= 0x8000; // FTZ
        }
        mxcsr |= rnd.nextInt(5) == 0 ? rnd.nextInt(64) << 7 : 0x1F80;
        if (rnd.nextInt(8) == 0) {
            mxcsr |= rnd.nextInt(64) & (mxcsr >>> 7); // some masked flags already set
        }
        b.putInt(HostSseOracle.MXCSR, mxcsr);
        for (int i = 0; i < 6; i++) {
            int v = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(41) - 20;
                case 1 -> (int) float32(rnd);
                default -> rnd.nextInt();
            };
            b.putInt(HostSseOracle.GPR + 4 * i, v);
        }
        b.putInt(HostSseOracle.EFLAGS, 2 | (rnd.nextInt() & 0x8D5));
        b.putLong(HostSseOracle.MM, vectorHalf(kind, rnd));
        b.putLong(HostSseOracle.MM + 8, vectorHalf(kind, rnd));
        for (int i = 0; i < 8; i++) {
            b.putLong(HostSseOracle.MEM + 8 * i, vectorHalf(kind, rnd));
        }
        return b.array();
    }

    // ---------------------------------------------------------------- comparison

    /** Differences between host and emulation, or null when equal. */
    private static String diff(Spec spec, byte[] host, byte[] emu, boolean long64) {
        ByteBuffer h = ByteBuffer.wrap(host).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer e = ByteBuffer.wrap(emu).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder sb = new StringBuilder();
        int hf = h.getInt(HostSseOracle.FAULT), ef = e.getInt(HostSseOracle.FAULT);
        if (hf != ef) {
            sb.append(" fault host=").append(hf).append(" emu=").append(ef);
        }
        if (h.getInt(HostSseOracle.MXCSR) != e.getInt(HostSseOracle.MXCSR)) {
            sb.append(String.format(" mxcsr host=%04x emu=%04x", h.getInt(HostSseOracle.MXCSR),
                    e.getInt(HostSseOracle.MXCSR)));
        }
        if (hf != 0 || ef != 0) {
            return sb.isEmpty() ? null : sb.toString();
        }
        for (int i = 0; i < (long64 ? 16 : 8); i++) {
            int at = i < 8 ? 16 * i : HostSseOracle.XMM_HIGH + 16 * (i - 8);
            for (int k = 0; k < 2; k++) {
                long hv = h.getLong(at + 8 * k), ev = e.getLong(at + 8 * k);
                if (hv != ev && !(spec.approx() && approxEqual(hv, ev))) {
                    sb.append(String.format(" xmm%d.%s host=%016x emu=%016x", i, k == 0 ? "lo" : "hi", hv, ev));
                }
            }
        }
        String[] names = {"eax", "ecx", "edx", "ebx", "esi", "edi"};
        for (int i = 0; i < 6; i++) {
            if (i != 3 && !(i == 5 && h.getInt(HostSseOracle.RDI_IS_MEM) != 0) && h.getInt(HostSseOracle.GPR + 4 * i) != e.getInt(HostSseOracle.GPR + 4 * i)) {
                sb.append(String.format(" %s host=%08x emu=%08x", names[i], h.getInt(HostSseOracle.GPR + 4 * i),
                        e.getInt(HostSseOracle.GPR + 4 * i)));
            }
        }
        for (int i = 0; i < 6 && long64; i++) {
            int hv = h.getInt(HostSseOracle.GPR_HIGH + 4 * i), ev = e.getInt(HostSseOracle.GPR_HIGH + 4 * i);
            if (i != 3 && !(i == 5 && h.getInt(HostSseOracle.RDI_IS_MEM) != 0) && hv != ev) {
                sb.append(String.format(" %s[63:32] host=%08x emu=%08x", names[i], hv, ev));
            }
        }
        int hfl = h.getInt(HostSseOracle.EFLAGS) & 0x8D5, efl = e.getInt(HostSseOracle.EFLAGS) & 0x8D5;
        if (hfl != efl) {
            sb.append(String.format(" eflags host=%03x emu=%03x", hfl, efl));
        }
        for (int k = 0; k < 2; k++) {
            if (h.getLong(HostSseOracle.MM + 8 * k) != e.getLong(HostSseOracle.MM + 8 * k)) {
                sb.append(String.format(" mm%d host=%016x emu=%016x", k, h.getLong(HostSseOracle.MM + 8 * k),
                        e.getLong(HostSseOracle.MM + 8 * k)));
            }
        }
        for (int k = 0; k < 8; k++) {
            if (h.getLong(HostSseOracle.MEM + 8 * k) != e.getLong(HostSseOracle.MEM + 8 * k)) {
                sb.append(String.format(" mem+%d host=%016x emu=%016x", 8 * k, h.getLong(HostSseOracle.MEM + 8 * k),
                        e.getLong(HostSseOracle.MEM + 8 * k)));
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /** Both halves' single lanes within 2 * 1.5 * 2^-12 relative of each other (each is within the bound). */
    private static boolean approxEqual(long a, long b) {
        for (int i = 0; i < 2; i++) {
            int x = (int) (a >>> (32 * i)), y = (int) (b >>> (32 * i));
            if (x == y) {
                continue;
            }
            float fx = Float.intBitsToFloat(x), fy = Float.intBitsToFloat(y);
            if (!Float.isFinite(fx) || !Float.isFinite(fy) || Math.signum(fx) != Math.signum(fy)
                    || Math.abs(fx - fy) > 3 * 0x1p-12 * Math.abs(fx)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void everyEncodingMatchesTheHostCpu() throws Exception {
        Assumptions.assumeTrue(HostSseOracle.available(), "needs gcc on an x86-64 Linux host with SSE4.2");
        compareAll(SPECS, Integer.getInteger("sse.oracle.cases", 150), false);
    }

    /**
     * The same in 64-bit mode, with the REX forms (64-bit general registers, XMM8-15): runs only when the CPU model
     * has long mode.
     */
    @Test
    void everyEncodingMatchesTheHostCpuInLongMode() throws Exception {
        Assumptions.assumeTrue(HostSseOracle.available(), "needs gcc on an x86-64 Linux host with SSE4.2");
        try (Emulated probe = new Emulated(true)) {
            probe.run(new byte[] {(byte) 0x90}, new byte[HostSseOracle.STATE]);
            Assumptions.assumeTrue((probe.cpu.efer & SoftwareCpu.EFER_LMA) != 0, "this CPU model has no long mode");
        } catch (CpuFault f) {
            Assumptions.abort("this CPU model has no long mode (EFER.LME: " + f.getMessage() + ")");
        }
        List<Spec> specs = new ArrayList<>(SPECS64);
        specs.addAll(SPECS);
        compareAll(specs, Integer.getInteger("sse.oracle.cases", 150) / 3, true);
    }

    private void compareAll(List<Spec> specs, int perForm, boolean long64) throws Exception {
        long seed = Long.getLong("sse.oracle.seed", 20261126L);
        Random rnd = new Random(seed);
        Map<String, List<String>> failures = new LinkedHashMap<>();
        int cases = 0, passed = 0;
        try (HostSseOracle host = new HostSseOracle(tmp); Emulated emu = new Emulated(long64)) {
            String only = System.getProperty("sse.oracle.only");
            for (Spec spec : specs) {
                if (only != null && !spec.name().matches(only)) {
                    continue;
                }
                // forms: register, [RBX], [RBX+4] (misaligned: #GP for the aligned forms), [RBX+8]
                for (int form = 0; form < 4; form++) {
                    int modrm = form == 0 ? spec.regModrm() : spec.memModrm();
                    if (modrm < 0) {
                        continue;
                    }
                    byte[] disp = form >= 2 ? new byte[] {(byte) (form == 2 ? 4 : 8)} : new byte[0];
                    if (form >= 2) {
                        modrm |= 0x40;
                    }
                    for (int n = 0; n < perForm; n++) {
                        int len = spec.opcode().length;
                        byte[] code = new byte[len + 1 + disp.length + (spec.immMask() >= 0 ? 1 : 0)];
                        System.arraycopy(spec.opcode(), 0, code, 0, len);
                        code[len] = (byte) modrm;
                        System.arraycopy(disp, 0, code, len + 1, disp.length);
                        if (spec.immMask() >= 0) {
                            code[code.length - 1] = (byte) (rnd.nextInt(256) & spec.immMask());
                        }
                        byte[] state = randomState(spec.kind(), rnd, long64);
                        if (spec.name().startsWith("maskmov")) {
                            state[HostSseOracle.RDI_IS_MEM] = 1;
                        }
                        byte[] want = host.run(code, state);
                        byte[] got = emu.run(code, state);
                        cases++;
                        String d = diff(spec, want, got, long64);
                        if (d == null) {
                            passed++;
                        } else {
                            List<String> l = failures.computeIfAbsent(spec.name(), k -> new ArrayList<>());
                            if (l.size() < 3) {
                                ByteBuffer s = ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN);
                                l.add(HexFormat.of().formatHex(code) + String.format(
                                        " in: xmm0=%016x:%016x xmm1=%016x:%016x mem=%016x:%016x mxcsr=%04x eax=%08x"
                                                + " edx=%08x ->",
                                        s.getLong(8), s.getLong(0), s.getLong(24), s.getLong(16),
                                        s.getLong(HostSseOracle.MEM + 8), s.getLong(HostSseOracle.MEM),
                                        s.getInt(HostSseOracle.MXCSR), s.getInt(HostSseOracle.GPR),
                                        s.getInt(HostSseOracle.GPR + 8)) + d);
                            }
                        }
                    }
                }
            }
        }
        System.out.printf("SSE host oracle (%s): %d of %d cases identical (%d encodings)%n",
                long64 ? "64-bit mode" : "32-bit mode", passed, cases, specs.size());
        StringBuilder report = new StringBuilder();
        failures.forEach((name, l) -> {
            report.append(name).append(":\n");
            l.forEach(x -> report.append("  ").append(x).append('\n'));
        });
        assertEquals("", report.toString(), (cases - passed) + " of " + cases + " cases differ");
    }
}
