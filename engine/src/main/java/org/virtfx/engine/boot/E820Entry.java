package org.virtfx.engine.boot;

/**
 * One entry of the BIOS e820 memory map, as boot loaders hand it to a kernel (Linux zero page, multiboot memory map)
 * and as fw_cfg's {@code etc/e820} gives it to SeaBIOS.
 */
public record E820Entry(long base, long length, int type) {
    public static final int RAM = 1, RESERVED = 2, ACPI = 3, NVS = 4, UNUSABLE = 5;

    public E820Entry {
        if (length <= 0) {
            throw new IllegalArgumentException("empty e820 entry at 0x" + Long.toHexString(base));
        }
    }

    public long end() {
        return base + length;
    }
}
