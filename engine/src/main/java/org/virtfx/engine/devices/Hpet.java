package org.virtfx.engine.devices;

import java.io.IOException;
import java.util.Objects;
import java.util.function.IntFunction;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;

/**
 * High Precision Event Timer (IA-PC HPET spec 1.0a) at 0xFED00000: a 64-bit main counter at 100 MHz derived from
 * the virtual clock, three comparators (one-shot or periodic, 32- or 64-bit, edge or level), and legacy replacement
 * routing (timer 0 on IRQ0 / I/O APIC pin 2, timer 1 on IRQ8, the PIT and RTC disconnected from those inputs
 * meanwhile). The board maps it only when the ACPI HPET table describes it.
 */
public final class Hpet implements MmioDevice, Snapshottable {
    public static final long BASE = 0xFED0_0000L;
    public static final int SIZE = 0x400;
    private static final int TIMERS = 3;
    private static final long PERIOD_FS = 10_000_000L;    // 10 ns per tick
    private static final long NS_PER_TICK = 10;
    private static final long CAPABILITIES = PERIOD_FS << 32 | 0x8086L << 16 | 1 << 15 | 1 << 13 | (TIMERS - 1) << 8 | 1;
    private static final long ROUTE_CAP = 0x00FF_0104L;   // GSI 2, 8, 16-23
    private static final int ENABLE = 1, LEGACY = 2;
    private static final long T_LEVEL = 1 << 1, T_ENABLE = 1 << 2, T_PERIODIC = 1 << 3, T_PERIODIC_CAP = 1 << 4,
            T_SIZE_CAP = 1 << 5, T_SETVAL = 1 << 6, T_32BIT = 1 << 8, T_ROUTE = 0x1F << 9, T_FSB = 1 << 14;
    private static final long T_WRITABLE = T_LEVEL | T_ENABLE | T_PERIODIC | T_SETVAL | T_32BIT | T_ROUTE | T_FSB;

    private final MachineContext ctx;
    private final IntFunction<IrqLine> gsi;
    private final IrqLine legacy0;
    private final IrqLine legacy8;
    private final long[] config = new long[TIMERS];
    private final long[] comparator = new long[TIMERS];
    private final long[] period = new long[TIMERS];
    private final long[] fsb = new long[TIMERS];
    private final TimerService.Timer[] timers = new TimerService.Timer[TIMERS];
    private final boolean[] asserted = new boolean[TIMERS];
    /** The PIT's IRQ0 and the RTC's IRQ8 outputs, cut off while legacy replacement routing is on. */
    private IrqGate[] replacedSources = new IrqGate[0];
    private int generalConfig;
    private long interruptStatus;
    private long counterBase;       // main counter value at counterStartNs (or while halted)
    private long counterStartNs;

    /**
     * @param gsi     the interrupt line for I/O APIC input n (lines below 16 also reach the 8259, the board decides)
     * @param legacy0 IRQ0 as the PIT drives it (8259 IRQ0 + I/O APIC pin 2)
     * @param legacy8 IRQ8 as the RTC drives it
     */
    public Hpet(MachineContext ctx, IntFunction<IrqLine> gsi, IrqLine legacy0, IrqLine legacy8) {
        this.ctx = Objects.requireNonNull(ctx);
        this.gsi = Objects.requireNonNull(gsi);
        this.legacy0 = Objects.requireNonNull(legacy0);
        this.legacy8 = Objects.requireNonNull(legacy8);
        for (int i = 0; i < TIMERS; i++) {
            int n = i;
            timers[i] = ctx.timers().newTimer("hpet" + i, () -> expired(n));
        }
        reset();
    }

    /**
     * The legacy sources this HPET replaces (PIT on IRQ0, RTC on IRQ8): disconnected while LEG_RT_CNF is set, as on
     * chipsets where the HPET takes over those inputs.
     */
    public void replaces(IrqGate... sources) {
        replacedSources = sources.clone();
        connectReplacedSources();
    }

    private void connectReplacedSources() {
        for (IrqGate g : replacedSources) {
            g.setConnected((generalConfig & LEGACY) == 0);
        }
    }

    public void reset() {
        for (int i = 0; i < TIMERS; i++) {
            setLine(i, false);
            config[i] = ROUTE_CAP << 32 | T_SIZE_CAP | (i == 0 ? T_PERIODIC_CAP : 0);
            comparator[i] = -1;
            period[i] = 0;
            fsb[i] = 0;
            timers[i].cancel();
        }
        generalConfig = 0;
        interruptStatus = 0;
        counterBase = 0;
        counterStartNs = 0;
        connectReplacedSources();
    }

