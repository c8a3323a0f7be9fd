package org.virtfx.engine.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/** The virtio input device behind the modern PCI transport, probed and fed as Linux's virtio_input driver does. */
class VirtioInputTest {
    private static final long EVENT_RING = 0x10000;
    private static final long STATUS_RING = 0x20000;
    private static final long BUF = 0x40000;

    private final List<TestDriver> drivers = new ArrayList<>();

    private TestDriver device(VirtioInput.Kind kind) {
        TestDriver d = new TestDriver(ctx -> new VirtioInput(ctx, kind, "serial-" + kind.optionName()));
        drivers.add(d);
        return d;
    }

    private static VirtioInput input(TestDriver d) {
        return (VirtioInput) d.pci.device();
    }

    /** virtinput_probe: VERSION_1 only, both queues, DRIVER_OK. */
    private TestDriver up(VirtioInput.Kind kind) {
        TestDriver d = device(kind);
        assertTrue(d.negotiate(VirtioPci.F_VERSION_1));
        d.setupQueue(VirtioInput.EVENTQ, 64, EVENT_RING);
        d.setupQueue(VirtioInput.STATUSQ, 64, STATUS_RING);
        d.driverOk();
        return d;
    }

    /** Posts {@code n} one-event buffers on the event queue, as virtinput_fill_evt does, and kicks it. */
    private static void postEventBuffers(TestDriver d, int first, int n) {
        for (int i = first; i < first + n; i++) {
            d.addChain(VirtioInput.EVENTQ, new long[] {BUF + 8L * i, 8, Virtqueue.DESC_F_WRITE});
        }
        d.kick(VirtioInput.EVENTQ);
    }

    /** Event {@code i} of the posted buffers as {type, code, value}. */
    private static int[] event(TestDriver d, int i) {
        long a = BUF + 8L * i;
        return new int[] {(int) d.mem.read(a, 2), (int) d.mem.read(a + 2, 2), (int) d.mem.read(a + 4, 4)};
    }

