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

    /**
     * Loads {@code NAME.fxml} with {@code controller} into {@code stage} as a dialog of {@code owner} (window-modal
     * when there is one) with the VirtFX look; {@code onClose}, when given, replaces the window's close button (a
     * dialog that may be working cancels first).
     */
    public static void dialog(javafx.stage.Stage stage, Object controller, String name, double width, double height,
            String title, javafx.stage.Window owner, Runnable onClose) {
        javafx.scene.Scene scene = new javafx.scene.Scene(load(controller, name), width, height);
        style(stage, scene);
        stage.setScene(scene);
        stage.setTitle(title);
        if (owner != null) {
            stage.initOwner(owner);
            stage.initModality(javafx.stage.Modality.WINDOW_MODAL);
        }
        if (onClose != null) {
            stage.setOnCloseRequest(e -> {
                e.consume();
                onClose.run();
            });
        }
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
