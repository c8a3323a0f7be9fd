package org.virtfx.engine.platform.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Intel MultiProcessor Specification 1.4 table (floating pointer + configuration table) for kernels that find
 * CPUs and the I/O APIC without ACPI (i386 kernels, {@code acpi=off}). Linux scans the last KiB of base memory
 * (0x9FC00) and 0xF0000-0xFFFFF for the "_MP_" pointer, so the board places the image in one of those areas.
 * Interrupt entries: ISA IRQs 0-15 (IRQ0 on pin 2, ExtINT on pin 0, IRQ9 level), PCI INTx to pins 16-19 and
 * LINT0 ExtINT / LINT1 NMI.
 */
public final class MpTable {
    private static final int ISA_BUS = 1, PCI_BUS = 0;

    private MpTable() {
    }

    /** Builds the floating pointer (first 16 bytes) and the configuration table after it, for address {@code base}. */
    public static byte[] build(int cpus, int ioApicId, List<Integer> pciSlots, int sciIrq, long base) {
        if (cpus < 1 || cpus > 254) {
            throw new IllegalArgumentException("MP table supports 1-254 CPUs, not " + cpus);
        }
        int entries = cpus + 2 + 1 + 16 + 4 * pciSlots.size() + 2;
        int length = 44 + 20 * cpus + 8 * (entries - cpus);
        ByteBuffer b = ByteBuffer.allocate(16 + length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("_MP_".getBytes(StandardCharsets.US_ASCII)).putInt((int) (base + 16)).put((byte) 1).put((byte) 4);
        b.put((byte) 0).put((byte) 0).putInt(0);
        b.position(16);
        b.put("PCMP".getBytes(StandardCharsets.US_ASCII)).putShort((short) length).put((byte) 4).put((byte) 0);
        b.put("VIRTFX  ".getBytes(StandardCharsets.US_ASCII)).put("VIRTFX PC   ".getBytes(StandardCharsets.US_ASCII));
        b.putInt(0).putShort((short) 0).putShort((short) entries).putInt((int) AcpiTables.LAPIC_BASE);
        b.putShort((short) 0).put((byte) 0).put((byte) 0);
        for (int i = 0; i < cpus; i++) {
            b.put((byte) 0).put((byte) i).put((byte) 0x14).put((byte) (1 | (i == 0 ? 2 : 0)));
            b.putInt(0x0600).putInt(0x0201).putLong(0); // family 6; FPU + APIC feature flags
        }
        b.put((byte) 1).put((byte) PCI_BUS).put("PCI   ".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 1).put((byte) ISA_BUS).put("ISA   ".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 2).put((byte) ioApicId).put((byte) 0x20).put((byte) 1).putInt((int) AcpiTables.IOAPIC_BASE);
        interrupt(b, 3, 3, 0, ISA_BUS, 0, ioApicId, 0);            // ExtINT through pin 0
        for (int irq = 0; irq < 16; irq++) {
            if (irq == 2) {
                continue;
            }
            int flags = irq == sciIrq ? 0x0D : 0;                   // SCI: active high, level
            interrupt(b, 3, 0, flags, ISA_BUS, irq, ioApicId, irq == 0 ? 2 : irq);
        }
        for (int slot : pciSlots) {
            for (int pin = 0; pin < 4; pin++) {
                interrupt(b, 3, 0, 0x0F, PCI_BUS, slot << 2 | pin, ioApicId, 16 + ((slot + pin - 1) & 3));
            }
        }
        interrupt(b, 4, 3, 0, ISA_BUS, 0, 0xFF, 0);                // LINT0 ExtINT
        interrupt(b, 4, 1, 0, ISA_BUS, 0, 0xFF, 1);                // LINT1 NMI
        byte[] a = b.array();
        a[16 + 7] = AcpiTables.checksum(a, 16, length);
        a[10] = AcpiTables.checksum(a, 0, 16);
        return a;
    }

    private static void interrupt(ByteBuffer b, int type, int kind, int flags, int bus, int busIrq, int dest, int pin) {
        b.put((byte) type).put((byte) kind).putShort((short) flags).put((byte) bus).put((byte) busIrq);
        b.put((byte) dest).put((byte) pin);
    }
}
