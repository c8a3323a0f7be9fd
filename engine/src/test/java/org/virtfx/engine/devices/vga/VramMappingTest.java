package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.platform.PcBoard;

/**
 * On the PC board VRAM lives in guest RAM: the linear framebuffer BAR and the VBE bank window are RAM mappings
 * (what the vCPU's TLB fast path writes without the device lock), and what is written there through the RAM path
 * reaches the screen through the guest RAM's dirty bitmap.
 */
class VramMappingTest {
    private static final long LFB = 0xE0000000L;

    private static X86Cpu idleCpu() {
        return (X86Cpu) Proxy.newProxyInstance(X86Cpu.class.getClassLoader(), new Class<?>[] {X86Cpu.class}, (p, m, a) -> {
            Class<?> r = m.getReturnType();
            return r == boolean.class ? false : r == int.class ? 0 : r == long.class ? 0L : r == String.class ? "idle" : null;
        });
    }

    private static void dispi(PcBoard board, int index, int value) {
        board.io().write(0x1CE, 2, index);
        board.io().write(0x1CF, 2, value);
    }

    private static int pixel(StdVga vga, int x, int y) {
        int[] px = new int[1];
        vga.copyPixels(x, y, 1, 1, px, 0, 1);
        return px[0];
    }

    @Test
    void framebufferAndBankWindowAreGuestRamWithDirtyTracking() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.seabios()), "SeaBIOS (Debian seabios) is missing");
        VgaTestRig ctx = new VgaTestRig();
        MachineConfig config = new MachineConfig("vram", 32L << 20, 1, null, null, null, "", null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH);
        try (PcBoard board = new PcBoard(config, ctx, host -> idleCpu())) {
            StdVga vga = (StdVga) board.lookup(DisplaySurface.class).orElseThrow();
            PhysicalMemory mem = board.memory();
            assertEquals(PhysicalMemory.Kind.MMIO, mem.kindOf(LFB), "BAR0 not programmed yet");
            board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x10, 4, (int) LFB);
            board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x04, 2, 0x0003);
            assertEquals(PhysicalMemory.Kind.RAM, mem.kindOf(LFB));
            assertEquals(PhysicalMemory.Kind.RAM, mem.kindOf(LFB + StdVga.VRAM_SIZE - 1));
            assertEquals(PhysicalMemory.Kind.MMIO, mem.kindOf(LFB + StdVga.VRAM_SIZE));
            assertEquals(32L << 20, mem.ramOffset(LFB), "VRAM follows the guest's 32 MiB of RAM");
            assertEquals(PhysicalMemory.Kind.MMIO, mem.kindOf(0xA0000), "VGA modes decode the window");

            dispi(board, VbeDispi.INDEX_XRES, 640);
            dispi(board, VbeDispi.INDEX_YRES, 480);
            dispi(board, VbeDispi.INDEX_BPP, 32);
            dispi(board, VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED | VbeDispi.LFB_ENABLED);
            vga.refresh();
            assertEquals(0xFF000000, pixel(vga, 20, 10));
            int[] updates = new int[1];
            vga.addListener(new DisplaySurface.Listener() {
                @Override
                public void resized(int w, int h) {
                }

                @Override
                public void updated(int x, int y, int w, int h) {
                    updates[0]++;
                }
            });
            mem.write(LFB + (10 * 640 + 20) * 4, 4, 0x00ABCDEF);       // the RAM path: no device involved
            vga.refresh();
            assertEquals(0xFFABCDEF, pixel(vga, 20, 10));
            assertEquals(1, updates[0]);
            vga.refresh();
            assertEquals(1, updates[0], "nothing written, nothing redrawn");

            assertEquals(PhysicalMemory.Kind.RAM, mem.kindOf(0xA0000), "VBE 32 bpp: the bank window is linear VRAM");
            assertEquals(PhysicalMemory.Kind.MMIO, mem.kindOf(0xB0000));
            dispi(board, VbeDispi.INDEX_BANK, 1);
            mem.write(0xA0000 + 4, 4, 0x00123456);                     // VRAM 0x10004: pixel 16385 = (385, 25)
            vga.refresh();
            assertEquals(0xFF123456, pixel(vga, 385, 25));
            assertEquals(0x00123456, mem.read(LFB + 0x10004, 4), "the same VRAM through the LFB");

            dispi(board, VbeDispi.INDEX_ENABLE, 0);
            assertEquals(PhysicalMemory.Kind.MMIO, mem.kindOf(0xA0000), "VBE off: the VGA decodes the window again");
            mem.write(LFB + 0xFF0000, 4, 0x11223344);                 // written by the CPU only, never rendered
            vga.reset();
            board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x10, 4, (int) LFB);
            board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x04, 2, 0x0003);
            assertEquals(0, mem.read(LFB + 0xFF0000, 4), "reset zeroes what the CPU wrote");
            assertEquals(0, mem.read(LFB + 0x10004, 4), "and what was rendered");
            assertEquals(0, mem.read(LFB + (10 * 640 + 20) * 4, 4));
            board.pci().configWrite(PcBoard.VGA_SLOT, 0, 0x04, 2, 0x0001);
            assertEquals(PhysicalMemory.Kind.MMIO, mem.kindOf(LFB), "memory decoding off: BAR0 unmapped");
        }
    }
}
