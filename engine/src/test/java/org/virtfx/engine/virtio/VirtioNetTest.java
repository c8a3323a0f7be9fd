package org.virtfx.engine.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/** The virtio-net card behind the modern PCI transport, driven as Linux drives it. */
class VirtioNetTest {
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final long RX_RING = 0x10000;
    private static final long TX_RING = 0x20000;
    private static final long BUF = 0x40000;
    private static final long FEATURES = VirtioPci.F_VERSION_1 | VirtioNet.F_MAC | VirtioNet.F_STATUS;

    private final RecordingBackend backend = new RecordingBackend();
    private final NetCounters counters = new NetCounters();
    private final List<TestDriver> drivers = new ArrayList<>();

    /** Keeps what the guest sent and counts guestCanReceive calls. */
    static final class RecordingBackend implements NetworkBackend {
        final List<byte[]> frames = new ArrayList<>();
        int canReceive;

        @Override
        public void start(GuestPort guest) {
        }

        @Override
        public void transmit(byte[] frame, int offset, int length) {
            frames.add(Arrays.copyOfRange(frame, offset, offset + length));
        }

        @Override
        public void guestCanReceive() {
            canReceive++;
        }

        @Override
        public void close() {
        }
    }

    private TestDriver card(NetworkBackend be) {
        TestDriver d = new TestDriver(ctx -> new VirtioNet(ctx, MAC, be, counters));
        drivers.add(d);
        return d;
    }

    private VirtioNet net(TestDriver d) {
        return (VirtioNet) d.pci.device();
    }

    /** Linux's bring-up: features, both queues, DRIVER_OK. */
    private TestDriver up(long features) {
        TestDriver d = card(backend);
        assertTrue(d.negotiate(features));
        d.setupQueue(VirtioNet.RX, 256, RX_RING);
        d.setupQueue(VirtioNet.TX, 256, TX_RING);
        d.driverOk();
        return d;
    }

    @AfterEach
    void close() {
        drivers.forEach(TestDriver::close);
    }

    private static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    @Test
    void pciIdentityAndCapabilitiesAsTheModernDriverExpects() {
        TestDriver d = card(backend);
        assertEquals(0x1041_1AF4, d.pci.configRead(0, 4), "vendor 1AF4, device 0x1040 + 1 (network)");
        assertEquals(1, d.pci.configRead(0x08, 1), "revision 1: non-transitional");
        assertEquals(0x020000, d.pci.configRead(0x09, 4) & 0xFFFFFF, "Ethernet controller");
        assertEquals(0x1100_1AF4, d.pci.configRead(0x2C, 4));
        assertEquals(1, d.pci.configRead(0x3D, 1), "INTA");
        assertEquals(0x4, d.pci.configRead(0x20, 4) & 0x6, "BAR 4 is 64-bit memory");
        assertEquals(VirtioPci.COMMON, d.common);
        assertEquals(VirtioPci.ISR, d.isr);
        assertEquals(VirtioPci.DEVICE_CONFIG, d.deviceCfg);
        assertEquals(VirtioPci.NOTIFY, d.notify);
        assertEquals(4, d.notifyMultiplier);
        assertTrue(d.pciCfgCap > 0);
        assertEquals(2, d.read(d.common + 0x12, 2), "two queues");
        assertEquals(0xFFFF, d.read(d.common + 0x10, 2), "no MSI-X vector");
        assertArrayEquals(MAC, new byte[] {(byte) d.read(d.deviceCfg, 1), (byte) d.read(d.deviceCfg + 1, 1),
                (byte) d.read(d.deviceCfg + 2, 1), (byte) d.read(d.deviceCfg + 3, 1), (byte) d.read(d.deviceCfg + 4, 1),
                (byte) d.read(d.deviceCfg + 5, 1)});
        assertEquals(VirtioNet.STATUS_LINK_UP, d.read(d.deviceCfg + 6, 2), "link up with a backend");
        // the same configuration byte through the VIRTIO_PCI_CAP_PCI_CFG window
        int cap = d.pciCfgCap;
        d.pci.configWrite(cap + 4, 1, VirtioPci.BAR);
        d.pci.configWrite(cap + 8, 4, VirtioPci.DEVICE_CONFIG + 5);
        d.pci.configWrite(cap + 12, 4, 1);
        assertEquals(0x56, d.pci.configRead(cap + 16, 1));
    }

