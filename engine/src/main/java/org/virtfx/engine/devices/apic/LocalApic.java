package org.virtfx.engine.devices.apic;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.cpu.InterruptController;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;

/**
 * One vCPU's local APIC in xAPIC mode (Intel SDM vol. 3A ch. 11): IRR/ISR/TMR, task and processor priority, EOI with
 * the level EOI broadcast, the spurious-vector software enable, the LVT (timer, LINT0, LINT1, error; thermal and
 * performance entries are storage), the timer in one-shot, periodic and TSC-deadline mode on the machine's virtual
 * clock, and the ICR for IPIs through the {@link ApicBus}. While LINT0 is programmed ExtINT (virtual wire, the BSP's
 * reset state as QEMU sets it up) or the APIC is hardware-disabled, the 8259's INTR passes through.
 *
 * <p>The vCPU polls {@link #hasInterrupt()} on its own thread without the device lock: it reads a volatile summary
 * that every state change recomputes under the lock, plus the 8259's own answer.
 */
public final class LocalApic implements InterruptController, Snapshottable {
    public static final int MSR_APIC_BASE = 0x1B;
    public static final int MSR_TSC_DEADLINE = 0x6E0;
    private static final long BASE_BSP = 1L << 8, BASE_ENABLE = 1L << 11;
    private static final int VERSION = 0x0005_0014;       // integrated APIC, 6 LVT entries
    private static final int LVT_TIMER = 0, LVT_THERMAL = 1, LVT_PERF = 2, LVT_LINT0 = 3, LVT_LINT1 = 4, LVT_ERROR = 5;
    private static final int MASKED = 1 << 16;
    private static final int TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_DEADLINE = 2;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final MachineContext ctx;
    private final ApicBus bus;
    private final boolean bsp;
    private final long tscHz;
    private final TimerService.Timer timer;
    private X86Cpu cpu;
    private InterruptController pic;
    private volatile Thread boundThread;

    private int id;
    private long baseMsr;
    private final int[] irr = new int[8];
    private final int[] isr = new int[8];
    private final int[] tmr = new int[8];
    private int tpr;
    private int ldr;
    private int dfr;
    private int svr;
    private final int[] lvt = new int[6];
    private int esr;
    private int pendingEsr;
    private int icrLow;
    private int icrHigh;
    private int timerInitial;
    private int timerDivide;
    private long timerLoadNanos;
    private long tscDeadline;
    private boolean nmiPending;
    private boolean extIntPending;

    /** Summary for the lock-free poll: an APIC vector above the processor priority is waiting. */
    private volatile boolean vectorPending;
    /** Summary: the 8259's INTR reaches the CPU (LINT0 ExtINT unmasked, or APIC hardware-disabled). */
    private volatile boolean picPassThrough;
    private volatile boolean nmiFlag;

    public LocalApic(MachineContext ctx, ApicBus bus, int apicId, boolean bootstrap, long tscHz) {
        this.ctx = Objects.requireNonNull(ctx);
        this.bus = Objects.requireNonNull(bus);
        this.bsp = bootstrap;
        this.tscHz = tscHz;
        this.timer = ctx.timers().newTimer("lapic" + apicId, this::timerExpired);
        this.id = apicId;
        bus.add(this);
        powerOn();
    }

    /** Connects the vCPU this APIC interrupts (it is built after the APIC, which is part of its CpuHost). */
    public void attachCpu(X86Cpu cpu) {
        this.cpu = cpu;
    }

    /** Connects the 8259 pair's INTR output to LINT0. */
    public void connectPic(InterruptController pic) {
        this.pic = pic;
        update();
    }

    /** The 8259's INTR may have changed: wake the vCPU if it passes through. */
    public void picOutputChanged() {
        if (picPassThrough && pic != null && pic.hasInterrupt()) {
            kick();
        }
    }

