package org.virtfx.engine.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Guest-controlled input never breaks the x87: random encodings on random register contents, control words, status
 * words and memory images (FLDENV/FRSTOR/FXRSTOR of garbage) only ever produce FpuException (#MF, #UD, #GP), and the
 * state stays well-formed (TOP 0..7, 16-bit words).
 */
class X87RobustnessTest {
    @Test
    void randomInstructionStreamsOnlyRaiseFpuExceptions() {
        Random r = new Random(0xF00D);
        ByteArrayFpuMemory mem = new ByteArrayFpuMemory(0x2000);
        X87 x = new X87();
        int faults = 0;
        for (int i = 0; i < 200_000; i++) {
            if ((i & 255) == 0) {
                r.nextBytes(mem.bytes);
                mem.operandSize32 = r.nextBoolean();
                mem.protectedMode = r.nextBoolean();
                mem.numericErrorNative = r.nextBoolean();
            }
            int escape = 0xD8 + r.nextInt(8);
            int modrm = r.nextInt(256);
            try {
                x.setInstructionPointers(r.nextInt(), r.nextLong(), r.nextInt(), r.nextLong());
                x.execute(escape, modrm, r.nextInt(0x1000), mem);
                if (r.nextInt(64) == 0) {
                    x.fxrstor(r.nextInt(0x100) * 16, mem, r.nextBoolean(), new SseState());
                }
                if (r.nextInt(64) == 0) {
                    x.setMmx(r.nextInt(8), r.nextLong());
                }
            } catch (FpuException e) {
                faults++;
                assertTrue(e.vector() == FpuException.VECTOR_MF || e.vector() == FpuException.VECTOR_UD
                        || e.vector() == FpuException.VECTOR_GP, "vector " + e.vector());
                if (e.vector() == FpuException.VECTOR_MF) {
                    x.execute(0xDB, 0xE2, 0, mem); // FNCLEX, as an #MF handler would
                }
            }
            assertEquals(0, x.statusWord() & ~0xFFFF);
            assertEquals(0, x.controlWord() & ~0x1F7F);
        }
        assertTrue(faults > 0, "the random stream exercised the fault paths");
    }
}
