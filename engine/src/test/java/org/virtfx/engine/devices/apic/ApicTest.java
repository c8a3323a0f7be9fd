package org.virtfx.engine.devices.apic;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.cpu.InterruptController;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.platform.RecordingCpu;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

class ApicTest {
    private TestContext ctx;
    private ApicBus bus;
    private LocalApic bsp;
    private LocalApic ap;
    private RecordingCpu cpu0;
    private RecordingCpu cpu1;
    private IoApic ioapic;

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        bus = new ApicBus();
        bsp = new LocalApic(ctx, bus, 0, true, 1_000_000_000L);
        ap = new LocalApic(ctx, bus, 1, false, 1_000_000_000L);
        cpu0 = new RecordingCpu(0);
        cpu1 = new RecordingCpu(1);
        bsp.attachCpu(cpu0);
        ap.attachCpu(cpu1);
        ioapic = new IoApic(ctx, bus);
    }

    @AfterEach
    void tearDown() {
        ctx.close();
    }

    private static void w(LocalApic a, int reg, int v) {
        a.mmioWrite(reg, 4, v & 0xFFFFFFFFL);
    }

    private static int r(LocalApic a, int reg) {
        return (int) a.mmioRead(reg, 4);
    }

    private void enable(LocalApic a) {
        w(a, 0xF0, 0x1FF);
    }

    @Test
    void resetStateMatchesHardware() {
        assertEquals(0xFEE00900L, bsp.apicBaseMsr(), "BSP flag and enable bit");
        assertEquals(0xFEE00800L, ap.apicBaseMsr());
        assertEquals(1 << 24, r(ap, 0x20));
        assertEquals(0xFF, r(bsp, 0xF0));
        assertEquals(0x700, r(bsp, 0x350), "BSP LINT0 is ExtINT (virtual wire)");
        assertEquals(0x10000, r(ap, 0x350));
        assertEquals(0x00050014, r(bsp, 0x30));
    }

    @Test
    void picPassesThroughLint0OnlyWhileVirtualWire() {
        int[] vector = {0x30};
        boolean[] intr = {true};
        InterruptController pic = new InterruptController() {
            public boolean hasInterrupt() { return intr[0]; }
            public int acknowledge() { intr[0] = false; return vector[0]; }
        };
        bsp.connectPic(pic);
        ap.connectPic(pic);
        assertTrue(bsp.hasInterrupt());
        assertFalse(ap.hasInterrupt(), "AP LINT0 masked");
        assertEquals(0x30, bsp.acknowledge());
        assertFalse(bsp.hasInterrupt());
        intr[0] = true;
        enable(bsp);
        w(bsp, 0x350, 0x10700); // mask LINT0: the OS switched to symmetric I/O mode
        assertFalse(bsp.hasInterrupt());
        bsp.setApicBaseMsr(0xFEE00000L); // hardware disable: 8259 goes straight to the CPU
        assertTrue(bsp.hasInterrupt());
    }

    @Test
    void priorityTprAndEoi() {
        enable(bsp);
        bus.deliver(null, 0, 0, false, ApicBus.FIXED, 0x41, false);
        bus.deliver(null, 0, 0, false, ApicBus.FIXED, 0x61, false);
        assertTrue(bsp.hasInterrupt());
        assertFalse(ap.hasInterrupt());
        assertEquals(0x61, bsp.acknowledge(), "highest vector first");
        assertEquals(0x60, r(bsp, 0xA0), "PPR follows the in-service class");
        assertFalse(bsp.hasInterrupt(), "0x41 is below the in-service class");
        w(bsp, 0xB0, 0);
        assertTrue(bsp.hasInterrupt());
        w(bsp, 0x80, 0x50); // TPR above 0x41's class
        assertFalse(bsp.hasInterrupt());
        assertEquals(0xFF, bsp.acknowledge(), "masked by TPR: spurious vector");
        bsp.setTaskPriority(0x30); // CR8 = 3: still below 0x41's class
        assertEquals(0x30, r(bsp, 0x80));
        assertEquals(0x41, bsp.acknowledge());
        assertEquals(1 << 1, r(bsp, 0x100 + 0x20) , "ISR bit of 0x41");
        w(bsp, 0xB0, 0);
        assertEquals(0, r(bsp, 0x120));
    }

    @Test
    void softwareDisabledApicDeliversNothing() {
        bus.deliver(null, 0, 0, false, ApicBus.FIXED, 0x41, false);
        assertFalse(bsp.hasInterrupt());
        enable(bsp);
        assertTrue(bsp.hasInterrupt());
        assertEquals(0x41, bsp.acknowledge());
    }

    @Test
    void initAndStartupIpisReachTheAp() {
        enable(bsp);
        w(bsp, 0x310, 1 << 24);
        w(bsp, 0x300, 0x00004500); // INIT, assert, physical dest 1
        w(bsp, 0x300, 0x00000699); // SIPI vector 0x99
        assertEquals(List.of("INIT", "SIPI 99"), cpu1.events);
        assertTrue(cpu0.events.isEmpty());
        w(bsp, 0x300, 0x000C4500); // all-excluding-self INIT
        assertEquals("INIT", cpu1.events.get(2));
        assertEquals(3, cpu1.events.size());
        w(bsp, 0x310, 7 << 24);
        w(bsp, 0x300, 0x00000699); // absent CPU: dropped quietly
        assertEquals(3, cpu1.events.size());
    }

    @Test
    void fixedIpiLogicalFlatAndNmi() {
        enable(bsp);
        enable(ap);
        w(ap, 0xD0, 0x02000000); // logical id bit 1
        w(bsp, 0x310, 0x02 << 24);
        w(bsp, 0x300, 0x00000850); // fixed, logical, vector 0x50
        assertTrue(ap.hasInterrupt());
        assertEquals(0x50, ap.acknowledge());
        assertFalse(ap.hasNmi());
        w(bsp, 0x310, 1 << 24);
        w(bsp, 0x300, 0x00000400); // NMI
        assertTrue(ap.hasNmi());
        ap.acknowledgeNmi();
        assertFalse(ap.hasNmi());
        w(bsp, 0x300, 0x00040077); // self IPI
        assertEquals(0x77, bsp.acknowledge());
        w(bsp, 0x300, 0x00040005); // illegal vector: send error
        w(bsp, 0x280, 0);
        assertEquals(1 << 5, r(bsp, 0x280));
    }

    @Test
    void ioApicLevelInterruptWaitsForEoi() {
        enable(bsp);
        // pin 9 -> vector 0x39, level, physical dest 0
        ioapic.mmioWrite(0, 4, 0x10 + 18);
        ioapic.mmioWrite(0x10, 4, 0x8039);
        ioapic.mmioWrite(0, 4, 0x10 + 19);
        ioapic.mmioWrite(0x10, 4, 0);
        ioapic.setInput(9, true);
        assertEquals(0x39, bsp.acknowledge());
        assertNotEquals(0, ioapic.redirectionEntry(9) & (1 << 14), "remote IRR");
        assertEquals(1 << (0x39 - 32), r(bsp, 0x180 + 0x10), "TMR marks the level vector");
        w(bsp, 0xB0, 0); // EOI while still asserted: delivered again
        assertEquals(0x39, bsp.acknowledge());
        ioapic.setInput(9, false);
        w(bsp, 0xB0, 0);
        assertEquals(0, ioapic.redirectionEntry(9) & (1 << 14));
        assertFalse(bsp.hasInterrupt());
    }

    @Test
    void ioApicEdgeLatchedWhileMasked() {
        enable(ap);
        ioapic.setInput(2, true);
        ioapic.setInput(2, false);
        assertFalse(ap.hasInterrupt());
        ioapic.mmioWrite(0, 4, 0x10 + 5);
        ioapic.mmioWrite(0x10, 4, 1 << 24); // dest APIC 1
        ioapic.mmioWrite(0, 4, 0x10 + 4);
        ioapic.mmioWrite(0x10, 4, 0x0030); // unmask: the latched edge goes out
        assertEquals(0x30, ap.acknowledge());
        ioapic.mmioWrite(0, 4, 1);
        assertEquals(0x00170020, ioapic.mmioRead(0x10, 4));
    }

    @Test
    void timerCountsDownOnTheVirtualClock() {
        enable(bsp);
        ctx.clock.set(1_000_000);
        w(bsp, 0x3E0, 0x3); // divide by 16
        w(bsp, 0x320, 0x20031); // periodic, vector 0x31
        w(bsp, 0x380, 1000);
        assertEquals(1000, r(bsp, 0x390));
        ctx.clock.set(1_000_000 + 16 * 250);
        assertEquals(750, r(bsp, 0x390));
        ctx.clock.set(1_000_000 + 16 * 1250);
        assertEquals(750, r(bsp, 0x390), "periodic reload");
        w(bsp, 0x320, 0x00031); // one-shot
        w(bsp, 0x380, 100);
        ctx.clock.set(1_000_000 + 16 * 1250 + 16 * 200);
        assertEquals(0, r(bsp, 0x390));
    }

    @Test
    void timerInterruptsFireInAllModes() throws Exception {
        enable(bsp);
        ctx.timers.start("test");
        ctx.clock.start();
        ctx.lock.lock();
        try {
            w(bsp, 0x3E0, 0xB); // divide by 1
            w(bsp, 0x320, 0x00041);
            w(bsp, 0x380, 10_000);
        } finally {
            ctx.lock.unlock();
        }
        assertEquals(0x41, waitForVector());
        ctx.lock.lock();
        try {
            w(bsp, 0x320, 0x40042); // TSC deadline
            bsp.setTscDeadline(ctx.clock.nanos() + 20_000); // TSC at 1 GHz = ns
            assertNotEquals(0, bsp.tscDeadline());
        } finally {
            ctx.lock.unlock();
        }
        assertEquals(0x42, waitForVector());
        assertEquals(0, bsp.tscDeadline(), "deadline clears when it fires");
        ctx.lock.lock();
        try {
            w(bsp, 0x320, 0x20043); // periodic: fires repeatedly
            w(bsp, 0x380, 50_000);
        } finally {
            ctx.lock.unlock();
        }
        assertEquals(0x43, waitForVector());
        assertEquals(0x43, waitForVector());
    }

    private int waitForVector() throws InterruptedException {
        for (int i = 0; i < 5000 && !bsp.hasInterrupt(); i++) {
            Thread.sleep(1);
        }
        int v = bsp.acknowledge();
        ctx.lock.lock();
        try {
            w(bsp, 0xB0, 0);
        } finally {
            ctx.lock.unlock();
        }
        return v;
    }

    @Test
    void lowestPriorityPicksTheIdlestCpu() {
        enable(bsp);
        enable(ap);
        w(bsp, 0xD0, 0x01000000);
        w(ap, 0xD0, 0x02000000);
        w(bsp, 0x80, 0x40);
        bus.deliver(null, 0, 0x03, true, ApicBus.LOWEST, 0x55, false);
        assertFalse(bsp.hasInterrupt());
        assertEquals(0x55, ap.acknowledge());
    }

    @Test
    void pciInterruptsReachIoApicPins16To19() {
        List<String> isa = new java.util.ArrayList<>();
        PirqToIoApic router = new PirqToIoApic(ioapic, (slot, pin, level) -> isa.add(slot + "/" + pin + "=" + level));
        enable(bsp);
        ioapic.mmioWrite(0, 4, 0x10 + 2 * 19);
        ioapic.mmioWrite(0x10, 4, 0xA062);      // pin 19: vector 0x62, level, active low
        router.setIrq(2, 3, true);              // slot 2 INTC -> PIRQ D -> pin 19
        assertEquals(List.of("2/3=true"), isa, "the ISA routing still sees it");
        assertEquals(0x62, bsp.acknowledge());
        router.setIrq(2, 3, false);
        w(bsp, 0xB0, 0);
        assertFalse(bsp.hasInterrupt());
    }

    @Test
    void relocatingTheBaseKeepsTheApic() {
        bsp.setApicBaseMsr(0xFED00800L);
        assertEquals(0xFED00900L, bsp.apicBaseMsr());
        assertEquals(0, r(bsp, 0x20));
    }

    @Test
    void stateRoundTrip() throws Exception {
        enable(bsp);
        w(bsp, 0x80, 0x20);
        w(bsp, 0xD0, 0x04000000);
        w(bsp, 0x320, 0x20031);
        w(bsp, 0x380, 12345);
        bus.deliver(null, 0, 0, false, ApicBus.FIXED, 0x91, true);
        StateWriter out = new StateWriter(bsp.stateId(), 1);
        bsp.saveState(out);
        TestContext ctx2 = new TestContext();
        try {
            ApicBus bus2 = new ApicBus();
            LocalApic copy = new LocalApic(ctx2, bus2, 0, true, 1_000_000_000L);
            copy.loadState(new StateReader(out.toByteArray(), bsp.stateId(), 1));
            for (int reg = 0x20; reg < 0x3F0; reg += 0x10) {
                if (reg != 0x390) {
                    assertEquals(r(bsp, reg), r(copy, reg), "register " + Integer.toHexString(reg));
                }
            }
            assertEquals(0x91, copy.acknowledge());
        } finally {
            ctx2.close();
        }
        ioapic.mmioWrite(0, 4, 0x10 + 6);
        ioapic.mmioWrite(0x10, 4, 0xA033);
        StateWriter io = new StateWriter("ioapic", 1);
        ioapic.saveState(io);
        IoApic io2 = new IoApic(ctx, new ApicBus());
        io2.loadState(new StateReader(io.toByteArray(), "ioapic", 1));
        assertEquals(ioapic.redirectionEntry(3), io2.redirectionEntry(3));
    }
}
