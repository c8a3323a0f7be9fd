package org.virtfx.engine.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.platform.RecordingCpu;

class LinuxBootTest {
    private static final long RAM = 64L << 20;
    private static final List<E820Entry> E820 = List.of(new E820Entry(0, 0x9FC00, 1), new E820Entry(0x9FC00, 0x400, 2),
            new E820Entry(0xE0000, 0x20000, 2), new E820Entry(0x100000, RAM - 0x100000, 1));
    private static final Path FILE = Path.of("synthetic-bzImage");

    /** A minimal bzImage: setup_sects 4, header as boot.rst describes, then a protected-mode payload. */
    static byte[] synthetic(int protocol, int xloadflags, int payload) {
        byte[] img = new byte[5 * 512 + payload];
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) 4);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB);
        b.put(0x201, (byte) 0x66);
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) protocol);
        b.put(0x211, (byte) 0x01);
        b.putInt(0x214, 0x100000);
        b.putInt(0x22C, 0x37FFFFFF);
        b.putInt(0x230, 0x200000);
        b.put(0x234, (byte) 1);
        b.putShort(0x236, (short) xloadflags);
        b.putInt(0x238, 2047);
        b.putInt(0x260, 0x400000);
        for (int i = 0; i < payload; i++) {
            img[5 * 512 + i] = (byte) (i * 7);
        }
        return img;
    }

    private static PhysicalMemory memory() {
        return memory(RAM);
    }

    private static PhysicalMemory memory(long size) {
        PhysicalMemory m = new PhysicalMemory(GuestMemory.allocate(size), new MmioBus(new java.util.concurrent.locks.ReentrantLock()));
        m.mapRam(0, size, 0);
        return m;
    }

    @Test
    void zeroPageLayoutForASyntheticKernel() throws Exception {
        byte[] img = synthetic(0x020F, 0, 8192);
        byte[] initrd = "070701-cpio-bytes".getBytes(StandardCharsets.US_ASCII);
        LinuxBoot boot = new LinuxBoot(FILE, img, initrd, "console=ttyS0 quiet", E820, false, false);
        PhysicalMemory m = memory();
        boot.load(m);
        ByteBuffer zp = ByteBuffer.wrap(boot.zeroPage()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x53726448, zp.getInt(0x202));
        assertEquals(0x020F, zp.getShort(0x206));
        assertEquals((byte) 0xFF, zp.get(0x210), "type_of_loader");
        assertEquals(1, zp.get(0x211) & 1, "LOADED_HIGH");
        assertEquals((short) 0xFFFF, zp.getShort(0x1FA), "vid_mode normal");
        assertEquals(0x20000, zp.getInt(0x228));
        assertEquals(4, zp.get(0x1E8));
        assertEquals(0x9FC00, zp.getLong(0x2D0 + 8));
        assertEquals(2, zp.getInt(0x2D0 + 20 + 16));
        assertEquals(0x100000, zp.getLong(0x2D0 + 60));
        long initrdAt = zp.getInt(0x218) & 0xFFFFFFFFL;
        assertEquals(initrd.length, zp.getInt(0x21C));
        assertEquals(0, initrdAt & 0xFFF, "page aligned");
        assertTrue(initrdAt + initrd.length <= RAM && initrdAt >= 0x100000 + 0x400000, "high, above init_size");
        byte[] back = new byte[initrd.length];
        m.read(initrdAt, back, 0, back.length);
        assertArrayEquals(initrd, back);
        byte[] cl = new byte[20];
        m.read(0x20000, cl, 0, 20);
        assertEquals("console=ttyS0 quiet\0", new String(cl, StandardCharsets.US_ASCII));
        byte[] kernel = new byte[8192];
        m.read(0x100000, kernel, 0, kernel.length);
        assertArrayEquals(Arrays.copyOfRange(img, 2560, img.length), kernel);
        byte[] inMemory = new byte[4096];
        m.read(LinuxBoot.ZERO_PAGE, inMemory, 0, 4096);
        assertArrayEquals(boot.zeroPage(), inMemory);
        assertEquals(0x00CF9B000000FFFFL, m.read(LinuxBoot.GDT + 0x10, 8));
    }

    @Test
    void thirtyTwoBitEntryState() throws Exception {
        LinuxBoot boot = new LinuxBoot(FILE, synthetic(0x020F, 1, 4096), null, "", E820, false, false);
        RecordingCpu cpu = new RecordingCpu(null);
        boot.enter(cpu);
        assertEquals(0x100000, cpu.rip);
        assertEquals(LinuxBoot.ZERO_PAGE, cpu.gpr[X86Cpu.RSI]);
        assertEquals(0x10, cpu.segments.get(X86Cpu.Segment.CS).selector());
        assertEquals(0xC09B, cpu.segments.get(X86Cpu.Segment.CS).accessRights());
        assertEquals(0x18, cpu.segments.get(X86Cpu.Segment.SS).selector());
        assertEquals(1, cpu.cr[0] & 1);
        assertEquals(0, cpu.cr[0] & 0x80000000L, "paging off");
        assertEquals(0, cpu.rflags & 0x200, "interrupts off");
        assertEquals(0, boot.initrdSize());
    }

    @Test
    void sixtyFourBitEntryWithIdentityPaging() throws Exception {
        LinuxBoot boot = new LinuxBoot(FILE, synthetic(0x020F, 1, 4096), new byte[100], "", E820, true, false);
        assertTrue(boot.usesLongMode());
        PhysicalMemory m = memory();
        boot.load(m);
        RecordingCpu cpu = new RecordingCpu(null);
        boot.enter(cpu);
        assertEquals(0x100200, cpu.rip);
        assertEquals(LinuxBoot.PML4, cpu.cr[3]);
        assertEquals(0x500L, cpu.msrs.get(0xC0000080));
        assertEquals(0xA09B, cpu.segments.get(X86Cpu.Segment.CS).accessRights(), "L=1 code segment");
        assertEquals(0x200000L | 0x83, m.read(LinuxBoot.PML4 + 0x2000 + 8, 8));
        assertEquals(0x00AF9B000000FFFFL, m.read(LinuxBoot.GDT + 0x10, 8));
        assertTrue(boot.initrdAddress() < (1L << 30));
        LinuxBoot old = new LinuxBoot(FILE, synthetic(0x020B, 1, 4096), null, "", E820, true, false);
        assertFalse(old.usesLongMode(), "protocol < 2.12 has no 64-bit entry");
    }

    @Test
    void badKernelsAreRefusedWithTheFileName() {
        byte[] notKernel = new byte[4096];
        BadImageException e = assertThrows(BadImageException.class,
                () -> new LinuxBoot(FILE, notKernel, null, "", E820, false, false));
        assertTrue(e.getMessage().startsWith("not a Linux kernel: synthetic-bzImage"), e.getMessage());
        e = assertThrows(BadImageException.class,
                () -> new LinuxBoot(FILE, synthetic(0x0201, 0, 512), null, "", E820, false, false));
        assertTrue(e.getMessage().contains("too old"), e.getMessage());
        e = assertThrows(BadImageException.class,
                () -> new LinuxBoot(FILE, synthetic(0x020F, 0, 512), new byte[80 << 20], "", E820, false, false));
        assertTrue(e.getMessage().contains("initrd"), e.getMessage());
        e = assertThrows(BadImageException.class,
                () -> new LinuxBoot(FILE, synthetic(0x020F, 0, 512), null, "x".repeat(3000), E820, false, false));
        assertTrue(e.getMessage().contains("command line"), e.getMessage());
    }

    @Test
    void debianKernelFixtures() throws Exception {
        for (GuestFixtures.Arch arch : GuestFixtures.Arch.values()) {
            Path kernel = GuestFixtures.kernel(arch);
            Path initrd = GuestFixtures.initramfs(arch);
            assumeTrue(GuestFixtures.present(kernel) && GuestFixtures.present(initrd), "guest fixtures not fetched");
            long ram = 512L << 20;
            List<E820Entry> map = List.of(new E820Entry(0, 0x9FC00, 1), new E820Entry(0x100000, ram - 0x100000, 1));
            LinuxBoot boot = new LinuxBoot(kernel, List.of(initrd), "console=ttyS0", map, true, true);
            assertTrue(boot.protocol() >= 0x020C, arch + " protocol " + Integer.toHexString(boot.protocol()));
            assertEquals(arch == GuestFixtures.Arch.AMD64, boot.isKernel64(), arch.toString());
            byte[] image = Files.readAllBytes(kernel);
            ByteBuffer zp = ByteBuffer.wrap(boot.zeroPage()).order(ByteOrder.LITTLE_ENDIAN);
            int headerEnd = 0x202 + (image[0x201] & 0xFF);
            assertArrayEquals(Arrays.copyOfRange(image, 0x1F1, 0x1FA), Arrays.copyOfRange(zp.array(), 0x1F1, 0x1FA));
            assertArrayEquals(Arrays.copyOfRange(image, 0x230, headerEnd), Arrays.copyOfRange(zp.array(), 0x230, headerEnd));
            long max = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(0x22C) & 0xFFFFFFFFL;
            assertTrue(boot.initrdAddress() + boot.initrdSize() <= max + 1);
            assertEquals(Files.size(initrd), boot.initrdSize(), 3, "initrd padded to 4 bytes at most");
            PhysicalMemory m = memory(ram);
            boot.load(m);
            int setup = ((image[0x1F1] & 0xFF) + 1) * 512;
            byte[] head = new byte[4096];
            m.read(0x100000, head, 0, head.length);
            assertArrayEquals(Arrays.copyOfRange(image, setup, setup + 4096), head);
        }
    }
}
