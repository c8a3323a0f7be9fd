package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PitTest {
    private TestContext ctx;
    private Pit8254 pit;
    private final List<Boolean> irq0 = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        ctx.at(1_000_000);
        pit = new Pit8254(ctx, irq0::add);
        irq0.clear();
    }

    private static long ticks(long n) {
        return Pit8254.ticksToNs(n);
    }

    private void program(int channel, int mode, int count) {
        pit.ioWrite(0x43, 1, channel << 6 | 0x30 | mode << 1);
        pit.ioWrite(0x40 + channel, 1, count & 0xFF);
        pit.ioWrite(0x40 + channel, 1, count >> 8);
    }

    private int readCount(int channel) {
        pit.ioWrite(0x43, 1, channel << 6);   // latch
        return pit.ioRead(0x40 + channel, 1) | pit.ioRead(0x40 + channel, 1) << 8;
    }

    @Test
    void mode0CountsDownAndRaisesOutAtTerminalCount() {
        program(0, 0, 1000);
        long start = ctx.clock.nanos();
        assertEquals(1000, readCount(0));
        ctx.at(start + ticks(250));
        assertEquals(750, readCount(0));
        pit.onTimer();
        assertFalse(irq0.contains(true), "not yet at terminal count");
        ctx.at(start + ticks(1000));
        pit.onTimer();
        assertEquals(Boolean.TRUE, irq0.get(irq0.size() - 1));
    }

    @Test
    void mode2ReloadsAndInterruptsEveryPeriod() {
        program(0, 2, 100);
        long start = ctx.clock.nanos();
        ctx.at(start + ticks(130));
        assertEquals(70, readCount(0));
        irq0.clear();
        pit.onTimer();
        assertEquals(List.of(true, false), irq0, "one edge for the first period");
        ctx.at(start + ticks(150));
        irq0.clear();
        pit.onTimer();
        assertTrue(irq0.isEmpty(), "no new period yet");
        ctx.at(start + ticks(201));
        pit.onTimer();
        assertEquals(List.of(true, false), irq0);
    }

    @Test
    void mode3SquareWaveOnChannel2ShowsInPortB() {
        pit.ioWrite(0x61, 1, 0x01);   // gate channel 2
        program(2, 3, 1000);
        long start = ctx.clock.nanos();
        assertEquals(0x20, pit.ioRead(0x61, 1) & 0x20, "first half high");
        ctx.at(start + ticks(600));
        assertEquals(0, pit.ioRead(0x61, 1) & 0x20, "second half low");
        ctx.at(start + ticks(1100));
        assertEquals(0x20, pit.ioRead(0x61, 1) & 0x20);
        assertEquals(1000 - (2 * 100), readCount(2), "counts down by two");
    }

    @Test
    void tscCalibrationLoopOfSeaBiosTerminates() {
        // SeaBIOS timer.c: gate on, channel 2 mode 0 count 0x800, poll port 0x61 bit 5.
        pit.ioWrite(0x61, 1, (pit.ioRead(0x61, 1) & ~0x02) | 0x01);
        pit.ioWrite(0x43, 1, 0xB0);
        pit.ioWrite(0x42, 1, 0x00);
        pit.ioWrite(0x42, 1, 0x08);
        long start = ctx.clock.nanos();
        assertEquals(0, pit.ioRead(0x61, 1) & 0x20);
        ctx.at(start + ticks(0x7FF));
        assertEquals(0, pit.ioRead(0x61, 1) & 0x20);
        ctx.at(start + ticks(0x800));
        assertEquals(0x20, pit.ioRead(0x61, 1) & 0x20);
    }

    @Test
    void gateLowSuspendsMode0OnChannel2() {
        pit.ioWrite(0x61, 1, 0x01);
        program(2, 0, 500);
        long start = ctx.clock.nanos();
        ctx.at(start + ticks(100));
        pit.ioWrite(0x61, 1, 0x00);
        ctx.at(start + ticks(400));
        assertEquals(400, readCount(2), "frozen while the gate is low");
        pit.ioWrite(0x61, 1, 0x01);
        ctx.at(start + ticks(450));
        assertEquals(350, readCount(2), 1, "counting resumed (one tick of rounding between ns and ticks)");
    }

    @Test
    void mode1WaitsForGateTrigger() {
        program(2, 1, 300);
        long start = ctx.clock.nanos();
        ctx.at(start + ticks(1000));
        assertEquals(0x20, pit.ioRead(0x61, 1) & 0x20, "idle high before the trigger");
        pit.ioWrite(0x61, 1, 0x01);
        assertEquals(0, pit.ioRead(0x61, 1) & 0x20, "low while the one-shot runs");
        ctx.advance(ticks(300));
        assertEquals(0x20, pit.ioRead(0x61, 1) & 0x20);
    }

    @Test
    void mode4And5StrobeForOneTick() {
        program(0, 4, 50);
        long start = ctx.clock.nanos();
        irq0.clear();
        ctx.at(start + ticks(50));
        pit.onTimer();
        assertEquals(List.of(true, false), irq0);
        pit.ioWrite(0x61, 1, 0x00);
        program(2, 5, 20);
        pit.ioWrite(0x61, 1, 0x01);
        long t = ctx.clock.nanos();
        ctx.at(t + ticks(20));
        pit.ioWrite(0x43, 1, 0xE8);   // read-back status of channel 2
        assertEquals(0x00, pit.ioRead(0x42, 1) & 0x80, "OUT low at terminal count");
    }

    @Test
    void readBackStatusAndBcd() {
        pit.ioWrite(0x43, 1, 0x75);   // channel 1, LSB/MSB, mode 2, BCD
        pit.ioWrite(0x41, 1, 0x00);
        pit.ioWrite(0x41, 1, 0x10);   // 1000 in BCD
        long start = ctx.clock.nanos();
        ctx.at(start + ticks(1));
        pit.ioWrite(0x43, 1, 0xC4);   // read back count and status of channel 1
        assertEquals(0x35 | 0x80, pit.ioRead(0x41, 1), "status: OUT high, LSB/MSB, mode 2, BCD");
        assertEquals(0x99, pit.ioRead(0x41, 1));
        assertEquals(0x09, pit.ioRead(0x41, 1), "0999 in BCD");
    }

    @Test
    void lsbOnlyAndMsbOnlyAccess() {
        pit.ioWrite(0x43, 1, 0x10);   // channel 0, LSB only, mode 0
        pit.ioWrite(0x40, 1, 0x40);
        assertEquals(0x40, pit.ioRead(0x40, 1));
        pit.ioWrite(0x43, 1, 0x20);   // MSB only
        pit.ioWrite(0x40, 1, 0x02);
        assertEquals(0x02, pit.ioRead(0x40, 1));
        assertEquals(0x0200, readCountMsb());
    }

    private int readCountMsb() {
        return pit.ioRead(0x40, 1) << 8;
    }

    @Test
    void refreshBitToggles() {
        int a = pit.ioRead(0x61, 1) & 0x10;
        ctx.advance(15_085);
        int b = pit.ioRead(0x61, 1) & 0x10;
        assertTrue(a != b);
    }

    @Test
    void stateRoundTrip() throws Exception {
        pit.ioWrite(0x61, 1, 0x03);
        program(0, 2, 11932);
        program(2, 3, 1234);
        pit.ioWrite(0x43, 1, 0x80);   // latch channel 2
        byte[] saved = StateRoundTrip.save(pit);
        Pit8254 copy = new Pit8254(ctx, level -> { });
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        ctx.advance(ticks(500));
        assertEquals(pit.ioRead(0x42, 1), copy.ioRead(0x42, 1));
        assertEquals(pit.ioRead(0x61, 1) & 0x2F, copy.ioRead(0x61, 1) & 0x2F);
        assertEquals(readCount(0), readCountOf(copy));
    }

    private static int readCountOf(Pit8254 p) {
        p.ioWrite(0x43, 1, 0x00);
        return p.ioRead(0x40, 1) | p.ioRead(0x40, 1) << 8;
    }
}
