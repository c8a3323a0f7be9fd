package org.virtfx.gui;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.virtfx.engine.library.DemoMachine;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.gui.manager.ManagerWindow;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.Settings;

/** The JavaFX application: the library on the real PC board, the demo machine on first run, the manager window. */
public final class VirtFxApplication extends Application {
    private AppServices services;

    @Override
    public void start(Stage stage) {
        VmLibrary library = VmLibrary.standard();
        try {
            DemoMachine.createIfEmpty(library);
        } catch (IOException e) {
            System.getLogger(VirtFxApplication.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot create the demo machine in " + library.directory() + ": " + e.getMessage());
        }
        services = new AppServices(library, new PcBoardFactory(), Settings.standardFile());
        services.reload();
        services.startSampling();
        ManagerWindow manager = new ManagerWindow(stage, services);
        manager.show();
        if (Boolean.getBoolean("virtfx.timing")) {
            // Launch figure: JVM start to the first frame of the manager window.
            Platform.runLater(() -> System.err.printf("virtfx: manager window shown %d ms after JVM start%n",
                    System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()));
        }
    }

    @Override
    public void stop() {
        if (services != null) {
            services.close();
        }
    }
}
