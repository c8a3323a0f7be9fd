package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.pci.PciBus;

/** The card as firmware and Linux's bochs driver see it through PCI: IDs, BAR sizes, LFB, MMIO block, ROM. */
class StdVgaPciTest {
    @Test
    void barsMmioBlockAndRomAsTheBochsDriverUsesThem() throws IOException {
        assumeTrue(GuestFixtures.present(GuestFixtures.vgaBios()), "vgabios-stdvga.bin (Debian seabios) is missing");
        byte[] rom = Files.readAllBytes(GuestFixtures.vgaBios());
        VgaTestRig ctx = new VgaTestRig();
        ReentrantLock lock = ctx.lock;
        IoBus io = new IoBus(lock);
        MmioBus mmio = new MmioBus(lock);
        StdVga vga = new StdVga(ctx, io, mmio, null, rom);
        PciBus bus = new PciBus(io, mmio);
        bus.attach(2, 0, vga);
        assertEquals(0x11111234, bus.configRead(2, 0, 0, 4));
        assertEquals(0x030000, bus.configRead(2, 0, 8, 4) >>> 8);
        bus.configWrite(2, 0, 0x10, 4, 0xFFFFFFFF);
        assertEquals(0xFF000008, bus.configRead(2, 0, 0x10, 4), "16 MiB prefetchable memory BAR");
        bus.configWrite(2, 0, 0x18, 4, 0xFFFFFFFF);
        assertEquals(0xFFFFF000, bus.configRead(2, 0, 0x18, 4), "4 KiB MMIO BAR");
        bus.configWrite(2, 0, 0x10, 4, 0xFD000000);
        bus.configWrite(2, 0, 0x18, 4, 0xFEBF0000);
        bus.configWrite(2, 0, 0x30, 4, 0xFEB00001);
        bus.configWrite(2, 0, 0x04, 2, 0x0003);
        assertEquals(0xAA55, mmio.read(0xFEB00000L, 2), "ROM BAR serves the VGA BIOS");
        assertEquals(rom[100] & 0xFF, mmio.read(0xFEB00000L + 100, 1));
        assertEquals(0xFFFFFF00L, mmio.read(0xFEBF0000L, 4), "EDID header at BAR2 offset 0");
        mmio.write(0xFEBF0500L, 2, 0xB0C5);                          // DISPI ID through BAR2
        assertEquals(0xB0C5, mmio.read(0xFEBF0500L, 2));
        assertEquals(256, mmio.read(0xFEBF0500L + 2 * VbeDispi.INDEX_VIDEO_MEMORY_64K, 2));
        assertEquals(8, mmio.read(0xFEBF0600L, 4), "QEMU extension region size");
        mmio.write(0xFEBF0500L + 2 * VbeDispi.INDEX_XRES, 2, 640);
        mmio.write(0xFEBF0500L + 2 * VbeDispi.INDEX_YRES, 2, 480);
        mmio.write(0xFEBF0500L + 2 * VbeDispi.INDEX_BPP, 2, 32);
        mmio.write(0xFEBF0500L + 2 * VbeDispi.INDEX_ENABLE, 2, VbeDispi.ENABLED | VbeDispi.LFB_ENABLED);
        mmio.write(0xFD000000L + (10 * 640 + 20) * 4, 4, 0x00ABCDEF);  // pixel (20, 10) through the LFB
        assertEquals(0x00ABCDEFL, mmio.read(0xFD000000L + (10 * 640 + 20) * 4, 4));
        io.write(0x3C2, 1, 0x01);                                     // colour I/O addresses
        mmio.read(0xFEBF041AL, 1);                                    // 0x3DA via BAR2: reset flip-flop
        mmio.write(0xFEBF0400L, 1, 0x20);                             // unblank as bochs_hw_blank does
        vga.refresh();
        assertEquals(640, vga.width());
        int[] px = new int[1];
        vga.copyPixels(20, 10, 1, 1, px, 0, 1);
        assertEquals(0xFFABCDEF, px[0]);
    }
}
