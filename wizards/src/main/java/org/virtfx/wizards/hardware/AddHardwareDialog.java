package org.virtfx.wizards.hardware;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.StackPane;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.resources.AppResources;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.OperationTask;
import org.virtfx.wizards.WizardContext;

/**
 * Add Hardware: pick a device kind on the left, fill in its editor on the right, Finish adds it to the definition.
 * On a running machine the change applies after its next power-off (the caller says so).
 */
public final class AddHardwareDialog {
    private final WizardContext context;
    private final VmDefinition machine;
    private final Stage stage = new Stage();
    private final List<DeviceEditor> editors = new ArrayList<>();
    private final BooleanProperty working = new SimpleBooleanProperty();
    private OperationTask<VmDefinition> task;
    private Consumer<VmDefinition> onFinished = d -> { };

    @FXML ListView<DeviceEditor> deviceList;
    @FXML StackPane editorHolder;
    @FXML Label editorTitle, status;
    @FXML ProgressBar progress;
    @FXML Button finishButton, cancelButton;

    public AddHardwareDialog(Window owner, WizardContext context, VmDefinition machine) throws IOException {
        this.context = context;
        this.machine = machine;
        editors.add(new DiskEditor(context, machine));
        editors.add(new CdromEditor(machine));
        editors.add(new NicEditor(context.operations()));
        editors.add(new SerialEditor(machine));
        editors.add(new InputEditor());
        Parent root = Fxml.load(this, "AddHardware");
        Scene scene = new Scene(root, 760, 460);
        Fxml.style(stage, scene);
        stage.setScene(scene);
        stage.setTitle("Add Hardware to " + machine.name() + " — VirtFX");
        if (owner != null) {
            stage.initOwner(owner);
            stage.initModality(Modality.WINDOW_MODAL);
        }
        stage.setOnCloseRequest(e -> {
            e.consume();
            cancel();
        });
    }

    @FXML
    void initialize() {
        deviceList.getItems().setAll(editors);
        deviceList.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(DeviceEditor d, boolean empty) {
                super.updateItem(d, empty);
                setText(empty || d == null ? null : d.title());
                setGraphic(empty || d == null ? null : AppResources.icon(d.icon()));
            }
        });
        deviceList.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> select(b));
        progress.setVisible(false);
        deviceList.getSelectionModel().selectFirst();
    }

    private void select(DeviceEditor d) {
        if (d == null) {
            return;
        }
        editorHolder.getChildren().setAll(d.view());
        editorTitle.setText(d.title());
        finishButton.disableProperty().unbind();
        finishButton.disableProperty().bind(d.invalid().or(working));
        d.entered();
    }

    /** Selects the editor titled {@code title} ("Disk", "CD-ROM", "Network", "Serial port", "Input"). */
    public void select(String title) {
        editors.stream().filter(e -> e.title().equals(title)).findFirst().ifPresent(e -> deviceList.getSelectionModel().select(e));
    }

    @FXML
    void finish() {
        DeviceEditor d = deviceList.getSelectionModel().getSelectedItem();
        if (d == null || d.invalid().get()) {
            return;
        }
        working.set(true);
        progress.setVisible(true);
        task = new OperationTask<>(p -> d.add(context.operations(), machine, p));
        progress.progressProperty().bind(task.progressProperty());
        status.textProperty().bind(task.messageProperty());
        task.setOnSucceeded(e -> {
            status.textProperty().unbind();
            stage.close();
            onFinished.accept(task.getValue());
        });
        task.setOnFailed(e -> {
            status.textProperty().unbind();
            progress.progressProperty().unbind();
            progress.setVisible(false);
            working.set(false);
            Throwable t = task.getException();
            status.setText("Could not add the " + d.title().toLowerCase(java.util.Locale.ROOT) + ": "
                    + (t.getMessage() != null ? t.getMessage() : t.toString()));
        });
        OperationTask.start(task, "virtfx-add-hardware");
    }

    @FXML
    void cancel() {
        if (task != null && task.isRunning()) {
            task.cancel();
            cancelButton.setDisable(true);
            OperationTask<VmDefinition> t = task;
            Thread.ofPlatform().daemon().name("virtfx-add-hardware-cancel").start(() -> {
                try {
                    t.awaitFinished();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                javafx.application.Platform.runLater(stage::close);
            });
            return;
        }
        stage.close();
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
