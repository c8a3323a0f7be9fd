package org.virtfx.gui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import javafx.fxml.FXMLLoader;
import javafx.scene.Node;
import javafx.scene.Parent;

/**
 * FXML by convention: the layout of {@code org.virtfx.gui.x.Foo} is {@code Foo.fxml} in the same package of the
 * resources, and {@code Foo} is its controller. Controllers are built by their callers (hand-wired constructors), so
 * the loader never instantiates them itself.
 */
public final class Fxml {
    private Fxml() {
    }

    /** Loads {@code <controller's simple name>.fxml} with {@code controller} as its controller; returns the root. */
    public static <T extends Parent> T load(Object controller) {
        FXMLLoader loader = new FXMLLoader(layoutOf(controller.getClass()));
        loader.setController(controller);
        return load(loader, controller.getClass());
    }

    /** For {@code fx:root} components: {@code component} is both the root and the controller of its own layout. */
    public static void loadRoot(Node component) {
        FXMLLoader loader = new FXMLLoader(layoutOf(component.getClass()));
        loader.setRoot(component);
        loader.setController(component);
        load(loader, component.getClass());
    }

    private static URL layoutOf(Class<?> type) {
        URL url = type.getResource(type.getSimpleName() + ".fxml");
        if (url == null) {
            throw new IllegalStateException("missing layout " + type.getSimpleName() + ".fxml next to " + type.getName());
        }
        return url;
    }

    private static <T> T load(FXMLLoader loader, Class<?> type) {
        try {
            return loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("the layout of " + type.getSimpleName() + " is broken: " + e.getMessage(), e);
        }
    }
}
