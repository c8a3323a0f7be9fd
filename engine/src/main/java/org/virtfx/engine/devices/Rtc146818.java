package org.virtfx.engine.devices;

import java.io.IOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/**
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM (index 0x70, data 0x71). The clock starts at the host's
 * time in UTC (as QEMU's default {@code base=utc}) and advances with the machine's virtual clock, so it stands still
 * while the machine is paused. Registers A-D, BCD/binary and 12/24-hour formats, the update-in-progress window,
 * the SET bit, and the periodic, alarm and update-ended interrupts on IRQ 8 behave as in the data sheet. Bit 7 of
 * the index port is the PC's NMI mask.
 */
public final class Rtc146818 implements PortDevice, Snapshottable {
    public static final int REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D;
    public static final int CENTURY = 0x32;
    private static final long SECOND = 1_000_000_000L;
    /** The update cycle: UIP is set this long before the registers change (244 us in the data sheet). */
    private static final long UIP_WINDOW = 244_000L;
    private static final int B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_BINARY = 0x04, B_24H = 0x02;
    private static final int C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;

    private final MachineContext ctx;
    private final VirtualClock clock;
    private final IrqLine irq8;
    private final byte[] cmos = new byte[128];
    private final TimerService.Timer periodicTimer;
    private final TimerService.Timer secondTimer;
    private int index;
    private boolean nmiMasked;
    private long baseSeconds;      // epoch seconds shown at virtual time baseNanos
    private long baseNanos;
    private long lastSecondSeen;   // for update-ended / alarm flags
    private long periodicStart;
    private long periodicFired;

    public Rtc146818(MachineContext ctx, IrqLine irq8) {
        this.ctx = Objects.requireNonNull(ctx);
        this.clock = ctx.clock();
        this.irq8 = Objects.requireNonNull(irq8);
        this.periodicTimer = ctx.timers().newTimer("rtc-periodic", this::onPeriodic);
        this.secondTimer = ctx.timers().newTimer("rtc-second", this::onSecond);
        cmos[REG_A] = 0x26;          // 32.768 kHz time base, 1024 Hz periodic rate
        cmos[REG_B] = B_24H;         // BCD, 24-hour
        cmos[REG_D] = (byte) 0x80;   // valid RAM and time (battery good)
        setTime(System.currentTimeMillis() / 1000);
    }

    public void attach(IoBus io) {
        io.register(0x70, 2, "rtc", this);
    }

    /** Sets the clock to {@code epochSeconds} (UTC) now. */
    public void setTime(long epochSeconds) {
        baseSeconds = epochSeconds;
        baseNanos = clock.nanos();
        lastSecondSeen = epochSeconds;
    }

    /** What the clock reads now, in epoch seconds (UTC). */
    public long currentTime() {
        return currentSeconds(clock.nanos());
    }

    /** CMOS byte for the board (memory sizes, boot order); the guest sees it at {@code index}. */
    public void setCmos(int index, int value) {
        cmos[Objects.checkIndex(index, 128)] = (byte) value;
    }

    public int cmos(int index) {
        return cmos[Objects.checkIndex(index, 128)] & 0xFF;
    }

    /** Bit 7 of the last index written: NMIs are masked while set. */
    public boolean nmiMasked() {
        return nmiMasked;
    }

    /** Platform reset: interrupt enables and flags clear (the clock and CMOS RAM keep their contents). */
    public void reset() {
        cmos[REG_B] &= (byte) ~(B_PIE | B_AIE | B_UIE);
        cmos[REG_C] = 0;
        index = 0;
        nmiMasked = false;
        irq8.lower();
        periodicTimer.cancel();
        secondTimer.cancel();
    }

    private long currentSeconds(long now) {
        if ((cmos[REG_B] & B_SET) != 0) {
            return baseSeconds;
        }
        return baseSeconds + Math.floorDiv(now - baseNanos, SECOND);
    }

    private boolean updateInProgress(long now) {
        if ((cmos[REG_B] & B_SET) != 0) {
            return false;
        }
        return Math.floorMod(now - baseNanos, SECOND) >= SECOND - UIP_WINDOW;
    }

    // ------------------------------------------------------------------ ports

    @Override
    public int ioRead(int port, int size) {
        if (port == 0x70) {
            return 0xFF;   // the index register is write-only
        }
        return readRegister(index);
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        if (port == 0x70) {
            index = value & 0x7F;
            nmiMasked = (value & 0x80) != 0;
            return;
        }
        writeRegister(index, value & 0xFF);
    }

