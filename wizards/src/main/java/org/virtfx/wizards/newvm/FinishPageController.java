package org.virtfx.wizards.newvm;

import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;

/** Step 5: name, network and "Customize before install", with a summary of everything chosen. */
final class FinishPageController implements WizardPage {
    private final NewVmModel model;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML TextField nameField;
    @FXML ChoiceBox<String> networkChoice;
    @FXML CheckBox customizeBox;
    @FXML Label summary, networkNote, message;

    FinishPageController(NewVmModel model) {
        this.model = model;
        this.view = Fxml.load(this, "FinishPage");
    }

    @FXML
    void initialize() {
        nameField.setText(model.name.get());
        model.name.addListener((o, a, b) -> {
            if (!b.equals(nameField.getText())) {
                nameField.setText(b);
            }
        });
        nameField.textProperty().addListener((o, a, b) -> {
            if (!b.equals(model.name.get())) {
                model.nameEdited = true;
                model.name.set(b);
            }
            validation.revalidate();
        });
        networkChoice.getItems().setAll("user", "none");
        networkChoice.setConverter(new StringConverter<>() {
            @Override
            public String toString(String s) {
                return s == null ? "" : s.equals("user") ? "User-mode NAT (" + NewVmModel.NIC_MODEL + ")" : "None";
            }

            @Override
            public String fromString(String s) {
                return s;
            }
        });
        networkChoice.valueProperty().bindBidirectional(model.network);
        networkNote.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> "user".equals(model.network.get())
                ? "A " + NewVmModel.NIC_MODEL + " card with a new MAC address, behind NAT through the host (as QEMU's user "
                        + "network: the guest gets 10.0.2.15 by DHCP). Details can change the card later."
                : "No network card. Add Hardware can add one later.", model.network));
        customizeBox.selectedProperty().bindBidirectional(model.customize);
        validation.error(nameField, model::nameProblem);
        message.textProperty().bind(validation.message());
    }

    private void updateSummary() {
        StringBuilder sb = new StringBuilder();
        sb.append("Install from: ").append(switch (model.source.get()) {
            case ISO -> String.valueOf(model.iso.get());
            case IMPORT -> "imported disk " + model.importDisk.get();
            case KERNEL -> "kernel " + model.kernel.get();
        }).append('\n');
        sb.append("System: ").append(model.os.get() == null ? "unknown" : model.os.get().name()).append('\n');
        sb.append("Memory: ").append(model.memoryMiB.get()).append(" MiB, CPUs: ").append(model.cpus.get()).append('\n');
        sb.append("Storage: ").append(switch (model.storage.get()) {
            case NEW -> model.plannedDiskFile() == null ? "new disk" : "new " + model.diskSizeGiB.get() + " GiB " + model.diskFormat.get() + " disk " + model.plannedDiskFile();
            case EXISTING -> String.valueOf(model.existingDisk.get());
            case NONE -> "none";
        });
        summary.setText(sb.toString());
    }

    @Override
    public String title() {
        return "Name and network";
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
        updateSummary();
        validation.revalidate();
        Platform.runLater(() -> {
            nameField.requestFocus();
            nameField.selectAll();
        });
    }

    void revalidate() {
        validation.revalidate();
    }
}
