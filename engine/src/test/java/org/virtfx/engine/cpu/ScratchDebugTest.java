package org.virtfx.engine.cpu;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScratchDebugTest {
    @Test
    void mips() throws Exception {
        byte[] prog = Files.readAllBytes(Path.of("/tmp/mips.bin"));
        for (int k = 0; k < 3; k++) {
            try (BareMetalProgramsTest.TestBoard b = new BareMetalProgramsTest.TestBoard(prog)) {
                long t0 = System.nanoTime();
                while (b.exitCode < 0 && !b.cpu.halted && !b.cpu.shutdown) {
                    b.cpu.runBatch(100_000);
                }
                long t1 = System.nanoTime();
                System.out.printf("%s retired=%d %.1f MIPS%n", b.serial, b.cpu.retired, b.cpu.retired * 1e3 / (t1 - t0));
            }
        }
    }
}
