package org.virtfx.engine.devices;

import java.io.IOException;
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
 * The 8254 programmable interval timer (ports 0x40-0x43) and the PC's port B (0x61), which gates channel 2 and
 * shows its output. Counters are not ticked: each channel remembers when its count was loaded (virtual clock) and
 * derives counter value and OUT from the elapsed 1.193182 MHz ticks, so a guest reading the counter, RDTSC and the
 * PM timer all see the same time base (SeaBIOS and Linux calibrate the TSC against channel 2 through port 0x61).
 * Channel 0 drives IRQ 0 through a {@link TimerService} timer armed for the next output edge.
 */
public final class Pit8254 implements PortDevice, Snapshottable {
    public static final long FREQUENCY_HZ = 1_193_182L;
    private static final long NS = 1_000_000_000L;
    /** IRQ 0 edges closer than this are coalesced, so a guest programming count 1 cannot flood the timer thread. */
    private static final long MIN_IRQ_PERIOD_TICKS = 24;   // about 20 microseconds

    private static final class Channel {
        int mode;            // 0..5
        int rwMode;          // 1 LSB, 2 MSB, 3 LSB then MSB
        boolean bcd;
        int count;           // reload value as a number of ticks (0 -> 65536 / 10000)
        long loadTime;       // virtual ns when counting (re)started
        boolean gate = true;
        boolean counting;    // false before a count is written (and before the trigger in modes 1/5)
        boolean nullCount;
        long frozenTicks = -1; // ticks elapsed when the gate suspended counting (modes 0/4), else -1
        int writeLsb;
        boolean writeHigh;   // next write is the MSB (rw mode 3)
        boolean readHigh;    // next read is the MSB (rw mode 3)
        boolean countLatched;
        int latchedCount;
        boolean latchedHighNext;
        int latchedBytesLeft;
        boolean statusLatched;
        int latchedStatus;
        long irqPeriodsSeen;

        int period() {
            return count == 0 ? (bcd ? 10000 : 0x10000) : count;
        }
    }

    private final MachineContext ctx;
    private final VirtualClock clock;
    private final IrqLine irq0;
    private final Channel[] channels = {new Channel(), new Channel(), new Channel()};
    private final TimerService.Timer timer;
    private int portB;   // bits 0-3 as written
    private boolean irqLevel;

    public Pit8254(MachineContext ctx, IrqLine irq0) {
        this.ctx = Objects.requireNonNull(ctx);
        this.clock = ctx.clock();
        this.irq0 = Objects.requireNonNull(irq0);
        this.timer = ctx.timers().newTimer("pit", this::onTimer);
        reset();
    }

    public void attach(IoBus io) {
        io.register(0x40, 4, "pit", this);
        io.register(0x61, 1, "port-b", this);
    }

    public void reset() {
        timer.cancel();
        for (Channel c : channels) {
            c.mode = 0;
            c.rwMode = 3;
            c.bcd = false;
            c.count = 0;
            c.loadTime = clock.nanos();
            c.counting = false;
            c.nullCount = true;
            c.frozenTicks = -1;
            c.writeHigh = false;
            c.readHigh = false;
            c.countLatched = false;
            c.statusLatched = false;
            c.irqPeriodsSeen = 0;
            c.gate = true;
        }
        channels[2].gate = false;
        portB = 0;
        setIrq(false);
    }

    // ------------------------------------------------------------------ time base

    static long nsToTicks(long ns) {
        return ns / NS * FREQUENCY_HZ + (ns % NS) * FREQUENCY_HZ / NS;
    }

    /** The first virtual-ns offset at which {@code ticks} ticks have elapsed. */
    static long ticksToNs(long ticks) {
        return ticks / FREQUENCY_HZ * NS + ((ticks % FREQUENCY_HZ) * NS + FREQUENCY_HZ - 1) / FREQUENCY_HZ;
    }

    private long elapsedTicks(Channel c, long now) {
        if (c.frozenTicks >= 0) {
            return c.frozenTicks;
        }
        return nsToTicks(Math.max(0, now - c.loadTime));
    }

