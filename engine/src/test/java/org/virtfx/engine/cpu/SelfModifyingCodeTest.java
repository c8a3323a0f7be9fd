package org.virtfx.engine.cpu;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-modifying code (engine/src/test/asm/smc.asm): stores over instructions already executed, code written through
 * one virtual mapping and run through another, code replaced by a device write through GuestMemory, and the same bytes
 * run as 16-bit and then as 32-bit code. Each must run the new bytes (or the bytes as the current mode reads them),
 * whatever the CPU caches of decoded instructions (the {@link DecodeCache}; a run with it switched off is the
 * reference).
 */
@Tag("guest")
class SelfModifyingCodeTest {
    @TempDir
    Path tmp;

    @Test
    void patchedAliasedAndDeviceWrittenCodeRunsTheNewBytes() throws Exception {
        try (BareMetalProgramsTest.TestBoard board =
                     new BareMetalProgramsTest.TestBoard(BareMetalProgramsTest.assemble(tmp, "smc.asm"))) {
            // the "DMA" device: replaces the routine at 0x300000 with xor eax, eax / mov al, 7 / ret
            board.addWritePort(0xE0, "code-dma", 0xFF,
                    b -> board.ram.write(0x300000, new byte[] {0x31, (byte) 0xC0, (byte) 0xB0, 0x07, (byte) 0xC3}, 0, 5));
            board.runExpectingPass("mode-changed code ran", "patched code ran", "aliased code ran",
                    "device-written code ran");
        }
    }
}