    private boolean enabled() {
        return (generalConfig & ENABLE) != 0;
    }

    /** The main counter now. */
    public long counter() {
        if (!enabled()) {
            return counterBase;
        }
        return counterBase + (ctx.clock().nanos() - counterStartNs) / NS_PER_TICK;
    }

    // ------------------------------------------------------------------ MMIO

    @Override
    public long mmioRead(long offset, int size) {
        long reg = offset & ~7L;
        long v = read64(reg);
        int shift = (int) (offset & 7) * 8;
        v >>>= shift;
        return size >= 8 ? v : v & ((1L << (size * 8)) - 1);
    }

    private long read64(long reg) {
        if (reg == 0x000) {
            return CAPABILITIES;
        }
        if (reg == 0x010) {
            return generalConfig;
        }
        if (reg == 0x020) {
            return interruptStatus;
        }
        if (reg == 0x0F0) {
            return counter();
        }
        if (reg >= 0x100 && reg < 0x100 + 0x20L * TIMERS) {
            int n = (int) (reg - 0x100) >> 5;
            return switch ((int) (reg & 0x18)) {
                case 0x00 -> config[n];
                case 0x08 -> (config[n] & T_32BIT) != 0 ? comparator[n] & 0xFFFF_FFFFL : comparator[n];
                case 0x10 -> fsb[n];
                default -> 0;
            };
        }
        return 0;
    }

    @Override
    public void mmioWrite(long offset, int size, long value) {
        long reg = offset & ~7L;
        int shift = (int) (offset & 7) * 8;
        long mask = (size >= 8 ? -1L : (1L << (size * 8)) - 1) << shift;
        long old = read64(reg);
        long v = (old & ~mask) | ((value << shift) & mask);
        if (reg == 0x010) {
            writeGeneralConfig((int) v);
        } else if (reg == 0x020) {
            long clear = (value << shift) & mask;
            for (int i = 0; i < TIMERS; i++) {
                if ((clear & (1L << i)) != 0 && (interruptStatus & (1L << i)) != 0) {
                    interruptStatus &= ~(1L << i);
                    setLine(i, false);
                }
            }
        } else if (reg == 0x0F0) {
            if (enabled()) {
                ctx.warnOnce("HPET: main counter written while running (ignored, as the spec requires halting first)");
            } else {
                counterBase = v;
            }
        } else if (reg >= 0x100 && reg < 0x100 + 0x20L * TIMERS) {
            int n = (int) (reg - 0x100) >> 5;
            switch ((int) (reg & 0x18)) {
                case 0x00 -> writeTimerConfig(n, v);
                case 0x08 -> writeComparator(n, (value << shift) & mask, mask);
                case 0x10 -> fsb[n] = v;
                default -> {
                }
            }
        }
    }

    private void writeGeneralConfig(int v) {
        boolean wasEnabled = enabled();
        long now = counter();
        int oldLegacy = generalConfig & LEGACY;
        generalConfig = v & (ENABLE | LEGACY);
        if (!wasEnabled && enabled()) {
            counterStartNs = ctx.clock().nanos();
        } else if (wasEnabled && !enabled()) {
            counterBase = now;
        }
        if (oldLegacy != (generalConfig & LEGACY)) {
            connectReplacedSources();   // first, so that the HPET's own levels below win on the shared inputs
            for (int i = 0; i < TIMERS; i++) {
                if (asserted[i]) {
                    // the level moves to the other wire
                    boolean keep = asserted[i];
                    setLineOn(i, false, oldLegacy != 0);
                    setLine(i, keep);
                }
            }
        }
        for (int i = 0; i < TIMERS; i++) {
            arm(i);
        }
    }

    private void writeTimerConfig(int n, long v) {
        long nv = (config[n] & ~T_WRITABLE) | (v & T_WRITABLE);
        if ((config[n] & T_PERIODIC_CAP) == 0) {
            nv &= ~T_PERIODIC;
        }
        int route = (int) (nv >>> 9) & 0x1F;
        boolean legacyRouted = (generalConfig & LEGACY) != 0 && n < 2;
        if ((nv & T_ENABLE) != 0 && !legacyRouted && ((ROUTE_CAP >>> route) & 1) == 0) {
            ctx.warnOnce("HPET: timer " + n + " routed to unsupported GSI " + route);
        }
        boolean wasLevel = (config[n] & T_LEVEL) != 0;
        config[n] = nv;
        if ((nv & T_32BIT) != 0) {
            comparator[n] &= 0xFFFF_FFFFL;
            period[n] &= 0xFFFF_FFFFL;
        }
        if (asserted[n] && ((nv & T_ENABLE) == 0 || (wasLevel && (nv & T_LEVEL) == 0))) {
            interruptStatus &= ~(1L << n);
            setLine(n, false);
        }
        arm(n);
    }

