package org.virtfx.gui.devices;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.beans.property.StringProperty;
import javafx.fxml.FXML;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.stage.FileChooser;
import org.virtfx.gui.Fxml;

/**
 * A path with Browse… and Clear ({@code FileField.fxml}), used by the disk, CD-ROM, firmware and kernel fields. An
 * empty field means "none". Usable from FXML: {@code <FileField fieldId="kernelField" chooserTitle="Kernel"
 * filters="Firmware|*.bin *.rom;All files|*"/>}.
 */
public final class FileField extends HBox {
    @FXML private TextField text;
    private String chooserTitle = "Choose a file";
    private List<FileChooser.ExtensionFilter> filters = List.of(new FileChooser.ExtensionFilter("All files", "*"));

    public FileField() {
        Fxml.loadRoot(this);
    }

    /** The id of the text field inside (what tests and CSS look up). */
    public String getFieldId() {
        return text.getId();
    }

    public void setFieldId(String id) {
        text.setId(id);
    }

    public String getChooserTitle() {
        return chooserTitle;
    }

    public void setChooserTitle(String title) {
        chooserTitle = title;
    }

    /** Filters as {@code "Name|*.a *.b;Other|*"}. */
    public String getFilters() {
        return String.join(";", filters.stream().map(f -> f.getDescription() + "|" + String.join(" ", f.getExtensions())).toList());
    }

    public void setFilters(String spec) {
        List<FileChooser.ExtensionFilter> list = new ArrayList<>();
        for (String part : spec.split(";")) {
            String[] nameAndPatterns = part.split("\\|", 2);
            if (nameAndPatterns.length == 2) {
                list.add(new FileChooser.ExtensionFilter(nameAndPatterns[0].strip(),
                        Arrays.asList(nameAndPatterns[1].strip().split("\\s+"))));
            }
        }
        filters = List.copyOf(list);
    }

    @FXML
    void browse() {
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
    }

    @FXML
    void clear() {
        text.clear();
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