    /** Makes the calling thread (a vCPU thread) see this APIC behind the shared MMIO page. */
    public void bindToCurrentThread() {
        if (boundThread != Thread.currentThread()) {
            boundThread = Thread.currentThread();
        }
    }

    Thread boundThread() {
        return boundThread;
    }

    public int apicId() {
        return id;
    }

    // ------------------------------------------------------------------ reset

    /** Power-on / platform reset state. */
    public void powerOn() {
        baseMsr = ApicBus.DEFAULT_BASE | BASE_ENABLE | (bsp ? BASE_BSP : 0);
        initReset();
        // The BIOS normally programs LINT0 to ExtINT on the BSP; QEMU does it at reset so that the 8259 works in
        // virtual-wire mode from the first instruction. APs keep LINT0 masked.
        if (bsp) {
            lvt[LVT_LINT0] = 0x700;
        }
        bus.baseChanged(ApicBus.DEFAULT_BASE, true);
        update();
    }

    /** INIT: everything but the APIC ID and base MSR returns to its reset value. */
    private void initReset() {
        java.util.Arrays.fill(irr, 0);
        java.util.Arrays.fill(isr, 0);
        java.util.Arrays.fill(tmr, 0);
        tpr = 0;
        ldr = 0;
        dfr = 0xFFFF_FFFF;
        svr = 0xFF;
        java.util.Arrays.fill(lvt, MASKED);
        esr = 0;
        pendingEsr = 0;
        icrLow = 0;
        icrHigh = 0;
        timerInitial = 0;
        timerDivide = 0;
        timerLoadNanos = 0;
        tscDeadline = 0;
        nmiPending = false;
        extIntPending = false;
        timer.cancel();
    }

    // ------------------------------------------------------------------ InterruptController (vCPU thread)

    @Override
    public boolean hasInterrupt() {
        bindToCurrentThread();
        if (vectorPending) {
            return true;
        }
        InterruptController p = pic;
        return picPassThrough && p != null && p.hasInterrupt();
    }

