package org.virtfx.wizards.hardware;

import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;

/** A serial port beyond COM1: which one, and the file its output is written to. */
public final class SerialEditor implements DeviceEditor {
    private final VmDefinition machine;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML ChoiceBox<Integer> portChoice;
    @FXML PathField logField;
    @FXML Label message;

    public SerialEditor(VmDefinition machine) {
        this.machine = machine;
        this.view = Fxml.load(this, "SerialEditor");
    }

    @FXML
    void initialize() {
        for (int p = 2; p <= 4; p++) {
            int port = p;
            if (machine.serialPorts().stream().noneMatch(s -> s.port() == port)) {
                portChoice.getItems().add(p);
            }
        }
        if (!portChoice.getItems().isEmpty()) {
            portChoice.setValue(portChoice.getItems().getFirst());
        }
        validation.error(logField.textField(), () -> VmOperations.freeSerialPort(machine).isEmpty()
                ? "COM2, COM3 and COM4 are all defined already." : null);
        message.textProperty().bind(validation.message());
    }

    @Override
    public String title() {
        return "Serial port";
    }

    @Override
    public String icon() {
        return "mdi2c-console-line";
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
        Platform.runLater(portChoice::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        return ops.addSerialPort(def.name(), portChoice.getValue(), logField.value());
    }
}