    private int readRegister(int reg) {
        long now = clock.nanos();
        if (reg <= 9 || reg == CENTURY) {
            if ((cmos[REG_B] & B_SET) == 0) {
                storeTime(currentSeconds(now));
            }
            return cmos[reg] & 0xFF;
        }
        switch (reg) {
            case REG_A:
                return (cmos[REG_A] & 0x7F) | (updateInProgress(now) ? 0x80 : 0);
            case REG_C: {
                latchSecondFlags(now);
                int v = cmos[REG_C] & 0xFF;
                cmos[REG_C] = 0;
                irq8.lower();
                return v;
            }
            default:
                return cmos[reg] & 0xFF;
        }
    }

    private void writeRegister(int reg, int value) {
        long now = clock.nanos();
        if (reg <= 9 || reg == CENTURY) {
            if ((cmos[REG_B] & B_SET) == 0) {
                storeTime(currentSeconds(now));
            }
            cmos[reg] = (byte) value;
            if (reg == 1 || reg == 3 || reg == 5) {
                return;   // alarm registers
            }
            if ((cmos[REG_B] & B_SET) == 0) {
                // Writing a time field without SET takes effect at once (and restarts the divider).
                setTime(parseTime());
            }
            return;
        }
        switch (reg) {
            case REG_A -> {
                cmos[REG_A] = (byte) (value & 0x7F);   // UIP is read-only
                restartPeriodic(now);
            }
            case REG_B -> {
                int old = cmos[REG_B] & 0xFF;
                if ((old & B_SET) == 0 && (value & B_SET) != 0) {
                    storeTime(currentSeconds(now));
                    baseSeconds = currentSeconds(now);
                }
                if ((value & B_SET) != 0) {
                    value &= ~B_UIE;   // SET clears UIE
                }
                cmos[REG_B] = (byte) value;
                if ((old & B_SET) != 0 && (value & B_SET) == 0) {
                    setTime(parseTime());
                }
                if (((old ^ value) & B_PIE) != 0) {
                    restartPeriodic(now);
                }
                armSecondTimer(now);
                updateIrq();
            }
            case REG_C, REG_D -> {
                // read-only
            }
            default -> cmos[reg] = (byte) value;
        }
    }

    // ------------------------------------------------------------------ time registers

    private int toGuest(int v) {
        return (cmos[REG_B] & B_BINARY) != 0 ? v : (v / 10) << 4 | v % 10;
    }

    private int fromGuest(int v) {
        return (cmos[REG_B] & B_BINARY) != 0 ? v : (v >> 4) * 10 + (v & 0xF);
    }

