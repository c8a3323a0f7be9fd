package org.virtfx.engine.cpu;

import java.util.concurrent.locks.LockSupport;
import org.virtfx.engine.cpu.fpu.FpuException;
import org.virtfx.engine.cpu.fpu.SseState;
import org.virtfx.engine.cpu.fpu.X87;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The engine's own x86 vCPU: an interpreter for real, 16/32-bit protected, virtual-8086 and IA-32e (64-bit and
 * compatibility) mode with paging, behaving as an Intel processor (see {@link Cpuid} for exactly what it advertises).
 *
 * <p>This class holds the architectural state and the run loop (interrupt checks, HLT parking, exception delivery);
 * decoding and execution live in {@link Interpreter} and the classes it calls: {@link Alu}, {@link TwoByteOps},
 * {@link StringOps}, {@link Segmentation}, {@link ControlTransfer}, {@link Mmu}, {@link Msrs}. State fields are
 * package-private for those classes. General registers are {@code long[16]} (RAX..R15) and the instruction pointer a
 * long; outside 64-bit mode only their low 32 bits are used.
 */
public final class SoftwareCpu implements X86Cpu, Snapshottable {
    static final long CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20, CR0_WP = 1L << 16,
            CR0_AM = 1L << 18, CR0_NW = 1L << 29, CR0_CD = 1L << 30, CR0_PG = 1L << 31;
    static final long CR4_VME = 1, CR4_PVI = 2, CR4_TSD = 4, CR4_DE = 8, CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_MCE = 0x40,
            CR4_PGE = 0x80, CR4_PCE = 0x100, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;
    static final long EFER_SCE = 1, EFER_LME = 1L << 8, EFER_LMA = 1L << 10, EFER_NXE = 1L << 11;
    static final int CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800,
            IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000, VIP = 0x100000,
            ID = 0x200000;
    static final int ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
    static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, LDTR = 6, TR = 7;
    /** Segment attribute bit (above the kvm_segment-style access rights) marking a null/unusable selector. */
    static final int ATTR_UNUSABLE = 1 << 16;

    final CpuHost host;
    final PhysicalMemory phys;
    final Mmu mmu;
    final Interpreter interp;
    final X87 fpu = new X87();
    final SseState sse = new SseState();
    final Msrs msrs;

    // ---- architectural state --------------------------------------------------------------------------------
    final long[] r = new long[16];
    long rip;
    /** EFLAGS; the six arithmetic bits are stale while {@link #lazyOp} != 0 (see {@link Alu#flags}). */
    int eflags = 2;
    int lazyOp;
    long lazyDst, lazySrc, lazyRes;
    int lazySize;
    final int[] sel = new int[8];
    final long[] segBase = new long[8];
    final int[] segLimit = new int[8];
    final int[] segAttr = new int[8];
    long cr0, cr2, cr3, cr4, efer;
    long gdtBase, idtBase;
    int gdtLimit, idtLimit;
    int cpl;
    /**
     * Instruction-set view of the current mode: 64-bit code (EFER.LMA and CS.L), otherwise CS.D (32-bit code) and
     * SS.B (32-bit stack pointer).
     */
    boolean code64, code32, stack32;
    final long[] dr = new long[8];

    // ---- run-loop state ----------------------------------------------------------------------------------------
    private volatile boolean exitRequested;
    private volatile boolean attention;
    private volatile boolean pendingInit;
    private volatile int pendingSipi = -1;
    /** Orders INIT and start-up IPIs against each other and against this vCPU entering or leaving wait-for-SIPI. */
    private final Object startupLock = new Object();
    boolean halted;
    /** In the wait-for-SIPI state (written by this vCPU's thread under {@link #startupLock}, or while stopped). */
    boolean waitForSipi;
    /** Interrupts are inhibited for one instruction after MOV SS/POP SS/STI. */
    boolean interruptShadow;
    private boolean nmiBlocked;
    boolean shutdown;
    long retired;
    private int firstFaultVector = -1;
    private boolean ferrAsserted;
    long tscOffset;
    /**
     * The thread that parks this vCPU (while halted or waiting for a start-up IPI), for {@link #wake}. Volatile, like
     * the flags the waker sets before reading it: the parking thread stores it and then reads the flags, the waker
     * stores a flag and then reads it, so at least one of them sees the other's store and no wake-up is lost.
     */
    private volatile Thread parkedThread;
    /** Per-instruction register trace (QEMU's format) when enabled; null otherwise. */
    private QemuStyleTrace trace;
    /**
     * System property naming a file: the BSP writes a register trace there, application processor N to the same name
     * with {@code .cpuN} appended (see {@code virtfx run --trace-cpu}).
     */
    public static final String TRACE_PROPERTY = "virtfx.cpu.trace";
    /** System property: instructions traced before the trace file is closed (default 2,000,000). */
    public static final String TRACE_LIMIT_PROPERTY = "virtfx.cpu.traceLimit";

