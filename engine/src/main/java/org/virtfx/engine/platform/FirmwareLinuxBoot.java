package org.virtfx.engine.platform;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.virtfx.engine.boot.BadImageException;
import org.virtfx.engine.devices.FwCfg;

/**
 * A Linux bzImage booted through the firmware, as {@code qemu -kernel} does when SeaBIOS runs: the kernel's real-mode
 * setup, its protected-mode part, the initrd and the command line become fw_cfg items (QEMU's {@code x86_load_linux}
 * layout: setup at 0x10000, command line at 0x20000, kernel at 1 MiB, initrd as high as the kernel and the firmware's
 * ACPI area allow), and QEMU's {@code linuxboot_dma.bin} option ROM, taken from the host at run time, copies them into
 * place and jumps to the setup code. The {@code bootorder} file puts that ROM first.
 */
final class FirmwareLinuxBoot {
    /** Debian's qemu-system-data ships the option ROM here; it is never copied into VirtFX. */
    static final Path LINUXBOOT_ROM = Path.of("/usr/share/qemu/linuxboot_dma.bin");
    static final String ROM_FILE = "genroms/linuxboot_dma.bin";
    static final String BOOT_ORDER_ENTRY = "/rom@" + ROM_FILE;
    static final long REAL_ADDR = 0x10000, CMDLINE_ADDR = 0x20000, PROT_ADDR = 0x100000;
    /** What QEMU keeps free below the top of low RAM for the firmware's ACPI tables (pc machine acpi_data_size). */
    static final long ACPI_DATA_SIZE = 0x20000 + 0x8000;
    private static final int HDRS = 0x53726448;
    private static final long DEFAULT_INITRD_MAX = 0x37FFFFFFL;

    private FirmwareLinuxBoot() {
    }

    /** The option ROM if the host has it, else null. */
    static byte[] readOptionRom(Path rom) throws IOException {
        return Files.isReadable(rom) ? Files.readAllBytes(rom) : null;
    }

    /**
     * Puts the kernel, initrd and command line into {@code fw}.
     *
     * @param ramBelow4g RAM below 4 GiB (the initrd goes under its top, clear of the firmware's ACPI tables)
     * @throws BadImageException when the kernel is not a bzImage this path can boot, or the initrd does not fit
     */
    static void install(FwCfg fw, Path kernelFile, byte[] image, byte[] initrd, String commandLine, long ramBelow4g,
                        byte[] optionRom) throws BadImageException {
        if (image.length < 0x264 + 4) {
            throw new BadImageException("not a Linux kernel: " + kernelFile + " (too short for a boot header)");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0x202) != HDRS) {
            throw new BadImageException("not a Linux kernel: " + kernelFile + " (no bzImage boot header)");
        }
        int protocol = b.getShort(0x206) & 0xFFFF;
        if (protocol < 0x0202 || (image[0x211] & 0x01) == 0) {
            throw new BadImageException(String.format("%s: boot protocol %d.%02d or a zImage; firmware boot needs a "
                    + "bzImage with protocol 2.02 or newer", kernelFile, protocol >> 8, protocol & 0xFF));
        }
        int setupSects = image[0x1F1] & 0xFF;
        int setupSize = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        if (setupSize >= image.length) {
            throw new BadImageException(kernelFile + ": truncated kernel (setup of " + setupSize + " bytes, file of "
                    + image.length + ")");
        }
        byte[] cmdline = Arrays.copyOf(commandLine.getBytes(StandardCharsets.US_ASCII), commandLine.length() + 1);
        int cmdlineMax = protocol >= 0x0206 ? b.getInt(0x238) : 255;
        if (cmdline.length - 1 > cmdlineMax) {
            throw new BadImageException(String.format("%s: command line of %d bytes is longer than the kernel accepts "
                    + "(%d)", kernelFile, cmdline.length - 1, cmdlineMax));
        }
        byte[] setup = Arrays.copyOf(image, setupSize);
        ByteBuffer h = ByteBuffer.wrap(setup).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x228, (int) CMDLINE_ADDR);                          // cmd_line_ptr
        h.put(0x210, (byte) 0xB0);                                    // type_of_loader: QEMU
        h.put(0x211, (byte) (setup[0x211] | 0x80));                   // CAN_USE_HEAP
        h.putShort(0x224, (short) (CMDLINE_ADDR - REAL_ADDR - 0x200)); // heap_end_ptr: up to the command line

        long initrdAddr = 0;
        if (initrd.length > 0) {
            long initrdMax = protocol >= 0x0203 ? b.getInt(0x22C) & 0xFFFFFFFFL : DEFAULT_INITRD_MAX;
            if (initrdMax >= ramBelow4g - ACPI_DATA_SIZE) {
                initrdMax = ramBelow4g - ACPI_DATA_SIZE - 1;
            }
            long kernelEnd = PROT_ADDR + (image.length - setupSize);
            initrdAddr = (initrdMax - initrd.length) & ~0xFFFL;
            if (initrd.length > initrdMax || initrdAddr < kernelEnd) {
                throw new BadImageException(String.format("initrd of %d bytes does not fit in guest RAM next to %s "
                        + "(RAM below 4 GiB: %d MiB)", initrd.length, kernelFile, ramBelow4g >> 20));
            }
            h.putInt(0x218, (int) initrdAddr);                        // ramdisk_image
            h.putInt(0x21C, initrd.length);                           // ramdisk_size
        }

        fw.putInt(FwCfg.KERNEL_ADDR, (int) PROT_ADDR);
        fw.putInt(FwCfg.KERNEL_SIZE, image.length - setupSize);
        fw.put(FwCfg.KERNEL_DATA, Arrays.copyOfRange(image, setupSize, image.length));
        fw.putInt(FwCfg.INITRD_ADDR, (int) initrdAddr);
        fw.putInt(FwCfg.INITRD_SIZE, initrd.length);
        fw.put(FwCfg.INITRD_DATA, initrd);
        fw.putInt(FwCfg.CMDLINE_ADDR, (int) CMDLINE_ADDR);
        fw.putInt(FwCfg.CMDLINE_SIZE, cmdline.length);
        fw.put(FwCfg.CMDLINE_DATA, cmdline);
        fw.putInt(FwCfg.SETUP_ADDR, (int) REAL_ADDR);
        fw.putInt(FwCfg.SETUP_SIZE, setupSize);
        fw.put(FwCfg.SETUP_DATA, setup);
        if (optionRom != null) {
            fw.putFile(ROM_FILE, optionRom);
        }
    }
}
