package org.virtfx.gui.vmwindow;

import java.util.ArrayList;
import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.gui.Fxml;

/** The guest operating system from the catalogue ({@code OsPage.fxml}). */
final class OsPage extends DetailsPage {
    private final VBox root;
    @FXML private ComboBox<OsEntry> os;

    OsPage() {
        super("OS information", "mdi2p-penguin");
        root = Fxml.load(this);
        List<OsEntry> entries = new ArrayList<>(OsCatalog.bundled().entries());
        entries.add(OsEntry.genericLinux());
        os.getItems().setAll(entries);
        os.setConverter(new StringConverter<>() {
            @Override
            public String toString(OsEntry e) {
                return e == null ? "Unknown" : e.name();
            }

            @Override
            public OsEntry fromString(String s) {
                return null;
            }
        });
        os.valueProperty().addListener((o, a, b) -> changed());
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        os.setValue(os.getItems().stream().filter(e -> e.shortId().equals(def.os())).findFirst().orElse(null));
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        return def.withOs(os.getValue() == null ? "" : os.getValue().shortId());
    }
}
