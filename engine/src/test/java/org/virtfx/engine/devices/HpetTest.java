package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

class HpetTest {
    private final TestContext ctx = new TestContext();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Hpet hpet = new Hpet(ctx, n -> level -> events.add("gsi" + n + "=" + level),
            level -> events.add("irq0=" + level), level -> events.add("irq8=" + level));

    @AfterEach
    void tearDown() {
        ctx.close();
    }

    @Test
    void capabilitiesAndCounterFollowTheVirtualClock() {
        long cap = hpet.mmioRead(0, 8);
        assertEquals(10_000_000L, cap >>> 32, "10 ns period in femtoseconds");
        assertEquals(2, (cap >>> 8) & 0x1F, "3 timers");
        assertNotEquals(0, cap & (1 << 15), "legacy replacement capable");
        assertEquals(cap & 0xFFFFFFFFL, hpet.mmioRead(0, 4));
        ctx.clock.set(5_000);
        assertEquals(0, hpet.mmioRead(0xF0, 8), "halted");
        hpet.mmioWrite(0x10, 4, 1);
        ctx.clock.set(5_000 + 1_000_000);
        assertEquals(100_000, hpet.mmioRead(0xF0, 8), "100 MHz");
        hpet.mmioWrite(0x10, 4, 0);
        ctx.clock.set(9_000_000);
        assertEquals(100_000, hpet.mmioRead(0xF0, 4));
        hpet.mmioWrite(0xF0, 8, 1L << 40);
        assertEquals(1L << 40, hpet.mmioRead(0xF0, 8));
        assertEquals(1, hpet.mmioRead(0xF4, 4 ) >>> 8, "high half of the counter");
    }

    @Test
    void legacyPeriodicAndLevelInterrupts() throws Exception {
        ctx.timers.start("test");
        ctx.clock.start();
        ctx.lock.lock();
        try {
            hpet.mmioWrite(0x100, 8, 0x4C | 1 << 6);      // timer 0: enable, periodic, set value
            hpet.mmioWrite(0x108, 8, 20_000);             // first expiry at 200 us
            hpet.mmioWrite(0x108, 8, 20_000);             // period 200 us
            hpet.mmioWrite(0x140, 8, 0x06 | 20 << 9);     // timer 2: level, enable, GSI 20
            hpet.mmioWrite(0x148, 8, 10_000);
            hpet.mmioWrite(0x10, 8, 3);                   // enable + legacy replacement
        } finally {
            ctx.lock.unlock();
        }
        for (int i = 0; i < 5000 && (count("irq0=true") < 3 || !events.contains("gsi20=true")); i++) {
            Thread.sleep(1);
        }
        assertTrue(count("irq0=true") >= 3, "periodic timer 0 on IRQ0: " + events);
        assertFalse(events.contains("gsi2=true"), "legacy mode: not on its configured route");
        ctx.lock.lock();
        try {
            assertEquals(4, hpet.mmioRead(0x20, 8) & 4, "level timer 2 status");
            hpet.mmioWrite(0x20, 8, 4);
            assertEquals(0, hpet.mmioRead(0x20, 8) & 4);
            assertTrue(events.contains("gsi20=false"), "clearing the status drops the level");
            hpet.mmioWrite(0x10, 8, 0);
        } finally {
            ctx.lock.unlock();
        }
    }

    private int count(String e) {
        synchronized (events) {
            return (int) events.stream().filter(e::equals).count();
        }
    }

    @Test
    void legacyReplacementDisconnectsThePitAndRtc() throws Exception {
        List<String> wires = new ArrayList<>();
        IrqGate pit = new IrqGate(level -> wires.add("pit=" + level));
        IrqGate rtc = new IrqGate(level -> wires.add("rtc=" + level));
        hpet.replaces(pit, rtc);
        pit.pulse();
        assertEquals(List.of("pit=true", "pit=false"), wires, "connected while the HPET routes through the I/O APIC");
        rtc.raise();
        wires.clear();

        hpet.mmioWrite(0x10, 8, 2);                   // LEG_RT_CNF
        assertEquals(List.of("rtc=false"), wires, "the RTC's asserted IRQ8 leaves the input");
        assertFalse(pit.connected());
        pit.pulse();
        rtc.lower();
        rtc.raise();
        assertEquals(List.of("rtc=false"), wires, "nothing from the PIT or RTC reaches IRQ0/IRQ8");

        StateWriter w = new StateWriter("hpet", 1);
        hpet.saveState(w);
        IrqGate pit2 = new IrqGate(IrqLine.NONE);
        Hpet copy = new Hpet(ctx, n -> IrqLine.NONE, IrqLine.NONE, IrqLine.NONE);
        copy.replaces(pit2);
        copy.loadState(new StateReader(w.toByteArray(), "hpet", 1));
        assertFalse(pit2.connected(), "restored legacy replacement keeps the PIT cut off");

        hpet.mmioWrite(0x10, 8, 0);
        assertEquals(List.of("rtc=false", "rtc=true"), wires, "the RTC's level is back on IRQ8");
        assertTrue(pit.connected());
        hpet.mmioWrite(0x10, 8, 2);
        hpet.reset();
        assertTrue(pit.connected() && rtc.connected(), "reset turns legacy replacement off");
    }

    @Test
    void stateRoundTrip() throws Exception {
        hpet.mmioWrite(0x100, 8, 0x104);      // 32-bit mode, enabled
        hpet.mmioWrite(0x108, 8, 0x1_2345_6789L);
        hpet.mmioWrite(0xF0, 8, 777);
        StateWriter w = new StateWriter("hpet", 1);
        hpet.saveState(w);
        Hpet copy = new Hpet(ctx, n -> IrqLine.NONE, IrqLine.NONE, IrqLine.NONE);
        copy.loadState(new StateReader(w.toByteArray(), "hpet", 1));
        for (long reg : new long[] {0x10, 0x20, 0xF0, 0x100, 0x108, 0x120, 0x128, 0x140}) {
            assertEquals(hpet.mmioRead(reg, 8), copy.mmioRead(reg, 8), "register " + Long.toHexString(reg));
        }
        assertEquals(0x23456789L, copy.mmioRead(0x108, 8), "32-bit comparator");
    }
}
