package org.virtfx.engine.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.virtfx.engine.HostTools.onPath;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.platform.RecordingCpu;

class MultibootLoaderTest {
    private static final long RAM = 32L << 20;
    private static final List<E820Entry> E820 = List.of(new E820Entry(0, 0x9FC00, 1), new E820Entry(0x9FC00, 0x400, 2),
            new E820Entry(0x100000, RAM - 0x100000, 1));

    @TempDir
    Path tmp;

    /** Assembles a test kernel from the test resources with nasm (and links ELF ones with ld). */
    static Path build(Path dir, String name, boolean elf) throws IOException, InterruptedException {
        assumeTrue(onPath("nasm"), "nasm is not installed");
        Path src = dir.resolve(name + ".asm");
        try (InputStream in = MultibootLoaderTest.class.getResourceAsStream(name + ".asm")) {
            Files.copy(in, src);
        }
        Path out = dir.resolve(name + (elf ? ".o" : ".bin"));
        run(dir, "nasm", "-f", elf ? "elf32" : "bin", "-o", out.toString(), src.toString());
        if (!elf) {
            return out;
        }
        assumeTrue(onPath("ld"), "ld is not installed");
        Path exe = dir.resolve(name + ".elf");
        run(dir, "ld", "-m", "elf_i386", "-Ttext=0x200000", "-e", "start", "-o", exe.toString(), out.toString());
        return exe;
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + output);
        }
    }

    private static PhysicalMemory memory() {
        PhysicalMemory m = new PhysicalMemory(GuestMemory.allocate(RAM), new MmioBus(new ReentrantLock()));
        m.mapRam(0, RAM, 0);
        return m;
    }

    private static String cString(PhysicalMemory m, long addr) {
        StringBuilder sb = new StringBuilder();
        for (long a = addr; m.read(a, 1) != 0; a++) {
            sb.append((char) m.read(a, 1));
        }
        return sb.toString();
    }

    @Test
    void aoutKludgeKernelWithModulesAndInfoBlock() throws Exception {
        Path kernel = build(tmp, "multiboot-aout", false);
        Path mod1 = Files.writeString(tmp.resolve("one.txt"), "first module");
        Path mod2 = Files.writeString(tmp.resolve("two.txt"), "second");
        MultibootLoader loader = new MultibootLoader(kernel, List.of(mod1, mod2), "debug=1", E820);
        PhysicalMemory m = memory();
        m.write(0x100000 + Files.size(kernel), 8, -1L);   // garbage where the bss goes
        loader.load(m);
        byte[] image = Files.readAllBytes(kernel);
        assertEquals(0x1BADB002L, m.read(0x100000, 4));
        assertEquals(image[image.length - 1] & 0xFF, m.read(0x100000 + image.length - 1, 1));
        assertEquals(0, m.read(0x100000 + image.length, 8), "bss zeroed");
        long info = MultibootLoader.INFO;
        assertEquals(0x24D, m.read(info, 4), "mem, cmdline, mods, mmap, loader name");
        assertEquals(639, m.read(info + 4, 4));
        assertEquals((RAM - 0x100000) / 1024, m.read(info + 8, 4));
        assertEquals(kernel + " debug=1", cString(m, m.read(info + 16, 4)));
        assertEquals(2, m.read(info + 20, 4));
        long mods = m.read(info + 24, 4);
        long start1 = m.read(mods, 4);
        assertEquals(0, start1 & 0xFFF, "page aligned");
        assertEquals("first module", cString(m, start1).substring(0, 12));
        assertEquals(start1 + 12, m.read(mods + 4, 4));
        assertEquals(mod2.toString(), cString(m, m.read(mods + 16 + 8, 4)));
        assertEquals(72, m.read(info + 44, 4), "three 24-byte mmap entries");
        long mmap = m.read(info + 48, 4);
        assertEquals(20, m.read(mmap, 4));
        assertEquals(0x9FC00, m.read(mmap + 12, 8));
        assertEquals(2, m.read(mmap + 24 + 20, 4));
        assertEquals("VirtFX", cString(m, m.read(info + 64, 4)));
        RecordingCpu cpu = new RecordingCpu(null);
        loader.enter(cpu);
        assertEquals(0x2BADB002L, cpu.gpr[X86Cpu.RAX]);
        assertEquals(info, cpu.gpr[X86Cpu.RBX]);
        assertEquals(loader.entry(), cpu.rip);
        assertEquals(0x100020, cpu.rip, "entry_addr after the 32-byte header");
        assertEquals(0xC09B, cpu.segments.get(X86Cpu.Segment.CS).accessRights());
    }

    @Test
    void elfKernelIsLoadedByProgramHeaders() throws Exception {
        Path kernel = build(tmp, "multiboot-elf", true);
        MultibootLoader loader = new MultibootLoader(kernel, List.of(), "", E820);
        PhysicalMemory m = memory();
        loader.load(m);
        assertEquals(0x1BADB002L, m.read(0x200000, 4));
        assertEquals(0x20000C, loader.entry());
        assertEquals(0, m.read(MultibootLoader.INFO + 20, 4), "no modules");
    }

    @Test
    void refusesUnsupportedHeaders() throws Exception {
        byte[] img = new byte[64];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(img).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x1BADB002).putInt(4, 0x8).putInt(8, -(0x1BADB002 + 0x8));
        Path f = Files.write(tmp.resolve("k"), img);
        BadImageException e = assertThrows(BadImageException.class, () -> new MultibootLoader(f, List.of(), "", E820));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("0x8"), e.getMessage());
        b.putInt(4, 0).putInt(8, -0x1BADB002);
        Files.write(f, img);
        e = assertThrows(BadImageException.class, () -> new MultibootLoader(f, List.of(), "", E820));
        assertTrue(e.getMessage().contains("neither ELF"), e.getMessage());
    }
}
