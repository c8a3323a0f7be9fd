package org.virtfx.gui;

import javafx.application.Application;

/**
 * Entry point used by {@code ./virtfx} and the installers. Deliberately not an {@code Application} subclass: the
 * Java launcher refuses to start an Application main class when JavaFX sits on the class path instead of the module
 * path ("JavaFX runtime components are missing").
 */
public final class VirtFxApp {
    private VirtFxApp() {
    }

    public static void main(String[] args) {
        Application.launch(VirtFxApplication.class, args);
    }
}
