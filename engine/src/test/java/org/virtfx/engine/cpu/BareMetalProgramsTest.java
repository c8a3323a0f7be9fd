package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Bare-metal NASM programs (engine/src/test/asm) on a minimal test board: RAM, a serial capture at 0x3F8 and an
 * isa-debug-exit style port at 0xF4. Each program prints its progress and "PASS", then writes its status to 0xF4.
 */
@Tag("guest")
class BareMetalProgramsTest {
    @TempDir
    Path tmp;

    /** The test board: 8 MiB RAM, program loaded at 0x10000 and entered in real mode at 1000:0000. */
    static final class TestBoard implements AutoCloseable {
        final GuestMemory ram = GuestMemory.allocate(8 << 20);
        final StringBuilder serial = new StringBuilder();
        int exitCode = -1;
        final SoftwareCpu cpu;
        /** The port space, for tests that add a device of their own. */
        final IoBus io;

        TestBoard(byte[] program) {
            ReentrantLock lock = new ReentrantLock();
            PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
            phys.mapRam(0, 8 << 20, 0);
            io = new IoBus(lock);
            io.register(0x3F8, 1, "serial-capture", new PortDevice() {
                @Override
                public int ioRead(int port, int size) {
                    return 0;
                }

                @Override
                public void ioWrite(int port, int size, int value) {
                    serial.append((char) (value & 0xFF));
                }
            });
            io.register(0xF4, 1, "debug-exit", new PortDevice() {
                @Override
                public int ioRead(int port, int size) {
                    return 0xFF;
                }

                @Override
                public void ioWrite(int port, int size, int value) {
                    exitCode = value & 0xFF;
                }
            });
            ram.write(0x10000, program, 0, program.length);
            cpu = new SoftwareCpu(new CpuHost(0, 1, phys, io, null, null, CpuHost.DEFAULT_TSC_HZ));
            cpu.loadSegment(X86Cpu.Segment.CS, 0x1000, 0x10000, 0xFFFF, 0x9B);
            cpu.setRip(0);
        }

        /** Runs until the exit port is written, the CPU halts for good, or a step budget runs out. */
        void run() {
            for (int i = 0; i < 2000 && exitCode < 0 && !cpu.halted; i++) {
                cpu.runBatch(100_000);
                if (cpu.shutdown) {
                    serial.append("[triple fault]\n").append(cpu.describeState());
                    return;
                }
            }
        }

        @Override
        public void close() {
            ram.close();
        }
    }

    /** Assembles engine/src/test/asm/{@code name} into {@code tmp}; skips the test when nasm is missing. */
    static byte[] assemble(Path tmp, String name) throws IOException, InterruptedException {
        Path src = Path.of("src/test/asm", name);
        Assumptions.assumeTrue(Files.exists(src), "source not found: " + src.toAbsolutePath());
        Path out = tmp.resolve(name + ".bin");
        Process p;
        try {
            p = new ProcessBuilder("nasm", "-f", "bin", "-o", out.toString(), src.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("nasm not installed");
            throw e;
        }
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nasm hung");
        assertEquals(0, p.exitValue(), "nasm failed: " + log);
        return Files.readAllBytes(out);
    }

    @Test
    void protectedModePagingRingsAndGates() throws Exception {
        try (TestBoard board = new TestBoard(assemble(tmp, "protected.asm"))) {
            board.run();
            String out = board.serial.toString();
            assertTrue(out.contains("page fault handled"), out);
            assertTrue(out.contains("int 30 from ring 3"), out);
            assertTrue(out.contains("call gate from ring 3"), out);
            assertTrue(out.endsWith("PASS\n"), out);
            assertEquals(0, board.exitCode, out);
        }
    }

    @Test
    void exceptionsTaskSwitchAndVirtual8086() throws Exception {
        try (TestBoard board = new TestBoard(assemble(tmp, "tasks.asm"))) {
            board.run();
            String out = board.serial.toString();
            assertTrue(out.contains("#DE #UD #BR handled"), out);
            assertTrue(out.contains("task switch and back"), out);
            assertTrue(out.endsWith("PASS\n"), out);
            assertEquals(0, board.exitCode, out);
        }
    }

    @Test
    void x87MmxAndDeviceNotAvailable() throws Exception {
        try (TestBoard board = new TestBoard(assemble(tmp, "fpu.asm"))) {
            board.run();
            String out = board.serial.toString();
            assertTrue(out.contains("#NM, x87 arithmetic"), out);
            assertTrue(out.endsWith("PASS\n"), out);
            assertEquals(0, board.exitCode, out);
        }
    }

    @Test
    void sseFaultsAndArithmetic() throws Exception {
        try (TestBoard board = new TestBoard(assemble(tmp, "sse.asm"))) {
            board.run();
            String out = board.serial.toString();
            assertTrue(out.contains("#UD without OSFXSR"), out);
            assertTrue(out.contains("#GP misaligned MOVAPS"), out);
            assertTrue(out.contains("#XM, #UD without OSXMMEXCPT, LDMXCSR #GP"), out);
            assertTrue(out.endsWith("PASS\n"), out);
            assertEquals(0, board.exitCode, out);
        }
    }

    /**
     * The integer instruction mix of alu32.asm hashed on VirtFX and on QEMU (TCG), booted there from a floppy whose
     * boot sector loads the program to the same place: the hashes must be equal.
     */
    @Test
    void integerMixMatchesQemu() throws Exception {
        byte[] program = assemble(tmp, "alu32.asm");
        String virtfx;
        try (TestBoard board = new TestBoard(program)) {
            board.run();
            assertEquals(0, board.exitCode, board.serial.toString());
            virtfx = board.serial.toString();
        }
        Path bootSrc = Path.of("src/test/asm/floppy-boot.asm");
        Path boot = tmp.resolve("boot.bin");
        int sectors = (program.length + 511) / 512;
        Process nasm = new ProcessBuilder("nasm", "-f", "bin", "-DSECTORS=" + sectors, "-o", boot.toString(),
                bootSrc.toString()).redirectErrorStream(true).start();
        nasm.getInputStream().readAllBytes();
        assertEquals(0, nasm.waitFor());
        byte[] image = new byte[1474560];
        byte[] bootBytes = Files.readAllBytes(boot);
        System.arraycopy(bootBytes, 0, image, 0, 512);
        System.arraycopy(program, 0, image, 512, program.length);
        Path floppy = tmp.resolve("floppy.img");
        Files.write(floppy, image);
        Path serial = tmp.resolve("qemu-serial.txt");
        Process qemu;
        try {
            qemu = new ProcessBuilder("qemu-system-i386", "-accel", "tcg", "-m", "16", "-display", "none",
                    "-monitor", "none", "-serial", "file:" + serial, "-drive",
                    "if=floppy,format=raw,file=" + floppy, "-boot", "a", "-device",
                    "isa-debug-exit,iobase=0xf4,iosize=0x04").redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("qemu-system-i386 not installed");
            return;
        }
        qemu.getInputStream().readAllBytes();
        if (!qemu.waitFor(120, TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
            throw new AssertionError("QEMU did not finish");
        }
        assertEquals(1, qemu.exitValue(), "QEMU exit status (isa-debug-exit with 0)");
        assertEquals(Files.readString(serial), virtfx);
    }
}
