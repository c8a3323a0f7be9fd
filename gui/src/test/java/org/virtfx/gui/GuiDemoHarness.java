package org.virtfx.gui;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.gui.manager.ManagerWindow;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.gui.vmwindow.VmWindow;

/**
 * Screenshots and memory figures without the real PC board: the app's windows over a scratch library, machines on
 * the test board (the real PC board with {@code -Dharness.real=true}). Argument: manager | console
 * | details | idle (one machine running) | none (no machine running). Prints the process RSS once the chosen view has been up for a few seconds, and the guest RAM in use
 * (so that RSS minus it is the app's own memory).
 */
public final class GuiDemoHarness {
    public static void main(String[] args) throws Exception {
        String view = args.length > 0 ? args[0] : "manager";
        Path dir = Files.createTempDirectory("virtfx-harness");
        VmLibrary lib = new VmLibrary(dir.resolve("machines"));
        boolean real = TestBoardFactory.realBoardAvailable() && Boolean.getBoolean("harness.real");
        lib.create(real ? org.virtfx.engine.library.DemoMachine.fromFixtures().orElseThrow()
                : VmDefinition.create("Demo Linux", "linux", 256, 1).withNotes("test board"));
        lib.create(VmDefinition.create("Debian web server", "debian12", 1024, 2));
        lib.create(VmDefinition.create("Ubuntu build box", "ubuntu24.04", 4096, 2));
        lib.create(VmDefinition.create("Windows 11 test", "win11", 4096, 2));
        Files.writeString(lib.directory().resolve("Old FreeDOS.json"), "{\"formatVersion\": 3, \"name\": \"Old FreeDOS\"}");
        java.util.concurrent.atomic.AtomicReference<AppServices> app = new java.util.concurrent.atomic.AtomicReference<>();
        Platform.startup(() -> {
            AppServices services = new AppServices(lib, TestBoardFactory.recording(real
                    ? new org.virtfx.engine.platform.PcBoardFactory() : TestBoardFactory.testBoard()), dir.resolve("settings.json"));
            services.settings().showDiskColumn = true;
            services.reload();
            services.startSampling();
            app.set(services);
            ManagerWindow m = new ManagerWindow(new Stage(), services);
            m.show();
            VmSession demo = services.find("Demo Linux");
            if (!view.equals("none")) {
                demo.start();   // "idle": only this one
            }
            if (!view.equals("idle") && !view.equals("none")) {
                services.find("Debian web server").start();
            }
            if (view.equals("console") || view.equals("details")) {
                VmWindow w = m.controller().openWindow(demo);
                w.stage().setX(120);
                w.stage().setY(60);
                if (view.equals("details")) {
                    w.tabs().getSelectionModel().select(1);
                    w.details().select("Performance");
                } else {
                    w.console().scalingProperty().set(org.virtfx.console.ScalingMode.ALWAYS);
                }
            }
        });
        Thread.sleep(Long.getLong("harness.seconds", 12) * 1000);
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS") || line.startsWith("VmHWM")) {
                System.out.println("harness " + view + ": " + line.replaceAll("\\s+", " "));
            }
        }
        // Guest RAM the running machines have written (their memory in use): the part of the RSS that is the guests'.
        double guestMiB = app.get().sessions().stream().filter(v -> v.state().isActive()).mapToDouble(v -> v.memory.last()).sum();
        System.out.printf("harness %s: guest RAM in use %.1f MiB%n", view, guestMiB);
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        System.out.printf("harness %s: heap used %d MiB%n", view, heap.getUsed() >> 20);
        System.out.println("harness ready");
        Thread.sleep(Long.MAX_VALUE);
    }
}
