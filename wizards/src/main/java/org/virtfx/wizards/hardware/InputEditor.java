package org.virtfx.wizards.hardware;

import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ChoiceBox;
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;

/** An input device beyond the PS/2 keyboard and mouse every machine has (e.g. an absolute-pointer tablet). */
public final class InputEditor implements DeviceEditor {
    private final VBox view;

    @FXML ChoiceBox<String> typeChoice;

    public InputEditor() {
        this.view = Fxml.load(this, "InputEditor");
    }

    @FXML
    void initialize() {
        typeChoice.getItems().setAll(VmDefinition.InputDevice.TYPES);
        typeChoice.setValue("tablet");
    }

    @Override
    public String title() {
        return "Input";
    }

    @Override
    public String icon() {
        return "mdi2k-keyboard-outline";
    }

    @Override
    public Node view() {
        return view;
    }

    @Override
    public BooleanBinding invalid() {
        return Bindings.createBooleanBinding(() -> typeChoice.getValue() == null, typeChoice.valueProperty());
    }

    @Override
    public void entered() {
        Platform.runLater(typeChoice::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        return ops.addInput(def.name(), typeChoice.getValue());
    }
}
