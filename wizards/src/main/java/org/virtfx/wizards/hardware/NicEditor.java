package org.virtfx.wizards.hardware;

import java.io.IOException;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.MacAddresses;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;

/** A network card: model, network, and a MAC address unique in the library (generated, or typed). */
public final class NicEditor implements DeviceEditor {
    private final List<String> macsInUse;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML ChoiceBox<String> modelChoice, networkChoice;
    @FXML TextField macField;
    @FXML Label note, message;

    public NicEditor(VmOperations operations) throws IOException {
        this.macsInUse = operations.macsInUse();
        this.view = Fxml.load(this, "NicEditor");
    }

    @FXML
    void initialize() {
        modelChoice.getItems().setAll(VmDefinition.Nic.MODELS);
        modelChoice.setValue("e1000");
        networkChoice.getItems().setAll(VmDefinition.Nic.NETWORKS);
        networkChoice.setValue("user");
        generate();
        note.setText("The card and its address are kept in the definition (and renewed by Clone). This build of the "
                + "engine does not emulate network cards yet, so the guest does not see it.");
        validation.error(macField, () -> {
            try {
                String mac = MacAddresses.parse(macField.getText().strip());
                return macsInUse.contains(mac) ? "Another card in the library has " + mac + "." : null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        message.textProperty().bind(validation.message());
    }

    @FXML
    void generate() {
        macField.setText(MacAddresses.random(macsInUse));
    }

    @Override
    public String title() {
        return "Network";
    }

    @Override
    public String icon() {
        return "mdi2l-lan";
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
        validation.revalidate();
        Platform.runLater(modelChoice::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        return ops.addNic(def.name(), modelChoice.getValue(), networkChoice.getValue(), macField.getText().strip());
    }
}
