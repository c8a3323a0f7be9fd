package org.virtfx.engine.platform.acpi;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcpiTablesTest {
    private static final long BASE = 0xE0000;

    @TempDir
    Path dir;

    private static int sum(byte[] a, int off, int len) {
        int s = 0;
        for (int i = off; i < off + len; i++) {
            s += a[i];
        }
        return s & 0xFF;
    }

    private static String sig(byte[] a, int off) {
        return new String(a, off, 4, StandardCharsets.US_ASCII);
    }

    /** Follows RSDP -> XSDT (and RSDT) and returns each table by signature, checking every checksum on the way. */
    private static Map<String, byte[]> parse(AcpiTables.Image img) {
        byte[] a = img.bytes();
        ByteBuffer b = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
        int rsdp = (int) (img.rsdpAddress() - img.base());
        assertEquals("RSD PTR ", new String(a, rsdp, 8, StandardCharsets.US_ASCII));
        assertEquals(0, sum(a, rsdp, 20), "RSDP checksum");
        assertEquals(0, sum(a, rsdp, 36), "RSDP extended checksum");
        assertEquals(2, a[rsdp + 15]);
        int rsdt = (int) (b.getInt(rsdp + 16) - img.base());
        int xsdt = (int) (b.getLong(rsdp + 24) - img.base());
        assertEquals("RSDT", sig(a, rsdt));
        assertEquals("XSDT", sig(a, xsdt));
        Map<String, byte[]> tables = new HashMap<>();
        int xlen = b.getInt(xsdt + 4);
        assertEquals(0, sum(a, xsdt, xlen));
        assertEquals(0, sum(a, rsdt, b.getInt(rsdt + 4)));
        int n = (xlen - 36) / 8;
        assertEquals(n, (b.getInt(rsdt + 4) - 36) / 4, "RSDT and XSDT list the same tables");
        for (int i = 0; i < n; i++) {
            int t = (int) (b.getLong(xsdt + 36 + 8 * i) - img.base());
            assertEquals(t, (int) (b.getInt(rsdt + 36 + 4 * i) - img.base()));
            int len = b.getInt(t + 4);
            assertEquals(0, sum(a, t, len), sig(a, t) + " checksum");
            tables.put(sig(a, t), java.util.Arrays.copyOfRange(a, t, t + len));
        }
        byte[] fadt = tables.get("FACP");
        ByteBuffer f = ByteBuffer.wrap(fadt).order(ByteOrder.LITTLE_ENDIAN);
        int dsdt = (int) (f.getInt(40) - img.base());
        assertEquals(f.getLong(140) - img.base(), dsdt);
        assertEquals(0, sum(a, dsdt, b.getInt(dsdt + 4)), "DSDT checksum");
        tables.put("DSDT", java.util.Arrays.copyOfRange(a, dsdt, dsdt + b.getInt(dsdt + 4)));
        int facs = (int) (f.getInt(36) - img.base());
        assertEquals("FACS", sig(a, facs));
        assertEquals(0, (img.base() + facs) & 63, "FACS 64-byte aligned");
        return tables;
    }

    @Test
    void tablesParseBackWithCorrectChecksumsAndContents() {
        AcpiTables.Image img = AcpiTables.build(new AcpiTables.Config(4, 0xB000, 9, true, List.of(1, 2, 3), 0x80000000L), BASE);
        Map<String, byte[]> t = parse(img);
        assertEquals(java.util.Set.of("FACP", "APIC", "HPET", "DSDT"), t.keySet());
        ByteBuffer f = ByteBuffer.wrap(t.get("FACP")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(244, f.getInt(4));
        assertEquals(9, f.getShort(46));
        assertEquals(0xB000, f.getInt(56));
        assertEquals(0xB004, f.getInt(64));
        assertEquals(0xB008, f.getInt(76));
        assertEquals(0, f.getInt(112) & (1 << 4), "power button is a fixed feature");
        assertEquals(0xCF9, f.getLong(120));
        assertEquals(6, f.get(128));

        ByteBuffer m = ByteBuffer.wrap(t.get("APIC")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xFEE00000, m.getInt(36));
        int cpus = 0;
        int overrides = 0;
        boolean ioapic = false;
        for (int p = 44; p < m.getInt(4); p += m.get(p + 1) & 0xFF) {
            switch (m.get(p)) {
                case 0 -> {
                    assertEquals(cpus, m.get(p + 3), "APIC id");
                    assertEquals(1, m.getInt(p + 4), "enabled");
                    cpus++;
                }
                case 1 -> {
                    ioapic = true;
                    assertEquals(0xFEC00000, m.getInt(p + 4));
                }
                case 2 -> {
                    overrides++;
                    if (m.get(p + 3) == 0) {
                        assertEquals(2, m.getInt(p + 4), "IRQ0 -> GSI 2");
                    } else {
                        assertEquals(9, m.get(p + 3));
                        assertEquals(0x0D, m.getShort(p + 8), "SCI level, active high");
                    }
                }
                default -> {
                }
            }
        }
        assertEquals(4, cpus);
        assertTrue(ioapic);
        assertEquals(2, overrides);
        ByteBuffer h = ByteBuffer.wrap(t.get("HPET")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xFED00000L, h.getLong(44));

        AcpiTables.Image noHpet = AcpiTables.build(new AcpiTables.Config(1, 0x600, 9, false, List.of(1), 0xC0000000L), 0x9F000);
        assertFalse(parse(noHpet).containsKey("HPET"));
    }

    @Test
    void dsdtDisassemblesWithIasl() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/iasl")), "iasl (acpica-tools) not installed");
        AcpiTables.Image img = AcpiTables.build(new AcpiTables.Config(2, 0xB000, 9, false, List.of(1, 2), 0x80000000L), BASE);
        Path aml = dir.resolve("dsdt.aml");
        Files.write(aml, parse(img).get("DSDT"));
        Process p = new ProcessBuilder("iasl", "-d", aml.toString()).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        String dsl = Files.readString(dir.resolve("dsdt.dsl"));
        assertTrue(dsl.contains("Name (\\_S5, Package (0x04)"), dsl);
        assertTrue(dsl.contains("Device (PCI0)"), dsl);
        assertTrue(dsl.contains("EisaId (\"PNP0A03\")"), dsl);
        assertTrue(dsl.contains("0x0002FFFF"), dsl);
        assertTrue(dsl.contains("WordBusNumber"), dsl);
        assertTrue(dsl.contains("0xFEBFFFFF"), dsl);
        assertFalse(dsl.contains("Error") || log.contains("Error"), log);
        assertTrue(dsl.contains("0x13"), "slot 2 INTC -> GSI 19\n" + dsl);
    }

    @Test
    void mpTableChecksumsAndEntries() {
        byte[] mp = MpTable.build(2, 0, List.of(1, 2), 9, 0x9FC00);
        ByteBuffer b = ByteBuffer.wrap(mp).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("_MP_", sig(mp, 0));
        assertEquals(0, sum(mp, 0, 16));
        assertEquals(0x9FC10, b.getInt(4));
        assertEquals("PCMP", sig(mp, 16));
        int len = b.getShort(16 + 4) & 0xFFFF;
        assertEquals(mp.length - 16, len);
        assertEquals(0, sum(mp, 16, len));
        int count = b.getShort(16 + 34) & 0xFFFF;
        int p = 16 + 44;
        int cpus = 0;
        int ioInts = 0;
        for (int i = 0; i < count; i++) {
            int type = mp[p];
            if (type == 0) {
                assertEquals(i == 0 ? 3 : 1, mp[p + 3], "enabled (+BSP)");
                cpus++;
            } else if (type == 3) {
                ioInts++;
                if (mp[p + 4] == 1 && mp[p + 5] == 0 && mp[p + 1] == 0) {
                    assertEquals(2, mp[p + 7], "ISA IRQ0 -> pin 2");
                }
            }
            p += type == 0 ? 20 : 8;
        }
        assertEquals(p, mp.length);
        assertEquals(2, cpus);
        assertEquals(1 + 15 + 8, ioInts);
    }
}