    private void writeComparator(int n, long bits, long mask) {
        boolean periodic = (config[n] & T_PERIODIC) != 0;
        if (!periodic || (config[n] & T_SETVAL) != 0) {
            comparator[n] = (comparator[n] & ~mask) | bits;
        }
        if (periodic) {
            period[n] = (period[n] & ~mask) | bits;
        }
        config[n] &= ~T_SETVAL;
        if ((config[n] & T_32BIT) != 0) {
            comparator[n] &= 0xFFFF_FFFFL;
            period[n] &= 0xFFFF_FFFFL;
        }
        arm(n);
    }

    // ------------------------------------------------------------------ comparators

    private void arm(int n) {
        if (!enabled() || (config[n] & T_ENABLE) == 0 && (config[n] & T_PERIODIC) == 0) {
            timers[n].cancel();
            return;
        }
        long now = counter();
        long delta;
        if ((config[n] & T_32BIT) != 0) {
            delta = (comparator[n] - now) & 0xFFFF_FFFFL;
        } else {
            delta = comparator[n] - now;
            if (delta < 0) {
                timers[n].cancel(); // passed: a 64-bit comparator matches again only after 5,800 years
                return;
            }
        }
        timers[n].armAt(counterStartNs + (now - counterBase + delta) * NS_PER_TICK);
    }

    private void expired(int n) {
        if (!enabled()) {
            return;
        }
        if ((config[n] & T_ENABLE) != 0) {
            if ((config[n] & T_LEVEL) != 0) {
                interruptStatus |= 1L << n;
                setLine(n, true);
            } else {
                pulse(n);
            }
        }
        if ((config[n] & T_PERIODIC) != 0 && period[n] != 0) {
            long now = counter();
            long p = period[n];
            long c = comparator[n];
            do {
                c += p;
            } while (c - now <= 0);
            comparator[n] = (config[n] & T_32BIT) != 0 ? c & 0xFFFF_FFFFL : c;
            arm(n);
        }
    }

    private IrqLine lineOf(int n, boolean legacyMode) {
        if (legacyMode && n < 2) {
            return n == 0 ? legacy0 : legacy8;
        }
        return gsi.apply((int) (config[n] >>> 9) & 0x1F);
    }

    private void setLine(int n, boolean level) {
        setLineOn(n, level, (generalConfig & LEGACY) != 0);
    }

    private void setLineOn(int n, boolean level, boolean legacyMode) {
        asserted[n] = level;
        lineOf(n, legacyMode).set(level);
    }

    private void pulse(int n) {
        lineOf(n, (generalConfig & LEGACY) != 0).pulse();
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "hpet";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(generalConfig).writeLong(interruptStatus).writeLong(counter());
        out.writeLongs(config.clone()).writeLongs(comparator.clone()).writeLongs(period.clone()).writeLongs(fsb.clone());
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        generalConfig = in.readInt() & (ENABLE | LEGACY);
        connectReplacedSources();
        interruptStatus = in.readLong() & 7;
        counterBase = in.readLong();
        counterStartNs = ctx.clock().nanos();
        long[][] arrays = {in.readLongs(), in.readLongs(), in.readLongs(), in.readLongs()};
        for (long[] a : arrays) {
            if (a.length != TIMERS) {
                throw new SnapshotFormatException("HPET state has " + a.length + " timers, expected " + TIMERS);
            }
        }
        System.arraycopy(arrays[0], 0, config, 0, TIMERS);
        System.arraycopy(arrays[1], 0, comparator, 0, TIMERS);
        System.arraycopy(arrays[2], 0, period, 0, TIMERS);
        System.arraycopy(arrays[3], 0, fsb, 0, TIMERS);
        for (int i = 0; i < TIMERS; i++) {
            if ((interruptStatus & (1L << i)) != 0) {
                setLine(i, true);
            }
            arm(i);
        }
    }
}