    public SoftwareCpu(CpuHost host) {
        this.host = host;
        this.phys = host.memory();
        this.mmu = new Mmu(this, phys);
        this.interp = new Interpreter(this);
        this.msrs = new Msrs(this);
        reset();
        waitForSipi = host.index() != 0;
        String traceFile = System.getProperty(TRACE_PROPERTY);
        if (traceFile != null && !traceFile.isEmpty()) {
            if (host.index() != 0) {
                traceFile += ".cpu" + host.index();
            }
            try {
                startTrace(java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(traceFile)),
                        Long.getLong(TRACE_LIMIT_PROPERTY, 2_000_000L));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the CPU trace " + traceFile, e);
            }
        }
    }

    /** Writes the register state before each of the next {@code limit} instructions to {@code out}, QEMU-style. */
    void startTrace(java.io.Writer out, long limit) {
        trace = new QemuStyleTrace(out, limit);
    }

    /** Ends a trace started by {@link #startTrace} (flushes and closes its writer). */
    void stopTrace() {
        if (trace != null) {
            trace.close();
            trace = null;
        }
    }

    // ---- Vcpu / X86Cpu ----------------------------------------------------------------------------------------

    @Override
    public int index() {
        return host.index();
    }

    @Override
    public boolean isBootstrapProcessor() {
        return host.index() == 0;
    }

    @Override
    public void reset() {
        java.util.Arrays.fill(r, 0);
        r[RDX] = Cpuid.SIGNATURE;
        rip = 0xFFF0;
        eflags = 2;
        lazyOp = 0;
        cr0 = CR0_ET | CR0_CD | CR0_NW;
        cr2 = cr3 = cr4 = efer = 0;
        for (int s = 0; s < 8; s++) {
            sel[s] = 0;
            segBase[s] = 0;
            segLimit[s] = 0xFFFF;
            segAttr[s] = s == CS ? 0x9B : s == LDTR ? 0x82 : s == TR ? 0x8B : 0x93;
        }
        sel[CS] = 0xF000;
        segBase[CS] = 0xFFFF0000L;
        gdtBase = idtBase = 0;
        gdtLimit = idtLimit = 0xFFFF;
        cpl = 0;
        code64 = code32 = stack32 = false;
        java.util.Arrays.fill(dr, 0);
        dr[6] = 0xFFFF0FF0L;
        dr[7] = 0x400;
        halted = false;
        interruptShadow = false;
        nmiBlocked = false;
        shutdown = false;
        tscOffset = 0;
        fpu.reset();
        sse.mxcsr = 0x1F80;
        java.util.Arrays.fill(sse.xmm, 0);
        msrs.reset();
        mmu.userHalf = 0;
        mmu.linMask = 0xFFFFFFFFL;
        mmu.flush();
        // After a platform reset only the bootstrap processor runs; the others wait for a start-up IPI again.
        // INIT and start-up IPIs sent before the reset are gone with it.
        synchronized (startupLock) {
            pendingInit = false;
            pendingSipi = -1;
            waitForSipi = !isBootstrapProcessor();
        }
    }

    /**
     * Takes a pending INIT and a pending start-up IPI, in the order they were delivered; returns false while this vCPU
     * waits for a start-up IPI. INIT puts an application processor into wait-for-SIPI; a start-up IPI delivered after
     * the INIT, even before this thread saw the INIT, stays pending and starts it.
     */
    private boolean takeInitAndStartup() {
        synchronized (startupLock) {
            if (pendingInit) {
                pendingInit = false;
                int sipi = pendingSipi;
                reset();
                pendingSipi = sipi;
            }
            int v = pendingSipi;
            pendingSipi = -1;
            if (!waitForSipi) {
                return true;   // a start-up IPI is only recognised in wait-for-SIPI (deliverStartup filters too)
            }
            if (v < 0) {
                return false;
            }
            startAt(v);
            return true;
        }
    }

    @Override
    public Exit run() {
        try {
            while (true) {
                if ((pendingInit || pendingSipi >= 0 || waitForSipi) && !takeInitAndStartup()) {
                    if (exitRequested) {
                        exitRequested = false;
                        return Exit.EXIT_REQUESTED;
                    }
                    return Exit.WAIT_FOR_SIPI;
                }
                if (exitRequested) {
                    exitRequested = false;
                    return Exit.EXIT_REQUESTED;
                }
                if (halted) {
                    if (!checkInterrupts()) {
                        park();
                        continue;
                    }
                }
                runBatch(20_000);
                if (shutdown) {
                    shutdown = false;
                    return Exit.SHUTDOWN;
                }
            }
        } finally {
            parkedThread = null;
            if (trace != null) {
                trace.flush();
            }
        }
    }

    /**
     * Sleeps while halted until something needs this vCPU: every interrupt source (the local APIC's timer, IPIs, the
     * I/O APIC, the 8259 passed through) calls {@link #interruptPending}, INIT/SIPI and exit requests wake it too, so
     * there is no polling timeout.
     */
    private void park() {
        parkedThread = Thread.currentThread();
        if (!attention && !exitRequested && !pendingInit && pendingSipi < 0) {
            LockSupport.park(this);
        }
        attention = false;
    }

    /**
     * Blocks the calling thread while this vCPU waits for a start-up IPI, until an INIT, a start-up IPI or an exit
     * request arrives ({@link #run} takes it then).
     */
    @Override
    public void awaitStartupSignal() throws InterruptedException {
        parkedThread = Thread.currentThread();
        while (!exitRequested && !pendingInit && pendingSipi < 0) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** Executes up to {@code n} instructions; stops early on HLT, shutdown, or an exit request. */
    void runBatch(int n) {
        mmu.checkGeneration();
        interp.breakChain(); // registers, segments or memory may have been changed from outside since the last batch
        for (int i = 0; i < n; i++) {
            if (attention || interruptShadow) {
                if (exitRequested || pendingInit || pendingSipi >= 0) {
                    return;
                }
                if (checkInterrupts()) {
                    if (shutdown) {
                        return;
                    }
                }
            } else if ((i & 1023) == 0 && (eflags & IF) != 0) {
                // safety net: an interrupt source that forgot to call interruptPending()
                checkInterrupts();
            }
            stepInBatch();
            if (halted || shutdown) {
                return;
            }
        }
    }

    /** One instruction, with fault delivery, driven from outside the run loop (state may have been set since). */
    void step() {
        interp.breakChain();
        stepInBatch();
    }

    /** One instruction, with fault delivery. */
    private void stepInBatch() {
        if (trace != null) {
            tracedStep();
            return;
        }
        long startRip = rip;
        long startSp = r[RSP];
        boolean singleStep = (eflags & TF) != 0;
        try {
            interp.execute();
            retired++;
            firstFaultVector = -1;
            if (singleStep && (eflags & TF) != 0) {
                // single-step trap after the instruction (DR6.BS)
                dr[6] |= 0x4000;
                ControlTransfer.interrupt(this, CpuFault.DB, ControlTransfer.EXCEPTION, false, 0);
            }
        } catch (CpuFault f) {
            rip = startRip;
            r[RSP] = startSp;
            raiseException(f);
        } catch (FpuException e) {
            rip = startRip;
            r[RSP] = startSp;
            raiseException(switch (e.vector()) {
                case FpuException.VECTOR_MF -> CpuFault.of(CpuFault.MF);
                case FpuException.VECTOR_UD -> CpuFault.of(CpuFault.UD);
                default -> CpuFault.gp(0);
            });
        }
    }

    /**
     * {@link #step} with a trace record: written unless the instruction faulted while being fetched (QEMU logs
     * nothing for an instruction it could not translate, so neither does this trace).
     */
    private void tracedStep() {
        QemuStyleTrace t = trace;
        boolean open = t.capture(this);   // false once the limit is reached: the trace is closed then
        interp.fetchFault = false;
        trace = null;
        try {
            step();
        } finally {
            trace = open ? t : null;
        }
        if (open && !interp.fetchFault) {
            t.emit();
        }
    }

    /** Delivers a CPU exception, escalating to #DF and to shutdown (triple fault) as the SDM's table prescribes. */
    void raiseException(CpuFault f) {
        int v = f.vector;
        if (firstFaultVector >= 0) {
            int first = firstFaultVector;
            if (first == CpuFault.DF) {
                shutdown = true;
                firstFaultVector = -1;
                return;
            }
            boolean contrib = isContributory(v);
            if ((isContributory(first) && contrib) || (first == CpuFault.PF && (contrib || v == CpuFault.PF))) {
                f = CpuFault.withCode(CpuFault.DF, 0);
                v = CpuFault.DF;
            }
        }
        firstFaultVector = v;
        try {
            ControlTransfer.interrupt(this, v, ControlTransfer.EXCEPTION, f.hasErrorCode, f.errorCode);
            firstFaultVector = -1;
        } catch (CpuFault nested) {
            raiseException(nested);
        }
    }

    private static boolean isContributory(int v) {
        return v == CpuFault.DE || (v >= CpuFault.TS && v <= CpuFault.GP);
    }

    /** Takes a pending NMI or maskable interrupt if allowed; returns whether one was delivered. */
    boolean checkInterrupts() {
        if (interruptShadow) {
            interruptShadow = false;
            attention = true;
            return false;
        }
        // cleared before looking, so that an interruptPending() racing with this check is not lost; set again
        // after a delivery (another interrupt may be waiting) and by IF 0->1 changes (interruptsMayBeEnabled)
        attention = false;
        InterruptController ic = host.interrupts();
        if (ic == null) {
            return false;
        }
        if (!nmiBlocked && ic.hasNmi()) {
            ic.acknowledgeNmi();
            nmiBlocked = true;
            attention = true;
            deliverExternal(CpuFault.NMI);
            return true;
        }
        if ((eflags & IF) != 0 && ic.hasInterrupt()) {
            int vector = ic.acknowledge() & 0xFF;
            attention = true;
            deliverExternal(vector);
            return true;
        }
        return false;
    }

    private void deliverExternal(int vector) {
        halted = false;
        try {
            ControlTransfer.interrupt(this, vector, ControlTransfer.EXTERNAL, false, 0);
        } catch (CpuFault f) {
            raiseException(f);
        }
    }

    /** IRET re-enables NMIs. */
    void nmiReturn() {
        nmiBlocked = false;
    }

    /** Called when IF may have gone from 0 to 1: pending interrupts must be looked at again. */
    void interruptsMayBeEnabled() {
        attention = true;
    }

    private void startAt(int vector) {
        waitForSipi = false;
        halted = false;
        rip = 0;
        sel[CS] = (vector & 0xFF) << 8;
        segBase[CS] = (long) (vector & 0xFF) << 12;
        segLimit[CS] = 0xFFFF;
        segAttr[CS] = 0x9B;
    }

    @Override
    public void requestExit() {
        exitRequested = true;
        attention = true;
        wake();
    }

    @Override
    public void interruptPending() {
        attention = true;
        wake();
    }

    @Override
    public void deliverInit() {
        synchronized (startupLock) {
            pendingInit = true;
            pendingSipi = -1;   // INIT resets the processor: an earlier start-up IPI is forgotten
        }
        attention = true;
        wake();
    }

    /**
     * A start-up IPI starts an application processor that waits for one (after power-on or INIT) and is ignored by a
     * running processor, as on real hardware: Linux sends two, and the second one arrives when the first has
     * already started the processor.
     */
    @Override
    public void deliverStartup(int vector) {
        synchronized (startupLock) {
            boolean waiting = waitForSipi || (pendingInit && !isBootstrapProcessor());
            if (!waiting || pendingSipi >= 0) {
                return;   // running, or already started by an earlier start-up IPI that this thread has not taken yet
            }
            pendingSipi = vector & 0xFF;
        }
        attention = true;
        wake();
    }

    private void wake() {
        Thread t = parkedThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public long instructionsRetired() {
        return retired;
    }

    @Override
    public long gpr(int index) {
        return r[index];
    }

    @Override
    public void setGpr(int index, long value) {
        r[index] = value;
    }

    @Override
    public long rip() {
        return rip;
    }

    @Override
    public void setRip(long rip) {
        this.rip = rip;
    }

    @Override
    public long rflags() {
        return Alu.flags(this) & 0xFFFFFFFFL;
    }

    @Override
    public void setRflags(long rflags) {
        lazyOp = 0;
        eflags = (int) (rflags & 0x3F7FD5) | 2;
        mmu.userHalf = cpl == 3 ? 1 << 12 : 0;
        attention = true;
    }

    @Override
    public void loadSegment(Segment seg, int selector, long base, int limit, int accessRights) {
        int s = seg.ordinal();
        sel[s] = selector & 0xFFFF;
        segBase[s] = base & 0xFFFFFFFFL;
        segLimit[s] = limit;
        segAttr[s] = accessRights;
        if (s == CS) {
            cpl = (cr0 & CR0_PE) == 0 ? 0 : (eflags & VM) != 0 ? 3 : (accessRights >> 5) & 3;
        }
        modeChanged();
    }

    /** Recomputes the cached mode bits after CS, SS, CR0 or EFLAGS.VM changed. */
    void modeChanged() {
        boolean lma = (efer & EFER_LMA) != 0;
        code64 = lma && (segAttr[CS] & LongMode.ATTR_L) != 0 && (cr0 & CR0_PE) != 0;
        code32 = !code64 && (segAttr[CS] & 0x4000) != 0 && (cr0 & CR0_PE) != 0 && (eflags & VM) == 0;
        stack32 = (segAttr[SS] & 0x4000) != 0 && (cr0 & CR0_PE) != 0 && (eflags & VM) == 0;
        mmu.userHalf = cpl == 3 ? 1 << 12 : 0;
        mmu.linMask = lma ? -1L : 0xFFFFFFFFL;
    }

    @Override
    public long controlRegister(int n) {
        return switch (n) {
            case 0 -> cr0;
            case 2 -> cr2;
            case 3 -> cr3;
            case 4 -> cr4;
            case 8 -> host.interrupts() == null ? 0 : host.interrupts().taskPriority() >> 4;
            default -> throw new IllegalArgumentException("CR" + n);
        };
    }

    @Override
    public void setControlRegister(int n, long value) {
        switch (n) {
            case 0 -> writeCr0(value);
            case 2 -> cr2 = value;
            case 3 -> writeCr3(value);
            case 4 -> writeCr4(value);
            case 8 -> {
                if (host.interrupts() != null) {
                    host.interrupts().setTaskPriority((int) (value & 15) << 4);
                }
            }
            default -> throw new IllegalArgumentException("CR" + n);
        }
    }

    void writeCr0(long v) {
        v = (v & 0xE005003FL) | CR0_ET;
        long changed = cr0 ^ v;
        cr0 = v;
        // IA-32e mode becomes active when paging is enabled with EFER.LME set, and ends when paging is disabled
        if ((v & CR0_PG) != 0 && (efer & EFER_LME) != 0) {
            efer |= EFER_LMA;
        } else if ((v & CR0_PG) == 0) {
            efer &= ~EFER_LMA;
        }
        if ((changed & (CR0_PG | CR0_WP | CR0_PE)) != 0) {
            mmu.flush();
        }
        if ((changed & CR0_PE) != 0) {
            if ((v & CR0_PE) == 0) {
                cpl = 0;
            }
        }
        modeChanged();
    }

    void writeCr3(long v) {
        cr3 = (efer & EFER_LMA) != 0 ? v & 0x000FFFFFFFFFFFFFL : v & 0xFFFFFFFFL;
        mmu.flush();
    }

    void writeCr4(long v) {
        long changed = cr4 ^ v;
        cr4 = v & 0x7FF;
        if ((changed & (CR4_PAE | CR4_PGE | CR4_PSE)) != 0) {
            mmu.flush();
        }
    }

    @Override
    public void setDescriptorTable(boolean idt, long base, int limit) {
        long mask = code64 ? -1L : 0xFFFFFFFFL;
        if (idt) {
            idtBase = base & mask;
            idtLimit = limit & 0xFFFF;
        } else {
            gdtBase = base & mask;
            gdtLimit = limit & 0xFFFF;
        }
    }

    @Override
    public long readMsr(int msr) {
        return msrs.read(msr);
    }

    @Override
    public void writeMsr(int msr, long value) {
        msrs.write(msr, value);
    }

    long tsc() {
        long ns = host.machine() == null ? System.nanoTime() : host.machine().clock().nanos();
        long hz = host.tscHz() > 0 ? host.tscHz() : CpuHost.DEFAULT_TSC_HZ;
        // split so that the product cannot overflow for any realistic clock rate
        return (ns / 1_000_000_000L) * hz + (ns % 1_000_000_000L) * hz / 1_000_000_000L + tscOffset;
    }

    /** x87 error reporting through FERR#/IRQ13 (CR0.NE=0): the PC routes it to the slave PIC. */
    void checkFerr() {
        boolean es = fpu.errorSummary();
        if (es && !ferrAsserted && host.machine() != null) {
            host.machine().warnOnce("x87 error with CR0.NE=0: FERR#/IRQ13 is not wired on this board");
        }
        ferrAsserted = es;
    }

    /** After a port or MMIO access the board may have changed the memory map (PAM, A20, BAR moves). */
    void afterDeviceAccess() {
        mmu.checkGeneration();
    }

    @Override
    public String stateId() {
        return "cpu" + host.index();
    }

    /** Only while not running (the machine pauses vCPUs before a snapshot). Version {@link CpuState#VERSION}. */
    @Override
    public void saveState(StateWriter out) throws java.io.IOException {
        CpuState.save(this, out);
    }

    @Override
    public void loadState(StateReader in) throws java.io.IOException {
        CpuState.load(this, in);
    }

    @Override
    public String describeState() {
        int f = Alu.flags(this);
        StringBuilder sb = new StringBuilder();
        if ((efer & EFER_LMA) != 0) {
            sb.append(String.format("CPU %d: RAX=%016x RBX=%016x RCX=%016x RDX=%016x%n", host.index(), r[RAX], r[RBX],
                    r[RCX], r[RDX]));
            sb.append(String.format("RSI=%016x RDI=%016x RBP=%016x RSP=%016x%n", r[RSI], r[RDI], r[RBP], r[RSP]));
            sb.append(String.format("R8 =%016x R9 =%016x R10=%016x R11=%016x%n", r[8], r[9], r[10], r[11]));
            sb.append(String.format("R12=%016x R13=%016x R14=%016x R15=%016x%n", r[12], r[13], r[14], r[15]));
            sb.append(String.format("RIP=%016x RFL=%08x CPL=%d CR0=%08x CR2=%016x CR3=%016x CR4=%08x EFER=%x%s%n",
                    rip, f, cpl, cr0, cr2, cr3, cr4, efer, halted ? " HLT" : ""));
            String[] names = {"ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"};
            for (int s = 0; s < 8; s++) {
                sb.append(String.format("%-3s=%04x %016x %08x %05x%n", names[s], sel[s], segBase[s], segLimit[s],
                        segAttr[s]));
            }
            sb.append(String.format("GDT=%016x %04x IDT=%016x %04x retired=%d", gdtBase, gdtLimit, idtBase, idtLimit,
                    retired));
            return sb.toString();
        }
        sb.append(String.format("CPU %d: EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x%n",
                host.index(), r[RAX], r[RBX], r[RCX], r[RDX], r[RSI], r[RDI], r[RBP], r[RSP]));
        sb.append(String.format("EIP=%08x EFL=%08x CPL=%d CR0=%08x CR2=%08x CR3=%08x CR4=%08x EFER=%x%s%n",
                rip, f, cpl, cr0, cr2, cr3, cr4, efer, halted ? " HLT" : ""));
        String[] names = {"ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"};
        for (int s = 0; s < 8; s++) {
            sb.append(String.format("%-3s=%04x %08x %08x %05x%n", names[s], sel[s], segBase[s], segLimit[s], segAttr[s]));
        }
        sb.append(String.format("GDT=%08x %04x IDT=%08x %04x retired=%d", gdtBase, gdtLimit, idtBase, idtLimit, retired));
        return sb.toString();
    }
}
