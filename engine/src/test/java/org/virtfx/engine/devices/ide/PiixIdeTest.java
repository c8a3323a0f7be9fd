package org.virtfx.engine.devices.ide;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.pci.PciBus;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.storage.BlockDevice;

class PiixIdeTest {
    private static final int BM = 0xC000;
    @TempDir
    Path dir;
    private TestContext ctx;
    private IoBus io;
    private GuestMemory ram;
    private PhysicalMemory mem;
    private PiixIde ide;
    private final List<Boolean> irq14 = new ArrayList<>();
    private final List<Boolean> irq15 = new ArrayList<>();
    private byte[] diskContent;
    private BlockDevice disk;

    @BeforeEach
    void setUp() throws IOException {
        ctx = new TestContext();
        io = new IoBus(ctx.lock);
        MmioBus mmio = new MmioBus(ctx.lock);
        ram = GuestMemory.allocate(4 << 20);
        mem = new PhysicalMemory(ram, mmio);
        mem.mapRam(0, 4 << 20, 0);
        diskContent = new byte[4 << 20];
        new Random(42).nextBytes(diskContent);
        Path img = dir.resolve("disk.raw");
        Files.write(img, diskContent);
        disk = new RawFile(img, false);
    }

    private void build(BlockDevice cd) {
        ide = new PiixIde(ctx, mem, irq14::add, irq15::add, new BlockDevice[] {disk, null, cd, null},
                new boolean[] {false, false, true, false});
        PciBus pci = new PciBus(io, mem.mmio());
        pci.attach(1, 1, ide);
        ide.mapLegacyPorts(io);
        ide.configWrite(0x20, 4, BM);
        ide.configWrite(0x04, 2, 0x05); // I/O + bus master
    }

    @AfterEach
    void tearDown() throws Exception {
        disk.close();
        ram.close();
        ctx.close();
    }

    private int in(int port) {
        return io.read(port, 1);
    }

    private void out(int port, int v) {
        io.write(port, 1, v);
    }

