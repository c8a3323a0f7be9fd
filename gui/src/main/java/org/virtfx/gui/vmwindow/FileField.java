package org.virtfx.gui.vmwindow;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.beans.property.StringProperty;
import javafx.scene.control.Button;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.stage.FileChooser;

/**
 * A reusable device editor part: a path with Browse… and Clear, used by the disk, CD-ROM, firmware and kernel pages.
 * An empty field means "none".
 */
public final class FileField extends HBox {
    private final TextField text = new TextField();

    public FileField(String id, String chooserTitle, FileChooser.ExtensionFilter... filters) {
        super(6);
        text.setId(id);
        text.setPromptText("none");
        Button browse = new Button("Browse…");
        browse.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.setTitle(chooserTitle);
            fc.getExtensionFilters().addAll(filters);
            String cur = text.getText();
            if (cur != null && !cur.isBlank()) {
                Path p = Path.of(cur).getParent();
                if (p != null && Files.isDirectory(p)) {
                    fc.setInitialDirectory(p.toFile());
                }
            }
            File f = fc.showOpenDialog(getScene().getWindow());
            if (f != null) {
                text.setText(f.getPath());
            }
        });
        Button clear = new Button("Clear");
        clear.setOnAction(e -> text.clear());
        HBox.setHgrow(text, Priority.ALWAYS);
        getChildren().addAll(text, browse, clear);
    }

    public StringProperty textProperty() {
        return text.textProperty();
    }

    /** The path, or null when empty. */
    public String value() {
        String s = text.getText();
        return s == null || s.isBlank() ? null : s.strip();
    }

    public void setValue(String path) {
        text.setText(path == null ? "" : path);
    }

    /** An error text when the named file does not exist, else null. */
    public String problem(String what) {
        String v = value();
        if (v != null && !Files.isRegularFile(Path.of(v))) {
            return what + ": no such file: " + v;
        }
        return null;
    }
}