    /** The counting element's current value (binary, 0..65535 / 0..9999 in BCD mode). */
    private int counterValue(Channel c, long now) {
        int period = c.period();
        if (!c.counting) {
            return c.count & 0xFFFF;
        }
        long d = elapsedTicks(c, now);
        long v = switch (c.mode) {
            case 2 -> period - d % period;
            case 3 -> period - (2 * d) % period;
            default -> Math.floorMod(period - d, c.bcd ? 10000 : 0x10000);
        };
        return (int) (c.bcd ? v % 10000 : v & 0xFFFF);
    }

    private boolean output(Channel c, long now) {
        if (!c.counting) {
            // Mode 0 drives OUT low from the control word on; the other modes idle high.
            return c.mode != 0;
        }
        int period = c.period();
        long d = elapsedTicks(c, now);
        return switch (c.mode) {
            case 0, 1 -> d >= period;
            case 2 -> d % period != period - 1;
            case 3 -> d % period < (period + 1) / 2;
            default -> d != period;   // 4, 5: low for one tick at terminal count
        };
    }

    // ------------------------------------------------------------------ channel 0 interrupt

    private void setIrq(boolean level) {
        irqLevel = level;
        irq0.set(level);
    }

    /** Re-evaluates channel 0 after a change and arms the timer for its next IRQ edge. */
    private void scheduleIrq0() {
        Channel c = channels[0];
        timer.cancel();
        if (!c.counting || c.frozenTicks >= 0) {
            return;
        }
        long period = Math.max(c.period(), c.mode == 2 || c.mode == 3 ? MIN_IRQ_PERIOD_TICKS : 1);
        long d = elapsedTicks(c, clock.nanos());
        switch (c.mode) {
            case 0, 1, 4, 5 -> {
                if (d < c.period()) {
                    timer.armAt(c.loadTime + ticksToNs(c.period()));
                }
            }
            default -> {
                c.irqPeriodsSeen = Math.max(c.irqPeriodsSeen, d / period);
                timer.armAt(c.loadTime + ticksToNs((c.irqPeriodsSeen + 1) * period));
            }
        }
    }

    /** Timer callback (device lock held). Package-private so tests can drive it on a stopped clock. */
    void onTimer() {
        Channel c = channels[0];
        if (!c.counting || c.frozenTicks >= 0) {
            return;
        }
        long d = elapsedTicks(c, clock.nanos());
        switch (c.mode) {
            case 0, 1 -> {
                if (d >= c.period()) {
                    setIrq(true);
                } else {
                    scheduleIrq0();
                }
            }
            case 4, 5 -> {
                if (d >= c.period()) {
                    setIrq(true);
                    setIrq(false);
                } else {
                    scheduleIrq0();
                }
            }
            default -> {
                long period = Math.max(c.period(), MIN_IRQ_PERIOD_TICKS);
                long k = d / period;
                if (k > c.irqPeriodsSeen) {
                    // Missed periods are coalesced into one edge, as a busy host would do with a real PIT.
                    setIrq(true);
                    setIrq(false);
                    c.irqPeriodsSeen = k;
                }
                timer.armAt(c.loadTime + ticksToNs((c.irqPeriodsSeen + 1) * period));
            }
        }
    }

    // ------------------------------------------------------------------ ports

    @Override
    public int ioRead(int port, int size) {
        if (port == 0x61) {
            return readPortB();
        }
        if (port == 0x43) {
            return 0xFF;   // the control word register is write-only
        }
        return readChannel(channels[port - 0x40]);
    }

    private int readPortB() {
        long now = clock.nanos();
        // Refresh request toggles every 15.085 us (DRAM refresh on channel 1 of the original PC).
        int refresh = (int) ((now / 15_085) & 1);
        return (portB & 0x0F) | refresh << 4 | (output(channels[2], now) ? 0x20 : 0);
    }