    private byte[] pioRead(int base, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i += 2) {
            int w = io.read(base, 2);
            b[i] = (byte) w;
            b[i + 1] = (byte) (w >>> 8);
        }
        return b;
    }

    private static String identifyString(byte[] id, int word, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            s.append((char) id[2 * (word + i / 2) + ((i & 1) == 0 ? 1 : 0)]);
        }
        return s.toString().trim();
    }

    @Test
    void identifyAndSignatures() {
        build(null);
        assertEquals(0x50, in(0x1F7));
        out(0x1F6, 0xA0);
        out(0x1F7, 0xEC);
        assertEquals(0x58, in(0x1F7), "DRDY DSC DRQ");
        byte[] id = pioRead(0x1F0, 512);
        assertEquals(0x50, in(0x1F7));
        assertEquals("VirtFX HARDDISK", identifyString(id, 27, 40));
        long lba28 = (id[120] & 0xFF) | (id[121] & 0xFF) << 8 | (id[122] & 0xFF) << 16 | (id[123] & 0xFF) << 24;
        assertEquals(diskContent.length / 512, lba28);
        assertEquals(diskContent.length / 512, (id[200] & 0xFF) | (id[201] & 0xFF) << 8 | (id[202] & 0xFF) << 16);
        assertTrue((id[167] & 0x04) != 0, "LBA48 supported (word 83 bit 10)");
        // absent slave reads status 0
        out(0x1F6, 0xB0);
        assertEquals(0, in(0x1F7));
        // ATAPI device aborts IDENTIFY DEVICE and shows its signature
        out(0x176, 0xA0);
        out(0x177, 0xEC);
        assertEquals(0x51, in(0x177) & 0x51);
        assertEquals(0x14, in(0x174));
        assertEquals(0xEB, in(0x175));
        out(0x177, 0xA1);
        byte[] pid = pioRead(0x170, 512);
        assertEquals(0x85C0, (pid[0] & 0xFF) | (pid[1] & 0xFF) << 8);
        // no devices on a channel: floating bus
        assertTrue(irq14.contains(true));
    }

    private void taskFile(int base, long lba, int count, boolean lba48) {
        if (lba48) {
            out(base + 2, count >>> 8);
            out(base + 3, (int) (lba >>> 24));
            out(base + 4, (int) (lba >>> 32));
            out(base + 5, (int) (lba >>> 40));
        }
        out(base + 2, count);
        out(base + 3, (int) lba);
        out(base + 4, (int) (lba >>> 8));
        out(base + 5, (int) (lba >>> 16));
        out(base + 6, 0xE0 | (lba48 ? 0 : (int) (lba >>> 24) & 0xF));
    }

    @Test
    void pioReadWriteSingleMultipleAndLba48() throws IOException {
        build(null);
        taskFile(0x1F0, 100, 3, false);
        out(0x1F7, 0x20);
        byte[] got = new byte[3 * 512];
        for (int s = 0; s < 3; s++) {
            assertEquals(0x58, io.read(0x3F6, 1));
            System.arraycopy(pioRead(0x1F0, 512), 0, got, s * 512, 512);
        }
        assertEquals(0x50, in(0x1F7));
        assertArrayEquals(java.util.Arrays.copyOfRange(diskContent, 100 * 512, 103 * 512), got);
        assertEquals(102, in(0x1F3), "task file points at the last sector");

        out(0x1F2, 4);
        out(0x1F7, 0xC6); // SET MULTIPLE 4
        assertEquals(0x50, in(0x1F7));
        taskFile(0x1F0, 7000, 5, true);
        byte[] data = new byte[5 * 512];
        new Random(7).nextBytes(data);
        out(0x1F7, 0x39); // WRITE MULTIPLE EXT
        for (int i = 0; i < data.length; i += 4) {
            assertNotEquals(0, io.read(0x3F6, 1) & 0x08, "DRQ while data is wanted");
            io.write(0x1F0, 4, (data[i] & 0xFF) | (data[i + 1] & 0xFF) << 8 | (data[i + 2] & 0xFF) << 16 | (data[i + 3] & 0xFF) << 24);
        }
        assertEquals(0x50, in(0x1F7));
        byte[] back = new byte[data.length];
        disk.read(7000L * 512, java.nio.ByteBuffer.wrap(back));
        assertArrayEquals(data, back);

        taskFile(0x1F0, diskContent.length / 512 - 1, 2, false);
        out(0x1F7, 0x20);
        assertEquals(0x51, in(0x1F7), "past the end: error");
        assertEquals(0x10, in(0x1F1), "IDNF");
        assertFalse(ctx.warnings.isEmpty());
    }

    @Test
    void chsAddressingAndSoftReset() {
        build(null);
        // C/H/S 1/2/3 with the default 16 heads, 63 sectors
        out(0x1F2, 1);
        out(0x1F3, 3);
        out(0x1F4, 1);
        out(0x1F5, 0);
        out(0x1F6, 0xA2);
        out(0x1F7, 0x20);
        long lba = (1L * 16 + 2) * 63 + 2;
        assertArrayEquals(java.util.Arrays.copyOfRange(diskContent, (int) lba * 512, (int) lba * 512 + 512), pioRead(0x1F0, 512));
        out(0x3F6, 0x04);
        assertEquals(0x80, io.read(0x3F6, 1) & 0x80, "BSY during SRST");
        out(0x3F6, 0x00);
        assertEquals(0x50, in(0x1F7));
        assertEquals(1, in(0x1F2));
        assertEquals(1, in(0x1F3));
    }

    private void prd(long table, long... regions) {
        for (int i = 0; i < regions.length; i += 2) {
            ram.write32(table + 4 * i, (int) regions[i]);
            ram.write32(table + 4 * i + 4, (int) regions[i + 1] | (i + 2 >= regions.length ? 0x80000000 : 0));
        }
    }

    @Test
    void busMasterDmaReadAndWrite() throws IOException {
        build(null);
        prd(0x1000, 0x10000, 1024, 0x20000, 1024);
        io.write(BM + 4, 4, 0x1000);
        taskFile(0x1F0, 50, 4, false);
        out(0x1F7, 0xC8); // READ DMA
        irq14.clear();
        out(BM, 0x09);    // start, to memory
        assertTrue(irq14.contains(true));
        assertEquals(0x04, in(BM + 2) & 0x07, "interrupt, not active, no error");
        assertEquals(0x50, in(0x1F7));
        byte[] a = new byte[1024];
        byte[] b = new byte[1024];
        ram.read(0x10000, a, 0, 1024);
        ram.read(0x20000, b, 0, 1024);
        assertArrayEquals(java.util.Arrays.copyOfRange(diskContent, 50 * 512, 52 * 512), a);
        assertArrayEquals(java.util.Arrays.copyOfRange(diskContent, 52 * 512, 54 * 512), b);
        out(BM + 2, 0x04);
        out(BM, 0);

        byte[] src = new byte[2048];
        new Random(3).nextBytes(src);
        ram.write(0x30000, src, 0, 2048);
        prd(0x1000, 0x30000, 2048);
        taskFile(0x1F0, 300, 4, true);
        out(0x1F7, 0x35); // WRITE DMA EXT
        out(BM, 0x01);
        assertEquals(0x50, in(0x1F7));
        byte[] back = new byte[2048];
        disk.read(300L * 512, java.nio.ByteBuffer.wrap(back));
        assertArrayEquals(src, back);
        out(BM, 0);

        // PRD pointing outside RAM: error status, warning, no exception
        prd(0x1000, 0x7000_0000L, 512);
        taskFile(0x1F0, 1, 1, false);
        out(0x1F7, 0xC8);
        out(BM, 0x09);
        assertEquals(0x51, in(0x1F7) & 0x51);
        assertEquals(0x02, in(BM + 2) & 0x02, "bus-master error bit");
        assertTrue(ctx.warnings.stream().anyMatch(w -> w.contains("not RAM")));
    }

    private Path makeIso() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/xorriso")), "xorriso missing");
        Path src = Files.createDirectory(dir.resolve("iso"));
        byte[] payload = new byte[20000];
        new Random(9).nextBytes(payload);
        Files.write(src.resolve("payload.bin"), payload);
        Path iso = dir.resolve("test.iso");
        Process p = new ProcessBuilder("xorriso", "-as", "mkisofs", "-quiet", "-V", "VIRTFXTEST", "-o", iso.toString(),
                src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        return iso;
    }

    private void packet(int dmaFeature, int byteLimit, int... cdb) {
        out(0x176, 0xA0);
        out(0x171, dmaFeature);
        out(0x174, byteLimit & 0xFF);
        out(0x175, byteLimit >>> 8);
        out(0x177, 0xA0);
        assertEquals(0x58, io.read(0x376, 1), "waiting for the packet");
        assertEquals(1, in(0x172), "CoD");
        byte[] c = new byte[12];
        for (int i = 0; i < cdb.length; i++) {
            c[i] = (byte) cdb[i];
        }
        for (int i = 0; i < 12; i += 2) {
            io.write(0x170, 2, (c[i] & 0xFF) | (c[i + 1] & 0xFF) << 8);
        }
    }

    /** Reads the PIO data phase chunk by chunk (as ata_piix does) until the status phase. */
    private byte[] pioData() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while ((in(0x177) & 0x08) != 0) {
            assertEquals(2, in(0x172), "IO=1 CoD=0");
            int n = in(0x174) | in(0x175) << 8;
            out.writeBytes(pioRead(0x170, n));
        }
        return out.toByteArray();
    }

    @Test
    void atapiInquiryCapacityReadAndSense() throws Exception {
        Path iso = makeIso();
        byte[] isoBytes = Files.readAllBytes(iso);
        BlockDevice cd = new RawFile(iso, true);
        build(cd);
        packet(0, 0xFFFE, 0x12, 0, 0, 0, 36, 0);
        byte[] inq = pioData();
        assertEquals(36, inq.length);
        assertEquals(5, inq[0]);
        assertEquals("VirtFX  DVD-ROM", new String(inq, 8, 15));
        assertEquals(3, in(0x172), "status phase");

        packet(0, 0xFFFE, 0x25);
        byte[] cap = pioData();
        long last = java.nio.ByteBuffer.wrap(cap).getInt(0) & 0xFFFFFFFFL;
        assertEquals(isoBytes.length / 2048 - 1, last);
        assertEquals(2048, java.nio.ByteBuffer.wrap(cap).getInt(4));

        // READ(10) of the primary volume descriptor and beyond, with a small byte count limit (chunks of 1000)
        packet(0, 1000, 0x28, 0, 0, 0, 0, 16, 0, 0, 3, 0);
        byte[] pvd = pioData();
        assertEquals(3 * 2048, pvd.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(isoBytes, 16 * 2048, 19 * 2048), pvd);
        assertEquals("CD001", new String(pvd, 1, 5));

        // past the end: CHECK CONDITION, REQUEST SENSE says ILLEGAL REQUEST / LBA out of range
        packet(0, 0xFFFE, 0x28, 0, 0, 0x10, 0, 0, 0, 0, 1, 0);
        assertEquals(0x41, in(0x177) & 0x41);
        assertEquals(0x50, in(0x171));
        packet(0, 0xFFFE, 0x03, 0, 0, 0, 18, 0);
        byte[] sense = pioData();
        assertEquals(5, sense[2]);
        assertEquals(0x21, sense[12]);

        // READ TOC format 0 in MSF: lead-out at the disc size + 2 s
        packet(0, 0xFFFE, 0x43, 2, 0, 0, 0, 0, 0, 0, 100, 0);
        byte[] toc = pioData();
        assertEquals(20, toc.length);
        assertEquals((byte) 0xAA, toc[14]);
        long frames = isoBytes.length / 2048 + 150;
        assertEquals(frames / 4500, toc[17]);
        assertEquals(frames / 75 % 60, toc[18]);
        assertEquals(frames % 75, toc[19]);

        packet(0, 0xFFFE, 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64, 0);
        byte[] mode = pioData();
        assertEquals(0x2A, mode[8]);

        packet(0, 0xFFFE, 0x46, 0, 0, 0, 0, 0, 0, 0, 64, 0);
        byte[] conf = pioData();
        assertEquals(8, ((conf[6] & 0xFF) << 8) | conf[7] & 0xFF, "current profile CD-ROM");

        // media change: UNIT ATTENTION once, then a media event
        ide.changeMedia(2, new RawFile(iso, true));
        packet(0, 0xFFFE, 0x00);
        assertEquals(0x60, in(0x171), "unit attention sense key in the error register");
        packet(0, 0xFFFE, 0x00);
        assertEquals(0x50, in(0x177));
        packet(0, 0xFFFE, 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0);
        byte[] ev = pioData();
        assertEquals(2, ev[4], "new media event");
        ide.media(2).close();
        cd.close();
    }

    @Test
    void atapiReadOverDma() throws Exception {
        Path iso = makeIso();
        byte[] isoBytes = Files.readAllBytes(iso);
        try (BlockDevice cd = new RawFile(iso, true)) {
            build(cd);
            prd(0x2000, 0x40000, 4096);
            io.write(BM + 8 + 4, 4, 0x2000);
            packet(1, 0, 0x28, 0, 0, 0, 0, 16, 0, 0, 2, 0);
            irq15.clear();
            out(BM + 8, 0x09);
            assertEquals(0x50, in(0x177));
            assertEquals(3, in(0x172));
            assertTrue(irq15.contains(true));
            byte[] got = new byte[4096];
            ram.read(0x40000, got, 0, 4096);
            assertArrayEquals(java.util.Arrays.copyOfRange(isoBytes, 16 * 2048, 18 * 2048), got);
        }
    }

    @Test
    void stateRoundTrip() throws Exception {
        build(null);
        taskFile(0x1F0, 10, 2, false);
        out(0x1F7, 0x20);
        pioRead(0x1F0, 100); // in the middle of a DRQ block
        io.write(BM + 4, 4, 0x1230);
        StateWriter w = new StateWriter(ide.stateId(), 1);
        ide.saveState(w);
        PiixIde copy = new PiixIde(ctx, mem, x -> { }, x -> { }, new BlockDevice[] {disk, null, null, null},
                new boolean[4]);
        copy.loadState(new StateReader(w.toByteArray(), ide.stateId(), 1));
        IoBus io2 = new IoBus(ctx.lock);
        copy.mapLegacyPorts(io2);
        byte[] rest = new byte[412 + 512];
        for (int i = 0; i < rest.length; i += 2) {
            int v = io2.read(0x1F0, 2);
            rest[i] = (byte) v;
            rest[i + 1] = (byte) (v >>> 8);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(diskContent, 10 * 512 + 100, 12 * 512), rest);
        assertEquals(0x50, io2.read(0x1F7, 1));
    }
}
