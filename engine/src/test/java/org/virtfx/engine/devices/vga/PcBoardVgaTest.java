package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.display.ScreenTextSource;
import org.virtfx.engine.display.ScreenshotSource;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.platform.PcBoard;

/** The PC board carries the std VGA at 00:02.0 and hands it (and the i8042) out through lookup. */
class PcBoardVgaTest {
    /** A vCPU that never runs: the board is only wired, not started. */
    private static X86Cpu idleCpu() {
        return (X86Cpu) Proxy.newProxyInstance(X86Cpu.class.getClassLoader(), new Class<?>[] {X86Cpu.class}, (p, m, a) -> {
            Class<?> r = m.getReturnType();
            if (r == boolean.class) {
                return false;
            }
            if (r == int.class) {
                return 0;
            }
            if (r == long.class) {
                return 0L;
            }
            return r == String.class ? "idle" : null;
        });
    }

    @Test
    void boardHasTheVgaAtSlot2AndLooksItUp() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.seabios()), "SeaBIOS (Debian seabios) is missing");
        VgaTestRig ctx = new VgaTestRig();
        MachineConfig config = new MachineConfig("vga-board", 32L << 20, 1, null, null, null, "", null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH);
        try (PcBoard board = new PcBoard(config, ctx, host -> idleCpu())) {
            board.io().write(0xCF8, 4, 0x80000000 | PcBoard.VGA_SLOT << 11);
            assertEquals(0x11111234, board.io().read(0xCFC, 4));
            Object vga = board.lookup(DisplaySurface.class).orElseThrow();
            assertEquals(StdVga.class, vga.getClass());
            assertSame(vga, board.lookup(ScreenshotSource.class).orElseThrow());
            assertSame(vga, board.lookup(ScreenTextSource.class).orElseThrow());
            assertSame(board.keyboardController(), board.lookup(KeyboardInput.class).orElseThrow());
            assertSame(board.keyboardController(), board.lookup(PointerInput.class).orElseThrow());
            board.io().write(0x3C2, 1, 0x67);
            assertEquals(0x67, board.io().read(0x3CC, 1));
            if (GuestFixtures.present(GuestFixtures.vgaBios())) {
                board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x30, 4, 0xFEB00001);
                board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x04, 2, 0x0002);
                assertEquals(0xAA55, board.memory().read(0xFEB00000L, 2), "VGA BIOS in the ROM BAR");
            }
        }
    }
}