    private void storeTime(long epochSeconds) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC);
        cmos[0] = (byte) toGuest(t.getSecond());
        cmos[2] = (byte) toGuest(t.getMinute());
        int hour = t.getHour();
        if ((cmos[REG_B] & B_24H) != 0) {
            cmos[4] = (byte) toGuest(hour);
        } else {
            int h12 = hour % 12 == 0 ? 12 : hour % 12;
            cmos[4] = (byte) (toGuest(h12) | (hour >= 12 ? 0x80 : 0));
        }
        cmos[6] = (byte) toGuest(t.getDayOfWeek().getValue() % 7 + 1);   // 1 = Sunday
        cmos[7] = (byte) toGuest(t.getDayOfMonth());
        cmos[8] = (byte) toGuest(t.getMonthValue());
        cmos[9] = (byte) toGuest(t.getYear() % 100);
        cmos[CENTURY] = (byte) toGuest(t.getYear() / 100);
    }

    /** The time the guest wrote into the registers; nonsense values are clamped, never thrown. */
    private long parseTime() {
        int sec = clamp(fromGuest(cmos[0] & 0xFF), 0, 59);
        int min = clamp(fromGuest(cmos[2] & 0xFF), 0, 59);
        int hourByte = cmos[4] & 0xFF;
        int hour;
        if ((cmos[REG_B] & B_24H) != 0) {
            hour = clamp(fromGuest(hourByte), 0, 23);
        } else {
            hour = clamp(fromGuest(hourByte & 0x7F), 1, 12) % 12 + ((hourByte & 0x80) != 0 ? 12 : 0);
        }
        int month = clamp(fromGuest(cmos[8] & 0xFF), 1, 12);
        int year = clamp(fromGuest(cmos[CENTURY] & 0xFF), 19, 99) * 100 + clamp(fromGuest(cmos[9] & 0xFF), 0, 99);
        int maxDay = java.time.YearMonth.of(year, month).lengthOfMonth();
        int day = clamp(fromGuest(cmos[7] & 0xFF), 1, maxDay);
        return LocalDateTime.of(year, month, day, hour, min, sec).toEpochSecond(ZoneOffset.UTC);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    // ------------------------------------------------------------------ interrupts

    private void updateIrq() {
        int c = cmos[REG_C] & 0x70;
        if ((c & cmos[REG_B] & 0x70) != 0) {
            if ((cmos[REG_C] & C_IRQF) == 0) {
                cmos[REG_C] |= (byte) C_IRQF;
                irq8.raise();
            }
        }
    }

    /** Periodic interrupt period for rate select {@code rs} (reg A bits 0-3), or 0 when off. */
    private static long periodNanos(int rs) {
        if (rs == 0) {
            return 0;
        }
        if (rs <= 2) {
            rs += 7;   // rates 1 and 2 are 256 and 128 Hz, as 8 and 9
        }
        return SECOND * (1L << (rs - 1)) / 32768;
    }

    private void restartPeriodic(long now) {
        periodicTimer.cancel();
        long period = periodNanos(cmos[REG_A] & 0xF);
        if ((cmos[REG_B] & B_PIE) == 0 || period == 0) {
            return;
        }
        periodicStart = now;
        periodicFired = 0;
        periodicTimer.armAt(now + period);
    }

    /** Periodic timer callback (device lock held). */
    void onPeriodic() {
        long period = periodNanos(cmos[REG_A] & 0xF);
        if ((cmos[REG_B] & B_PIE) == 0 || period == 0) {
            return;
        }
        long now = clock.nanos();
        long n = Math.max(periodicFired + 1, (now - periodicStart) / period);
        periodicFired = n;
        cmos[REG_C] |= (byte) C_PF;
        updateIrq();
        periodicTimer.armAt(periodicStart + (n + 1) * period);
    }

    private void armSecondTimer(long now) {
        secondTimer.cancel();
        if ((cmos[REG_B] & (B_UIE | B_AIE)) != 0 && (cmos[REG_B] & B_SET) == 0) {
            long intoSecond = Math.floorMod(now - baseNanos, SECOND);
            secondTimer.armAt(now + (SECOND - intoSecond));
        }
    }

    /** Once-a-second callback while update-ended or alarm interrupts are enabled. */
    void onSecond() {
        long now = clock.nanos();
        latchSecondFlags(now);
        updateIrq();
        armSecondTimer(now);
    }

    /** Sets UF (and AF on an alarm match) for the seconds that passed since the last look. */
    private void latchSecondFlags(long now) {
        long s = currentSeconds(now);
        if (s <= lastSecondSeen || (cmos[REG_B] & B_SET) != 0) {
            return;
        }
        lastSecondSeen = s;
        cmos[REG_C] |= (byte) C_UF;
        storeTime(s);
        if (alarmMatches(1, 0) && alarmMatches(3, 2) && alarmMatches(5, 4)) {
            cmos[REG_C] |= (byte) C_AF;
        }
    }

    private boolean alarmMatches(int alarmReg, int timeReg) {
        int a = cmos[alarmReg] & 0xFF;
        return (a & 0xC0) == 0xC0 || a == (cmos[timeReg] & 0xFF);
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "rtc";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeBytes(cmos.clone());
        out.writeInt(index).writeBoolean(nmiMasked).writeLong(baseSeconds).writeLong(baseNanos)
                .writeLong(lastSecondSeen).writeLong(periodicStart).writeLong(periodicFired);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        System.arraycopy(in.readBytes(128), 0, cmos, 0, 128);
        index = in.readInt() & 0x7F;
        nmiMasked = in.readBoolean();
        baseSeconds = in.readLong();
        baseNanos = in.readLong();
        lastSecondSeen = in.readLong();
        periodicStart = in.readLong();
        periodicFired = in.readLong();
        long now = clock.nanos();
        periodicTimer.cancel();
        long period = periodNanos(cmos[REG_A] & 0xF);
        if ((cmos[REG_B] & B_PIE) != 0 && period != 0) {
            periodicTimer.armAt(Math.max(now, periodicStart + (periodicFired + 1) * period));
        }
        armSecondTimer(now);
        irq8.set((cmos[REG_C] & C_IRQF) != 0);
    }
}
