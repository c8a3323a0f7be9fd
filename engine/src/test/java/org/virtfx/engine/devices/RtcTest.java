package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RtcTest {
    private TestContext ctx;
    private Rtc146818 rtc;
    private final List<Boolean> irq = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        rtc = new Rtc146818(ctx, irq::add);
    }

    private int read(int reg) {
        rtc.ioWrite(0x70, 1, reg);
        return rtc.ioRead(0x71, 1);
    }

    private void write(int reg, int v) {
        rtc.ioWrite(0x70, 1, reg);
        rtc.ioWrite(0x71, 1, v);
    }

    private static int bcd(int v) {
        return (v >> 4) * 10 + (v & 0xF);
    }

    @Test
    void timeMatchesHostInBcd() {
        long before = System.currentTimeMillis() / 1000;
        Rtc146818 fresh = new Rtc146818(ctx, l -> { });
        rtc = fresh;
        long after = System.currentTimeMillis() / 1000;
        LocalDateTime t = LocalDateTime.of(2000 + bcd(read(9)) + (bcd(read(0x32)) - 20) * 100, bcd(read(8)), bcd(read(7)),
                bcd(read(4)), bcd(read(2)), bcd(read(0)));
        long secs = t.toEpochSecond(ZoneOffset.UTC);
        assertTrue(secs >= before && secs <= after + 1, "RTC " + t + " vs host");
        assertEquals(LocalDateTime.ofEpochSecond(secs, 0, ZoneOffset.UTC).getDayOfWeek().getValue() % 7 + 1, bcd(read(6)));
    }

    @Test
    void binaryAnd12HourFormats() {
        rtc.setTime(LocalDateTime.of(2024, 2, 29, 15, 4, 5).toEpochSecond(ZoneOffset.UTC));
        assertEquals(0x15, read(4));
        write(0x0B, 0x04);   // binary, 12-hour
        assertEquals(0x80 | 3, read(4), "3 PM");
        assertEquals(4, read(2));
        assertEquals(29, read(7));
        write(0x0B, 0x06);   // binary, 24-hour
        assertEquals(15, read(4));
    }

    @Test
    void clockAdvancesWithVirtualTimeOnly() {
        rtc.setTime(LocalDateTime.of(2030, 1, 1, 0, 0, 58).toEpochSecond(ZoneOffset.UTC));
        assertEquals(0x58, read(0));
        ctx.advance(2_500_000_000L);
        assertEquals(0x00, read(0));
        assertEquals(0x01, read(2));
    }

    @Test
    void guestSetsTimeWithSetBit() {
        write(0x0B, 0x82);   // SET, 24h BCD
        write(0, 0x30);
        write(2, 0x45);
        write(4, 0x12);
        write(7, 0x15);
        write(8, 0x06);
        write(9, 0x21);
        write(0x32, 0x20);
        ctx.advance(5_000_000_000L);
        assertEquals(0x30, read(0), "frozen while SET");
        write(0x0B, 0x02);
        ctx.advance(1_000_000_000L);
        assertEquals(0x31, read(0));
        assertEquals(LocalDateTime.of(2021, 6, 15, 12, 45, 31).toEpochSecond(ZoneOffset.UTC), rtc.currentTime());
    }

    @Test
    void updateInProgressJustBeforeTheSecondChanges() {
        rtc.setTime(1_000_000);
        ctx.advance(999_900_000L);
        assertEquals(0x80, read(0x0A) & 0x80);
        ctx.advance(200_000L);
        assertEquals(0x00, read(0x0A) & 0x80);
        assertEquals(0x26, read(0x0A));
    }

    @Test
    void periodicInterruptSetsFlagAndIrqUntilRegCRead() {
        write(0x0A, 0x26);
        write(0x0B, 0x42);    // PIE
        ctx.advance(1_000_000L);
        rtc.onPeriodic();
        assertEquals(Boolean.TRUE, irq.get(irq.size() - 1));
        assertEquals(0xC0, read(0x0C) & 0xC0);
        assertEquals(Boolean.FALSE, irq.get(irq.size() - 1));
        assertEquals(0, read(0x0C) & 0x40, "read clears");
    }

    @Test
    void updateEndedAndAlarmFlags() {
        rtc.setTime(LocalDateTime.of(2030, 1, 1, 10, 0, 0).toEpochSecond(ZoneOffset.UTC));
        write(1, 0x01);
        write(3, 0xC0);   // any minute
        write(5, 0xC0);   // any hour
        write(0x0B, 0x32);   // AIE + UIE
        ctx.advance(1_000_000_000L);
        rtc.onSecond();
        assertEquals(0x80 | 0x20 | 0x10, read(0x0C));
        ctx.advance(1_000_000_000L);
        rtc.onSecond();
        assertEquals(0x80 | 0x10, read(0x0C), "no alarm at second 2");
    }

    @Test
    void nmiMaskAndCmosBytes() {
        rtc.ioWrite(0x70, 1, 0x80 | 0x34);
        assertTrue(rtc.nmiMasked());
        rtc.ioWrite(0x71, 1, 0x5A);
        assertEquals(0x5A, rtc.cmos(0x34));
        assertEquals(0x80, read(0x0D), "battery good");
    }

    @Test
    void stateRoundTrip() throws Exception {
        write(0x0B, 0x46);
        write(0x40, 0x12);
        rtc.setTime(2_000_000_000L);
        byte[] saved = StateRoundTrip.save(rtc);
        Rtc146818 copy = new Rtc146818(ctx, l -> { });
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertEquals(rtc.currentTime(), copy.currentTime());
        assertEquals(0x12, copy.cmos(0x40));
    }
}