    @Test
    void unpluggedCardReportsLinkDown() {
        TestDriver d = card(null);
        assertEquals(0, d.read(d.deviceCfg + 6, 2));
    }

    @Test
    void featureNegotiationNeedsVersion1AndOnlyOfferedBits() {
        TestDriver d = card(backend);
        long offered = d.deviceFeatures();
        assertEquals(FEATURES | VirtioPci.F_INDIRECT_DESC | VirtioPci.F_EVENT_IDX, offered);
        assertFalse(d.negotiate(VirtioNet.F_MAC), "a legacy driver (no VERSION_1) is refused");
        assertFalse(d.negotiate(FEATURES | 1L << 0), "checksum offload was not offered");
        assertEquals(2, d.ctx.warnings.size(), d.ctx.warnings.toString());
        assertTrue(d.negotiate(offered));
        assertEquals(offered, d.pci.driverFeatures());
        d.write(d.common + 0x14, 1, 0);
        assertEquals(0, d.status(), "reset reads back 0");
        assertEquals(0, d.pci.driverFeatures());
    }

    @Test
    void transmitsHeaderAndFrameSplitAcrossBuffersAndIndirectTables() {
        TestDriver d = up(FEATURES | VirtioPci.F_INDIRECT_DESC);
        byte[] f1 = frame(60, 1);
        d.mem.write(BUF, new byte[12], 0, 12);
        d.mem.write(BUF + 0x100, f1, 0, f1.length);
        d.addChain(VirtioNet.TX, new long[] {BUF, 12, 0}, new long[] {BUF + 0x100, 60, 0});
        // header and frame in one buffer, through an indirect table of two descriptors
        byte[] f2 = frame(1514, 2);
        long table = BUF + 0x1000;
        d.mem.write(BUF + 0x2000, new byte[12], 0, 12);
        d.mem.write(BUF + 0x2000 + 12, f2, 0, 1000);
        d.mem.write(BUF + 0x3000, f2, 1000, 514);
        d.descriptor(table, 0, BUF + 0x2000, 1012, Virtqueue.DESC_F_NEXT, 1);
        d.descriptor(table, 1, BUF + 0x3000, 514, 0, 0);
        TestDriver.Ring tx = d.rings[VirtioNet.TX];
        d.descriptor(tx.desc, 5, table, 32, Virtqueue.DESC_F_INDIRECT, 0);
        d.publish(VirtioNet.TX, 5);
        d.kick(VirtioNet.TX);
        assertEquals(2, backend.frames.size());
        assertArrayEquals(f1, backend.frames.get(0));
        assertArrayEquals(f2, backend.frames.get(1));
        assertEquals(2, d.usedIdx(VirtioNet.TX));
        assertEquals(5, d.usedEntry(VirtioNet.TX, 1)[0]);
        assertTrue(d.irq);
        assertEquals(1, d.readIsr(), "used-buffer interrupt");
        assertFalse(d.irq, "reading the ISR deasserts INTx");
        assertEquals(0, d.readIsr());
        assertEquals(2, counters.txFrames());
        assertEquals(60 + 1514, counters.txBytes());
    }

