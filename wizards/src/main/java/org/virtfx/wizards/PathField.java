package org.virtfx.wizards;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.StringProperty;
import javafx.scene.control.Button;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;

/**
 * A path typed or picked with Browse… (a file to open, or a folder), usable from FXML:
 * {@code <PathField fx:id="iso" mode="FILE" chooserTitle="Choose an ISO" filters="ISO images|*.iso;All files|*"
 * clearable="true"/>}. An empty field means "none"; {@code clearable} adds a Clear button (for optional paths such as
 * firmware or an ejectable medium). The wizards and the Details pages of the gui module share it.
 */
public final class PathField extends HBox {
    public enum Mode { FILE, FOLDER }

    private final TextField text = new TextField();
    private final Button browse = new Button("Browse…");
    private final Button clear = new Button("Clear");
    private List<FileChooser.ExtensionFilter> filters = List.of();
    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(Mode.FILE);
    private String chooserTitle = "Choose a file";

    public PathField() {
        super(6);
        HBox.setHgrow(text, Priority.ALWAYS);
        text.setPromptText("path");
        browse.setOnAction(e -> browse());
        clear.setOnAction(e -> text.clear());
        getChildren().addAll(text, browse);
    }

    private void browse() {
        Path start = value();
        File initial = null;
        if (start != null) {
            Path dir = Files.isDirectory(start) ? start : start.toAbsolutePath().getParent();
            if (dir != null && Files.isDirectory(dir)) {
                initial = dir.toFile();
            }
        }
        File picked;
        if (mode.get() == Mode.FOLDER) {
            DirectoryChooser dc = new DirectoryChooser();
            dc.setTitle(chooserTitle);
            dc.setInitialDirectory(initial);
            picked = dc.showDialog(getScene().getWindow());
        } else {
            FileChooser fc = new FileChooser();
            fc.setTitle(chooserTitle);
            fc.setInitialDirectory(initial);
            fc.getExtensionFilters().addAll(filters);
            picked = fc.showOpenDialog(getScene().getWindow());
        }
        if (picked != null) {
            text.setText(picked.getPath());
        }
    }

    public TextField textField() {
        return text;
    }

    public StringProperty textProperty() {
        return text.textProperty();
    }

    /** The path, or null when the field is empty. */
    public Path value() {
        String s = text.getText();
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            return Path.of(s.strip());
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    public void setValue(Path p) {
        text.setText(p == null ? "" : p.toString());
    }

    public ObjectProperty<Mode> modeProperty() {
        return mode;
    }

    public Mode getMode() {
        return mode.get();
    }

    public void setMode(Mode m) {
        mode.set(m);
    }

    public String getChooserTitle() {
        return chooserTitle;
    }

    public void setChooserTitle(String title) {
        chooserTitle = title;
    }

    public String getPromptText() {
        return text.getPromptText();
    }

    public void setPromptText(String prompt) {
        text.setPromptText(prompt);
    }

    /** Whether a Clear button follows Browse…. */
    public boolean isClearable() {
        return getChildren().contains(clear);
    }

    public void setClearable(boolean on) {
        if (on && !isClearable()) {
            getChildren().add(clear);
        } else if (!on) {
            getChildren().remove(clear);
        }
    }

    /** File chooser filters as {@code "Name|*.a *.b;Other|*"}. */
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

    /** "WHAT: no such file: PATH" when the field names a file that does not exist, else null (empty is fine). */
    public String missingFileProblem(String what) {
        Path p = value();
        if (p == null && text.getText() != null && !text.getText().isBlank()) {
            return what + ": not a valid path: " + text.getText().strip();
        }
        return p != null && !Files.isRegularFile(p) ? what + ": no such file: " + p : null;
    }

    /** The id goes to the text field too (suffix "Text"), so tests and accessibility find the editable part. */
    public void setFieldId(String id) {
        text.setId(id);
    }

    public String getFieldId() {
        return text.getId();
    }
}
