package org.virtfx.wizards.hardware;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;
import org.virtfx.wizards.WizardContext;

/**
 * A hard disk ({@code DiskEditor.fxml}). Adding ({@link #adding}): a new qcow2/raw image of a given size in a folder,
 * or an existing image of any readable format. A disk the machine has ({@link #attached}): its image path, where
 * an empty field removes the disk on Apply. Both show the IDE position and the chosen image's format and sizes.
 */
public final class DiskEditor extends EditorBase<String> {
    private final VmDefinition machine;
    /** The disk's position (0-2): primary master, primary slave, secondary slave. */
    private final int index;
    private final PageValidation validation = new PageValidation();

    @FXML ToggleGroup diskGroup;
    @FXML RadioButton newRadio, existingRadio;
    @FXML GridPane newGrid;
    @FXML Spinner<Integer> sizeSpinner;
    @FXML ChoiceBox<String> formatChoice;
    @FXML PathField folderField, existingField;
    @FXML Label plannedFile, bus, info, message;

    private DiskEditor(VmDefinition machine, int index) {
        super("Disk", "mdi2h-harddisk");
        this.machine = machine;
        this.index = index;
        loadLayout("DiskEditor");
        bus.setText(busName(index));
    }

    /** An editor for a new disk of {@code machine} (Add Hardware). */
    public static DiskEditor adding(WizardContext context, VmDefinition machine) {
        DiskEditor e = new DiskEditor(machine, Math.min(machine.disks().size(), VmOperations.MAX_DISKS - 1));
        e.folderField.setValue(context.imageFolder());
        e.formatChoice.setValue(context.imageFormat());
        e.refresh();
        return e;
    }

    /** An editor for disk {@code index} of a machine (a Details page): only the image path can change. */
    public static DiskEditor attached(int index) {
        DiskEditor e = new DiskEditor(null, index);
        e.existingRadio.setSelected(true);
        for (Node n : List.of(e.newRadio, e.newGrid, e.existingRadio)) {
            n.setVisible(false);
            n.setManaged(false);
        }
        e.existingField.setFieldId("diskField" + index);
        e.existingField.setClearable(true);
        e.refresh();
        return e;
    }

    /** Where the board attaches disk {@code index} (as {@code virtfx run --disk}). */
    public static String busName(int index) {
        return switch (index) {
            case 0 -> "IDE primary master";
            case 1 -> "IDE primary slave";
            default -> "IDE secondary slave";
        };
    }

    @FXML
    void initialize() {
        sizeSpinner.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 65536, 10, 1));
        sizeSpinner.setEditable(true);
        formatChoice.getItems().setAll("qcow2", "raw");
        diskGroup.selectedToggleProperty().addListener((o, a, b) -> refresh());
        sizeSpinner.getEditor().textProperty().addListener((o, a, b) -> refresh());
        formatChoice.valueProperty().addListener((o, a, b) -> refresh());
        folderField.textProperty().addListener((o, a, b) -> refresh());
        existingField.textProperty().addListener((o, a, b) -> {
            edited();
            refresh();
        });
        validation.error(folderField.textField(), () -> newRadio.isSelected() ? problem() : null);
        validation.error(existingField.textField(), () -> existingRadio.isSelected() ? problem() : null);
        message.textProperty().bind(validation.message());
    }

    private long sizeGiB() {
        try {
            return Long.parseLong(sizeSpinner.getEditor().getText().strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String what() {
        return "disk " + (index + 1);
    }

    @Override
    public String problem() {
        if (machine != null && machine.disks().size() >= VmOperations.MAX_DISKS) {
            return "'" + machine.name() + "' already has " + VmOperations.MAX_DISKS + " disks, the most the IDE bus takes beside the CD-ROM drive.";
        }
        if (existingRadio.isSelected()) {
            return existingProblem();
        }
        if (folderField.value() == null) {
            return "Choose the folder for the new disk.";
        }
        if (sizeGiB() < 1 || sizeGiB() > 65536) {
            return "The size must be from 1 to 65536 GiB.";
        }
        return null;
    }

    private String existingProblem() {
        Path p = existingField.value();
        if (p == null) {
            // On a Details page an empty field removes the disk; a new disk needs an image.
            return machine == null ? null : "Choose the disk image.";
        }
        String missing = existingField.missingFileProblem(what());
        if (missing != null) {
            return missing;
        }
        if (machine != null && machine.disks().contains(p.toAbsolutePath().toString())) {
            return p.getFileName() + " is already a disk of this machine.";
        }
        try (DiskImage d = DiskImages.open(p, null, true, false)) {
            return d.size() == 0 ? what() + ": " + p + " is empty (a disk needs at least one sector)" : null;
        } catch (IOException | RuntimeException e) {
            return what() + ": " + p + " is not a disk image VirtFX can open: " + e.getMessage();
        }
    }

    private Path planned() {
        return folderField.value() == null ? null
                : VmOperations.unusedImagePath(folderField.value(), machine.name(), formatChoice.getValue() == null ? "qcow2" : formatChoice.getValue(), List.of());
    }

    private void refresh() {
        if (newGrid == null) {
            return;
        }
        newGrid.setDisable(!newRadio.isSelected());
        existingField.setDisable(!existingRadio.isSelected());
        Path p = machine == null ? null : planned();
        plannedFile.setText(newRadio.isSelected() && p != null ? "New disk: " + p : "");
        describe();
        validation.revalidate();
    }

    /** Format and sizes of the chosen existing image, read from its header (a few KiB). */
    private void describe() {
        Path p = existingRadio.isSelected() ? existingField.value() : null;
        if (p == null || !Files.isRegularFile(p)) {
            info.setText(newRadio.isSelected() ? "a new " + formatChoice.getValue() + " image" : p == null ? "no image" : "");
            return;
        }
        try (DiskImage d = DiskImages.open(p, null, true, false)) {
            info.setText(d.format().name() + ", " + mib(d.size()) + " virtual, " + mib(Files.size(p)) + " on the host");
        } catch (IOException | RuntimeException e) {
            info.setText("cannot read the image: " + e.getMessage());
        }
    }

    private static String mib(long bytes) {
        double v = bytes / 1048576.0;
        return v >= 1024 ? String.format("%.1f GiB", v / 1024) : Math.round(v) + " MiB";
    }

    @Override
    public void load(String path) {
        loading(() -> existingField.setValue(path == null ? null : Path.of(path)));
        refresh();
    }

    @Override
    public String value() {
        Path p = existingField.value();
        return p == null ? null : p.toString();
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public void entered() {
        refresh();
        Platform.runLater(machine == null ? existingField.textField()::requestFocus : newRadio::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        if (existingRadio.isSelected()) {
            return ops.attachDisk(def.name(), existingField.value());
        }
        return ops.addNewDisk(def.name(), new VmOperations.NewDisk(planned(), formatChoice.getValue(), sizeGiB() << 30), progress);
    }
}
