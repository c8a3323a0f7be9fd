package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PicTest {
    private TestContext ctx;
    private Pic8259Pair pic;
    private int listenerCalls;

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        pic = new Pic8259Pair(ctx);
        pic.setOutputListener(() -> listenerCalls++);
        // The BIOS/Linux initialisation: ICW1 edge+ICW4, vectors 0x08/0x70, cascade on IR2, 8086 mode.
        init(0x08, 0x70, false);
    }

    private void init(int masterBase, int slaveBase, boolean autoEoi) {
        pic.ioWrite(0x20, 1, 0x11);
        pic.ioWrite(0x21, 1, masterBase);
        pic.ioWrite(0x21, 1, 0x04);
        pic.ioWrite(0x21, 1, autoEoi ? 0x03 : 0x01);
        pic.ioWrite(0xA0, 1, 0x11);
        pic.ioWrite(0xA1, 1, slaveBase);
        pic.ioWrite(0xA1, 1, 0x02);
        pic.ioWrite(0xA1, 1, autoEoi ? 0x03 : 0x01);
        pic.ioWrite(0x21, 1, 0x00);
        pic.ioWrite(0xA1, 1, 0x00);
    }

    @Test
    void edgeInterruptIsDeliveredOnceAndBlocksLowerPriorityUntilEoi() {
        pic.line(3).pulse();
        assertTrue(pic.hasInterrupt());
        assertTrue(listenerCalls > 0);
        assertEquals(0x0B, pic.acknowledge());
        assertFalse(pic.hasInterrupt());
        pic.line(5).pulse();
        assertFalse(pic.hasInterrupt(), "IRQ5 has lower priority than IRQ3 in service");
        pic.line(0).pulse();
        assertTrue(pic.hasInterrupt(), "IRQ0 has higher priority");
        assertEquals(0x08, pic.acknowledge());
        pic.ioWrite(0x20, 1, 0x20);   // EOI for IRQ0
        pic.ioWrite(0x20, 1, 0x20);   // EOI for IRQ3
        assertTrue(pic.hasInterrupt());
        assertEquals(0x0D, pic.acknowledge());
    }

    @Test
    void slaveInterruptCascadesThroughIrq2() {
        pic.line(14).pulse();
        assertTrue(pic.hasInterrupt());
        assertEquals(0x76, pic.acknowledge());
        pic.ioWrite(0x0A0, 1, 0x0B);   // OCW3: read ISR
        assertEquals(0x40, pic.ioRead(0xA0, 1));
        pic.ioWrite(0x020, 1, 0x0B);
        assertEquals(0x04, pic.ioRead(0x20, 1));
    }

    @Test
    void maskedInterruptStaysPendingUntilUnmasked() {
        pic.ioWrite(0x21, 1, 0x02);
        pic.line(1).pulse();
        assertFalse(pic.hasInterrupt());
        pic.ioWrite(0x20, 1, 0x0A);   // read IRR
        assertEquals(0x02, pic.ioRead(0x20, 1) & 0x02);
        pic.ioWrite(0x21, 1, 0x00);
        assertEquals(0x09, pic.acknowledge());
    }

    @Test
    void vanishedLevelRequestGivesSpuriousVector() {
        pic.ioWrite(0x4D0, 1, 0x20);   // IRQ 5 level triggered
        assertEquals(0x20, pic.ioRead(0x4D0, 1));
        pic.line(5).raise();
        assertTrue(pic.hasInterrupt());
        pic.line(5).lower();
        assertFalse(pic.hasInterrupt());
        assertEquals(0x0F, pic.acknowledge(), "master spurious = IRQ7");
    }

    @Test
    void spuriousVectorsAreIrq7AndIrq15() {
        assertEquals(0x0F, pic.acknowledge());
        pic.line(10).pulse();
        assertTrue(pic.hasInterrupt());
        // The slave's request is masked after the master latched the cascade edge: the slave answers IRQ15.
        pic.ioWrite(0xA1, 1, 0x04);
        assertEquals(0x77, pic.acknowledge());
    }

    @Test
    void levelTriggeredRequestReassertsAfterEoiWhileHigh() {
        pic.ioWrite(0x4D1, 1, 0x08);
        pic.line(11).raise();
        assertEquals(0x73, pic.acknowledge());
        pic.ioWrite(0xA0, 1, 0x20);
        pic.ioWrite(0x20, 1, 0x20);
        assertTrue(pic.hasInterrupt(), "still high: delivered again");
        pic.line(11).lower();
        // The master latched the cascade edge: the INTA cycle now finds nothing on the slave (spurious IRQ15).
        assertEquals(0x77, pic.acknowledge());
        assertFalse(pic.hasInterrupt());
    }

    @Test
    void elcrBitsForIrq012813AreFixedEdge() {
        pic.ioWrite(0x4D0, 1, 0xFF);
        pic.ioWrite(0x4D1, 1, 0xFF);
        assertEquals(0xF8, pic.ioRead(0x4D0, 1));
        assertEquals(0xDE, pic.ioRead(0x4D1, 1));
    }

    @Test
    void autoEoiLeavesNothingInService() {
        init(0x20, 0x28, true);
        pic.line(4).pulse();
        assertEquals(0x24, pic.acknowledge());
        pic.ioWrite(0x20, 1, 0x0B);
        assertEquals(0, pic.ioRead(0x20, 1));
        pic.line(6).pulse();
        assertEquals(0x26, pic.acknowledge(), "no EOI needed");
    }

    @Test
    void pollCommandAcknowledgesHighestRequest() {
        pic.line(6).pulse();
        pic.ioWrite(0x20, 1, 0x0C);   // OCW3 poll
        assertEquals(0x86, pic.ioRead(0x20, 1));
        pic.ioWrite(0x20, 1, 0x0C);
        assertEquals(0x00, pic.ioRead(0x20, 1));
    }

    @Test
    void specialMaskModeAllowsLowerPriorityWhileMaskedInService() {
        pic.line(3).pulse();
        assertEquals(0x0B, pic.acknowledge());
        pic.ioWrite(0x21, 1, 0x08);    // mask IRQ3 (in service)
        pic.ioWrite(0x20, 1, 0x68);    // OCW3: set special mask
        pic.line(5).pulse();
        assertTrue(pic.hasInterrupt());
        assertEquals(0x0D, pic.acknowledge());
    }

    @Test
    void specificEoiAndRotation() {
        pic.line(3).pulse();
        pic.acknowledge();
        pic.ioWrite(0x20, 1, 0x63);    // specific EOI IRQ3
        pic.ioWrite(0x20, 1, 0x0B);
        assertEquals(0, pic.ioRead(0x20, 1));
        pic.ioWrite(0x20, 1, 0xC4);    // set priority: IRQ4 lowest -> IRQ5 highest
        pic.line(0).pulse();
        pic.line(6).pulse();
        assertEquals(0x0E, pic.acknowledge(), "IRQ6 now outranks IRQ0");
    }

    @Test
    void stateRoundTrip() throws Exception {
        pic.ioWrite(0x4D1, 1, 0x0C);
        pic.ioWrite(0x21, 1, 0x10);
        pic.line(3).pulse();
        pic.acknowledge();
        pic.line(10).raise();
        pic.line(7).pulse();
        byte[] saved = StateRoundTrip.save(pic);
        Pic8259Pair copy = new Pic8259Pair(new TestContext());
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertEquals(pic.hasInterrupt(), copy.hasInterrupt());
        assertEquals(pic.acknowledge(), copy.acknowledge());
        assertEquals(0x10, copy.ioRead(0x21, 1));
    }
}
