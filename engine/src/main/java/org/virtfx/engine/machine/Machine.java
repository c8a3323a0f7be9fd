package org.virtfx.engine.machine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.cpu.Vcpu;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/**
 * One virtual machine: its lifecycle, its vCPU threads and its board. Every operation is legal only from the states
 * {@link MachineState} allows and throws {@link IllegalTransitionException} otherwise.
 *
 * <p>Threads: one platform thread per vCPU, the board's timer thread, and one control thread that carries out what
 * the guest asks for (power-off, reset, crash) — those requests arrive on vCPU or timer threads that may hold the
 * device lock, so they are never carried out synchronously there. Public operations run on the caller's thread and
 * return when the new state is reached. Nothing is shared between machines, so one machine never blocks another.
 */
public final class Machine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Machine.class.getName());
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final MachineConfig config;
    private final BoardFactory boardFactory;
    private final List<MachineListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialHub[] serial = new SerialHub[4];
    private final ExecutorService control;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** Guards state transitions; held by public operations, never by engine threads carrying the device lock. */
    private final ReentrantLock stateLock = new ReentrantLock();
    private volatile MachineState state = MachineState.DEFINED;

    // Per-run objects (recreated by each start).
    private Board board;
    private VirtualClock clock;
    private TimerService timers;
    private SerialLogFiles serialLogs;
    private final List<VcpuThread> vcpuThreads = new ArrayList<>();
    private final Object parkLock = new Object();
    private boolean parkRequested;
    private boolean stopRequested;
    private int parkedCount;

    private volatile int exitCode;
    private volatile String crashReason;
    private volatile boolean shutdownPending;   // the guest has asked to end; the control thread is on it
    private volatile boolean rebootRequested;   // the next guest power-off becomes a platform reset (requestReboot)
    private long retiredBeforeRestart;

    public Machine(MachineConfig config, BoardFactory boardFactory) {
        this.config = Objects.requireNonNull(config);
        this.boardFactory = Objects.requireNonNull(boardFactory);
        for (int i = 0; i < serial.length; i++) {
            serial[i] = new SerialHub("COM" + (i + 1));
        }
        this.control = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("control-" + config.name()).unstarted(r));
    }

    public MachineConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    public MachineState state() {
        return state;
    }

    /** The board while the machine is active, for device lookups (display, keyboard, disk counters ...). */
    public Optional<Board> board() {
        return Optional.ofNullable(board);
    }

    public SerialHub serial(int index) {
        return serial[index];
    }

    /** Exit status of the last run: 0 for a guest power-off, (v << 1) | 1 for an exit-device write of v. */
    public int exitCode() {
        return exitCode;
    }

    /** Why the machine crashed (reason and register state), or null. */
    public String crashReason() {
        return crashReason;
    }

    public void addListener(MachineListener l) {
        listeners.add(Objects.requireNonNull(l));
    }

    public void removeListener(MachineListener l) {
        listeners.remove(l);
    }

    // ---------------------------------------------------------------- operations

    /** Builds the board and starts the vCPUs. From defined, shut off or crashed. */
    public void start() throws IOException {
        stateLock.lock();
        try {
            requireTransition("start", MachineState.RUNNING);
            ReentrantLock deviceLock = new ReentrantLock();
            clock = new VirtualClock();
            timers = new TimerService(clock, deviceLock);
            crashReason = null;
            exitCode = 0;
            shutdownPending = false;
            rebootRequested = false;
            Board b;
            try {
                // Opened first: a log file that cannot be written stops the start with its name, before any device.
                serialLogs = SerialLogFiles.open(config.serialOutputs(), this::serial, config.name());
                b = boardFactory.create(config, new Context(deviceLock));
            } catch (IOException | RuntimeException e) {
                timers.close();
                timers = null;
                clock = null;
                closeSerialLogs();
                throw e;
            }
            board = b;
            synchronized (parkLock) {
                parkRequested = false;
                stopRequested = false;
                parkedCount = 0;
            }
            vcpuThreads.clear();
            for (Vcpu v : b.vcpus()) {
                v.reset();
                vcpuThreads.add(new VcpuThread(v));
            }
            clock.start();
            timers.start(config.name());
            for (VcpuThread t : vcpuThreads) {
                t.thread.start();
            }
            setState(MachineState.RUNNING);
        } finally {
            stateLock.unlock();
        }
    }

    /** Stops guest execution and the clock; devices keep their state. */
    public void pause() {
        stateLock.lock();
        try {
            requireTransition("pause", MachineState.PAUSED);
            parkVcpus();
            clock.pause();
            setState(MachineState.PAUSED);
        } finally {
            stateLock.unlock();
        }
    }

    public void resume() {
        stateLock.lock();
        try {
            if (state != MachineState.PAUSED) {
                throw new IllegalTransitionException(name(), "resume", state);
            }
            clock.start();
            timers.poke();
            unparkVcpus();
            setState(MachineState.RUNNING);
        } finally {
            stateLock.unlock();
        }
    }

    /** Hardware reset: the machine keeps its state (running or paused) and reboots from its firmware or kernel. */
    public void reset() {
        stateLock.lock();
        try {
            if (!state.isActive()) {
                throw new IllegalTransitionException(name(), "reset", state);
            }
            rebootRequested = false;
            doReset();
        } finally {
            stateLock.unlock();
        }
    }

    /** Asks the guest to shut down (ACPI power button). The guest decides; {@link #powerOff} forces it. */
    public void requestShutdown() {
        stateLock.lock();
        try {
            if (state == MachineState.SHUTTING_DOWN) {
                board.pressPowerButton();
                return;
            }
            requireTransition("shut down", MachineState.SHUTTING_DOWN);
            if (!board.pressPowerButton()) {
                throw new IllegalStateException("machine '" + name() + "' has no ACPI power button the guest listens to");
            }
            setState(MachineState.SHUTTING_DOWN);
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * Asks the guest to reboot, as libvirt does for virt-manager's Reboot without a guest agent: the ACPI power
     * button is pressed and, when the guest then powers off, the platform is reset instead of turned off (the same
     * machine goes on from its firmware or kernel; nothing is torn down or rebuilt). {@link #reset} forces it.
     */
    public void requestReboot() {
        stateLock.lock();
        try {
            rebootRequested = true;
            try {
                requestShutdown();
            } catch (RuntimeException e) {
                rebootRequested = false;
                throw e;
            }
        } finally {
            stateLock.unlock();
        }
    }

    /** Pulls the plug. From running, paused, shutting down or crashed. */
    public void powerOff() {
        stateLock.lock();
        try {
            requireTransition("power off", MachineState.SHUT_OFF);
            rebootRequested = false;
            teardown();
            setState(MachineState.SHUT_OFF);
            fire(new MachineEvent(MachineEvent.Kind.POWERED_OFF, "machine '" + name() + "' was powered off"));
        } finally {
            stateLock.unlock();
        }
    }

    /** Guest instructions retired over all vCPUs since the machine was created. */
    public long instructionsRetired() {
        long n = retiredBeforeRestart;
        Board b = board;
        if (b != null) {
            for (Vcpu v : b.vcpus()) {
                n += v.instructionsRetired();
            }
        }
        return n;
    }

    /** Host CPU time consumed by the vCPU threads of the current run, in nanoseconds. */
    public long vcpuCpuNanos() {
        long n = 0;
        for (VcpuThread t : List.copyOf(vcpuThreads)) {
            long c = THREADS.isThreadCpuTimeSupported() ? THREADS.getThreadCpuTime(t.thread.threadId()) : -1;
            if (c > 0) {
                n += c;
            }
        }
        return n;
    }

    /** Virtual time since power-on in ns, or 0 when not running. */
    public long uptimeNanos() {
        VirtualClock c = clock;
        return c == null ? 0 : c.nanos();
    }

    @Override
    public void close() {
        stateLock.lock();
        try {
            if (state.isActive()) {
                teardown();
                setState(MachineState.SHUT_OFF);
            }
        } finally {
            stateLock.unlock();
        }
        control.shutdownNow();
    }

    // ---------------------------------------------------------------- internals

    private void requireTransition(String op, MachineState next) {
        if (!state.canGoTo(next)) {
            throw new IllegalTransitionException(name(), op, state);
        }
    }

    private void setState(MachineState next) {
        MachineState old = state;
        state = next;
        if (old != next) {
            for (MachineListener l : listeners) {
                try {
                    l.stateChanged(this, old, next);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "machine listener failed", e);
                }
            }
        }
    }

    private void fire(MachineEvent e) {
        for (MachineListener l : listeners) {
            try {
                l.event(this, e);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "machine listener failed", ex);
            }
        }
    }

    /** Makes every vCPU thread leave guest code and wait; returns when all of them are waiting. */
    private void parkVcpus() {
        synchronized (parkLock) {
            parkRequested = true;
        }
        for (VcpuThread t : vcpuThreads) {
            t.vcpu.requestExit();
        }
        synchronized (parkLock) {
            while (parkedCount < liveThreads()) {
                try {
                    parkLock.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (VcpuThread t : vcpuThreads) {
                    t.vcpu.requestExit();
                }
            }
        }
    }

    private int liveThreads() {
        int n = 0;
        for (VcpuThread t : vcpuThreads) {
            if (t.thread.isAlive() && !t.finished) {
                n++;
            }
        }
        return n;
    }

    private void unparkVcpus() {
        synchronized (parkLock) {
            parkRequested = false;
            parkLock.notifyAll();
        }
    }

    private void doReset() {
        boolean wasPaused = state == MachineState.PAUSED;
        if (!wasPaused) {
            parkVcpus();
        }
        board.reset();
        for (VcpuThread t : vcpuThreads) {
            t.shutdown = false;
            t.vcpu.reset();
        }
        shutdownPending = false;
        if (state == MachineState.SHUTTING_DOWN) {
            setState(MachineState.RUNNING);
        }
        fire(new MachineEvent(MachineEvent.Kind.RESET, "machine '" + name() + "' was reset"));
        if (!wasPaused) {
            unparkVcpus();
        }
    }

    /** Stops vCPU threads, the timers and the board. Caller holds stateLock. */
    private void teardown() {
        synchronized (parkLock) {
            stopRequested = true;
            parkLock.notifyAll();
        }
        for (VcpuThread t : vcpuThreads) {
            t.vcpu.requestExit();
        }
        for (VcpuThread t : vcpuThreads) {
            if (t.thread == Thread.currentThread()) {
                continue;
            }
            try {
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (t.thread.isAlive() && System.nanoTime() < deadline) {
                    t.vcpu.requestExit();
                    t.thread.join(50);
                }
                if (t.thread.isAlive()) {
                    LOG.log(System.Logger.Level.ERROR, "vCPU thread " + t.thread.getName() + " did not stop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        retiredBeforeRestart = instructionsRetired();
        if (timers != null) {
            timers.close();
        }
        if (clock != null) {
            clock.pause();
        }
        if (board != null) {
            try {
                board.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the board of " + name() + " failed", e);
            }
        }
        board = null;
        closeSerialLogs();
    }

    /** Writes out and closes the COM2..COM4 log files of the run that ended (after the vCPUs stopped). */
    private void closeSerialLogs() {
        if (serialLogs != null) {
            serialLogs.close();
            serialLogs = null;
        }
    }

    /** Runs {@code action} on the control thread under the state lock, if the machine is still active. */
    private void onControlThread(Runnable action) {
        try {
            control.execute(() -> {
                stateLock.lock();
                try {
                    if (state.isActive()) {
                        action.run();
                    }
                } finally {
                    stateLock.unlock();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // machine closed: nothing left to do
        }
    }

    private void crash(String reason) {
        shutdownPending = true;
        onControlThread(() -> {
            crashReason = reason;
            teardown();
            setState(MachineState.CRASHED);
            fire(new MachineEvent(MachineEvent.Kind.CRASHED, reason));
        });
    }

    private void guestEnded(int code, MachineEvent event) {
        shutdownPending = true;
        onControlThread(() -> {
            exitCode = code;
            teardown();
            setState(MachineState.SHUT_OFF);
            fire(event);
        });
    }

    private final class VcpuThread implements Runnable {
        final Vcpu vcpu;
        final Thread thread;
        volatile boolean shutdown;   // triple fault seen; wait for the control thread
        volatile boolean finished;

        VcpuThread(Vcpu vcpu) {
            this.vcpu = vcpu;
            this.thread = Thread.ofPlatform().daemon().name("vcpu" + vcpu.index() + "-" + config.name()).unstarted(this);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    synchronized (parkLock) {
                        while ((parkRequested || shutdown) && !stopRequested) {
                            parkedCount++;
                            parkLock.notifyAll();
                            try {
                                parkLock.wait();
                            } catch (InterruptedException e) {
                                return;
                            } finally {
                                parkedCount--;
                            }
                        }
                        if (stopRequested) {
                            return;
                        }
                    }
                    Vcpu.Exit exit = vcpu.run();
                    switch (exit) {
                        case EXIT_REQUESTED -> { }
                        case WAIT_FOR_SIPI -> board.awaitStartup(vcpu);
                        case SHUTDOWN -> {
                            shutdown = true;
                            if (config.onTripleFault() == MachineConfig.TripleFaultAction.RESET) {
                                onControlThread(Machine.this::doReset);
                            } else {
                                crash("triple fault on vCPU " + vcpu.index() + "\n" + vcpu.describeState());
                            }
                        }
                    }
                }
            } catch (InterruptedException e) {
                // stopping
            } catch (Throwable t) {
                // An engine error caused by the guest stops this machine only.
                String regs;
                try {
                    regs = vcpu.describeState();
                } catch (RuntimeException e) {
                    regs = "(register state unavailable: " + e + ")";
                }
                LOG.log(System.Logger.Level.ERROR, "vCPU " + vcpu.index() + " of " + name() + " failed", t);
                crash("engine error on vCPU " + vcpu.index() + ": " + t + "\n" + regs);
            } finally {
                finished = true;
                synchronized (parkLock) {
                    parkLock.notifyAll();
                }
            }
        }
    }

    private final class Context implements MachineContext {
        private final ReentrantLock deviceLock;

        Context(ReentrantLock deviceLock) {
            this.deviceLock = deviceLock;
        }

        @Override
        public String name() {
            return config.name();
        }

        @Override
        public ReentrantLock deviceLock() {
            return deviceLock;
        }

        @Override
        public VirtualClock clock() {
            return clock;
        }

        @Override
        public TimerService timers() {
            return timers;
        }

        @Override
        public SerialHub serial(int index) {
            return serial[index];
        }

        @Override
        public void guestPowerOff(int code) {
            if (code == 0 && rebootRequested && !shutdownPending) {
                // The power-off answers requestReboot: reset instead (doReset clears shutdownPending again).
                rebootRequested = false;
                shutdownPending = true;
                onControlThread(Machine.this::doReset);
                return;
            }
            if (!shutdownPending) {
                guestEnded(code, new MachineEvent(code == 0 ? MachineEvent.Kind.POWERED_OFF : MachineEvent.Kind.EXIT_DEVICE,
                        code == 0 ? "the guest powered off" : "the guest wrote to the exit device (status " + code + ")"));
            }
        }

        @Override
        public void guestReset() {
            onControlThread(Machine.this::doReset);
        }

        @Override
        public void guestCrash(String reason) {
            crash(reason);
        }

        @Override
        public void warnOnce(String message) {
            if (warned.add(message)) {
                LOG.log(System.Logger.Level.WARNING, name() + ": " + message);
                fire(new MachineEvent(MachineEvent.Kind.WARNING, message));
            }
        }
    }
}
