package org.virtfx.gui.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.virtfx.engine.library.LibraryEntry;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineEvent;
import org.virtfx.engine.machine.MachineListener;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.storage.IoCounters;
import org.virtfx.gui.graphs.RingBuffer;

/**
 * One machine of the library as the GUI sees it: its definition (or why its file is broken), its engine
 * {@link Machine} while it exists, its state as an FX property, its serial output and its graph samples.
 *
 * <p>Lifecycle operations run on the services' worker threads; state and board changes come back to the FX thread.
 */
public final class VmSession {
    /** Serial output kept for the serial console, in characters. */
    static final int SERIAL_KEEP = 256 * 1024;

    private final AppServices services;
    private Path file;
    private final ObjectProperty<VmDefinition> definition = new SimpleObjectProperty<>(this, "definition");
    private final ObjectProperty<String> error = new SimpleObjectProperty<>(this, "error");
    private final ReadOnlyObjectWrapper<MachineState> state = new ReadOnlyObjectWrapper<>(this, "state", MachineState.SHUT_OFF);
    private final ReadOnlyObjectWrapper<Board> board = new ReadOnlyObjectWrapper<>(this, "board");
    private final BooleanProperty pendingRestart = new SimpleBooleanProperty(this, "pendingRestart");
    private volatile Machine machine;

    // Samples (written by the sampler thread, drawn on the FX thread; RingBuffer is synchronized).
    public final RingBuffer cpu;
    public final RingBuffer memory;
    public final RingBuffer diskRead;
    public final RingBuffer diskWrite;
    /** Bytes per second the guest received and sent over all its network cards. */
    public final RingBuffer netRx;
    public final RingBuffer netTx;
    private long lastCpuNanos = -1, lastWall, lastRead = -1, lastWrite = -1, lastRx = -1, lastTx = -1;
    private Machine lastSampled;

    // Serial output: guest bytes appended on device threads, read by the serial console on the FX thread.
    private final StringBuilder serialText = new StringBuilder();
    private long serialDropped;   // characters trimmed from the front

    VmSession(AppServices services, LibraryEntry entry, int samples) {
        this.services = services;
        this.file = entry.file();
        definition.set(entry.definition());
        error.set(entry.error());
        cpu = new RingBuffer(samples);
        memory = new RingBuffer(samples);
        diskRead = new RingBuffer(samples);
        diskWrite = new RingBuffer(samples);
        netRx = new RingBuffer(samples);
        netTx = new RingBuffer(samples);
    }

    public String name() {
        VmDefinition d = definition.get();
        return d != null ? d.name() : new LibraryEntry(file, null, error.get()).displayName();
    }

    public Path file() {
        return file;
    }

    void setFile(Path f) {
        file = f;
    }

    public boolean broken() {
        return definition.get() == null;
    }

    public ObjectProperty<VmDefinition> definitionProperty() {
        return definition;
    }

    public VmDefinition definition() {
        return definition.get();
    }

    public ObjectProperty<String> errorProperty() {
        return error;
    }

    public ReadOnlyObjectProperty<MachineState> stateProperty() {
        return state.getReadOnlyProperty();
    }

    public MachineState state() {
        return state.get();
    }

    /** The board while the machine runs (console, keyboard, disk counters); null otherwise. */
    public ReadOnlyObjectProperty<Board> boardProperty() {
        return board.getReadOnlyProperty();
    }

    /** True when the stored definition differs from what the running machine was started with. */
    public BooleanProperty pendingRestartProperty() {
        return pendingRestart;
    }

    public Optional<Machine> machine() {
        return Optional.ofNullable(machine);
    }

    // ------------------------------------------------------------------ lifecycle (FX thread calls)

    public void start() {
        VmDefinition def = definition.get();
        if (def == null) {
            services.reportError(this, "start", new IOException(error.get()));
            return;
        }
        services.runAsync(this, "start", () -> {
            Machine m = machineFor(def);
            m.start();
        });
    }

    public void pause() {
        services.runAsync(this, "pause", () -> requireMachine().pause());
    }

    public void resume() {
        services.runAsync(this, "resume", () -> requireMachine().resume());
    }

    /** ACPI power button: the guest decides. */
    public void shutDown() {
        services.runAsync(this, "shut down", () -> requireMachine().requestShutdown());
    }

    /**
     * Reboot as virt-manager does it: the guest is asked through the ACPI power button and its power-off becomes a
     * platform reset of the same machine (engine {@code Machine.requestReboot}); Force Reset is the hard way.
     */
    public void reboot() {
        services.runAsync(this, "reboot", () -> requireMachine().requestReboot());
    }

    /** Hard reset of the running machine (the reset line), without asking the guest. */
    public void forceReset() {
        services.runAsync(this, "reset", () -> requireMachine().reset());
    }

    public void forceOff() {
        services.runAsync(this, "force off", () -> requireMachine().powerOff());
    }

