package org.virtfx.engine.platform.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the ACPI tables a directly booted kernel needs (RSDP, RSDT, XSDT, FADT with FACS, MADT, optional HPET,
 * DSDT in AML) as one blob to be copied to guest-physical {@code base} (reserved in the e820 map; the RSDP address
 * goes into the zero page's {@code acpi_rsdp_addr}). The FADT describes the PIIX4 PM block (PM1a event at the PM
 * base, PM1a control at +4, PM timer at +8, SCI on IRQ 9), the 0xCF9 reset register and the fixed-feature power
 * button; the DSDT carries {@code \_S5} (SLP_TYP 0, as QEMU's PIIX4 PM expects) and a PCI root bridge whose
 * {@code _PRT} routes INTx straight to I/O APIC inputs 16-19.
 */
public final class AcpiTables {
    private static final byte[] OEM_ID = "VIRTFX".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OEM_TABLE = "VIRTFXPC".getBytes(StandardCharsets.US_ASCII);

    /**
     * @param cpus       number of vCPUs (APIC IDs 0..cpus-1)
     * @param pmBase     PIIX4 PM I/O base
     * @param sciIrq     SCI interrupt (9)
     * @param hpet       whether an HPET answers at 0xFED00000
     * @param pciSlots   PCI slots on bus 0 that carry devices (for {@code _PRT})
     * @param pciHoleStart start of the 32-bit PCI memory window (up to 0xFEBFFFFF), for the root bridge's {@code _CRS}
     */
    public record Config(int cpus, int pmBase, int sciIrq, boolean hpet, List<Integer> pciSlots, long pciHoleStart) {
        public Config {
            if (cpus < 1 || cpus > 255) {
                throw new IllegalArgumentException("ACPI tables support 1-255 CPUs, not " + cpus);
            }
            pciSlots = List.copyOf(pciSlots);
        }
    }

    /** The table image and where its RSDP ended up. */
    public record Image(long base, byte[] bytes, long rsdpAddress) {
    }

    public static final long LAPIC_BASE = 0xFEE0_0000L;
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long HPET_BASE = 0xFED0_0000L;

    private AcpiTables() {
    }

    /** Lays the tables out from {@code base} (must be 64-byte aligned: the FACS needs it). */
    public static Image build(Config cfg, long base) {
        if ((base & 63) != 0) {
            throw new IllegalArgumentException("ACPI table base must be 64-byte aligned");
        }
        ByteBuffer img = ByteBuffer.allocate(16384).order(ByteOrder.LITTLE_ENDIAN);
        int rsdp = 0;
        int facs = 64;
        img.position(facs);
        img.put("FACS".getBytes(StandardCharsets.US_ASCII)).putInt(64).putInt(0).putInt(0).putInt(0).putInt(0);
        img.put(32 + facs, (byte) 1); // version
        int pos = facs + 64;

        byte[] dsdt = dsdt(cfg);
        int dsdtAt = pos;
        put(img, dsdtAt, dsdt);
        pos = align(dsdtAt + dsdt.length);

        int fadtAt = pos;
        byte[] fadt = fadt(cfg, base + facs, base + dsdtAt);
        put(img, fadtAt, fadt);
        pos = align(fadtAt + fadt.length);

        int madtAt = pos;
        byte[] madt = madt(cfg);
        put(img, madtAt, madt);
        pos = align(madtAt + madt.length);

        List<Long> tables = new ArrayList<>(List.of(base + fadtAt, base + madtAt));
        if (cfg.hpet()) {
            byte[] hpet = hpet();
            put(img, pos, hpet);
            tables.add(base + pos);
            pos = align(pos + hpet.length);
        }

        int rsdtAt = pos;
        ByteBuffer rsdt = table("RSDT", 1, 36 + 4 * tables.size());
        for (long t : tables) {
            rsdt.putInt((int) t);
        }
        byte[] rsdtBytes = finish(rsdt);
        put(img, rsdtAt, rsdtBytes);
        pos = align(rsdtAt + rsdtBytes.length);

        int xsdtAt = pos;
        ByteBuffer xsdt = table("XSDT", 1, 36 + 8 * tables.size());
        for (long t : tables) {
            xsdt.putLong(t);
        }
        byte[] xsdtBytes = finish(xsdt);
        put(img, xsdtAt, xsdtBytes);
        pos = align(xsdtAt + xsdtBytes.length);

        ByteBuffer r = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        r.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put(OEM_ID).put((byte) 2);
        r.putInt((int) (base + rsdtAt)).putInt(36).putLong(base + xsdtAt);
        byte[] rb = r.array();
        rb[8] = checksum(rb, 0, 20);
        rb[32] = checksum(rb, 0, 36);
        put(img, rsdp, rb);

        byte[] out = new byte[pos];
        img.get(0, out);
        return new Image(base, out, base + rsdp);
    }

    private static byte[] fadt(Config cfg, long facs, long dsdt) {
        ByteBuffer f = table("FACP", 3, 244);
        f.putInt(36, (int) facs);
        f.putInt(40, (int) dsdt);
        f.put(45, (byte) 0);                      // unspecified PM profile
        f.putShort(46, (short) cfg.sciIrq());
        f.putInt(48, 0);                          // no SMI command port: the machine is always in ACPI mode
        f.putInt(56, cfg.pmBase());               // PM1a event block
        f.putInt(64, cfg.pmBase() + 4);           // PM1a control block
        f.putInt(76, cfg.pmBase() + 8);           // PM timer
        f.put(88, (byte) 4);
        f.put(89, (byte) 2);
        f.put(91, (byte) 4);
        f.putShort(96, (short) 0x0FFF);           // C2 not supported
        f.putShort(98, (short) 0x0FFF);           // C3 not supported
        f.put(108, (byte) 0x32);                  // CMOS century register
        f.putShort(109, (short) 0x0003);          // legacy devices, 8042
        // WBINVD, C1, no fixed sleep button (power button IS fixed: bit 4 clear), RTC S4, reset register supported
        f.putInt(112, 1 | 1 << 2 | 1 << 5 | 1 << 7 | 1 << 10);
        gas(f, 116, 1, 8, 0xCF9);                  // reset register: port 0xCF9
        f.put(128, (byte) 0x06);                  // hard reset value
        f.putLong(140, dsdt);
        gas(f, 148, 1, 32, cfg.pmBase());
        gas(f, 172, 1, 16, cfg.pmBase() + 4);
        gas(f, 208, 1, 32, cfg.pmBase() + 8);
        return finish(f);
    }

    /** Generic Address Structure: space (1 = I/O), bit width, address. */
    private static void gas(ByteBuffer b, int at, int space, int bits, long address) {
        b.put(at, (byte) space);
        b.put(at + 1, (byte) bits);
        b.put(at + 2, (byte) 0);
        b.put(at + 3, (byte) (bits == 8 ? 1 : bits == 16 ? 2 : 3));
        b.putLong(at + 4, address);
    }

    private static byte[] madt(Config cfg) {
        int len = 44 + 8 * cfg.cpus() + 12 + 10 * 2 + 6;
        ByteBuffer m = table("APIC", 3, len);
        m.putInt(36, (int) LAPIC_BASE);
        m.putInt(40, 1);                          // PCAT_COMPAT: 8259s present
        m.position(44);
        for (int i = 0; i < cfg.cpus(); i++) {
            m.put((byte) 0).put((byte) 8).put((byte) i).put((byte) i).putInt(1);
        }
        m.put((byte) 1).put((byte) 12).put((byte) 0).put((byte) 0).putInt((int) IOAPIC_BASE).putInt(0);
        // interrupt source overrides: PIT IRQ0 on GSI 2, SCI level/active-high
        m.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0);
        m.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) cfg.sciIrq()).putInt(cfg.sciIrq()).putShort((short) 0x000D);
        // LINT1 of every processor is NMI
        m.put((byte) 4).put((byte) 6).put((byte) 0xFF).putShort((short) 0).put((byte) 1);
        return finish(m);
    }

    private static byte[] hpet() {
        ByteBuffer h = table("HPET", 1, 56);
        h.putInt(36, 0x8086_A201);                // vendor 8086, legacy-capable, 64-bit, 3 comparators, rev 1
        h.put(40, (byte) 0);                      // system memory
        h.put(41, (byte) 64);
        h.putLong(44, HPET_BASE);
        h.put(52, (byte) 0);
        h.putShort(53, (short) 0x0080);           // minimum periodic tick
        return finish(h);
    }

    private static byte[] dsdt(Config cfg) {
        List<byte[]> prt = new ArrayList<>();
        for (int slot : cfg.pciSlots()) {
            for (int pin = 0; pin < 4; pin++) {
                int gsi = 16 + ((slot + pin - 1) & 3);   // PIIX PIRQ rotation, PIRQA-D wired to GSI 16-19
                prt.add(Aml.packageOf(Aml.integer(((long) slot << 16) | 0xFFFF), Aml.integer(pin), Aml.integer(0),
                        Aml.integer(gsi)));
            }
        }
        byte[] body = Aml.cat(
                Aml.name("\\_S5", Aml.packageOf(Aml.integer(0), Aml.integer(0), Aml.integer(0), Aml.integer(0))),
                Aml.scope("\\_SB",
                        Aml.device("PCI0",
                                Aml.name("_HID", Aml.eisaId("PNP0A03")),
                                Aml.name("_ADR", Aml.integer(0)),
                                Aml.name("_UID", Aml.integer(0)),
                                Aml.name("_CRS", Aml.buffer(rootBridgeResources(cfg.pciHoleStart()))),
                                Aml.name("_PRT", Aml.packageOf(prt.toArray(byte[][]::new))))));
        ByteBuffer d = table("DSDT", 2, 36 + body.length);
        d.put(36, body);
        return finish(d);
    }

    /**
     * The root bridge's decode windows (ACPI 6.x 6.4.3.5): bus 0-255, I/O except the 0xCF8 config ports, the VGA
     * window and the 32-bit PCI hole. Without them Linux has no window to place BARs in.
     */
    private static byte[] rootBridgeResources(long holeStart) {
        ByteBuffer r = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        wordRange(r, 2, 0, 0x00, 0xFF);           // bus numbers
        wordRange(r, 1, 3, 0x0000, 0x0CF7);       // I/O (ISA and non-ISA ranges)
        wordRange(r, 1, 3, 0x0D00, 0xFFFF);
        dwordMemory(r, 0x000A_0000L, 0x000B_FFFFL);
        dwordMemory(r, holeStart, 0xFEBF_FFFFL);
        r.put((byte) 0x79).put((byte) 0);         // end tag (checksum 0: not checked)
        byte[] out = new byte[r.position()];
        r.get(0, out);
        return out;
    }

    private static void wordRange(ByteBuffer r, int type, int typeFlags, int min, int max) {
        r.put((byte) 0x88).putShort((short) 13).put((byte) type).put((byte) 0x0C).put((byte) typeFlags);
        r.putShort((short) 0).putShort((short) min).putShort((short) max).putShort((short) 0)
                .putShort((short) (max - min + 1));
    }

    private static void dwordMemory(ByteBuffer r, long min, long max) {
        r.put((byte) 0x87).putShort((short) 23).put((byte) 0).put((byte) 0x0C).put((byte) 0x01);
        r.putInt(0).putInt((int) min).putInt((int) max).putInt(0).putInt((int) (max - min + 1));
    }

    // ------------------------------------------------------------------ helpers

    private static ByteBuffer table(String signature, int revision, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(signature.getBytes(StandardCharsets.US_ASCII)).putInt(length).put((byte) revision).put((byte) 0);
        b.put(OEM_ID).put(OEM_TABLE).putInt(1).put("VFX ".getBytes(StandardCharsets.US_ASCII)).putInt(1);
        return b;
    }

    private static byte[] finish(ByteBuffer b) {
        byte[] a = b.array();
        a[9] = 0;
        a[9] = checksum(a, 0, a.length);
        return a;
    }

    /** The byte that makes {@code a[off..off+len)} sum to zero (computed with that byte taken as 0). */
    static byte checksum(byte[] a, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i++) {
            sum += a[i];
        }
        return (byte) -sum;
    }

    private static void put(ByteBuffer img, int at, byte[] data) {
        img.put(at, data);
    }

    private static int align(int v) {
        return (v + 15) & ~15;
    }
}
