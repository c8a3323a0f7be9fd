package org.virtfx.gui.devices;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import org.virtfx.gui.Fxml;

/**
 * The input devices ({@code InputEditor.fxml}): the PS/2 keyboard and mouse on the i8042 controller, which every PC
 * board has. The part is the grab-release keys the console uses (shown so the user knows how to get out); the
 * devices themselves cannot be changed.
 */
public final class InputEditor implements DeviceEditor<String> {
    private final EditorSupport support = new EditorSupport();
    private final GridPane root;
    private String releaseKeys = "Ctrl+Alt";
    @FXML private Label release;

    public InputEditor() {
        root = Fxml.load(this);
    }

    @Override
    public Node view() {
        return root;
    }

    /** @param keys the console's release combination as shown to the user ("Ctrl+Alt"), null for the default */
    @Override
    public void load(String keys) {
        support.loading(() -> {
            releaseKeys = keys == null ? "Ctrl+Alt" : keys;
            release.setText("Click the console to grab keyboard and mouse; " + releaseKeys + " releases them.");
        });
    }

    @Override
    public String value() {
        return releaseKeys;
    }

    @Override
    public String problem() {
        return null;
    }

    @Override
    public ReadOnlyBooleanProperty changedProperty() {
        return support.changedProperty();
    }

    @Override
    public boolean editable() {
        return false;
    }
}