    /** Types into the first serial port. */
    public void sendSerial(String text) {
        Machine m = machine;
        if (m != null) {
            m.serial(0).sendInput(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Serial text from absolute position {@code from} (positions count every character ever received). */
    public synchronized String serialSince(long from) {
        long start = Math.max(from, serialDropped);
        return serialText.substring((int) (start - serialDropped));
    }

    public synchronized long serialEnd() {
        return serialDropped + serialText.length();
    }

    public synchronized long serialStart() {
        return serialDropped;
    }

    private synchronized void serialByte(int b) {
        if (b == '\r') {
            return;
        }
        serialText.append((char) b);
        if (serialText.length() > SERIAL_KEEP + 16 * 1024) {
            int cut = serialText.length() - SERIAL_KEEP;
            serialText.delete(0, cut);
            serialDropped += cut;
        }
    }

    private Machine requireMachine() {
        Machine m = machine;
        if (m == null) {
            throw new IllegalStateException("machine '" + name() + "' is not running");
        }
        return m;
    }

    /** The engine machine for this definition; a new one when the definition changed since the last run. */
    private synchronized Machine machineFor(VmDefinition def) {
        Machine m = machine;
        var config = def.toMachineConfig();
        if (m != null && m.config().equals(config)) {
            return m;
        }
        if (m != null) {
            if (m.state().isActive()) {
                return m;
            }
            m.close();
        }
        Machine fresh = new Machine(config, services.boardFactory());
        fresh.serial(0).addListener(this::serialByte);
        fresh.addListener(new MachineListener() {
            @Override
            public void stateChanged(Machine mm, MachineState oldState, MachineState newState) {
                Board b = newState.isActive() ? mm.board().orElse(null) : null;
                Platform.runLater(() -> {
                    state.set(newState);
                    board.set(b);
                    if (!newState.isActive()) {
                        pendingRestart.set(false);
                    }
                });
            }

            @Override
            public void event(Machine mm, MachineEvent e) {
                Platform.runLater(() -> services.machineEvent(VmSession.this, e));
            }
        });
        machine = fresh;
        return fresh;
    }

    /** Stops the machine when the app quits. */
    void close() {
        Machine m = machine;
        if (m != null) {
            m.close();
        }
    }

    // ------------------------------------------------------------------ sampling (sampler thread)

    void sample(long wallNanos) {
        Machine m = machine;
        VmDefinition def = definition.get();
        boolean active = m != null && m.state().isActive();
        if (!active || def == null) {
            cpu.add(0);
            memory.add(0);
            diskRead.add(0);
            diskWrite.add(0);
            netRx.add(0);
            netTx.add(0);
            lastCpuNanos = -1;
            lastRead = lastWrite = lastRx = lastTx = -1;
            return;
        }
        if (m != lastSampled) {
            lastSampled = m;
            lastCpuNanos = -1;
            lastRead = lastWrite = lastRx = lastTx = -1;
        }
        long cpuNanos = m.vcpuCpuNanos();
        double seconds = (wallNanos - lastWall) / 1e9;
        if (lastCpuNanos >= 0 && cpuNanos >= lastCpuNanos && seconds > 0) {
            cpu.add(Math.min(100, 100.0 * (cpuNanos - lastCpuNanos) / 1e9 / seconds / m.config().cpus()));
        } else {
            cpu.add(0);
        }
        // Memory in use: RAM pages the guest has written (what it costs the host), not the allocated size.
        memory.add(m.board().flatMap(b -> b.lookup(PhysicalMemory.class)).map(p -> p.ram().touchedBytes()).orElse(0L)
                / (1024.0 * 1024.0));
        Optional<IoCounters> io = m.board().flatMap(b -> b.lookup(IoCounters.class));
        if (io.isPresent()) {
            long r = io.get().readBytes(), w = io.get().writeBytes();
            diskRead.add(rate(r, lastRead, seconds));
            diskWrite.add(rate(w, lastWrite, seconds));
            lastRead = r;
            lastWrite = w;
        } else {
            diskRead.add(0);
            diskWrite.add(0);
        }
        Optional<NetCounters> net = m.board().flatMap(b -> b.lookup(NetCounters.class));
        if (net.isPresent()) {
            long rx = net.get().rxBytes(), tx = net.get().txBytes();
            netRx.add(rate(rx, lastRx, seconds));
            netTx.add(rate(tx, lastTx, seconds));
            lastRx = rx;
            lastTx = tx;
        } else {
            netRx.add(0);
            netTx.add(0);
        }
        lastCpuNanos = cpuNanos;
        lastWall = wallNanos;
    }

    /** Per second since the last sample of a growing counter; 0 for the first sample (no previous value, -1). */
    private static double rate(long now, long before, double seconds) {
        return before >= 0 && seconds > 0 ? Math.max(0, (now - before) / seconds) : 0;
    }

    void resizeGraphs(int samples) {
        cpu.resize(samples);
        memory.resize(samples);
        diskRead.resize(samples);
        diskWrite.resize(samples);
        netRx.resize(samples);
        netTx.resize(samples);
    }

    @Override
    public String toString() {
        return name();
    }
}
