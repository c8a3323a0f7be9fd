package org.virtfx.resources;

import java.net.URL;
import java.util.List;
import java.util.Objects;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Stage;
import org.kordamp.ikonli.javafx.FontIcon;

/** Shared look: the VirtFX stylesheet, the application icon and Material Design icons (Ikonli). */
public final class AppResources {
    private static final int[] ICON_SIZES = {16, 32, 48, 64, 128, 256};

    private AppResources() {
    }

    public static URL resource(String name) {
        return Objects.requireNonNull(AppResources.class.getResource(name), () -> "missing resource " + name);
    }

    /** The stylesheet's URL for {@code Scene.getStylesheets()}. */
    public static String stylesheet() {
        return resource("virtfx.css").toExternalForm();
    }

    /** The application icon in every size it comes in (the window manager picks one). */
    public static List<Image> appIcons() {
        return java.util.Arrays.stream(ICON_SIZES).mapToObj(s -> new Image(resource("icons/virtfx-" + s + ".png").toExternalForm())).toList();
    }

    /** Gives a window the VirtFX icon and stylesheet. */
    public static void style(Stage stage, Scene scene) {
        stage.getIcons().setAll(appIcons());
        scene.getStylesheets().add(stylesheet());
    }

    /** A Material Design icon, e.g. {@code icon("mdi2p-play")}. */
    public static FontIcon icon(String literal) {
        FontIcon i = new FontIcon(literal);
        i.getStyleClass().add("vfx-icon");
        return i;
    }
}
