package org.virtfx.gui.devices;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.layout.GridPane;
import org.virtfx.gui.Fxml;

/**
 * The CD/DVD drive ({@code CdromEditor.fxml}): the ISO in it, on the IDE secondary master (ATAPI). The part is the
 * ISO path; null means an empty drive (ejected).
 */
public final class CdromEditor implements DeviceEditor<String> {
    private final EditorSupport support = new EditorSupport();
    private final GridPane root;
    @FXML private FileField iso;

    public CdromEditor() {
        root = Fxml.load(this);
        iso.textProperty().addListener((o, a, b) -> support.edited());
    }

    @Override
    public Node view() {
        return root;
    }

    @Override
    public void load(String path) {
        support.loading(() -> iso.setValue(path));
    }

    @Override
    public String value() {
        return iso.value();
    }

    @Override
    public String problem() {
        return iso.problem("CD-ROM");
    }

    @Override
    public ReadOnlyBooleanProperty changedProperty() {
        return support.changedProperty();
    }
}
