package org.virtfx.wizards.delete;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.OperationTask;
import org.virtfx.wizards.WizardContext;

/**
 * Delete a machine, and with it the disks the user ticks. A disk another machine uses (directly, or as the backing
 * file of a linked clone) cannot be ticked, and its line says which machine needs it.
 */
public final class DeleteDialog {
    private final WizardContext context;
    private final String machine;
    private final Stage stage = new Stage();
    private final List<CheckBox> boxes = new ArrayList<>();
    private Consumer<VmOperations.DeleteResult> onFinished = r -> { };

    @FXML Label heading, status;
    @FXML VBox diskList;
    @FXML Button deleteButton, cancelButton;

    public DeleteDialog(Window owner, WizardContext context, String machine) {
        this.context = context;
        this.machine = machine;
        Fxml.dialog(stage, this, "Delete", 620, 360, "Delete " + machine + " — VirtFX", owner, null);
    }

    @FXML
    void initialize() {
        heading.setText("Delete machine '" + machine + "'?");
        List<VmOperations.Storage> storage;
        try {
            storage = context.operations().storageOf(machine);
        } catch (IOException e) {
            status.setText(e.getMessage());
            deleteButton.setDisable(true);
            return;
        }
        if (storage.isEmpty()) {
            diskList.getChildren().add(new Label("The machine has no disks."));
        }
        int i = 0;
        for (VmOperations.Storage s : storage) {
            String size = "";
            try {
                size = s.exists() ? "  (" + VmOperations.size(Files.size(s.file())) + " on disk)" : "";
            } catch (IOException e) {
                size = "";
            }
            CheckBox box = new CheckBox("Delete " + s.file() + size);
            box.setId("deleteDisk" + i++);
            box.setUserData(s.file());
            box.setWrapText(true);
            if (!s.deletable()) {
                box.setDisable(true);
                String why = s.exists() ? "Kept: " + s.keptBecause() + "." : "Missing: the file does not exist.";
                box.setText(box.getText() + "\n" + why);
                box.setTooltip(new Tooltip(why));
            }
            boxes.add(box);
            diskList.getChildren().add(box);
        }
    }

    /** The disks the user ticked. */
    public List<Path> chosenStorage() {
        return boxes.stream().filter(CheckBox::isSelected).map(b -> (Path) b.getUserData()).toList();
    }

    @FXML
    void delete() {
        List<Path> chosen = chosenStorage();
        deleteButton.setDisable(true);
        cancelButton.setDisable(true);
        status.setText("Deleting…");
        OperationTask<VmOperations.DeleteResult> task = new OperationTask<>(p -> context.operations().delete(machine, chosen));
        task.setOnSucceeded(e -> {
            stage.close();
            onFinished.accept(task.getValue());
        });
        task.setOnFailed(e -> {
            cancelButton.setDisable(false);
            status.setText("Could not delete: " + task.getException().getMessage());
        });
        OperationTask.start(task, "virtfx-delete");
    }

    @FXML
    void cancel() {
        stage.close();
    }

    public DeleteDialog onFinished(Consumer<VmOperations.DeleteResult> handler) {
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
