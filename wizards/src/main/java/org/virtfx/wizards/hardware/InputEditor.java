package org.virtfx.wizards.hardware;

import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;

/**
 * Input devices ({@code InputEditor.fxml}). Every machine has the PS/2 keyboard and mouse on the i8042 controller
 * (the part null); Add Hardware ({@link #adding}) adds a further device such as an absolute-pointer tablet. On a
 * Details page ({@link #attached}) it describes a device and how the console's keyboard grab is released; nothing
 * there can be changed.
 */
public final class InputEditor extends EditorBase<VmDefinition.InputDevice> {
    private static final String PS2 = "PS/2 keyboard and mouse";
    private final boolean adding;
    private VmDefinition.InputDevice device;

    @FXML ChoiceBox<String> typeChoice;
    @FXML Label description, release;

    private InputEditor(boolean adding, String releaseKeys) {
        super("Input", "mdi2k-keyboard-outline");
        this.adding = adding;
        loadLayout("InputEditor");
        release.setText("Click the console to grab keyboard and mouse; " + releaseKeys + " releases them.");
    }

    /** An editor for a further input device (Add Hardware). */
    public static InputEditor adding() {
        InputEditor e = new InputEditor(true, "Ctrl+Alt");
        e.typeChoice.getItems().setAll(VmDefinition.InputDevice.TYPES);
        e.typeChoice.setValue("tablet");
        return e;
    }

    /** An editor showing an input device of the machine (a Details page), with the console's release keys. */
    public static InputEditor attached(String releaseKeys) {
        InputEditor e = new InputEditor(false, releaseKeys == null ? "Ctrl+Alt" : releaseKeys);
        e.typeChoice.setDisable(true);
        return e;
    }

    @FXML
    void initialize() {
        typeChoice.valueProperty().addListener((o, a, b) -> {
            edited();
            describe(b);
        });
    }

    private void describe(String type) {
        description.setText(PS2.equals(type)
                ? "PS/2 keyboard (IRQ 1) and mouse (IRQ 12, relative motion) on the i8042 controller. Keys are sent by"
                        + " position (evdev codes); the guest's keyboard layout decides what they type."
                : "A " + type + " is kept in the definition; the engine has no USB controller yet, so it is not"
                        + " emulated in this build.");
    }

    /** @param part an added device, or null for the built-in PS/2 pair */
    @Override
    public void load(VmDefinition.InputDevice part) {
        loading(() -> {
            device = part;
            String type = part == null ? PS2 : part.type();
            typeChoice.getItems().setAll(type);
            typeChoice.setValue(type);
        });
    }

    @Override
    public VmDefinition.InputDevice value() {
        return adding ? new VmDefinition.InputDevice(typeChoice.getValue()) : device;
    }

    @Override
    public String problem() {
        return typeChoice.getValue() == null ? "Choose the kind of input device." : null;
    }

    @Override
    public BooleanBinding invalid() {
        return Bindings.createBooleanBinding(() -> problem() != null, typeChoice.valueProperty());
    }

    @Override
    public boolean editable() {
        return adding;
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
