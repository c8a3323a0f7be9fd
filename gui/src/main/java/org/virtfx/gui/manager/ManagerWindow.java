package org.virtfx.gui.manager;

import java.io.IOException;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.virtfx.gui.model.AppServices;
import org.virtfx.resources.AppResources;

/** The main window: the machine list. Loads {@code Manager.fxml} with a {@link ManagerController}. */
public final class ManagerWindow {
    private final Stage stage;
    private final ManagerController controller;

    public ManagerWindow(Stage stage, AppServices services) {
        this.stage = stage;
        this.controller = new ManagerController(services, stage);
        FXMLLoader loader = new FXMLLoader(ManagerWindow.class.getResource("/org/virtfx/gui/manager/Manager.fxml"));
        loader.setControllerFactory(type -> controller);
        loader.setController(controller);
        Parent root;
        try {
            root = loader.load();
        } catch (IOException e) {
            throw new IllegalStateException("the manager window layout is broken: " + e.getMessage(), e);
        }
        var s = services.settings();
        Scene scene = new Scene(root, s.managerWidth, s.managerHeight);
        AppResources.style(stage, scene);
        stage.setScene(scene);
        stage.setTitle("VirtFX");
        if (!Double.isNaN(s.managerX) && !Double.isNaN(s.managerY)) {
            stage.setX(s.managerX);
            stage.setY(s.managerY);
        }
        stage.setOnHidden(e -> controller.rememberLayout());
    }

    public Stage stage() {
        return stage;
    }

    public ManagerController controller() {
        return controller;
    }

    public void show() {
        stage.show();
    }
}
