package org.virtfx.engine.cpu;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs an assembled bare-metal program on the test board and prints wall time, instructions retired and MIPS
 * (used by bench/boot-i386.sh; not a unit test). Arguments: program.bin [runs]. Also prints the thread's CPU time
 * and the MIPS per CPU second, the steadier figure on a busy host (wall time includes time the thread waited for a
 * core).
 */
public final class BareMetalBench {
    private BareMetalBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] prog = Files.readAllBytes(Path.of(args[0]));
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        for (int k = 0; k < runs; k++) {
            try (BareMetalProgramsTest.TestBoard b = new BareMetalProgramsTest.TestBoard(prog)) {
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long cpu0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                while (b.exitCode < 0 && !b.cpu.halted && !b.cpu.shutdown) {
                    b.cpu.runBatch(100_000);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
                long n = b.cpu.instructionsRetired();
                System.out.printf("virtfx: output=%s seconds=%.3f instructions=%d mips=%.1f cputime=%.3f"
                        + " cpu-mips=%.1f%n", b.serial, s, n, n / s / 1e6, cpu, n / cpu / 1e6);
            }
        }
    }
}