    @Override
    public int acknowledge() {
        ctx.deviceLock().lock();
        try {
            if (extIntPending || (picPassThrough && pic != null && pic.hasInterrupt() && !vectorPending)) {
                extIntPending = false;
                update();
                return pic != null ? pic.acknowledge() : svr & 0xFF;
            }
            int v = highest(irr);
            if (v < 0 || !softwareEnabled() || (v >>> 4) <= (processorPriority() >>> 4)) {
                return svr & 0xFF; // the request went away between poll and INTA: spurious vector, no ISR bit
            }
            clear(irr, v);
            set(isr, v);
            update();
            return v;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public boolean hasNmi() {
        bindToCurrentThread(); // polled whatever IF is, so the vCPU thread is known before its first MMIO access
        return nmiFlag;
    }

    @Override
    public void acknowledgeNmi() {
        ctx.deviceLock().lock();
        try {
            nmiPending = false;
            update();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /** TPR as the CPU's CR8 accesses see it: the full register value (CR8 = TPR bits 7:4). */
    @Override
    public void setTaskPriority(int tprValue) {
        ctx.deviceLock().lock();
        try {
            tpr = tprValue & 0xFF;
            update();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public int taskPriority() {
        return tpr;
    }

    @Override
    public long apicBaseMsr() {
        return baseMsr;
    }

    /** WRMSR IA32_APIC_BASE: relocates the page; clearing the enable bit disconnects the APIC until reset. */
    @Override
    public void setApicBaseMsr(long value) {
        ctx.deviceLock().lock();
        try {
            boolean wasEnabled = hardwareEnabled();
            long base = value & 0xF_FFFF_F000L;
            baseMsr = base | (value & BASE_ENABLE) | (bsp ? BASE_BSP : 0);
            if ((value & 0x400) != 0) {
                ctx.warnOnce("guest tried to enable x2APIC mode, which this CPU does not advertise");
            }
            if (wasEnabled && !hardwareEnabled()) {
                initReset();
            }
            bus.baseChanged(base, hardwareEnabled());
            update();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public long tscDeadline() {
        ctx.deviceLock().lock();
        try {
            return timerMode() == TIMER_DEADLINE ? tscDeadline : 0;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public void setTscDeadline(long tscValue) {
        ctx.deviceLock().lock();
        try {
            if (timerMode() != TIMER_DEADLINE) {
                return; // SDM: writes are ignored unless the LVT timer is in TSC-deadline mode
            }
            tscDeadline = tscValue;
            armTimer();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    // ------------------------------------------------------------------ state queries for the bus

    boolean hardwareEnabled() {
        return (baseMsr & BASE_ENABLE) != 0;
    }

    private boolean softwareEnabled() {
        return (svr & 0x100) != 0;
    }

    boolean matchesPhysical(int dest) {
        return dest == 0xFF || dest == id;
    }

    boolean matchesLogical(int dest) {
        int logicalId = ldr >>> 24;
        if ((dfr >>> 28) == 0xF) {
            return (logicalId & dest) != 0; // flat model
        }
        int cluster = dest >>> 4;
        return (cluster == 0xF || cluster == logicalId >>> 4) && (logicalId & dest & 0xF) != 0;
    }

    int arbitrationPriority() {
        int isrv = highest(isr);
        return Math.max(tpr & 0xF0, isrv < 0 ? 0 : isrv & 0xF0);
    }

    private int processorPriority() {
        int isrv = highest(isr);
        int isrClass = isrv < 0 ? 0 : isrv & 0xF0;
        return (tpr & 0xF0) >= isrClass ? tpr : isrClass;
    }

    /** An interrupt message arrived from the bus. */
    void accept(int mode, int vector, boolean level) {
        switch (mode) {
            case ApicBus.FIXED, ApicBus.LOWEST -> {
                if (vector < 16) {
                    raiseError(1 << 6); // receive illegal vector
                    return;
                }
                set(irr, vector);
                if (level) {
                    set(tmr, vector);
                } else {
                    clear(tmr, vector);
                }
            }
            case ApicBus.NMI -> nmiPending = true;
            case ApicBus.INIT -> {
                initReset();
                update();
                if (cpu != null) {
                    cpu.deliverInit();
                }
                return;
            }
            case ApicBus.STARTUP -> {
                if (cpu != null) {
                    cpu.deliverStartup(vector);
                }
                return;
            }
            case ApicBus.EXTINT -> extIntPending = true;
            default -> {
                ctx.warnOnce("local APIC: SMI delivery is not supported; ignored");
                return;
            }
        }
        update();
    }

    private void raiseError(int bit) {
        pendingEsr |= bit;
        int e = lvt[LVT_ERROR];
        if ((e & MASKED) == 0 && softwareEnabled()) {
            accept(ApicBus.FIXED, e & 0xFF, false);
        }
    }

    /** Recomputes the lock-free summaries and wakes the vCPU when something became deliverable. */
    private void update() {
        boolean enabled = hardwareEnabled();
        int v = highest(irr);
        boolean vec = enabled && softwareEnabled() && v >= 0 && (v >>> 4) > (processorPriority() >>> 4);
        vec |= extIntPending;
        int lint0 = lvt[LVT_LINT0];
        boolean pass = !enabled || ((lint0 & MASKED) == 0 && ((lint0 >>> 8) & 7) == ApicBus.EXTINT);
        boolean nmi = nmiPending;
        boolean wake = (vec && !vectorPending) || (nmi && !nmiFlag) || (pass && !picPassThrough);
        vectorPending = vec;
        picPassThrough = pass;
        nmiFlag = nmi;
        if (wake) {
            kick();
        }
    }

    private void kick() {
        if (cpu != null) {
            cpu.interruptPending();
        }
    }

    // ------------------------------------------------------------------ MMIO registers

    long mmioRead(long offset, int size) {
        if (offset < 0 || offset >= ApicBus.PAGE) {
            return 0;
        }
        int reg = (int) offset & 0xFF0;
        long v = readRegister(reg) & 0xFFFF_FFFFL;
        int shift = (int) (offset & 3) * 8;
        v >>>= shift;
        return size >= 4 ? v : v & ((1L << (size * 8)) - 1);
    }

    private int readRegister(int reg) {
        return switch (reg) {
            case 0x020 -> id << 24;
            case 0x030 -> VERSION;
            case 0x080 -> tpr;
            case 0x090 -> arbitrationPriority();
            case 0x0A0 -> processorPriority();
            case 0x0D0 -> ldr;
            case 0x0E0 -> dfr;
            case 0x0F0 -> svr;
            case 0x280 -> esr;
            case 0x300 -> icrLow & ~(1 << 12); // delivery is instantaneous: never "send pending"
            case 0x310 -> icrHigh;
            case 0x320, 0x330, 0x340, 0x350, 0x360, 0x370 -> lvt[(reg - 0x320) >> 4];
            case 0x380 -> timerInitial;
            case 0x390 -> currentCount();
            case 0x3E0 -> timerDivide;
            default -> {
                if (reg >= 0x100 && reg < 0x180) {
                    yield isr[(reg - 0x100) >> 4];
                } else if (reg >= 0x180 && reg < 0x200) {
                    yield tmr[(reg - 0x180) >> 4];
                } else if (reg >= 0x200 && reg < 0x280) {
                    yield irr[(reg - 0x200) >> 4];
                }
                yield 0;
            }
        };
    }

    void mmioWrite(long offset, int size, long value) {
        if (offset < 0 || offset >= ApicBus.PAGE) {
            return;
        }
        if (size != 4 || (offset & 0xF) != 0) {
            ctx.warnOnce("local APIC: " + size + "-byte write at offset 0x" + Long.toHexString(offset)
                    + " (only aligned 32-bit accesses are defined)");
            if ((offset & 0xF) != 0) {
                return;
            }
        }
        int v = (int) value;
        int reg = (int) offset;
        switch (reg) {
            case 0x020 -> id = v >>> 24;
            case 0x080 -> {
                tpr = v & 0xFF;
                update();
            }
            case 0x0B0 -> endOfInterrupt();
            case 0x0D0 -> ldr = v & 0xFF00_0000;
            case 0x0E0 -> dfr = v | 0x0FFF_FFFF;
            case 0x0F0 -> {
                svr = v & 0x13FF;
                if (!softwareEnabled()) {
                    for (int i = 0; i < lvt.length; i++) {
                        lvt[i] |= MASKED;
                    }
                    timer.cancel();
                }
                update();
            }
            case 0x280 -> {
                esr = pendingEsr; // a write latches the errors collected since the last write
                pendingEsr = 0;
            }
            case 0x300 -> {
                icrLow = v & 0x000C_CFFF;
                sendIpi();
            }
            case 0x310 -> icrHigh = v & 0xFF00_0000;
            case 0x320, 0x330, 0x340, 0x350, 0x360, 0x370 -> writeLvt((reg - 0x320) >> 4, v);
            case 0x380 -> {
                if (timerMode() == TIMER_DEADLINE) {
                    return; // the initial count is ignored in TSC-deadline mode
                }
                timerInitial = v;
                timerLoadNanos = ctx.clock().nanos();
                armTimer();
            }
            case 0x3E0 -> {
                long now = ctx.clock().nanos();
                int current = currentCount();
                timerDivide = v & 0xB;
                // Keep the counter where it is; only its rate changes.
                if (timerInitial != 0 && current != 0) {
                    long ticksDone = (timerInitial & 0xFFFF_FFFFL) - (current & 0xFFFF_FFFFL);
                    timerLoadNanos = now - (ticksDone << divideShift());
                }
                armTimer();
            }
            default -> {
                // read-only or reserved: ignored, as hardware does
            }
        }
    }

    private void writeLvt(int index, int v) {
        int mask = switch (index) {
            case LVT_TIMER -> 0x7_10FF;                  // vector, mask, mode (bits 17-18)
            case LVT_LINT0, LVT_LINT1 -> 0x1_A7FF;     // vector, delivery mode, polarity, trigger, mask
            case LVT_ERROR -> 0x1_00FF;
            default -> 0x1_07FF;                       // thermal, performance: vector, mode, mask
        };
        int old = lvt[index];
        int nv = v & mask;
        if (!softwareEnabled()) {
            nv |= MASKED;
        }
        lvt[index] = nv;
        if (index == LVT_TIMER && ((old >>> 17) & 3) != ((nv >>> 17) & 3)) {
            // Switching timer mode disarms it (SDM 11.5.4.1).
            timerInitial = 0;
            tscDeadline = 0;
        }
        if (index == LVT_TIMER) {
            armTimer();
        }
        update();
    }

    private void endOfInterrupt() {
        int v = highest(isr);
        if (v < 0) {
            return;
        }
        clear(isr, v);
        if (test(tmr, v) && (svr & 0x1000) == 0) {
            bus.broadcastEoi(v);
        }
        update();
    }

    private void sendIpi() {
        int mode = (icrLow >>> 8) & 7;
        int vector = icrLow & 0xFF;
        boolean logical = (icrLow & (1 << 11)) != 0;
        boolean assertLevel = (icrLow & (1 << 14)) != 0;
        boolean levelTrigger = (icrLow & (1 << 15)) != 0;
        int shorthand = (icrLow >>> 18) & 3;
        if (mode == ApicBus.INIT && levelTrigger && !assertLevel) {
            return; // INIT level de-assert: only synchronises arbitration IDs on old APICs
        }
        if ((mode == ApicBus.FIXED || mode == ApicBus.LOWEST) && vector < 16) {
            raiseError(1 << 5); // send illegal vector
            return;
        }
        bus.deliver(this, shorthand, icrHigh >>> 24, logical, mode, vector, false);
    }

    // ------------------------------------------------------------------ timer

    private int timerMode() {
        return (lvt[LVT_TIMER] >>> 17) & 3;
    }

    private int divideShift() {
        int d = (timerDivide & 3) | ((timerDivide >>> 1) & 4);
        return d == 7 ? 0 : d + 1;
    }

    /** Current count: the APIC timer counts at 1 GHz / divide (the bus clock QEMU uses). */
    private int currentCount() {
        if (timerMode() == TIMER_DEADLINE || timerInitial == 0) {
            return 0;
        }
        long initial = timerInitial & 0xFFFF_FFFFL;
        long ticks = (ctx.clock().nanos() - timerLoadNanos) >> divideShift();
        if (timerMode() == TIMER_PERIODIC) {
            return (int) (initial - ticks % initial);
        }
        return ticks >= initial ? 0 : (int) (initial - ticks);
    }

    private void armTimer() {
        if (!hardwareEnabled()) {
            timer.cancel();
            return;
        }
        switch (timerMode()) {
            case TIMER_DEADLINE -> {
                if (tscDeadline == 0) {
                    timer.cancel();
                } else {
                    timer.armAt(tscToNanos(tscDeadline));
                }
            }
            case TIMER_PERIODIC -> {
                if (timerInitial == 0) {
                    timer.cancel();
                    return;
                }
                long initial = timerInitial & 0xFFFF_FFFFL;
                long ticks = (ctx.clock().nanos() - timerLoadNanos) >> divideShift();
                long periods = ticks / initial + 1;
                timer.armAt(timerLoadNanos + ((periods * initial) << divideShift()));
            }
            case TIMER_ONESHOT -> {
                long initial = timerInitial & 0xFFFF_FFFFL;
                long due = timerLoadNanos + (initial << divideShift());
                if (timerInitial == 0 || firedFor == timerLoadNanos) {
                    timer.cancel();
                } else {
                    timer.armAt(due);
                }
            }
            default -> timer.cancel(); // reserved mode 3
        }
    }

    /** Load time of the one-shot count that has already fired (a one-shot fires once per initial-count write). */
    private long firedFor = -1;

    private void timerExpired() {
        int entry = lvt[LVT_TIMER];
        if ((entry & MASKED) == 0 && softwareEnabled()) {
            accept(ApicBus.FIXED, entry & 0xFF, false);
        }
        switch (timerMode()) {
            case TIMER_PERIODIC -> armTimer();
            case TIMER_DEADLINE -> tscDeadline = 0;
            default -> firedFor = timerLoadNanos;
        }
    }

    long tscToNanos(long tsc) {
        long t = tsc & Long.MAX_VALUE;
        return t / tscHz * NANOS_PER_SECOND + (t % tscHz) * NANOS_PER_SECOND / tscHz;
    }

    // ------------------------------------------------------------------ 256-bit register helpers

    private static int highest(int[] bits) {
        for (int i = 7; i >= 0; i--) {
            if (bits[i] != 0) {
                return i * 32 + 31 - Integer.numberOfLeadingZeros(bits[i]);
            }
        }
        return -1;
    }

    private static void set(int[] bits, int v) {
        bits[v >>> 5] |= 1 << (v & 31);
    }

    private static void clear(int[] bits, int v) {
        bits[v >>> 5] &= ~(1 << (v & 31));
    }

    private static boolean test(int[] bits, int v) {
        return (bits[v >>> 5] & (1 << (v & 31))) != 0;
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "lapic" + (bsp ? "-bsp-" : "-") + id;
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(id).writeLong(baseMsr).writeInts(irr).writeInts(isr).writeInts(tmr);
        out.writeInt(tpr).writeInt(ldr).writeInt(dfr).writeInt(svr).writeInts(lvt);
        out.writeInt(esr).writeInt(pendingEsr).writeInt(icrLow).writeInt(icrHigh);
        out.writeInt(timerInitial).writeInt(timerDivide).writeLong(timerLoadNanos).writeLong(firedFor);
        out.writeLong(tscDeadline).writeBoolean(nmiPending).writeBoolean(extIntPending);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        id = in.readInt() & 0xFF;
        baseMsr = in.readLong();
        copy(in.readInts(), irr);
        copy(in.readInts(), isr);
        copy(in.readInts(), tmr);
        tpr = in.readInt() & 0xFF;
        ldr = in.readInt();
        dfr = in.readInt();
        svr = in.readInt();
        int[] l = in.readInts();
        if (l.length != lvt.length) {
            throw new org.virtfx.engine.snapshot.SnapshotFormatException("local APIC state has " + l.length + " LVT entries");
        }
        System.arraycopy(l, 0, lvt, 0, lvt.length);
        esr = in.readInt();
        pendingEsr = in.readInt();
        icrLow = in.readInt();
        icrHigh = in.readInt();
        timerInitial = in.readInt();
        timerDivide = in.readInt() & 0xB;
        timerLoadNanos = in.readLong();
        firedFor = in.readLong();
        tscDeadline = in.readLong();
        nmiPending = in.readBoolean();
        extIntPending = in.readBoolean();
        bus.baseChanged(baseMsr & 0xF_FFFF_F000L, hardwareEnabled());
        armTimer();
        update();
    }

    private static void copy(int[] src, int[] dst) throws IOException {
        if (src.length != dst.length) {
            throw new org.virtfx.engine.snapshot.SnapshotFormatException("local APIC register has " + src.length + " words");
        }
        System.arraycopy(src, 0, dst, 0, dst.length);
    }
}
