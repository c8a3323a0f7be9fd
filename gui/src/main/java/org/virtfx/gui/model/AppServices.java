package org.virtfx.gui.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import javafx.application.Platform;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.virtfx.engine.library.LibraryEntry;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.BoardFactory;
import org.virtfx.engine.machine.MachineEvent;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.gui.graphs.RingBuffer;

/**
 * What the windows share: the machine library, the board factory (the real PC board in the app), settings, the
 * sessions, a worker pool for long operations and the graph sampler. Hand-wired (no DI container): one instance per
 * application, created by {@code VirtFxApplication} or a test.
 */
public final class AppServices implements AutoCloseable {
    /** Receives errors and notable events on the FX thread: (machine or null, message naming VM and cause). */
    public interface Notifier {
        void error(VmSession vm, String message);

        void event(VmSession vm, MachineEvent event);
    }

    private final VmLibrary library;
    private final BoardFactory boardFactory;
    private final Path settingsFile;
    private final Settings settings;
    private final ObservableList<VmSession> sessions = FXCollections.observableArrayList();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().name("virtfx-worker").unstarted(r));
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("virtfx-sampler").unstarted(r));
    private final HostStats host = new HostStats();
    private final List<Runnable> sampleListeners = new ArrayList<>();
    private final List<Notifier> notifiers = new ArrayList<>();
    private ScheduledFuture<?> samplerTask;
    public final RingBuffer hostCpu;
    public final RingBuffer hostMemory;
    private volatile long hostMemoryTotalMiB;

    /** osinfo-db (hundreds of XML files) is read once per process, on a worker thread. */
    private static CompletableFuture<OsCatalog> osCatalog;

    /**
     * The operating system catalogue (osinfo-db and the bundled one), loading in the background from the first call
     * on; the OS column, the Details OS page and the New VM wizard use it when it is there.
     */
    public static synchronized CompletableFuture<OsCatalog> osCatalog() {
        if (osCatalog == null) {
            CompletableFuture<OsCatalog> loading = new CompletableFuture<>();
            osCatalog = loading;
            Thread.ofPlatform().daemon().name("virtfx-osinfo-load").start(() -> {
                try {
                    loading.complete(OsCatalog.load());
                } catch (RuntimeException | Error e) {
                    loading.completeExceptionally(e);
                }
            });
        }
        return osCatalog;
    }

    /** The catalogue if it has been loaded, else the small bundled one (never waits). */
    public static OsCatalog osCatalogNow() {
        CompletableFuture<OsCatalog> c = osCatalog();
        return c.isDone() && !c.isCompletedExceptionally() ? c.join() : BUNDLED_CATALOG;
    }

    private static final OsCatalog BUNDLED_CATALOG = OsCatalog.bundled();

    public AppServices(VmLibrary library, BoardFactory boardFactory, Path settingsFile) {
        this.library = library;
        this.boardFactory = boardFactory;
        this.settingsFile = settingsFile;
        this.settings = Settings.load(settingsFile);
        hostCpu = new RingBuffer(Math.max(2, settings.graphSamples));
        hostMemory = new RingBuffer(Math.max(2, settings.graphSamples));
        sessions.addListener((javafx.collections.ListChangeListener<VmSession>) c -> publishSessions(new ArrayList<>(sessions)));
    }

    public VmLibrary library() {
        return library;
    }

    public BoardFactory boardFactory() {
        return boardFactory;
    }

    public Settings settings() {
        return settings;
    }

    public void saveSettings() {
        try {
            settings.save(settingsFile);
        } catch (IOException e) {
            System.getLogger(AppServices.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot save settings to " + settingsFile + ": " + e.getMessage());
        }
    }

    /** All machines of the library, broken files included. FX thread. */
    public ObservableList<VmSession> sessions() {
        return sessions;
    }

    public long hostMemoryTotalMiB() {
        return hostMemoryTotalMiB;
    }

    public void addNotifier(Notifier n) {
        notifiers.add(n);
    }

    public void removeNotifier(Notifier n) {
        notifiers.remove(n);
    }

    /** Re-reads the library directory; running sessions are kept. FX thread (the directory listing is small). */
    public void reload() {
        List<LibraryEntry> entries;
        try {
            entries = library.list();
        } catch (IOException e) {
            reportError(null, "read the machine library", e);
            return;
        }
        List<VmSession> next = new ArrayList<>();
        for (LibraryEntry e : entries) {
            VmSession existing = sessions.stream().filter(s -> s.file().equals(e.file())).findFirst().orElse(null);
            if (existing != null) {
                if (existing.state().isActive() || e.broken() == existing.broken() && e.definition() != null
                        && e.definition().equals(existing.definition())) {
                    next.add(existing);
                    continue;
                }
                existing.definitionProperty().set(e.definition());
                existing.errorProperty().set(e.error());
                next.add(existing);
            } else {
                next.add(new VmSession(this, e, Math.max(2, settings.graphSamples)));
            }
        }
        sessions.setAll(next);
    }

    public VmSession find(String name) {
        return sessions.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Stores an edited definition (temp file + fsync + rename on a worker thread); {@code done} runs on the FX thread
     * after success. When the machine runs, the change applies after its next power-off.
     */
    public void saveDefinition(VmSession vm, VmDefinition updated, Runnable done) {
        String oldName = vm.definition().name();
        runAsync(vm, "save the settings of", () -> {
            Path f = library.update(oldName, updated);
            Platform.runLater(() -> {
                vm.setFile(f);
                vm.definitionProperty().set(updated);
                if (vm.state().isActive()) {
                    vm.pendingRestartProperty().set(true);
                }
                if (done != null) {
                    done.run();
                }
            });
        });
    }

    /** Deletes the definition file (disk images stay). */
    public void delete(VmSession vm) {
        if (vm.state().isActive()) {
            reportError(vm, "delete", new IllegalStateException("it is running; shut it down first"));
            return;
        }
        runAsync(vm, "delete", () -> {
            if (vm.broken()) {
                java.nio.file.Files.delete(vm.file());
            } else {
                library.delete(vm.definition().name());
            }
            Platform.runLater(() -> {
                vm.close();
                sessions.remove(vm);
            });
        });
    }

    // ------------------------------------------------------------------ work and errors

    /** An operation that may block (start, shutdown, disk and file work); never run on the FX thread. */
    public interface Work {
        void run() throws Exception;
    }

    public void runAsync(VmSession vm, String action, Work work) {
        workers.execute(() -> {
            try {
                work.run();
            } catch (Exception | LinkageError e) {
                Platform.runLater(() -> reportError(vm, action, e));
            }
        });
    }

    /** FX thread: shows "Could not ACTION machine 'NAME': cause" through the notifiers. */
    public void reportError(VmSession vm, String action, Throwable cause) {
        String what = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        String msg = vm != null ? "Could not " + action + " machine '" + vm.name() + "': " + what : "Could not " + action + ": " + what;
        System.getLogger(AppServices.class.getName()).log(System.Logger.Level.INFO, msg);
        for (Notifier n : List.copyOf(notifiers)) {
            n.error(vm, msg);
        }
    }

    void machineEvent(VmSession vm, MachineEvent e) {
        for (Notifier n : List.copyOf(notifiers)) {
            n.event(vm, e);
        }
    }

    // ------------------------------------------------------------------ graphs

    /** Called on the FX thread after each sampling tick (one batch for all machines). */
    public void addSampleListener(Runnable r) {
        sampleListeners.add(r);
    }

    public void removeSampleListener(Runnable r) {
        sampleListeners.remove(r);
    }

    /** (Re)starts the sampler with the interval and history length from the settings. */
    public void startSampling() {
        if (samplerTask != null) {
            samplerTask.cancel(false);
        }
        int samples = Math.max(2, settings.graphSamples);
        hostCpu.resize(samples);
        hostMemory.resize(samples);
        for (VmSession s : sessions) {
            s.resizeGraphs(samples);
        }
        List<VmSession> snapshot = new ArrayList<>(sessions);
        BiConsumer<Long, List<VmSession>> tick = (now, list) -> {
            for (VmSession s : list) {
                s.sample(now);
            }
        };
        long interval = Math.max(100, settings.graphIntervalMillis);
        samplerTask = sampler.scheduleAtFixedRate(() -> {
            List<VmSession> list;
            synchronized (snapshotLock) {
                list = currentSessions;
            }
            tick.accept(System.nanoTime(), list);
            hostCpu.add(host.cpuPercent());
            long[] mem = host.memoryMiB();
            hostMemoryTotalMiB = mem[0];
            hostMemory.add(mem[1]);
            Platform.runLater(() -> {
                for (Runnable r : List.copyOf(sampleListeners)) {
                    r.run();
                }
            });
        }, 0, interval, TimeUnit.MILLISECONDS);
        publishSessions(snapshot);
    }

    private final Object snapshotLock = new Object();
    private List<VmSession> currentSessions = List.of();

    private void publishSessions(List<VmSession> list) {
        synchronized (snapshotLock) {
            currentSessions = List.copyOf(list);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        for (VmSession s : sessions) {
            s.close();
        }
        workers.shutdownNow();
    }
}
