package org.virtfx.engine.devices.net;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.pci.PciBus;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/** Drives the 82540EM the way the Linux e1000 driver does: reset, EEPROM, PHY, rings, interrupts. */
class E1000Test {
    private static final long BAR0 = 0xF0000000L;
    private static final int BAR1 = 0xC000;
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final long TX_RING = 0x10000;
    private static final long RX_RING = 0x20000;
    private static final long TX_BUF = 0x100000;
    private static final long RX_BUF = 0x200000;

    private TestContext ctx;
    private IoBus io;
    private GuestMemory ram;
    private PhysicalMemory mem;
    private E1000 nic;
    private final RecordingBackend backend = new RecordingBackend();
    private boolean irq;

    static final class RecordingBackend implements NetworkBackend {
        final List<byte[]> sent = new ArrayList<>();
        int wakeups;

        @Override
        public void start(GuestPort guest) {
        }

        @Override
        public void transmit(byte[] frame, int offset, int length) {
            sent.add(Arrays.copyOfRange(frame, offset, offset + length));
        }

        @Override
        public void guestCanReceive() {
            wakeups++;
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        io = new IoBus(ctx.lock);
        MmioBus mmio = new MmioBus(ctx.lock);
        ram = GuestMemory.allocate(4 << 20);
        mem = new PhysicalMemory(ram, mmio);
        mem.mapRam(0, 4 << 20, 0);
        nic = attach(new E1000(ctx, mem, MAC, backend, new NetCounters()));
    }

    private E1000 attach(E1000 card) {
        PciBus pci = new PciBus(io, mem.mmio());
        pci.setIrqRouter((slot, pin, level) -> irq = level);
        pci.attach(3, 0, card);
        card.configWrite(0x10, 4, (int) BAR0);
        card.configWrite(0x14, 4, BAR1);
        card.configWrite(0x04, 2, 0x07);
        return card;
    }

    @AfterEach
    void tearDown() {
        ram.close();
        ctx.close();
    }

    private int r(int reg) {
        return (int) mem.read(BAR0 + reg, 4);
    }

    private void w(int reg, int value) {
        mem.write(BAR0 + reg, 4, value & 0xFFFFFFFFL);
    }

    // ------------------------------------------------------------------ EEPROM, reset, link

    /** e1000_read_eeprom for a Microwire part: REQ/GNT, CS, opcode 110, 6 address bits, 16 data bits. */
    private int eepromRead(int address) {
        w(E1000Registers.EECD, 0x40);
        assertNotEquals(0, r(E1000Registers.EECD) & 0x80, "grant follows request");
        int eecd = (r(E1000Registers.EECD) & ~(E1000Eeprom.EECD_SK | E1000Eeprom.EECD_DI)) | E1000Eeprom.EECD_CS;
        w(E1000Registers.EECD, eecd);
        eecd = shiftOut(eecd, 0b110, 3);
        eecd = shiftOut(eecd, address, 6);
        int data = 0;
        for (int i = 0; i < 16; i++) {
            w(E1000Registers.EECD, eecd | E1000Eeprom.EECD_SK);
            data = data << 1 | ((r(E1000Registers.EECD) & E1000Eeprom.EECD_DO) != 0 ? 1 : 0);
            w(E1000Registers.EECD, eecd);
        }
        w(E1000Registers.EECD, 0);
        return data;
    }

    private int shiftOut(int eecd, int value, int count) {
        for (int mask = 1 << (count - 1); mask != 0; mask >>>= 1) {
            int di = (value & mask) != 0 ? E1000Eeprom.EECD_DI : 0;
            eecd = (eecd & ~E1000Eeprom.EECD_DI) | di;
            w(E1000Registers.EECD, eecd);
            w(E1000Registers.EECD, eecd | E1000Eeprom.EECD_SK);
            w(E1000Registers.EECD, eecd);
        }
        return eecd;
    }