    private int readChannel(Channel c) {
        if (c.statusLatched) {
            c.statusLatched = false;
            return c.latchedStatus;
        }
        if (c.countLatched) {
            int v;
            if (c.rwMode == 2 || (c.rwMode == 3 && c.latchedHighNext)) {
                v = c.latchedCount >> 8;
            } else {
                v = c.latchedCount & 0xFF;
            }
            c.latchedHighNext = !c.latchedHighNext;
            if (--c.latchedBytesLeft <= 0) {
                c.countLatched = false;
            }
            return v;
        }
        int value = encode(c, counterValue(c, clock.nanos()));
        return switch (c.rwMode) {
            case 1 -> value & 0xFF;
            case 2 -> value >> 8;
            default -> {
                int v = c.readHigh ? value >> 8 : value & 0xFF;
                c.readHigh = !c.readHigh;
                yield v;
            }
        };
    }

    private static int encode(Channel c, int v) {
        if (!c.bcd) {
            return v & 0xFFFF;
        }
        v %= 10000;
        return (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
    }

    private static int decode(Channel c, int raw) {
        if (!c.bcd) {
            return raw & 0xFFFF;
        }
        int d0 = Math.min(raw & 0xF, 9);
        int d1 = Math.min(raw >> 4 & 0xF, 9);
        int d2 = Math.min(raw >> 8 & 0xF, 9);
        int d3 = Math.min(raw >> 12 & 0xF, 9);
        return d3 * 1000 + d2 * 100 + d1 * 10 + d0;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        value &= 0xFF;
        if (port == 0x61) {
            writePortB(value);
        } else if (port == 0x43) {
            writeControl(value);
        } else {
            writeCount(port - 0x40, value);
        }
    }

    private void writePortB(int value) {
        portB = value & 0x0F;
        setGate(2, (value & 1) != 0);
    }

    private void writeControl(int value) {
        int sel = value >> 6;
        if (sel == 3) {
            // Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits 1-3 select channels.
            long now = clock.nanos();
            for (int i = 0; i < 3; i++) {
                if ((value & (2 << i)) == 0) {
                    continue;
                }
                Channel c = channels[i];
                if ((value & 0x20) == 0) {
                    latchCount(c, now);
                }
                if ((value & 0x10) == 0 && !c.statusLatched) {
                    c.statusLatched = true;
                    c.latchedStatus = (output(c, now) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | c.rwMode << 4
                            | c.mode << 1 | (c.bcd ? 1 : 0);
                }
            }
            return;
        }
        Channel c = channels[sel];
        int rw = (value >> 4) & 3;
        if (rw == 0) {
            latchCount(c, clock.nanos());
            return;
        }
        c.rwMode = rw;
        int mode = (value >> 1) & 7;
        c.mode = mode > 5 ? mode - 4 : mode;   // 6 and 7 alias modes 2 and 3
        c.bcd = (value & 1) != 0;
        c.counting = false;
        c.nullCount = true;
        c.frozenTicks = -1;
        c.writeHigh = false;
        c.readHigh = false;
        c.countLatched = false;
        if (sel == 0) {
            timer.cancel();
            // A control word sets OUT low in mode 0 and high in the others.
            setIrq(false);
        }
    }

    private void latchCount(Channel c, long now) {
        if (c.countLatched) {
            return;   // a second latch before the first is read is ignored
        }
        c.countLatched = true;
        c.latchedCount = encode(c, counterValue(c, now));
        c.latchedHighNext = c.rwMode == 2;
        c.latchedBytesLeft = c.rwMode == 3 ? 2 : 1;
    }

    private void writeCount(int index, int value) {
        Channel c = channels[index];
        int raw;
        switch (c.rwMode) {
            case 1 -> raw = value;
            case 2 -> raw = value << 8;
            default -> {
                if (!c.writeHigh) {
                    c.writeLsb = value;
                    c.writeHigh = true;
                    return;
                }
                c.writeHigh = false;
                raw = c.writeLsb | value << 8;
            }
        }
        loadCount(index, decode(c, raw));
    }

    private void loadCount(int index, int count) {
        Channel c = channels[index];
        c.count = count;
        c.nullCount = false;
        c.loadTime = clock.nanos();
        c.irqPeriodsSeen = 0;
        c.frozenTicks = -1;
        // Modes 1 and 5 wait for a gate rising edge; the others start now (if the gate allows).
        c.counting = c.mode != 1 && c.mode != 5;
        if (c.counting && !c.gate && (c.mode == 0 || c.mode == 4 || c.mode == 2 || c.mode == 3)) {
            c.frozenTicks = 0;
        }
        if (index == 0) {
            setIrq(false);
            scheduleIrq0();
        }
    }

    /** Gate input of channel {@code index} (channel 2: port 0x61 bit 0; channels 0/1 are tied high). */
    private void setGate(int index, boolean gate) {
        Channel c = channels[index];
        if (c.gate == gate) {
            return;
        }
        long now = clock.nanos();
        c.gate = gate;
        if (c.nullCount) {
            return;
        }
        switch (c.mode) {
            case 0, 4 -> {
                if (!gate) {
                    c.frozenTicks = elapsedTicks(c, now);
                } else if (c.frozenTicks >= 0) {
                    c.loadTime = now - ticksToNs(c.frozenTicks);
                    c.frozenTicks = -1;
                }
            }
            case 2, 3 -> {
                if (!gate) {
                    c.frozenTicks = 0;   // counting stops, OUT goes high
                } else {
                    c.frozenTicks = -1;   // rising edge reloads the count
                    c.loadTime = now;
                    c.irqPeriodsSeen = 0;
                }
            }
            default -> {
                if (gate) {
                    c.counting = true;    // modes 1, 5: rising edge (re)triggers
                    c.loadTime = now;
                    c.frozenTicks = -1;
                }
            }
        }
        if (index == 0) {
            scheduleIrq0();
        }
    }

    /** Whether channel 2's output is high (the speaker's input, also port 0x61 bit 5). */
    public boolean speakerOutput() {
        return (portB & 2) != 0 && output(channels[2], clock.nanos());
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "pit";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        for (Channel c : channels) {
            out.writeInt(c.mode).writeInt(c.rwMode).writeBoolean(c.bcd).writeInt(c.count).writeLong(c.loadTime)
                    .writeBoolean(c.gate).writeBoolean(c.counting).writeBoolean(c.nullCount).writeLong(c.frozenTicks)
                    .writeInt(c.writeLsb).writeBoolean(c.writeHigh).writeBoolean(c.readHigh)
                    .writeBoolean(c.countLatched).writeInt(c.latchedCount).writeBoolean(c.latchedHighNext)
                    .writeInt(c.latchedBytesLeft).writeBoolean(c.statusLatched).writeInt(c.latchedStatus)
                    .writeLong(c.irqPeriodsSeen);
        }
        out.writeInt(portB).writeBoolean(irqLevel);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        for (Channel c : channels) {
            c.mode = Math.floorMod(in.readInt(), 6);
            int rw = in.readInt();
            c.rwMode = rw >= 1 && rw <= 3 ? rw : 3;
            c.bcd = in.readBoolean();
            c.count = in.readInt() & 0xFFFF;
            c.loadTime = in.readLong();
            c.gate = in.readBoolean();
            c.counting = in.readBoolean();
            c.nullCount = in.readBoolean();
            c.frozenTicks = Math.max(-1, in.readLong());
            c.writeLsb = in.readInt() & 0xFF;
            c.writeHigh = in.readBoolean();
            c.readHigh = in.readBoolean();
            c.countLatched = in.readBoolean();
            c.latchedCount = in.readInt() & 0xFFFF;
            c.latchedHighNext = in.readBoolean();
            c.latchedBytesLeft = Math.max(0, Math.min(2, in.readInt()));
            c.statusLatched = in.readBoolean();
            c.latchedStatus = in.readInt() & 0xFF;
            c.irqPeriodsSeen = Math.max(0, in.readLong());
        }
        portB = in.readInt() & 0x0F;
        setIrq(in.readBoolean());
        scheduleIrq0();
    }
}
