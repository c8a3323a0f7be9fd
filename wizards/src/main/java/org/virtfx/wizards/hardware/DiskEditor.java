package org.virtfx.wizards.hardware;

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
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;
import org.virtfx.wizards.WizardContext;

/** A disk: a new qcow2/raw image of a given size in a folder, or an existing image of any readable format. */
public final class DiskEditor implements DeviceEditor {
    private final VmDefinition machine;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML ToggleGroup diskGroup;
    @FXML RadioButton newRadio, existingRadio;
    @FXML GridPane newGrid;
    @FXML Spinner<Integer> sizeSpinner;
    @FXML ChoiceBox<String> formatChoice;
    @FXML PathField folderField, existingField;
    @FXML Label plannedFile, message;

    public DiskEditor(WizardContext context, VmDefinition machine) {
        this.machine = machine;
        this.view = Fxml.load(this, "DiskEditor");
        folderField.setValue(context.imageFolder());
        formatChoice.setValue(context.imageFormat());
        refresh();
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
        existingField.textProperty().addListener((o, a, b) -> refresh());
        validation.error(folderField.textField(), this::problem);
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

    private String problem() {
        if (machine.disks().size() >= VmOperations.MAX_DISKS) {
            return "'" + machine.name() + "' already has " + VmOperations.MAX_DISKS + " disks, the most the IDE bus takes beside the CD-ROM drive.";
        }
        if (existingRadio.isSelected()) {
            Path p = existingField.value();
            if (p == null) {
                return "Choose the disk image.";
            }
            if (!Files.isRegularFile(p)) {
                return "No such file: " + p;
            }
            if (machine.disks().contains(p.toAbsolutePath().toString())) {
                return p.getFileName() + " is already a disk of this machine.";
            }
            try {
                DiskImages.open(p, true).close();
            } catch (Exception e) {
                return "VirtFX cannot open " + p.getFileName() + ": " + e.getMessage();
            }
            return null;
        }
        if (folderField.value() == null) {
            return "Choose the folder for the new disk.";
        }
        if (sizeGiB() < 1 || sizeGiB() > 65536) {
            return "The size must be from 1 to 65536 GiB.";
        }
        return null;
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
        Path p = planned();
        plannedFile.setText(newRadio.isSelected() && p != null ? "New disk: " + p : "");
        validation.revalidate();
    }

    @Override
    public String title() {
        return "Disk";
    }

    @Override
    public String icon() {
        return "mdi2h-harddisk";
    }

    @Override
    public Node view() {
        return view;
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public void entered() {
        refresh();
        Platform.runLater(newRadio::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        if (existingRadio.isSelected()) {
            return ops.attachDisk(def.name(), existingField.value());
        }
        return ops.addNewDisk(def.name(), new VmOperations.NewDisk(planned(), formatChoice.getValue(), sizeGiB() << 30), progress);
    }
}