    @Test
    void resetThroughIoWindowThenEepromHoldsMacAndChecksum() {
        w(E1000Registers.IMS, 0xFF);
        w(E1000Registers.RCTL, 0x2);
        // Linux resets an 82540 through the I/O BAR: IOADDR = CTRL, IODATA = CTRL | RST
        io.write(BAR1, 4, E1000Registers.CTRL);
        io.write(BAR1 + 4, 4, r(E1000Registers.CTRL) | 1 << 26);
        assertEquals(0, r(E1000Registers.CTRL) & 1 << 26, "RST clears itself");
        assertEquals(0, r(E1000Registers.IMS));
        assertEquals(0, r(E1000Registers.RCTL));
        io.write(BAR1, 4, E1000Registers.STATUS);
        assertEquals(r(E1000Registers.STATUS), io.read(BAR1 + 4, 4));
        int status = r(E1000Registers.STATUS);
        assertEquals(0x3, status & 0x3, "link up, full duplex");
        assertEquals(0x80, status & 0xC0, "1000 Mb/s");

        int sum = 0;
        int[] words = new int[64];
        for (int i = 0; i < 64; i++) {
            words[i] = eepromRead(i);
            sum += words[i];
        }
        assertEquals(0xBABA, sum & 0xFFFF);
        for (int i = 0; i < 3; i++) {
            assertEquals((MAC[2 * i] & 0xFF) | (MAC[2 * i + 1] & 0xFF) << 8, words[i]);
        }
        assertEquals(0x100E, words[0x0D]);
        // EERD (iPXE's way) gives the same words
        for (int i : new int[] {0, 1, 2, 0x3F}) {
            w(E1000Registers.EERD, i << 8 | 1);
            int eerd = r(E1000Registers.EERD);
            assertNotEquals(0, eerd & 0x10, "done");
            assertEquals(words[i], eerd >>> 16);
        }
        // receive address 0 loaded from the EEPROM and valid
        assertEquals(0x12005452, r(E1000Registers.RAL0));
        assertEquals(0x80005634, r(E1000Registers.RAL0 + 4));
    }

    private int mdic(int op, int phy, int reg, int data) {
        w(E1000Registers.MDIC, op << 26 | phy << 21 | reg << 16 | data);
        int v = r(E1000Registers.MDIC);
        assertNotEquals(0, v & 1 << 28, "ready");
        return v;
    }

    @Test
    void phyReportsM88IdentityAndNegotiatedGigabitLink() {
        assertEquals(0x0141, mdic(2, 1, 2, 0) & 0xFFFF);
        assertEquals(0x0C20, mdic(2, 1, 3, 0) & 0xFFFF);
        int bmsr = mdic(2, 1, 1, 0) & 0xFFFF;
        assertEquals(0x24, bmsr & 0x24, "link up and auto-negotiation complete");
        assertNotEquals(0, mdic(2, 1, 10, 0) & 0x0800, "partner 1000BASE-T full duplex");
        // restart auto-negotiation: the bit clears itself, status stays complete
        mdic(1, 1, 0, 0x1340);
        assertEquals(0x1140, mdic(2, 1, 0, 0) & 0xFFFF);
        mdic(1, 1, 4, 0x01E1);
        assertEquals(0x01E1, mdic(2, 1, 4, 0) & 0xFFFF);
        assertEquals(0x24, mdic(2, 1, 1, 0) & 0x24);
        // no PHY at address 2: error bit
        assertNotEquals(0, mdic(2, 2, 1, 0) & 1 << 30);
        // MDIC with interrupt enable raises MDAC
        w(E1000Registers.IMS, 1 << 9);
        w(E1000Registers.MDIC, 1 << 29 | 2 << 26 | 1 << 21 | 1 << 16);
        assertTrue(irq);
        assertEquals(1 << 9, r(E1000Registers.ICR));
        assertFalse(irq);
    }

    @Test
    void withoutNetworkTheLinkIsDownAndFramesGoNowhere() {
        E1000 unplugged = new E1000(ctx, mem, MAC, null, new NetCounters());
        assertEquals(0, unplugged.readRegister(E1000Registers.STATUS) & 0x2, "STATUS.LU clear");
        unplugged.writeRegister(E1000Registers.MDIC, 2 << 26 | 1 << 21 | 1 << 16);
        assertEquals(0, unplugged.readRegister(E1000Registers.MDIC) & 0x24, "BMSR: no link, negotiation incomplete");
    }

