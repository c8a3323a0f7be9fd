package org.virtfx.wizards;

import java.io.IOException;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;

/** Loads {@code NAME.fxml} from the resources folder of the controller's package, with that controller. */
public final class Fxml {
    private Fxml() {
    }

    /** The VirtFX look plus the wizards' stylesheet. */
    public static void style(javafx.stage.Stage stage, javafx.scene.Scene scene) {
        org.virtfx.resources.AppResources.style(stage, scene);
        scene.getStylesheets().add(Fxml.class.getResource("/org/virtfx/wizards/wizards.css").toExternalForm());
    }

    public static <T extends Parent> T load(Object controller, String name) {
        String path = "/" + controller.getClass().getPackageName().replace('.', '/') + "/" + name + ".fxml";
        FXMLLoader loader = new FXMLLoader(controller.getClass().getResource(path));
        loader.setController(controller);
        try {
            return loader.load();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the layout " + path + " is broken: " + e.getMessage(), e);
        }
    }
}
