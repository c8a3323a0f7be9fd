package org.virtfx.gui.vmwindow;

import java.util.ArrayList;
import java.util.List;
import javafx.application.Platform;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.AppServices;

/** The guest operating system from the catalogue ({@code OsPage.fxml}). */
final class OsPage extends DetailsPage {
    private final VBox root;
    @FXML private ComboBox<OsEntry> os;
    /** The definition's OS id as last loaded (an osinfo-db id is only in the list once the full catalogue is). */
    private String loadedId;

    OsPage() {
        super("OS information", "mdi2p-penguin");
        root = Fxml.load(this);
        setCatalog(AppServices.osCatalogNow());
        // the full catalogue (osinfo-db) may still be loading: its systems are offered once it is there
        AppServices.osCatalog().thenAccept(c -> Platform.runLater(() -> setCatalog(c)));
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

    private void setCatalog(OsCatalog catalog) {
        if (os.getItems().size() == catalog.entries().size() + 1) {
            return;
        }
        List<OsEntry> entries = new ArrayList<>(catalog.entries());
        entries.add(OsEntry.genericLinux());
        boolean wasDirty = dirty.get();
        String chosen = wasDirty ? (os.getValue() == null ? null : os.getValue().shortId()) : loadedId;
        os.getItems().setAll(entries);
        os.setValue(entries.stream().filter(e -> e.shortId().equals(chosen)).findFirst().orElse(null));
        dirty.set(wasDirty);   // a new list is no edit
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        loadedId = def.os();
        os.setValue(os.getItems().stream().filter(e -> e.shortId().equals(def.os())).findFirst().orElse(null));
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        return def.withOs(os.getValue() == null ? "" : os.getValue().shortId());
    }
}
