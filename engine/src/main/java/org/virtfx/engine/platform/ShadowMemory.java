package org.virtfx.engine.platform;

import java.util.Arrays;
import java.util.Objects;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * The 0xC0000-0xFFFFF window under i440FX PAM control (config 0x59-0x5F): thirteen segments (twelve of 16 KiB from
 * 0xC0000, one of 64 KiB at 0xF0000), each either reading the ROM behind it (the BIOS image's last 128 KiB for
 * 0xE0000-0xFFFFF, nothing below) or the shadow RAM.
 *
 * <p>Simplifications, chosen so that the vCPU keeps its fast RAM path for firmware code: read-only RAM (PAM 1) is
 * mapped as ordinary RAM, so a write there is not dropped; write-only RAM (PAM 2) first copies the ROM into the RAM
 * and then maps the RAM, so reading returns what the ROM holds and writes land in RAM, which is what the classic
 * "read ROM, write RAM" shadowing loop needs. SeaBIOS (PAM 3, copy from the high alias, then PAM 1) works exactly.
 */
final class ShadowMemory {
    static final long START = 0xC0000;
    static final int SEGMENTS = 13;

    private final PhysicalMemory memory;
    private final byte[] biosTail;   // the image's last 128 KiB (or less), ending at 0xFFFFF; null without firmware
    private final int[] modes = new int[SEGMENTS];

    ShadowMemory(PhysicalMemory memory, byte[] biosImage) {
        this.memory = Objects.requireNonNull(memory);
        if (biosImage == null) {
            biosTail = null;
        } else {
            int n = Math.min(biosImage.length, 128 << 10);
            biosTail = Arrays.copyOfRange(biosImage, biosImage.length - n, biosImage.length);
        }
        Arrays.fill(modes, -1);
    }

    static long base(int segment) {
        return segment < 12 ? START + segment * 0x4000L : 0xF0000;
    }

    static int length(int segment) {
        return segment < 12 ? 0x4000 : 0x10000;
    }

    /** The PAM nibble of {@code segment} in registers 0x59.. ({@code pam[0]} = 0x59). */
    static int modeOf(int[] pam, int segment) {
        if (segment == 12) {
            return (pam[0] >> 4) & 3;
        }
        int reg = 1 + segment / 2;
        return (segment % 2 == 0 ? pam[reg] : pam[reg] >> 4) & 3;
    }

    /** Applies new PAM values; with no firmware the whole window is plain RAM whatever the registers say. */
    void apply(int[] pam) {
        for (int s = 0; s < SEGMENTS; s++) {
            int mode = biosTail == null ? 3 : modeOf(pam, s);
            if (mode != modes[s]) {
                remap(s, modes[s], mode);
                modes[s] = mode;
            }
        }
    }

    private byte[] romBytes(int segment) {
        if (biosTail == null) {
            return null;
        }
        long romStart = 0x100000L - biosTail.length;
        long base = base(segment);
        if (base < romStart) {
            return null;   // option ROM space: nothing behind it (PCI ROMs are copied by the firmware)
        }
        int off = (int) (base - romStart);
        return Arrays.copyOfRange(biosTail, off, off + length(segment));
    }

    private void remap(int segment, int oldMode, int mode) {
        long base = base(segment);
        int len = length(segment);
        if (oldMode >= 0) {
            memory.unmap(base);
        }
        boolean toRam = mode != 0;
        if (mode == 2 && (oldMode == 0 || oldMode < 0)) {
            byte[] rom = romBytes(segment);
            if (rom != null) {
                memory.ram().write(base, rom, 0, rom.length);
            }
        }
        if (toRam) {
            memory.mapRam(base, len, base);
        } else {
            byte[] rom = romBytes(segment);
            if (rom != null) {
                memory.mapRom(base, rom);
            }
        }
    }
}
