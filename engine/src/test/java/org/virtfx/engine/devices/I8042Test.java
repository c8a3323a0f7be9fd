package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

class I8042Test {
    private static final int KEY_A = 30, KEY_LEFTCTRL = 29, KEY_RIGHTCTRL = 97, KEY_UP = 103, KEY_SYSRQ = 99,
            KEY_PAUSE = 119, KEY_F7 = 65, KEY_ESC = 1, KEY_RIGHT = 106, KEY_B = 48;
    private TestContext ctx;
    private PhysicalMemory memory;
    private I8042 kbc;
    private final List<Boolean> irq1 = new ArrayList<>();
    private final List<Boolean> irq12 = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        memory = new PhysicalMemory(GuestMemory.allocate(1 << 20), new MmioBus(ctx.lock));
        kbc = new I8042(ctx, memory, irq1::add, irq12::add);
    }

    private List<Integer> drain() {
        List<Integer> bytes = new ArrayList<>();
        while ((kbc.ioRead(0x64, 1) & 1) != 0) {
            bytes.add(kbc.ioRead(0x60, 1));
        }
        return bytes;
    }

    private void command(int cmd) {
        kbc.ioWrite(0x64, 1, cmd);
    }

    private void data(int v) {
        kbc.ioWrite(0x60, 1, v);
    }

    @Test
    void selfTestAndCommandByte() {
        command(0xAA);
        assertEquals(List.of(0x55), drain());
        assertEquals(0x04, kbc.ioRead(0x64, 1) & 0x04, "system flag after self-test");
        command(0x60);
        data(0x65);   // translate, aux disabled, system flag, keyboard interrupt
        command(0x20);
        assertEquals(List.of(0x65), drain());
        command(0xAB);
        assertEquals(List.of(0x00), drain());
    }

    @Test
    void keyboardResetIdentifyAndLeds() {
        data(0xFF);
        assertEquals(List.of(0xFA, 0xAA), drain());
        data(0xF2);
        assertEquals(List.of(0xFA, 0xAB, 0x83), drain());
        data(0xED);
        data(0x04);
        assertEquals(List.of(0xFA, 0xFA), drain());
        assertEquals(4, kbc.leds());
        data(0xEE);
        assertEquals(List.of(0xEE), drain());
        data(0x12);
        assertEquals(List.of(0xFE), drain(), "unknown command: resend");
    }

    @Test
    void set2ScancodesWithoutTranslation() {
        kbc.key(KEY_A, true);
        kbc.key(KEY_A, false);
        kbc.key(KEY_RIGHTCTRL, true);
        kbc.key(KEY_RIGHTCTRL, false);
        assertEquals(List.of(0x1C, 0xF0, 0x1C, 0xE0, 0x14, 0xE0, 0xF0, 0x14), drain());
    }

    @Test
    void controllerTranslatesToSet1() {
        command(0x60);
        data(0x47);   // translate, sys, kbd irq, aux irq
        kbc.key(KEY_LEFTCTRL, true);
        kbc.key(KEY_UP, true);
        kbc.key(KEY_UP, false);
        kbc.key(KEY_F7, false);
        kbc.key(KEY_LEFTCTRL, false);
        assertEquals(List.of(0x1D, 0xE0, 0x48, 0xE0, 0xC8, 0xC1, 0x9D), drain());
        data(0xF2);
        assertEquals(List.of(0xFA, 0xAB, 0x41), drain(), "identify as Linux sees it through translation");
    }

    @Test
    void pauseAndPrintScreenSequences() {
        kbc.key(KEY_PAUSE, true);
        kbc.key(KEY_PAUSE, false);
        assertEquals(List.of(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77), drain());
        command(0x60);
        data(0x47);
        kbc.key(KEY_PAUSE, true);
        kbc.key(KEY_SYSRQ, true);
        kbc.key(KEY_SYSRQ, false);
        assertEquals(List.of(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5, 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA), drain());
    }

    @Test
    void scancodeSet1SelectedByTheGuest() {
        data(0xF0);
        data(0x01);
        assertEquals(List.of(0xFA, 0xFA), drain());
        data(0xF0);
        data(0x00);
        assertEquals(List.of(0xFA, 0xFA, 0x01), drain());
        kbc.key(KEY_A, true);
        kbc.key(KEY_A, false);
        assertEquals(List.of(0x1E, 0x9E), drain());
    }

    @Test
    void keyboardIrqFollowsOutputBufferAndCommandByte() {
        kbc.key(KEY_A, true);
        assertTrue(irq1.get(irq1.size() - 1));
        kbc.ioRead(0x60, 1);
        assertFalse(irq1.get(irq1.size() - 1));
        command(0x60);
        data(0x00);   // interrupts off
        kbc.key(KEY_A, false);
        assertFalse(irq1.get(irq1.size() - 1));
        assertEquals(1, kbc.ioRead(0x64, 1) & 1);
    }

    @Test
    void intelliMouseDetectionAndWheelPackets() {
        command(0xD4);
        data(0xF2);
        assertEquals(List.of(0xFA, 0x00), drain());
        for (int rate : new int[] {200, 100, 80}) {
            command(0xD4);
            data(0xF3);
            command(0xD4);
            data(rate);
        }
        drain();
        command(0xD4);
        data(0xF2);
        assertEquals(List.of(0xFA, 0x03), drain());
        command(0xD4);
        data(0xF4);
        assertEquals(List.of(0xFA), drain());
        kbc.relative(5, 3, 1, 1);
        assertEquals(0x20, kbc.ioRead(0x64, 1) & 0x20, "aux data");
        assertTrue(irq12.get(irq12.size() - 1));
        assertEquals(List.of(0x08 | 0x01 | 0x20, 5, 0xFD, 0x01), drain());
        kbc.relative(-300, 0, 0, 0);
        assertEquals(List.of(0x18, 0x01, 0x00, 0x00, 0x18, 0xD3, 0x00, 0x00), drain(), "split into -255 and -45");
    }

    @Test
    void mouseResetAndStatus() {
        command(0xD4);
        data(0xFF);
        assertEquals(List.of(0xFA, 0xAA, 0x00), drain());
        command(0xD4);
        data(0xE9);
        assertEquals(List.of(0xFA, 0x00, 0x02, 100), drain());
    }

    @Test
    void a20AndResetThroughOutputPort() {
        command(0xD1);
        data(0xDD);   // A20 off, reset line high
        assertFalse(memory.a20Enabled());
        command(0xD0);
        assertEquals(0, drain().get(0) & 0x02);
        command(0xD1);
        data(0xDF);
        assertTrue(memory.a20Enabled());
        assertEquals(0, ctx.resets);
        command(0xFE);
        assertEquals(1, ctx.resets);
    }

    @Test
    void stateRoundTrip() throws Exception {
        command(0x60);
        data(0x47);
        for (int rate : new int[] {200, 100, 80}) {
            command(0xD4);
            data(0xF3);
            command(0xD4);
            data(rate);
        }
        kbc.key(KEY_A, true);
        byte[] saved = StateRoundTrip.save(kbc);
        I8042 copy = new I8042(ctx, memory, l -> { }, l -> { });
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        List<Integer> a = drain();
        kbc = copy;
        assertEquals(a, drain());
    }

    @Test
    void scancodeSet3WithPerKeyModes() throws Exception {
        data(0xF0);
        data(0x03);
        data(0xF0);
        data(0x00);
        assertEquals(List.of(0xFA, 0xFA, 0xFA, 0xFA, 0x03), drain(), "set 3 selected and reported");
        for (int key : new int[] {KEY_A, KEY_ESC, KEY_RIGHT, KEY_RIGHTCTRL, KEY_F7}) {
            kbc.key(key, true);
            kbc.key(key, false);
        }
        assertEquals(List.of(0x1C, 0xF0, 0x1C, 0x08, 0xF0, 0x08, 0x6A, 0xF0, 0x6A, 0x58, 0xF0, 0x58, 0x37, 0xF0, 0x37),
                drain(), "one byte per key, no E0 prefixes");

        data(0xFD);          // make only for ...
        data(0x1C);          // ... A
        data(0xF4);          // the next command ends the key list
        assertEquals(List.of(0xFA, 0xFA, 0xFA), drain());
        kbc.key(KEY_A, true);
        kbc.key(KEY_A, false);
        kbc.key(KEY_B, true);
        kbc.key(KEY_B, false);
        assertEquals(List.of(0x1C, 0x32, 0xF0, 0x32), drain(), "A sends no break code any more");
        data(0xF9);          // every key make only
        kbc.key(KEY_B, true);
        kbc.key(KEY_B, false);
        data(0xFA);          // every key typematic and make/break again
        kbc.key(KEY_A, true);
        kbc.key(KEY_A, false);
        assertEquals(List.of(0xFA, 0x32, 0xFA, 0x1C, 0xF0, 0x1C), drain());

        data(0xFC);          // make/break without repeat for A
        data(0x1C);
        data(0xF4);
        kbc.key(KEY_A, true);
        byte[] saved = StateRoundTrip.save(kbc);
        I8042 copy = new I8042(ctx, memory, l -> { }, l -> { });
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy), "set 3 and the key modes survive a snapshot");
    }

    @Test
    void heldKeyRepeatsAtTheGuestsTypematicRate() throws Exception {
        assertEquals(500_000_000L, I8042.typematicDelayNanos(0x2B));
        assertEquals(91_666_666L, I8042.typematicPeriodNanos(0x2B), "10.9 keys a second");
        assertEquals(33_333_333L, I8042.typematicPeriodNanos(0x00), "30 keys a second");
        assertEquals(500_000_000L, I8042.typematicPeriodNanos(0x1F), "2 keys a second");
        assertEquals(1_000_000_000L, I8042.typematicDelayNanos(0x60));

        data(0xF3);
        data(0x00);          // 250 ms, 30 keys a second
        assertEquals(List.of(0xFA, 0xFA), drain());
        ctx.timers.start("test");
        ctx.clock.start();
        kbc.key(KEY_A, true);
        kbc.key(KEY_A, true);   // the host's autorepeat: not doubled
        List<Integer> bytes = new ArrayList<>();
        for (int i = 0; i < 500 && bytes.size() < 4; i++) {
            Thread.sleep(10);
            ctx.lock.lock();
            try {
                bytes.addAll(drain());
            } finally {
                ctx.lock.unlock();
            }
        }
        kbc.key(KEY_A, false);
        ctx.lock.lock();
        try {
            bytes.addAll(drain());
        } finally {
            ctx.lock.unlock();
        }
        assertTrue(bytes.size() >= 6, "make code repeated while held: " + bytes);
        assertEquals(List.of(0x1C, 0x1C, 0x1C, 0x1C), bytes.subList(0, 4));
        assertEquals(List.of(0xF0, 0x1C), bytes.subList(bytes.size() - 2, bytes.size()));
        Thread.sleep(100);
        ctx.lock.lock();
        try {
            assertEquals(List.of(), drain(), "no repeat after the release");
        } finally {
            ctx.lock.unlock();
        }
    }
}