    // ------------------------------------------------------------------ transmit

    private void setUpTxRing(int descriptors) {
        w(E1000Registers.TDBAL, (int) TX_RING);
        w(E1000Registers.TDBAH, 0);
        w(E1000Registers.TDLEN, descriptors * 16);
        w(E1000Registers.TDH, 0);
        w(E1000Registers.TDT, 0);
        w(E1000Registers.TCTL, E1000Registers.TCTL_EN | E1000Registers.TCTL_PSP);
    }

    private void txDescriptor(int index, long buffer, int length, int cmd, int byte10, int byte13) {
        long d = TX_RING + 16L * index;
        mem.write(d, 8, buffer);
        mem.write(d + 8, 2, length);
        mem.write(d + 10, 1, byte10);
        mem.write(d + 11, 1, cmd);
        mem.write(d + 12, 1, 0);
        mem.write(d + 13, 1, byte13);
        mem.write(d + 14, 2, 0);
    }

    private static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        System.arraycopy(new byte[] {0x52, 0x55, 0x0A, 0x00, 0x02, 0x02}, 0, f, 0, 6);
        System.arraycopy(MAC, 0, f, 6, 6);
        return f;
    }

    @Test
    void legacyTransmitOfTwoFramesReachesBackendByteExactWithInterrupt() {
        setUpTxRing(8);
        w(E1000Registers.IMS, E1000Registers.ICR_TXDW);
        byte[] a = frame(100, 1);
        byte[] b = frame(1514, 2);
        mem.write(TX_BUF, a, 0, a.length);
        // the second frame in two buffers, EOP on the second
        mem.write(TX_BUF + 0x1000, b, 0, 600);
        mem.write(TX_BUF + 0x2000, b, 600, b.length - 600);
        txDescriptor(0, TX_BUF, a.length, 0x0B, 0, 0);             // EOP | IFCS | RS
        txDescriptor(1, TX_BUF + 0x1000, 600, 0x02, 0, 0);
        txDescriptor(2, TX_BUF + 0x2000, b.length - 600, 0x0B, 0, 0);
        w(E1000Registers.TDT, 3);
        assertEquals(2, backend.sent.size());
        assertArrayEquals(a, backend.sent.get(0));
        assertArrayEquals(b, backend.sent.get(1));
        assertEquals(3, r(E1000Registers.TDH));
        assertEquals(1, mem.read(TX_RING + 12, 1) & 1, "DD written back");
        assertEquals(1, mem.read(TX_RING + 32 + 12, 1) & 1);
        assertTrue(irq);
        int icr = r(E1000Registers.ICR);
        assertEquals(E1000Registers.ICR_TXDW, icr & E1000Registers.ICR_TXDW);
        assertFalse(irq, "reading ICR clears it and drops the line");
        assertEquals(0, r(E1000Registers.ICR));
        assertEquals(2, r(E1000Registers.GPTC));
        assertEquals(0, r(E1000Registers.GPTC), "statistics clear on read");
        assertEquals(2, nic.counters().txFrames());
        assertEquals(a.length + b.length, nic.counters().txBytes());
    }

    /** IPv4 + TCP header (no options) in front of {@code payload}, checksum fields as Linux leaves them for offload. */
    private static byte[] tcpPacket(byte[] payload, boolean tso) {
        byte[] p = new byte[54 + payload.length];
        System.arraycopy(frame(14, 0), 0, p, 0, 12);
        p[12] = 0x08;
        p[14] = 0x45;
        int total = tso ? 0 : 40 + payload.length;
        p[16] = (byte) (total >> 8);
        p[17] = (byte) total;
        p[18] = 0x12;
        p[19] = 0x34;
        p[22] = 64;
        p[23] = 6;
        byte[] src = {10, 0, 2, 15};
        byte[] dst = {10, 0, 2, 2};
        System.arraycopy(src, 0, p, 26, 4);
        System.arraycopy(dst, 0, p, 30, 4);
        p[34] = 0x30;
        p[35] = 0x39;
        p[36] = 0x00;
        p[37] = 0x50;
        p[38] = 0x01;
        p[39] = 0x02;
        p[40] = 0x03;
        p[41] = 0x04;
        p[46] = 0x50;
        p[47] = 0x19;   // FIN, PSH, ACK
        p[48] = (byte) 0xFF;
        System.arraycopy(payload, 0, p, 54, payload.length);
        // pseudo-header sum (not complemented), with the TCP length unless TSO
        long sum = sum(src, 0, 4) + sum(dst, 0, 4) + 6 + (tso ? 0 : 20 + payload.length);
        int folded = fold(sum);
        p[50] = (byte) (folded >> 8);
        p[51] = (byte) folded;
        return p;
    }

