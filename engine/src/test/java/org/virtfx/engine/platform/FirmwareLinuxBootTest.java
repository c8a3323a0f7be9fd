package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.boot.BadImageException;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.devices.FwCfg;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/** The fw_cfg kernel items a firmware boot of a bzImage provides (QEMU's -kernel with SeaBIOS), and bootorder. */
class FirmwareLinuxBootTest {
    @TempDir
    Path tmp;

    private final TestContext ctx = new TestContext();

    /** A bzImage-shaped file: 2 setup sectors + boot sector, protocol 2.15, the given initrd limit. */
    private static byte[] bzImage(int protocol, int kernelBytes) {
        byte[] image = new byte[3 * 512 + kernelBytes];
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        image[0x1F1] = 2;
        b.putShort(0x1FE, (short) 0xAA55);
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) protocol);
        image[0x211] = 0x01;                  // LOADED_HIGH
        b.putInt(0x22C, 0x7FFFFFFF);          // initrd_addr_max
        b.putInt(0x238, 2047);                // cmdline_size
        for (int i = 3 * 512; i < image.length; i++) {
            image[i] = (byte) (i * 7);
        }
        return image;
    }

    private FwCfg fwCfg() {
        PhysicalMemory memory = new PhysicalMemory(GuestMemory.allocate(1 << 20), new MmioBus(ctx.lock));
        return new FwCfg(ctx, memory);
    }

    private static int le32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void kernelSetupInitrdAndCommandLineAreItemsLikeQemus() throws Exception {
        FwCfg fw = fwCfg();
        byte[] image = bzImage(0x020F, 8192);
        byte[] initrd = new byte[10_000];
        Arrays.fill(initrd, (byte) 0x42);
        byte[] rom = {0x55, (byte) 0xAA, 1};
        long ram = 256L << 20;
        FirmwareLinuxBoot.install(fw, Path.of("k"), image, initrd, "console=ttyS0", ram, rom);

        assertEquals(0x100000, le32(fw.item(FwCfg.KERNEL_ADDR)));
        assertEquals(8192, le32(fw.item(FwCfg.KERNEL_SIZE)));
        assertArrayEquals(Arrays.copyOfRange(image, 1536, image.length), fw.item(FwCfg.KERNEL_DATA));
        assertEquals(0x10000, le32(fw.item(FwCfg.SETUP_ADDR)));
        assertEquals(1536, le32(fw.item(FwCfg.SETUP_SIZE)));
        assertEquals(0x20000, le32(fw.item(FwCfg.CMDLINE_ADDR)));
        assertEquals(14, le32(fw.item(FwCfg.CMDLINE_SIZE)));
        assertArrayEquals("console=ttyS0\0".getBytes(StandardCharsets.US_ASCII), fw.item(FwCfg.CMDLINE_DATA));
        long initrdAddr = ((ram - FirmwareLinuxBoot.ACPI_DATA_SIZE - 1) - initrd.length) & ~0xFFFL;
        assertEquals(initrdAddr, le32(fw.item(FwCfg.INITRD_ADDR)) & 0xFFFFFFFFL);
        assertEquals(initrd.length, le32(fw.item(FwCfg.INITRD_SIZE)));
        assertArrayEquals(initrd, fw.item(FwCfg.INITRD_DATA));

        ByteBuffer setup = ByteBuffer.wrap(fw.item(FwCfg.SETUP_DATA)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1536, setup.capacity());
        assertEquals(0xB0, setup.get(0x210) & 0xFF, "type_of_loader");
        assertEquals(0x81, setup.get(0x211) & 0xFF, "LOADED_HIGH | CAN_USE_HEAP");
        assertEquals(0x20000 - 0x10000 - 0x200, setup.getShort(0x224) & 0xFFFF, "heap_end_ptr");
        assertEquals(0x20000, setup.getInt(0x228), "cmd_line_ptr");
        assertEquals(initrdAddr, setup.getInt(0x218) & 0xFFFFFFFFL, "ramdisk_image");
        assertEquals(initrd.length, setup.getInt(0x21C), "ramdisk_size");
        assertArrayEquals(rom, file(fw, FirmwareLinuxBoot.ROM_FILE));
    }

    @Test
    void badKernelsAndOversizedInitrdsAreRefusedWithTheFileName() {
        FwCfg fw = fwCfg();
        byte[] noHeader = new byte[4096];
        BadImageException e = assertThrows(BadImageException.class,
                () -> FirmwareLinuxBoot.install(fw, Path.of("notakernel"), noHeader, new byte[0], "", 64L << 20, null));
        assertTrue(e.getMessage().contains("notakernel"), e.getMessage());
        assertThrows(BadImageException.class, () -> FirmwareLinuxBoot.install(fw, Path.of("old"), bzImage(0x0201, 512),
                new byte[0], "", 64L << 20, null));
        assertThrows(BadImageException.class, () -> FirmwareLinuxBoot.install(fw, Path.of("k"), bzImage(0x020F, 512),
                new byte[70 << 20], "", 64L << 20, null));
        assertNull(fw.item(FwCfg.KERNEL_DATA), "nothing installed from a refused kernel");
    }

    @Test
    void boardPutsTheLinuxbootRomFirstInBootorder() throws Exception {
        assumeTrue(Files.isReadable(FirmwareLinuxBoot.LINUXBOOT_ROM), "QEMU's linuxboot_dma.bin (qemu-system-data) missing");
        Path bios = tmp.resolve("bios.bin");
        Files.write(bios, new byte[128 << 10]);
        Path kernel = tmp.resolve("bzImage");
        Files.write(kernel, bzImage(0x020F, 4096));
        Path iso = tmp.resolve("cd.iso");
        Files.write(iso, new byte[2048 * 16]);
        MachineConfig c = new MachineConfig("t", 64L << 20, 1, bios, kernel, null, "console=ttyS0", iso, List.of(),
                false, null);
        try (PcBoard b = new PcBoard(c, ctx, RecordingCpu::new)) {
            assertEquals(FirmwareLinuxBoot.BOOT_ORDER_ENTRY + "\n" + PcBoard.IDE_PATH + "/drive@1/disk@0\n\0",
                    new String(file(b.fwCfg(), "bootorder"), StandardCharsets.US_ASCII));
            assertArrayEquals(Files.readAllBytes(FirmwareLinuxBoot.LINUXBOOT_ROM), file(b.fwCfg(), FirmwareLinuxBoot.ROM_FILE));
            assertEquals(4096, le32(b.fwCfg().item(FwCfg.KERNEL_SIZE)));
            assertTrue(!b.directBoot(), "the firmware boots the kernel");
        }
    }

    /** A named fw_cfg file, found through the file directory (big-endian entries of 64 bytes). */
    private static byte[] file(FwCfg fw, String name) throws IOException {
        ByteBuffer dir = ByteBuffer.wrap(fw.item(FwCfg.FILE_DIR));
        int n = dir.getInt();
        for (int i = 0; i < n; i++) {
            int base = 4 + 64 * i;
            int key = dir.getShort(base + 4) & 0xFFFF;
            byte[] raw = Arrays.copyOfRange(dir.array(), base + 8, base + 64);
            int len = 0;
            while (len < raw.length && raw[len] != 0) {
                len++;
            }
            if (new String(raw, 0, len, StandardCharsets.US_ASCII).equals(name)) {
                return fw.item(key);
            }
        }
        throw new IOException("no fw_cfg file " + name);
    }
}
