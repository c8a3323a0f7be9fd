package org.virtfx.wizards.hardware;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.resources.AppResources;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.DialogOperation;
import org.virtfx.wizards.WizardContext;

/**
 * Add Hardware: pick a device kind on the left, fill in its editor on the right, Finish adds it to the definition.
 * On a running machine the change applies after its next power-off (the caller says so).
 */
public final class AddHardwareDialog {
    private final WizardContext context;
    private final VmDefinition machine;
    private final Stage stage = new Stage();
    private final List<DeviceEditor<?>> editors = new ArrayList<>();
    private DialogOperation<VmDefinition> operation;
    private Consumer<VmDefinition> onFinished = d -> { };

    @FXML ListView<DeviceEditor<?>> deviceList;
    @FXML StackPane editorHolder;
    @FXML Label editorTitle, status;
    @FXML ProgressBar progress;
    @FXML Button finishButton, cancelButton;

    public AddHardwareDialog(Window owner, WizardContext context, VmDefinition machine) throws IOException {
        this.context = context;
        this.machine = machine;
        editors.add(DiskEditor.adding(context, machine));
        editors.add(CdromEditor.adding(machine));
        editors.add(NicEditor.adding(context.operations()));
        editors.add(SerialEditor.adding(machine));
        editors.add(InputEditor.adding());
        Fxml.dialog(stage, this, "AddHardware", 760, 460, "Add Hardware to " + machine.name() + " — VirtFX", owner,
                this::cancel);
    }

    @FXML
    void initialize() {
        deviceList.getItems().setAll(editors);
        deviceList.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(DeviceEditor<?> d, boolean empty) {
                super.updateItem(d, empty);
                setText(empty || d == null ? null : d.title());
                setGraphic(empty || d == null ? null : AppResources.icon(d.icon()));
            }
        });
        deviceList.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> select(b));
        operation = new DialogOperation<>(stage, progress, status, cancelButton);
        deviceList.getSelectionModel().selectFirst();
    }

    private void select(DeviceEditor<?> d) {
        if (d == null) {
            return;
        }
        editorHolder.getChildren().setAll(d.view());
        editorTitle.setText(d.title());
        finishButton.disableProperty().unbind();
        finishButton.disableProperty().bind(d.invalid().or(operation.workingProperty()));
        d.entered();
    }

    /** Selects the editor titled {@code title} ("Disk", "CD-ROM", "Network", "Serial port", "Input"). */
    public void select(String title) {
        editors.stream().filter(e -> e.title().equals(title)).findFirst().ifPresent(e -> deviceList.getSelectionModel().select(e));
    }

    @FXML
    void finish() {
        DeviceEditor<?> d = deviceList.getSelectionModel().getSelectedItem();
        if (d == null || d.invalid().get()) {
            return;
        }
        operation.start("virtfx-add-hardware", "Could not add the " + d.title().toLowerCase(Locale.ROOT),
                p -> d.add(context.operations(), machine, p), def -> onFinished.accept(def));
    }

    /** Stops a running disk creation (which removes its partial image) and closes. */
    @FXML
    void cancel() {
        operation.cancel("Cancelling: removing the partial disk image…");
    }

    public AddHardwareDialog onFinished(Consumer<VmDefinition> handler) {
        onFinished = handler;
        return this;
    }

    public void show() {
        stage.show();
    }

    public Stage stage() {
        return stage;
    }
}