    private static long sum(byte[] b, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            s += (b[i] & 0xFF) << 8 | (i + 1 < to ? b[i + 1] & 0xFF : 0);
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    private static void assertTcpChecksumsValid(byte[] seg) {
        assertEquals(0xFFFF, fold(sum(seg, 14, 34)), "IPv4 header checksum");
        int tcpLength = seg.length - 34;
        long pseudo = sum(seg, 26, 34) + 6 + tcpLength;
        assertEquals(0xFFFF, fold(pseudo + sum(seg, 34, seg.length)), "TCP checksum");
    }

    private void contextDescriptor(int index, int tucmd, int payLen, int hdrLen, int mss) {
        long d = TX_RING + 16L * index;
        mem.write(d, 1, 14);            // IPCSS
        mem.write(d + 1, 1, 24);        // IPCSO
        mem.write(d + 2, 2, 33);        // IPCSE
        mem.write(d + 4, 1, 34);        // TUCSS
        mem.write(d + 5, 1, 50);        // TUCSO
        mem.write(d + 6, 2, 0);         // TUCSE: to the end
        mem.write(d + 8, 4, payLen | (tucmd | 0x20) << 24);
        mem.write(d + 12, 1, 0);
        mem.write(d + 13, 1, hdrLen);
        mem.write(d + 14, 2, mss);
    }

    @Test
    void checksumOffloadThroughContextAndDataDescriptors() {
        setUpTxRing(8);
        byte[] p = tcpPacket(frame(301, 5), false);
        mem.write(TX_BUF, p, 0, p.length);
        contextDescriptor(0, 0x01 | 0x02, 0, 0, 0);
        // data descriptor: DTYP 1, DCMD DEXT|EOP|IFCS|RS, POPTS IXSM|TXSM
        txDescriptor(1, TX_BUF, p.length, 0x2B, 0x10, 0x03);
        w(E1000Registers.TDT, 2);
        assertEquals(1, backend.sent.size());
        byte[] out = backend.sent.get(0);
        assertEquals(p.length, out.length);
        assertTcpChecksumsValid(out);
        assertArrayEquals(Arrays.copyOfRange(p, 54, p.length), Arrays.copyOfRange(out, 54, out.length));
    }

    @Test
    void tsoSplitsIntoMssSegmentsWithFixedHeadersAndChecksums() {
        setUpTxRing(8);
        byte[] payload = frame(3000, 9);
        byte[] p = tcpPacket(payload, true);
        mem.write(TX_BUF, p, 0, 1000);
        mem.write(TX_BUF + 0x10000, p, 1000, p.length - 1000);
        contextDescriptor(0, 0x01 | 0x02 | 0x04, payload.length, 54, 1448);
        txDescriptor(1, TX_BUF, 1000, 0x24 | 0x20, 0x10, 0x03);                    // TSE|DEXT, not EOP
        txDescriptor(2, TX_BUF + 0x10000, p.length - 1000, 0x2F, 0x10, 0x03);       // TSE|DEXT|EOP|IFCS|RS
        w(E1000Registers.TDT, 3);
        assertEquals(3, backend.sent.size());
        byte[] joined = new byte[0];
        long seq = 0x01020304L;
        for (int i = 0; i < 3; i++) {
            byte[] seg = backend.sent.get(i);
            int chunk = Math.min(1448, payload.length - 1448 * i);
            assertEquals(54 + chunk, seg.length);
            assertEquals(40 + chunk, (seg[16] & 0xFF) << 8 | (seg[17] & 0xFF), "IPv4 total length");
            assertEquals(0x1234 + i, (seg[18] & 0xFF) << 8 | (seg[19] & 0xFF), "IP identification");
            long s = (long) (seg[38] & 0xFF) << 24 | (seg[39] & 0xFF) << 16 | (seg[40] & 0xFF) << 8 | (seg[41] & 0xFF);
            assertEquals(seq + 1448L * i, s);
            assertEquals(i == 2 ? 0x19 : 0x10, seg[47] & 0xFF, "FIN/PSH on the last segment only");
            assertTcpChecksumsValid(seg);
            byte[] grown = Arrays.copyOf(joined, joined.length + chunk);
            System.arraycopy(seg, 54, grown, joined.length, chunk);
            joined = grown;
        }
        assertArrayEquals(payload, joined);
        assertEquals(1, r(E1000Registers.TSCTC));
    }

    // ------------------------------------------------------------------ receive

    private void setUpRxRing(int descriptors, int tail, int rctlExtra) {
        for (int i = 0; i < descriptors; i++) {
            mem.write(RX_RING + 16L * i, 8, RX_BUF + 0x1000L * i);
            mem.write(RX_RING + 16L * i + 8, 8, 0);
        }
        w(E1000Registers.RDBAL, (int) RX_RING);
        w(E1000Registers.RDBAH, 0);
        w(E1000Registers.RDLEN, descriptors * 16);
        w(E1000Registers.RDH, 0);
        w(E1000Registers.RDT, tail);
        w(E1000Registers.RCTL, 0x2 | 1 << 15 | rctlExtra);     // EN, BAM, 2048-byte buffers
    }

    private byte[] toUs(int length, int seed) {
        byte[] f = frame(length, seed);
        System.arraycopy(MAC, 0, f, 0, 6);
        return f;
    }

    @Test
    void receiveWritesFramesWithFcsAndDescriptorsAndRaisesRxt0() {
        w(E1000Registers.IMS, 0x80 | 0x10);
        int wakeupsBefore = backend.wakeups;
        setUpRxRing(8, 7, 0);
        assertTrue(backend.wakeups > wakeupsBefore, "RDT and RCTL.EN tell the backend");
        assertTrue(nic.canReceive());
        byte[] small = toUs(42, 3);     // an ARP-sized frame: padded to 60, plus the FCS
        assertTrue(nic.receive(small, 0, small.length));
        assertTrue(irq);
        assertEquals(64, mem.read(RX_RING + 8, 2));
        assertEquals(0x07, mem.read(RX_RING + 12, 1), "DD | EOP | IXSM");
        byte[] got = new byte[64];
        mem.read(RX_BUF, got, 0, 64);
        assertArrayEquals(small, Arrays.copyOf(got, 42));
        assertArrayEquals(new byte[18], Arrays.copyOfRange(got, 42, 60));
        CRC32 crc = new CRC32();
        crc.update(got, 0, 60);
        int fcs = (got[60] & 0xFF) | (got[61] & 0xFF) << 8 | (got[62] & 0xFF) << 16 | (got[63] & 0xFF) << 24;
        assertEquals((int) crc.getValue(), fcs);
        assertEquals(0x80, r(E1000Registers.ICR) & 0x80);
        assertFalse(irq);

        byte[] big = toUs(1514, 4);
        byte[] prefixed = new byte[big.length + 3];
        System.arraycopy(big, 0, prefixed, 3, big.length);
        assertTrue(nic.receive(prefixed, 3, big.length));
        assertEquals(1518, mem.read(RX_RING + 16 + 8, 2));
        byte[] got2 = new byte[1514];
        mem.read(RX_BUF + 0x1000, got2, 0, 1514);
        assertArrayEquals(big, got2);
        assertEquals(2, r(E1000Registers.RDH));
        assertEquals(2, r(E1000Registers.GPRC));
        assertEquals(64 + 1518, r(E1000Registers.GORCL));
        assertEquals(2, nic.counters().rxFrames());
    }

    @Test
    void receiveFilterHonoursAddressesMulticastTableBroadcastAndPromiscuous() {
        setUpRxRing(16, 15, 0);
        byte[] other = frame(60, 1);
        System.arraycopy(new byte[] {0x52, 0x54, 0, 0, 0, 1}, 0, other, 0, 6);
        assertTrue(nic.receive(other, 0, 60), "filtered frames are consumed, not refused");
        assertEquals(0, r(E1000Registers.RDH));
        byte[] bcast = frame(60, 2);
        Arrays.fill(bcast, 0, 6, (byte) 0xFF);
        nic.receive(bcast, 0, 60);
        assertEquals(1, r(E1000Registers.RDH));
        byte[] mcast = frame(60, 3);
        System.arraycopy(new byte[] {0x01, 0x00, 0x5E, 0x00, 0x00, 0x01}, 0, mcast, 0, 6);
        nic.receive(mcast, 0, 60);
        assertEquals(1, r(E1000Registers.RDH), "multicast without its hash bit is dropped");
        int hash = (0x00 >>> 4 | 0x01 << 4) & 0xFFF;        // MO = 0: address bits 47:36
        w(E1000Registers.MTA + 4 * (hash >>> 5), 1 << (hash & 31));
        nic.receive(mcast, 0, 60);
        assertEquals(2, r(E1000Registers.RDH));
        w(E1000Registers.RAL0 + 8, 0x00005452);                       // second exact address 52:54:00:00:00:01
        w(E1000Registers.RAL0 + 12, 0x80000100);
        nic.receive(other, 0, 60);
        assertEquals(3, r(E1000Registers.RDH));
        w(E1000Registers.RAL0 + 12, 0);
        w(E1000Registers.RCTL, r(E1000Registers.RCTL) | 1 << 3);               // unicast promiscuous
        nic.receive(other, 0, 60);
        assertEquals(4, r(E1000Registers.RDH));
        w(E1000Registers.RCTL, r(E1000Registers.RCTL) & ~(1 << 15 | 1 << 3));  // no broadcast
        nic.receive(bcast, 0, 60);
        assertEquals(4, r(E1000Registers.RDH));
    }

    @Test
    void fullRingRefusesFramesAndDelayedInterruptFlushesOnFpd() {
        w(E1000Registers.IMS, 0x80 | 0x40);
        setUpRxRing(8, 2, 0);
        w(E1000Registers.RDTR, 100);     // RXT0 held back for 100 x 1.024 us of quiet
        assertTrue(nic.receive(toUs(60, 1), 0, 60));
        assertFalse(irq, "receive timer delays the interrupt");
        assertTrue(nic.receive(toUs(60, 2), 0, 60));
        assertFalse(nic.canReceive());
        assertFalse(nic.receive(toUs(60, 3), 0, 60), "no descriptor left");
        assertTrue(irq, "RXO is not delayed");
        assertEquals(0x40, r(E1000Registers.ICR) & 0xC0);
        assertEquals(1, r(E1000Registers.MPC));
        assertEquals(1, nic.counters().rxDropped());
        w(E1000Registers.RDTR, 100 | 1 << 31);    // flush partial descriptor block: the pending RXT0 now
        assertTrue(irq);
        assertEquals(0x80, r(E1000Registers.ICR) & 0x80);
        int wakeups = backend.wakeups;
        w(E1000Registers.RDT, 5);
        assertEquals(wakeups + 1, backend.wakeups, "the refused backend is told when buffers are posted");
        w(E1000Registers.RDT, 6);
        assertEquals(wakeups + 1, backend.wakeups, "and only then");
        assertTrue(nic.canReceive());
    }

    @Test
    void largeFrameSpreadsOverSmallBuffersWithEopOnTheLast() {
        setUpRxRing(16, 15, 3 << 16);       // BSIZE 11: 256-byte buffers
        byte[] f = toUs(1514, 6);
        assertTrue(nic.receive(f, 0, f.length));
        assertEquals(6, r(E1000Registers.RDH), "1518 bytes with the FCS need six 256-byte buffers");
        byte[] got = new byte[1514];
        for (int i = 0; i < 6; i++) {
            long d = RX_RING + 16L * i;
            assertEquals(i < 5 ? 256 : 1518 - 5 * 256, mem.read(d + 8, 2));
            assertEquals(i < 5 ? 0x05 : 0x07, mem.read(d + 12, 1), "EOP on the last descriptor only");
            int n = Math.min(256, 1514 - 256 * i);
            mem.read(RX_BUF + 0x1000L * i, got, 256 * i, n);
        }
        assertArrayEquals(f, got);
    }

    @Test
    void vlanTagInsertedOnTransmitAndStrippedOnReceive() {
        w(E1000Registers.CTRL, r(E1000Registers.CTRL) | E1000Registers.CTRL_VME);
        setUpTxRing(8);
        byte[] a = frame(80, 1);
        mem.write(TX_BUF, a, 0, a.length);
        txDescriptor(0, TX_BUF, a.length, 0x4B, 0, 0);             // VLE | EOP | IFCS | RS
        mem.write(TX_RING + 14, 2, 0x2005);                        // priority 1, VLAN 5
        w(E1000Registers.TDT, 1);
        byte[] out = backend.sent.get(0);
        assertEquals(84, out.length);
        assertArrayEquals(Arrays.copyOf(a, 12), Arrays.copyOf(out, 12));
        assertArrayEquals(new byte[] {(byte) 0x81, 0x00, 0x20, 0x05}, Arrays.copyOfRange(out, 12, 16));
        assertArrayEquals(Arrays.copyOfRange(a, 12, 80), Arrays.copyOfRange(out, 16, 84));

        setUpRxRing(8, 7, 0);
        byte[] tagged = toUs(84, 2);
        tagged[12] = (byte) 0x81;
        tagged[13] = 0;
        tagged[14] = 0x20;
        tagged[15] = 0x05;
        assertTrue(nic.receive(tagged, 0, tagged.length));
        assertEquals(0x0F, mem.read(RX_RING + 12, 1), "DD | EOP | IXSM | VP");
        assertEquals(0x2005, mem.read(RX_RING + 14, 2), "the tag in the special field");
        assertEquals(80 + 4, mem.read(RX_RING + 8, 2), "80 bytes without the tag, plus the FCS");
        byte[] got = new byte[80];
        mem.read(RX_BUF, got, 0, 80);
        assertArrayEquals(Arrays.copyOfRange(tagged, 16, 84), Arrays.copyOfRange(got, 12, 80));
    }

    @Test
    void interruptThrottleAndTransmitDelay() {
        w(E1000Registers.IMS, E1000Registers.ICR_TXDW | 1 << 3);
        w(E1000Registers.ITR, 1000);        // at most one assertion per 256 us
        ctx.at(1_000_000);
        w(E1000Registers.ICS, 1 << 3);
        assertTrue(irq);
        r(E1000Registers.ICR);
        assertFalse(irq);
        ctx.advance(100_000);
        w(E1000Registers.ICS, 1 << 3);
        assertFalse(irq, "held back until 256 us after the last assertion");
        ctx.advance(200_000);
        w(E1000Registers.ICS, 1 << 3);
        assertTrue(irq, "allowed again once the interval has passed");
        r(E1000Registers.ICR);
        w(E1000Registers.ITR, 0);

        setUpTxRing(8);
        w(E1000Registers.TIDV, 64);
        byte[] a = frame(60, 1);
        mem.write(TX_BUF, a, 0, a.length);
        txDescriptor(0, TX_BUF, a.length, 0x8B, 0, 0);             // IDE | EOP | IFCS | RS
        w(E1000Registers.TDT, 1);
        assertEquals(1, backend.sent.size());
        assertFalse(irq, "TXDW waits for TIDV");
        w(E1000Registers.TIDV, 64 | 1 << 31);                      // flush
        assertTrue(irq);
        assertEquals(E1000Registers.ICR_TXDW, r(E1000Registers.ICR) & E1000Registers.ICR_TXDW);
    }

    // ------------------------------------------------------------------ guest errors

    @Test
    void badRingValuesWarnInsteadOfThrowing() {
        setUpTxRing(8);
        w(E1000Registers.TDT, 200);     // beyond the ring
        assertTrue(ctx.warnings.stream().anyMatch(m -> m.contains("beyond")));
        w(E1000Registers.TDT, 0);
        txDescriptor(0, 0xFFFF_FFF0_0000L, 100, 0x0B, 0, 0);      // buffer outside RAM
        w(E1000Registers.TDT, 1);
        assertTrue(ctx.warnings.stream().anyMatch(m -> m.contains("outside RAM")));
        assertEquals(0, backend.sent.size());
        assertEquals(1, r(E1000Registers.TDH), "the descriptor is still consumed");
        // a TSO context whose header is longer than the packet
        byte[] p = tcpPacket(new byte[10], true);
        mem.write(TX_BUF, p, 0, p.length);
        contextDescriptor(1, 0x07, 10, 200, 1448);
        txDescriptor(2, TX_BUF, p.length, 0x2F, 0x10, 0x03);
        w(E1000Registers.TDT, 3);
        assertTrue(ctx.warnings.stream().anyMatch(m -> m.contains("TSO")));
        assertEquals(0, backend.sent.size());
        // checksum offsets past the frame
        mem.write(TX_RING + 48, 8, TX_BUF);
        txDescriptor(3, TX_BUF, 20, 0x0F, 200, 10);                // legacy IC with CSO 200
        w(E1000Registers.TDT, 4);
        assertEquals(1, backend.sent.size());
        assertTrue(ctx.warnings.stream().anyMatch(m -> m.contains("checksum offsets")));
        // receive ring with its ring base outside RAM and a bogus tail
        w(E1000Registers.RDBAL, 0xFFFFF000);
        w(E1000Registers.RDBAH, 0x7);
        w(E1000Registers.RDLEN, 0x80);
        w(E1000Registers.RDT, 0x1234);
        w(E1000Registers.RCTL, 0x2);
        assertFalse(nic.canReceive());
        assertFalse(nic.receive(toUs(60, 0), 0, 60));
        w(E1000Registers.RDT, 3);
        assertFalse(nic.receive(toUs(60, 0), 0, 60));
        // runts, unaligned and out-of-range accesses
        assertTrue(nic.receive(new byte[5], 0, 5));
        mem.read(BAR0 + 0x1FFFF, 1);
        mem.write(BAR0 + 3, 2, 0xFFFF);
        io.write(BAR1 + 2, 2, 5);
        io.write(BAR1, 4, 0xFFFFFFFF);
        io.read(BAR1 + 4, 4);
        io.write(BAR1 + 4, 4, 0);
        assertNull(ctx.crash);
    }

    // ------------------------------------------------------------------ snapshot

    @Test
    void snapshotRoundTripKeepsRegistersRingsAndEeprom() throws IOException {
        setUpRxRing(8, 6, 0);
        setUpTxRing(8);
        w(E1000Registers.IMS, 0x80);
        mdic(1, 1, 4, 0x01E1);
        nic.receive(toUs(80, 1), 0, 80);
        byte[] state = nic.saveState();

        RecordingBackend backend2 = new RecordingBackend();
        E1000 copy = new E1000(ctx, mem, MAC, backend2, new NetCounters());
        new PciBus(new IoBus(ctx.lock), new MmioBus(ctx.lock)).attach(3, 0, copy);
        copy.loadState(new StateReader(state, copy.stateId(), 1));
        StateWriter again = new StateWriter(copy.stateId(), 1);
        copy.saveState(again);
        assertArrayEquals(state, again.toByteArray());
        assertEquals(nic.readRegister(E1000Registers.RDH), copy.readRegister(E1000Registers.RDH));
        assertEquals(nic.readRegister(E1000Registers.IMS), copy.readRegister(E1000Registers.IMS));
        assertEquals(0x01E1, copy.readRegister(E1000Registers.MDIC) & 0xFFFF);
        // the restored card goes on receiving where the first stopped
        assertTrue(copy.receive(toUs(70, 2), 0, 70));
        assertEquals(2, copy.readRegister(E1000Registers.RDH));
        assertEquals(74, mem.read(RX_RING + 16 + 8, 2));
    }
}