    @Test
    void receivesIntoPostedBuffersAndDropsWithoutThem() {
        TestDriver d = up(FEATURES);
        GuestPort port = net(d);
        assertFalse(port.canReceive());
        byte[] f = frame(98, 3);
        assertFalse(port.receive(f, 0, f.length), "no buffer posted");
        assertEquals(1, counters.rxDropped());
        int before = backend.canReceive;
        d.addChain(VirtioNet.RX, new long[] {BUF, 12 + 1518, Virtqueue.DESC_F_WRITE});
        d.kick(VirtioNet.RX);
        assertEquals(before + 1, backend.canReceive, "posting buffers tells the backend");
        assertTrue(port.canReceive());
        byte[] padded = new byte[f.length + 4];
        System.arraycopy(f, 0, padded, 2, f.length);
        assertTrue(port.receive(padded, 2, f.length));
        assertEquals(1, d.usedIdx(VirtioNet.RX));
        assertEquals(12 + 98, d.usedEntry(VirtioNet.RX, 0)[1]);
        byte[] hdr = d.bytes(BUF, 12);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, hdr, "no offloads, num_buffers 1");
        assertArrayEquals(f, d.bytes(BUF + 12, 98));
        assertTrue(d.irq);
        assertEquals(1, counters.rxFrames());
        assertEquals(98, counters.rxBytes());
    }

    @Test
    void eventIdxSuppressesInterruptsTheDriverDidNotAskFor() {
        TestDriver d = up(FEATURES | VirtioPci.F_EVENT_IDX);
        TestDriver.Ring rx = d.rings[VirtioNet.RX];
        d.mem.write(rx.avail + 4 + 2L * rx.size, 2, 1);   // used_event: interrupt after the second used entry
        d.addChain(VirtioNet.RX, new long[] {BUF, 2048, Virtqueue.DESC_F_WRITE});
        d.addChain(VirtioNet.RX, new long[] {BUF + 2048, 2048, Virtqueue.DESC_F_WRITE});
        byte[] f = frame(60, 4);
        assertTrue(net(d).receive(f, 0, f.length));
        assertFalse(d.irq, "used idx 1 has not passed used_event 1");
        assertEquals(1, d.mem.read(rx.used + 4 + 8L * rx.size, 2), "avail_event follows the device");
        assertTrue(net(d).receive(f, 0, f.length));
        assertTrue(d.irq);
    }

    @Test
    void badChainsMarkTheDeviceNeedsResetWithoutThrowing() {
        // a loop: descriptor 0 -> 1 -> 0
        TestDriver d = up(FEATURES);
        TestDriver.Ring tx = d.rings[VirtioNet.TX];
        d.descriptor(tx.desc, 0, BUF, 40, Virtqueue.DESC_F_NEXT, 1);
        d.descriptor(tx.desc, 1, BUF, 40, Virtqueue.DESC_F_NEXT, 0);
        d.publish(VirtioNet.TX, 0);
        d.kick(VirtioNet.TX);
        assertEquals(VirtioPci.DEVICE_NEEDS_RESET, d.status() & VirtioPci.DEVICE_NEEDS_RESET);
        assertEquals(2, d.readIsr(), "configuration-change interrupt tells the driver");
        assertTrue(d.ctx.warnings.get(0).contains("loops"), d.ctx.warnings.toString());
        assertTrue(backend.frames.isEmpty());
        // a failed device processes nothing until reset
        d.addChain(VirtioNet.RX, new long[] {BUF, 2048, Virtqueue.DESC_F_WRITE});
        assertFalse(net(d).receive(frame(60, 0), 0, 60));
        d.write(d.common + 0x14, 1, 0);
        assertEquals(0, d.status());
    }

    @Test
    void otherGuestErrorsAreCheckedWhereTheyEnter() {
        TestDriver d = up(FEATURES);
        TestDriver.Ring tx = d.rings[VirtioNet.TX];
        d.publish(VirtioNet.TX, 300);   // head beyond the ring
        d.kick(VirtioNet.TX);
        assertTrue(d.ctx.warnings.get(0).contains("head index 300"), d.ctx.warnings.toString());

        d = up(FEATURES);
        tx = d.rings[VirtioNet.TX];
        d.descriptor(tx.desc, 0, TestDriver.RAM - 8, 40, 0, 0);   // runs off the end of RAM
        d.publish(VirtioNet.TX, 0);
        d.kick(VirtioNet.TX);
        assertTrue(d.ctx.warnings.get(0).contains("not in RAM"), d.ctx.warnings.toString());

        d = up(FEATURES);
        d.descriptor(d.rings[VirtioNet.TX].desc, 0, BUF, 32, Virtqueue.DESC_F_INDIRECT, 0);
        d.publish(VirtioNet.TX, 0);
        d.kick(VirtioNet.TX);
        assertTrue(d.ctx.warnings.get(0).contains("VIRTIO_F_INDIRECT_DESC"), d.ctx.warnings.toString());

        d = card(backend);
        assertTrue(d.negotiate(FEATURES));
        d.write(d.common + 0x16, 2, 0);
        d.write(d.common + 0x18, 2, 100);   // not a power of two
        d.write(d.common + 0x1C, 2, 1);
        assertEquals(VirtioPci.DEVICE_NEEDS_RESET, d.status() & VirtioPci.DEVICE_NEEDS_RESET);

        d = up(FEATURES);
        d.mem.write(d.rings[VirtioNet.TX].avail + 2, 2, 1000);   // available index far ahead of the ring
        d.kick(VirtioNet.TX);
        assertTrue(d.ctx.warnings.get(0).contains("ahead"), d.ctx.warnings.toString());
    }

    @Test
    void stateRoundTripKeepsQueuesWorking() throws Exception {
        TestDriver d = up(FEATURES | VirtioPci.F_EVENT_IDX);
        d.addChain(VirtioNet.RX, new long[] {BUF, 2048, Virtqueue.DESC_F_WRITE});
        d.addChain(VirtioNet.RX, new long[] {BUF + 2048, 2048, Virtqueue.DESC_F_WRITE});
        assertTrue(net(d).receive(frame(60, 5), 0, 60));
        StateWriter w = new StateWriter(d.pci.stateId(), 1);
        d.pci.saveState(w);
        byte[] saved = w.toByteArray();

        TestDriver copy = card(backend);
        copy.mem.write(0, d.bytes(0, (int) TestDriver.RAM), 0, (int) TestDriver.RAM);   // RAM travels separately
        copy.pci.loadState(new StateReader(saved, copy.pci.stateId(), 1));
        System.arraycopy(d.rings, 0, copy.rings, 0, d.rings.length);   // the driver's own bookkeeping
        StateWriter again = new StateWriter(copy.pci.stateId(), 1);
        copy.pci.saveState(again);
        assertArrayEquals(saved, again.toByteArray());
        assertEquals(d.status(), copy.status());
        byte[] f = frame(70, 6);
        assertTrue(net(copy).receive(f, 0, f.length), "the restored device uses the second posted buffer");
        assertEquals(2, copy.usedIdx(VirtioNet.RX));
        assertEquals(1, copy.usedEntry(VirtioNet.RX, 1)[0]);
        assertArrayEquals(f, copy.bytes(BUF + 2048 + 12, 70));
        assertNotEquals(0, copy.pci.barAddress(VirtioPci.BAR));
    }

    @Test
    void virtqueueAndDeviceStatesRoundTripOnTheirOwn() throws Exception {
        TestDriver d = up(FEATURES);
        Virtqueue q = d.pci.queue(VirtioNet.TX);
        StateWriter w = new StateWriter(q.stateId(), 1);
        q.saveState(w);
        Virtqueue fresh = new Virtqueue(VirtioNet.TX, 256, d.mem);
        fresh.loadState(new StateReader(w.toByteArray(), fresh.stateId(), 1));
        assertEquals(q.descAddr(), fresh.descAddr());
        assertEquals(q.usedAddr(), fresh.usedAddr());
        assertTrue(fresh.enabled());
        StateWriter w2 = new StateWriter(fresh.stateId(), 1);
        fresh.saveState(w2);
        assertArrayEquals(w.toByteArray(), w2.toByteArray());

        TestDriver unplugged = card(null);
        StateWriter n = new StateWriter("virtio-net", 1);
        net(d).saveState(n);
        net(unplugged).loadState(new StateReader(n.toByteArray(), "virtio-net", 1));
        assertFalse(net(unplugged).linkUp(), "a card without a backend stays unplugged");
        net(d).loadState(new StateReader(n.toByteArray(), "virtio-net", 1));
        assertTrue(net(d).linkUp());
    }

    @Test
    void linkChangeInterruptsWithConfigurationChange() {
        TestDriver d = up(FEATURES);
        int generation = (int) d.read(d.common + 0x15, 1);
        net(d).setLinkUp(false);
        assertEquals(0, d.read(d.deviceCfg + 6, 2));
        assertNotEquals(generation, (int) d.read(d.common + 0x15, 1));
        assertEquals(2, d.readIsr());
    }
}
