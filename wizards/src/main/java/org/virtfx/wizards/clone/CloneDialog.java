package org.virtfx.wizards.clone;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.DialogOperation;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;
import org.virtfx.wizards.WizardContext;

/**
 * Clone a machine: new name, full copy or linked clone (qcow2 overlays on the original disks), where the new disks
 * go, with progress; Cancel stops the copy and removes everything it wrote.
 */
public final class CloneDialog {
    private final WizardContext context;
    private final VmDefinition source;
    private final Stage stage = new Stage();
    private final PageValidation validation = new PageValidation();
    private DialogOperation<VmDefinition> operation;
    private Consumer<VmDefinition> onFinished = d -> { };

    @FXML Label heading, linkedNote, message, status;
    @FXML TextField nameField;
    @FXML ToggleGroup modeGroup;
    @FXML RadioButton fullRadio, linkedRadio;
    @FXML PathField folderField;
    @FXML ListView<String> plannedDisks;
    @FXML ProgressBar progress;
    @FXML Button cloneButton, cancelButton;

    public CloneDialog(Window owner, WizardContext context, VmDefinition source) {
        this.context = context;
        this.source = source;
        Fxml.dialog(stage, this, "Clone", 640, 480, "Clone " + source.name() + " — VirtFX", owner, this::cancel);
    }

    @FXML
    void initialize() throws IOException {
        heading.setText("Clone '" + source.name() + "' (" + source.memoryMiB() + " MiB, " + source.cpus() + " CPU, "
                + source.disks().size() + " disk" + (source.disks().size() == 1 ? "" : "s") + ")");
        nameField.setText(context.operations().unusedName(source.name() + " (clone)"));
        fullRadio.setUserData(VmOperations.CloneMode.FULL);
        linkedRadio.setUserData(VmOperations.CloneMode.LINKED);
        linkedNote.setText("A linked clone starts at once and takes almost no space: the original's disks become a "
                + "shared read-only base, and both machines write to new overlays of their own, so neither changes the "
                + "other's disks (VirtFX refuses to delete a base that a machine still needs). Network cards get new "
                + "MAC addresses either way.");
        modeGroup.selectedToggleProperty().addListener((o, a, b) -> refresh());
        nameField.textProperty().addListener((o, a, b) -> refresh());
        folderField.textProperty().addListener((o, a, b) -> refresh());
        validation.error(nameField, () -> {
            try {
                return context.operations().nameProblem(nameField.getText()).orElse(null);
            } catch (IOException e) {
                return e.getMessage();
            }
        });
        validation.error(folderField.textField(), this::diskProblem);
        message.textProperty().bind(validation.message());
        operation = new DialogOperation<>(stage, progress, status, cancelButton);
        cloneButton.disableProperty().bind(validation.invalid().or(operation.workingProperty()));
        folderField.disableProperty().bind(operation.workingProperty());
        nameField.disableProperty().bind(operation.workingProperty());
        refresh();
    }

    private VmOperations.CloneMode mode() {
        return (VmOperations.CloneMode) modeGroup.getSelectedToggle().getUserData();
    }

    private String diskProblem() {
        try {
            context.operations().plannedCloneDisks(source, nameField.getText().isBlank() ? "clone" : nameField.getText(), mode(), folderField.value());
            return null;
        } catch (IOException | RuntimeException e) {
            return "A disk of '" + source.name() + "' cannot be read: " + e.getMessage();
        }
    }

    private void refresh() {
        try {
            List<Path> planned = context.operations().plannedCloneDisks(source,
                    nameField.getText().isBlank() ? "clone" : nameField.getText(), mode(), folderField.value());
            plannedDisks.getItems().setAll(planned.stream().map(p -> p + (mode() == VmOperations.CloneMode.LINKED
                    ? "  (qcow2 overlay)" : "  (full copy)")).toList());
        } catch (IOException | RuntimeException e) {
            plannedDisks.getItems().setAll("cannot plan: " + e.getMessage());
        }
        validation.revalidate();
    }

    @FXML
    void startClone() {
        String name = nameField.getText();
        VmOperations.CloneMode m = mode();
        Path folder = folderField.value();
        operation.start("virtfx-clone", "Could not clone",
                p -> context.operations().cloneMachine(source.name(), name, m, folder, p), def -> onFinished.accept(def));
    }

    /** Stops a running copy (which removes its partial files) and closes. */
    @FXML
    void cancel() {
        operation.cancel("Cancelling: removing the partial copies…");
    }

    public CloneDialog onFinished(Consumer<VmDefinition> handler) {
        onFinished = handler;
        return this;
    }

    public void show() {
        stage.show();
    }

    public Stage stage() {
        return stage;
    }

    /** True while the copy runs. */
    public boolean working() {
        return operation.workingProperty().get();
    }
}