    /** virtinput_cfg_select: writes select and subsel, returns the union's bytes (size of them). */
    private static byte[] select(TestDriver d, int sel, int sub) {
        d.write(d.deviceCfg, 1, sel);
        d.write(d.deviceCfg + 1, 1, sub);
        int size = (int) d.read(d.deviceCfg + 2, 1);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) d.read(d.deviceCfg + VirtioInput.CFG_UNION + i, 1);
        }
        return b;
    }

    private static boolean bit(byte[] map, int bit) {
        return bit / 8 < map.length && (map[bit / 8] & (1 << (bit % 8))) != 0;
    }

    @AfterEach
    void close() {
        drivers.forEach(TestDriver::close);
    }

    @Test
    void pciIdentityIsVirtioInput() {
        TestDriver d = device(VirtioInput.Kind.TABLET);
        assertEquals(0x1052_1AF4, d.pci.configRead(0, 4), "vendor 1AF4, device 0x1040 + 18");
        assertEquals(0x098000, d.pci.configRead(0x09, 4) & 0xFFFFFF);
        assertEquals(2, d.read(d.common + 0x12, 2), "event and status queues");
        assertEquals(VirtioPci.F_VERSION_1 | VirtioPci.F_INDIRECT_DESC | VirtioPci.F_EVENT_IDX, d.deviceFeatures());
    }

    @Test
    void tabletConfigurationDescribesAnAbsolutePointer() {
        TestDriver d = device(VirtioInput.Kind.TABLET);
        assertEquals("VirtFX Tablet", new String(select(d, VirtioInput.CFG_ID_NAME, 0), StandardCharsets.US_ASCII));
        assertEquals("serial-tablet", new String(select(d, VirtioInput.CFG_ID_SERIAL, 0), StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {6, 0, 0x27, 6, 3, 0, 1, 0}, select(d, VirtioInput.CFG_ID_DEVIDS, 0),
                "BUS_VIRTUAL, QEMU's vendor 0627, product 3, version 1");
        assertEquals(0, select(d, VirtioInput.CFG_PROP_BITS, 0).length);
        byte[] keys = select(d, VirtioInput.CFG_EV_BITS, VirtioInput.EV_KEY);
        assertTrue(bit(keys, VirtioInput.BTN_LEFT) && bit(keys, VirtioInput.BTN_RIGHT) && bit(keys, VirtioInput.BTN_MIDDLE));
        assertFalse(bit(keys, 30), "no keyboard keys");
        byte[] abs = select(d, VirtioInput.CFG_EV_BITS, VirtioInput.EV_ABS);
        assertArrayEquals(new byte[] {3}, abs, "ABS_X and ABS_Y");
        byte[] rel = select(d, VirtioInput.CFG_EV_BITS, VirtioInput.EV_REL);
        assertTrue(bit(rel, VirtioInput.REL_WHEEL));
        assertFalse(bit(rel, VirtioInput.REL_X), "motion is absolute");
        assertEquals(0, select(d, VirtioInput.CFG_EV_BITS, VirtioInput.EV_LED).length);
        assertEquals(0, select(d, VirtioInput.CFG_EV_BITS, VirtioInput.EV_REP).length);
        byte[] absX = select(d, VirtioInput.CFG_ABS_INFO, VirtioInput.ABS_X);
        assertEquals(20, absX.length);
        assertEquals(0, d.read(d.deviceCfg + 8, 4), "min");
        assertEquals(32767, d.read(d.deviceCfg + 12, 4), "max");
        assertEquals(0, select(d, VirtioInput.CFG_ABS_INFO, 2).length, "no ABS_Z");
        assertEquals(0, select(d, 0x7F, 0).length, "unknown select: size 0");
        d.write(d.deviceCfg, 2, VirtioInput.CFG_ID_NAME);   // one 16-bit write of select and subsel
        assertEquals(13, d.read(d.deviceCfg + 2, 1));
        d.write(d.deviceCfg + 2, 1, 99);
        assertEquals(13, d.read(d.deviceCfg + 2, 1), "size is read-only");
    }

    @Test
    void keyboardAndMouseConfigurations() {
        TestDriver k = device(VirtioInput.Kind.KEYBOARD);
        assertEquals("VirtFX Keyboard", new String(select(k, VirtioInput.CFG_ID_NAME, 0), StandardCharsets.US_ASCII));
        byte[] keys = select(k, VirtioInput.CFG_EV_BITS, VirtioInput.EV_KEY);
        assertTrue(bit(keys, 1) && bit(keys, 30) && bit(keys, VirtioInput.LAST_KEYBOARD_KEY));
        assertFalse(bit(keys, 0) || bit(keys, VirtioInput.BTN_LEFT));
        assertArrayEquals(new byte[] {7}, select(k, VirtioInput.CFG_EV_BITS, VirtioInput.EV_LED));
        assertEquals(1, select(k, VirtioInput.CFG_EV_BITS, VirtioInput.EV_REP).length, "autorepeat");
        assertEquals(0, select(k, VirtioInput.CFG_EV_BITS, VirtioInput.EV_REL).length);
        TestDriver m = device(VirtioInput.Kind.MOUSE);
        assertEquals(2, select(m, VirtioInput.CFG_ID_DEVIDS, 0)[4]);
        byte[] rel = select(m, VirtioInput.CFG_EV_BITS, VirtioInput.EV_REL);
        assertTrue(bit(rel, VirtioInput.REL_X) && bit(rel, VirtioInput.REL_Y) && bit(rel, VirtioInput.REL_WHEEL));
        assertEquals(0, select(m, VirtioInput.CFG_EV_BITS, VirtioInput.EV_ABS).length);
    }

    @Test
    void tabletSendsScaledPositionButtonsAndWheelAsReports() {
        TestDriver d = up(VirtioInput.Kind.TABLET);
        postEventBuffers(d, 0, 16);
        VirtioInput t = input(d);
        t.absolute(1023, 384, 1024, 768, 0, 1);
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_X, 32767}, event(d, 0));
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_Y, 384 * 32767 / 767}, event(d, 1));
        assertArrayEquals(new int[] {VirtioInput.EV_KEY, VirtioInput.BTN_LEFT, 1}, event(d, 2));
        assertArrayEquals(new int[] {VirtioInput.EV_SYN, VirtioInput.SYN_REPORT, 0}, event(d, 3));
        assertEquals(4, d.usedIdx(VirtioInput.EVENTQ));
        assertEquals(8, d.usedEntry(VirtioInput.EVENTQ, 0)[1]);
        assertTrue(d.irq);
        assertEquals(1, d.readIsr());
        t.absolute(-5, 5000, 1024, 768, -1, 0);   // clamped; wheel up; left released
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_X, 0}, event(d, 4));
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_Y, 32767}, event(d, 5));
        assertArrayEquals(new int[] {VirtioInput.EV_REL, VirtioInput.REL_WHEEL, 1}, event(d, 6), "evdev: up is +1");
        assertArrayEquals(new int[] {VirtioInput.EV_KEY, VirtioInput.BTN_LEFT, 0}, event(d, 7));
        assertArrayEquals(new int[] {VirtioInput.EV_SYN, VirtioInput.SYN_REPORT, 0}, event(d, 8));
        t.relative(5, 5, 0, 0);
        t.key(30, true);
        assertEquals(9, d.usedIdx(VirtioInput.EVENTQ), "a tablet ignores relative motion and keys");
    }

    @Test
    void mouseAndKeyboardSendTheirEvents() {
        TestDriver m = up(VirtioInput.Kind.MOUSE);
        postEventBuffers(m, 0, 8);
        input(m).relative(3, -2, 0, 4);
        assertArrayEquals(new int[] {VirtioInput.EV_REL, VirtioInput.REL_X, 3}, event(m, 0));
        assertArrayEquals(new int[] {VirtioInput.EV_REL, VirtioInput.REL_Y, -2}, event(m, 1));
        assertArrayEquals(new int[] {VirtioInput.EV_KEY, VirtioInput.BTN_MIDDLE, 1}, event(m, 2));
        assertArrayEquals(new int[] {VirtioInput.EV_SYN, 0, 0}, event(m, 3));
        input(m).relative(0, 0, 0, 4);
        assertEquals(4, m.usedIdx(VirtioInput.EVENTQ), "nothing changed: no report");
        TestDriver k = up(VirtioInput.Kind.KEYBOARD);
        postEventBuffers(k, 0, 8);
        input(k).key(30, true);
        input(k).key(30, false);
        input(k).key(0x1D0, true);   // KEY_FN: not a keyboard key here
        assertArrayEquals(new int[] {VirtioInput.EV_KEY, 30, 1}, event(k, 0));
        assertArrayEquals(new int[] {VirtioInput.EV_SYN, 0, 0}, event(k, 1));
        assertArrayEquals(new int[] {VirtioInput.EV_KEY, 30, 0}, event(k, 2));
        assertEquals(4, k.usedIdx(VirtioInput.EVENTQ));
    }

    @Test
    void reportsWaitForBuffersAndTheOldestWholeReportsAreDropped() {
        TestDriver d = up(VirtioInput.Kind.TABLET);
        VirtioInput t = input(d);
        postEventBuffers(d, 0, 2);
        t.absolute(0, 0, 100, 100, 0, 0);   // 3 events: the first two go out at once
        assertEquals(2, d.usedIdx(VirtioInput.EVENTQ));
        assertEquals(1, t.pendingReports());
        for (int i = 1; i <= VirtioInput.MAX_PENDING_REPORTS + 10; i++) {
            t.absolute(i % 100, 0, 100, 100, 0, 0);
        }
        assertEquals(VirtioInput.MAX_PENDING_REPORTS, t.pendingReports());
        postEventBuffers(d, 2, 4);
        assertArrayEquals(new int[] {VirtioInput.EV_SYN, 0, 0}, event(d, 2), "the half-sent report is finished first");
        // 139 reports for 128 places: reports 1..11 were dropped whole, the next one is report 12
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_X, 12 * 32767 / 99}, event(d, 3));
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_Y, 0}, event(d, 4));
        assertArrayEquals(new int[] {VirtioInput.EV_SYN, 0, 0}, event(d, 5));
    }

    @Test
    void inputBeforeTheDriverIsReadyIsLost() {
        TestDriver d = device(VirtioInput.Kind.TABLET);
        input(d).absolute(1, 1, 10, 10, 0, 0);
        assertEquals(0, input(d).pendingReports());
    }

    @Test
    void statusQueueCarriesLedChanges() {
        TestDriver d = up(VirtioInput.Kind.KEYBOARD);
        long ev = BUF + 0x1000;
        d.mem.write(ev, 2, VirtioInput.EV_LED);
        d.mem.write(ev + 2, 2, 1);   // LED_CAPSL
        d.mem.write(ev + 4, 4, 1);
        d.addChain(VirtioInput.STATUSQ, new long[] {ev, 8, 0});
        d.kick(VirtioInput.STATUSQ);
        assertEquals(2, input(d).leds());
        assertEquals(1, d.usedIdx(VirtioInput.STATUSQ), "the buffer is given back");
        d.mem.write(ev + 4, 4, 0);
        d.mem.write(ev + 0x10, 2, VirtioInput.EV_LED);
        d.mem.write(ev + 0x12, 2, 40);   // no such LED
        d.mem.write(ev + 0x14, 4, 1);
        d.addChain(VirtioInput.STATUSQ, new long[] {ev, 8, 0});
        d.addChain(VirtioInput.STATUSQ, new long[] {ev + 0x10, 8, 0});
        d.addChain(VirtioInput.STATUSQ, new long[] {ev, 3, 0});
        d.kick(VirtioInput.STATUSQ);
        assertEquals(0, input(d).leds());
        assertEquals(4, d.usedIdx(VirtioInput.STATUSQ));
        assertEquals(1, d.ctx.warnings.size(), d.ctx.warnings.toString());
    }

    @Test
    void tooSmallEventBufferIsReturnedWithAWarning() {
        TestDriver d = up(VirtioInput.Kind.TABLET);
        d.addChain(VirtioInput.EVENTQ, new long[] {BUF, 4, Virtqueue.DESC_F_WRITE});
        d.kick(VirtioInput.EVENTQ);
        input(d).absolute(5, 5, 10, 10, 0, 0);
        assertEquals(1, d.usedIdx(VirtioInput.EVENTQ));
        assertEquals(0, d.usedEntry(VirtioInput.EVENTQ, 0)[1]);
        assertEquals(1, input(d).pendingReports());
        assertEquals(1, d.ctx.warnings.size());
    }

    @Test
    void stateRoundTripKeepsPendingReportsSelectorAndLeds() throws Exception {
        TestDriver d = up(VirtioInput.Kind.TABLET);
        postEventBuffers(d, 0, 1);
        input(d).absolute(50, 60, 100, 100, 0, 3);
        input(d).absolute(70, 80, 100, 100, 0, 0);
        select(d, VirtioInput.CFG_ID_NAME, 0);
        StateWriter w = new StateWriter(d.pci.stateId(), 1);
        d.pci.saveState(w);
        byte[] saved = w.toByteArray();
        TestDriver copy = device(VirtioInput.Kind.TABLET);
        copy.pci.loadState(new StateReader(saved, copy.pci.stateId(), 1));
        StateWriter again = new StateWriter(copy.pci.stateId(), 1);
        copy.pci.saveState(again);
        assertArrayEquals(saved, again.toByteArray());
        assertEquals(2, input(copy).pendingReports());
        assertEquals(13, copy.read(copy.deviceCfg + 2, 1), "ID_NAME still selected");
        // the restored device carries on where the first stopped: ABS_Y of the first report next
        copy.rings[VirtioInput.EVENTQ] = d.rings[VirtioInput.EVENTQ];
        for (int q = 0; q < 2; q++) {
            copy.mem.write(0x10000L * (q + 1), d.bytes(0x10000L * (q + 1), 0x3000), 0, 0x3000);
        }
        postEventBuffers(copy, 1, 1);
        assertArrayEquals(new int[] {VirtioInput.EV_ABS, VirtioInput.ABS_Y, 60 * 32767 / 99}, event(copy, 1));
        StateWriter bad = new StateWriter("virtio-tablet", 1);
        bad.writeInt(1).writeInt(0).writeInt(0).writeInt(0).writeInt(5).writeInt(0);
        assertThrows(org.virtfx.engine.snapshot.SnapshotFormatException.class,
                () -> input(copy).loadState(new StateReader(bad.toByteArray(), "virtio-tablet", 1)));
    }
}
