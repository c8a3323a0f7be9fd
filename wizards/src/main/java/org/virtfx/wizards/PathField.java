package org.virtfx.wizards;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code <PathField fx:id="iso" mode="FILE" chooserTitle="Choose an ISO"/>}. An empty field means "none".
 */
public final class PathField extends HBox {
    public enum Mode { FILE, FOLDER }

    private final TextField text = new TextField();
    private final Button browse = new Button("Browse…");
    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(Mode.FILE);
    private String chooserTitle = "Choose a file";

    public PathField() {
        super(6);
        HBox.setHgrow(text, Priority.ALWAYS);
        text.setPromptText("path");
        browse.setOnAction(e -> browse());
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

    /** The id goes to the text field too (suffix "Text"), so tests and accessibility find the editable part. */
    public void setFieldId(String id) {
        text.setId(id);
    }

    public String getFieldId() {
        return text.getId();
    }
}
