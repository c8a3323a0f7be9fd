package org.virtfx.wizards.hardware;

import java.io.IOException;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import org.virtfx.engine.library.MacAddresses;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.PageValidation;

/**
 * A network card ({@code NicEditor.fxml}): model, network, and a MAC address unique in the library (generated, or
 * typed). Adding ({@link #adding}) checks the address against the library; a Details page ({@link #attached}) shows
 * a card of the machine, fixed (the engine does not emulate network cards yet).
 */
public final class NicEditor extends EditorBase<VmDefinition.Nic> {
    private final List<String> macsInUse;
    private final boolean adding;
    private final PageValidation validation = new PageValidation();

    @FXML ChoiceBox<String> modelChoice, networkChoice;
    @FXML TextField macField;
    @FXML Button generateButton;
    @FXML Label note, message;

    private NicEditor(List<String> macsInUse, boolean adding) {
        super("Network", "mdi2l-lan");
        this.macsInUse = macsInUse;
        this.adding = adding;
        loadLayout("NicEditor");
    }

    /** An editor for a new card; its address must differ from every card's in the library. */
    public static NicEditor adding(VmOperations operations) throws IOException {
        NicEditor e = new NicEditor(operations.macsInUse(), true);
        e.generate();
        return e;
    }

    /** An editor showing a card of the machine (a Details page). */
    public static NicEditor attached() {
        NicEditor e = new NicEditor(List.of(), false);
        for (javafx.scene.control.Control c : List.of(e.modelChoice, e.networkChoice, e.macField, e.generateButton)) {
            c.setDisable(true);
        }
        return e;
    }

    @FXML
    void initialize() {
        modelChoice.getItems().setAll(VmDefinition.Nic.MODELS);
        modelChoice.setValue("e1000");
        networkChoice.getItems().setAll(VmDefinition.Nic.NETWORKS);
        networkChoice.setValue("user");
        macField.textProperty().addListener((o, a, b) -> edited());
        modelChoice.valueProperty().addListener((o, a, b) -> edited());
        networkChoice.valueProperty().addListener((o, a, b) -> edited());
        note.setText("The card and its address are kept in the definition (and renewed by Clone). This build of the "
                + "engine does not emulate network cards yet, so the guest does not see it.");
        validation.error(macField, this::problem);
        message.textProperty().bind(validation.message());
    }

    @FXML
    void generate() {
        macField.setText(MacAddresses.random(macsInUse));
    }

    @Override
    public String problem() {
        try {
            String mac = MacAddresses.parse(macField.getText().strip());
            return adding && macsInUse.contains(mac) ? "Another card in the library has " + mac + "." : null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Override
    public void load(VmDefinition.Nic nic) {
        loading(() -> {
            modelChoice.setValue(nic.model());
            networkChoice.setValue(nic.network());
            macField.setText(nic.mac());
        });
        validation.revalidate();
    }

    @Override
    public VmDefinition.Nic value() {
        return new VmDefinition.Nic(modelChoice.getValue(), MacAddresses.parse(macField.getText().strip()), networkChoice.getValue());
    }

    @Override
    public boolean editable() {
        return adding;
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
