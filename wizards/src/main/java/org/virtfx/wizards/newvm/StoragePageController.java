package org.virtfx.wizards.newvm;

import java.nio.file.Path;
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
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;

/** Step 4: a new disk (qcow2 by default: it takes only what the guest writes), an existing one, or none. */
final class StoragePageController implements WizardPage {
    private final NewVmModel model;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML ToggleGroup storageGroup;
    @FXML RadioButton newRadio, existingRadio, noneRadio;
    @FXML GridPane newGrid;
    @FXML Spinner<Integer> sizeSpinner;
    @FXML ChoiceBox<String> formatChoice;
    @FXML PathField folderField, existingField;
    @FXML Label freeSpace, plannedFile, message;

    StoragePageController(NewVmModel model) {
        this.model = model;
        this.view = Fxml.load(this, "StoragePage");
    }

    @FXML
    void initialize() {
        newRadio.setUserData(NewVmModel.StorageChoice.NEW);
        existingRadio.setUserData(NewVmModel.StorageChoice.EXISTING);
        noneRadio.setUserData(NewVmModel.StorageChoice.NONE);
        storageGroup.selectedToggleProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.storage.set((NewVmModel.StorageChoice) b.getUserData());
            }
        });
        model.storage.addListener((o, a, b) -> {
            select(b);
            refresh();
        });
        var size = new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 65536, (int) model.diskSizeGiB.get(), 1);
        sizeSpinner.setValueFactory(size);
        sizeSpinner.setEditable(true);
        size.valueProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.diskSizeGiB.set(b);
            }
        });
        sizeSpinner.getEditor().textProperty().addListener((o, a, b) -> {
            try {
                model.diskSizeGiB.set(Long.parseLong(b.strip()));
            } catch (NumberFormatException e) {
                model.diskSizeGiB.set(-1);
            }
            refresh();
        });
        model.diskSizeGiB.addListener((o, a, b) -> {
            if (b.longValue() >= 1 && b.longValue() <= 65536 && size.getValue() != b.intValue()) {
                size.setValue(b.intValue());
            }
            refresh();
        });
        formatChoice.getItems().setAll("qcow2", "raw");
        formatChoice.setValue(model.diskFormat.get());
        formatChoice.valueProperty().addListener((o, a, b) -> {
            model.diskFormat.set(b);
            refresh();
        });
        folderField.setValue(model.diskFolder.get());
        folderField.textProperty().addListener((o, a, b) -> {
            model.diskFolder.set(folderField.value());
            refresh();
        });
        existingField.textProperty().addListener((o, a, b) -> {
            model.existingDisk.set(existingField.value());
            refresh();
        });
        model.name.addListener((o, a, b) -> refresh());
        validation.error(folderField.textField(), () -> model.storage.get() == NewVmModel.StorageChoice.NEW ? model.storageProblem() : null);
        validation.warning(sizeSpinner.getEditor(), model::storageWarning);
        validation.error(existingField.textField(), () -> model.storage.get() == NewVmModel.StorageChoice.EXISTING ? model.storageProblem() : null);
        message.textProperty().bind(validation.message());
        select(model.storage.get());
        refresh();
    }

    private void select(NewVmModel.StorageChoice c) {
        switch (c) {
            case NEW -> newRadio.setSelected(true);
            case EXISTING -> existingRadio.setSelected(true);
            case NONE -> noneRadio.setSelected(true);
        }
        newGrid.setDisable(c != NewVmModel.StorageChoice.NEW);
        existingField.setDisable(c != NewVmModel.StorageChoice.EXISTING);
    }

    private void refresh() {
        long free = model.freeSpace();
        freeSpace.setText(free < 0 ? "Free space: unknown" : "Free space there: " + VmOperations.size(free));
        Path planned = model.plannedDiskFile();
        plannedFile.setText(planned == null ? "" : "The new disk will be " + planned + " (" + model.diskFormat.get()
                + ", grows as the guest writes, up to " + model.diskSizeGiB.get() + " GiB).");
        validation.revalidate();
    }

    @Override
    public String title() {
        return "Storage";
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
        if (model.diskSizeGiB.get() >= 1) {
            sizeSpinner.getValueFactory().setValue((int) Math.min(65536, model.diskSizeGiB.get()));
        }
        refresh();
        Platform.runLater(() -> (model.storage.get() == NewVmModel.StorageChoice.NEW ? sizeSpinner : storageGroup.getSelectedToggle() instanceof RadioButton r ? r : newRadio).requestFocus());
    }
}
