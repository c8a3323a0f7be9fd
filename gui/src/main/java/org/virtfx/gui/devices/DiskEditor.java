package org.virtfx.gui.devices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.graphs.GraphUnit;

/**
 * A hard disk of the machine ({@code DiskEditor.fxml}): the image file (any format the storage layer opens), its
 * format and sizes, and the IDE position it gets. The part is the image path; null means "no disk" (the Details page
 * removes the disk then; the Add Hardware dialog should refuse it).
 */
public final class DiskEditor implements DeviceEditor<String> {
    private final int index;
    private final EditorSupport support = new EditorSupport();
    private final GridPane root;
    @FXML private FileField image;
    @FXML private Label bus;
    @FXML private Label info;

    /** @param index the disk's position (0-2): primary master, primary slave, secondary slave */
    public DiskEditor(int index) {
        this.index = index;
        root = Fxml.load(this);
        image.setFieldId("diskField" + index);
        bus.setText(busName(index));
        image.textProperty().addListener((o, a, b) -> {
            support.edited();
            describe();
        });
    }

    /** Where the board attaches disk {@code index} (as {@code virtfx run --disk}). */
    public static String busName(int index) {
        return switch (index) {
            case 0 -> "IDE primary master";
            case 1 -> "IDE primary slave";
            default -> "IDE secondary slave";
        };
    }

    @Override
    public Node view() {
        return root;
    }

    @Override
    public void load(String path) {
        support.loading(() -> image.setValue(path));
        describe();
    }

    @Override
    public String value() {
        return image.value();
    }

    @Override
    public String problem() {
        String missing = image.problem("disk " + (index + 1));
        if (missing != null) {
            return missing;
        }
        String p = value();
        if (p == null) {
            return null;
        }
        try (DiskImage d = DiskImages.open(Path.of(p), null, true, false)) {
            return d.size() == 0 ? "disk " + (index + 1) + ": " + p + " is empty (a disk needs at least one sector)" : null;
        } catch (IOException | RuntimeException e) {
            return "disk " + (index + 1) + ": " + p + " is not a disk image VirtFX can open: " + e.getMessage();
        }
    }

    @Override
    public ReadOnlyBooleanProperty changedProperty() {
        return support.changedProperty();
    }

    /** Format and sizes of the chosen image, read from its header (a few KiB). */
    private void describe() {
        String p = value();
        if (p == null || !Files.isRegularFile(Path.of(p))) {
            info.setText(p == null ? "no image" : "");
            return;
        }
        try (DiskImage d = DiskImages.open(Path.of(p), null, true, false)) {
            info.setText(d.format().name() + ", " + GraphUnit.MIB.format(d.size() / 1048576.0) + " virtual, "
                    + GraphUnit.MIB.format(Files.size(Path.of(p)) / 1048576.0) + " on the host");
        } catch (IOException | RuntimeException e) {
            info.setText("cannot read the image: " + e.getMessage());
        }
    }
}
