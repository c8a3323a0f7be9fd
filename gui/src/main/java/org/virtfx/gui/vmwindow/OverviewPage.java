package org.virtfx.gui.vmwindow;

import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.VmSession;

/** Name, state, definition file and notes ({@code OverviewPage.fxml}). */
final class OverviewPage extends DetailsPage {
    private final VmSession vm;
    private final GridPane root;
    @FXML private TextField overviewName;
    @FXML private TextArea notes;
    @FXML private Label state;
    @FXML private Label file;

    OverviewPage(VmSession vm) {
        super("Overview", "mdi2i-information-outline");
        this.vm = vm;
        root = Fxml.load(this);
        overviewName.textProperty().addListener((o, a, b) -> changed());
        notes.textProperty().addListener((o, a, b) -> changed());
        state.textProperty().bind(vm.stateProperty().asString());
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        overviewName.setText(def.name());
        notes.setText(def.notes());
        file.setText(vm.file().toString());
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        String n = overviewName.getText() == null ? "" : overviewName.getText().strip();
        if (n.isEmpty()) {
            throw new IllegalArgumentException("the name must not be empty");
        }
        return def.withName(n).withNotes(notes.getText());
    }
}
