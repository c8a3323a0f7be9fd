package org.virtfx.wizards.hardware;

import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;

/**
 * Input devices ({@code InputEditor.fxml}). Every machine has the PS/2 keyboard and mouse on the i8042 controller
 * (the part null); Add Hardware ({@link #adding}) adds a further device such as an absolute-pointer tablet. On a
 * Details page it describes the PS/2 pair and how the console's keyboard grab is released ({@link #attached}, nothing
 * to change), or edits an added device ({@link #addedDevice}: its type, or its removal on Apply).
 */
public final class InputEditor extends EditorBase<VmDefinition.InputDevice> {
    private static final String PS2 = "PS/2 keyboard and mouse";
    private final boolean adding;
    /** A Details page of an added device: its type can change and it can be removed. */
    private final boolean removable;
    private VmDefinition.InputDevice device;

    @FXML ChoiceBox<String> typeChoice;
    @FXML CheckBox removeBox;
    @FXML Label description, release;

    private InputEditor(boolean adding, boolean removable, String releaseKeys) {
        super("Input", "mdi2k-keyboard-outline");
        this.adding = adding;
        this.removable = removable;
        loadLayout("InputEditor");
        release.setText("Click the console to grab keyboard and mouse; " + releaseKeys + " releases them.");
        removeBox.setVisible(removable);
        removeBox.setManaged(removable);
    }

    /** An editor for a further input device (Add Hardware). */
    public static InputEditor adding() {
        InputEditor e = new InputEditor(true, false, "Ctrl+Alt");
        e.typeChoice.getItems().setAll(VmDefinition.InputDevice.TYPES);
        e.typeChoice.setValue("tablet");
        return e;
    }

    /** An editor showing the built-in PS/2 pair (a Details page), with the console's release keys; fixed. */
    public static InputEditor attached(String releaseKeys) {
        InputEditor e = new InputEditor(false, false, releaseKeys == null ? "Ctrl+Alt" : releaseKeys);
        e.typeChoice.setDisable(true);
        return e;
    }

    /**
     * An editor for a device added to the machine (a Details page): the type can change, and Apply with Remove
     * ticked takes the device out ({@link #value()} null).
     */
    public static InputEditor addedDevice(String releaseKeys) {
        return new InputEditor(false, true, releaseKeys == null ? "Ctrl+Alt" : releaseKeys);
    }

    @FXML
    void initialize() {
        typeChoice.valueProperty().addListener((o, a, b) -> {
            edited();
            describe(b);
        });
        removeBox.selectedProperty().addListener((o, a, b) -> {
            edited();
            typeChoice.setDisable(b);
        });
    }

    private void describe(String type) {
        description.setText(PS2.equals(type)
                ? "PS/2 keyboard (IRQ 1) and mouse (IRQ 12, relative motion) on the i8042 controller. Keys are sent by"
                        + " position (evdev codes); the guest's keyboard layout decides what they type."
                : type == null ? "" : switch (type) {
                    case "tablet" -> "virtio tablet (PCI 1AF4:1052, Linux virtio_input): an absolute pointer, so the"
                            + " console and VNC send the host pointer's position and the mouse needs no grab.";
                    case "keyboard" -> "virtio keyboard (PCI 1AF4:1052) for guests that want one; the host's keys"
                            + " still go to the PS/2 keyboard.";
                    default -> "virtio mouse (PCI 1AF4:1052) for guests that want one; the host's relative motion"
                            + " still goes to the PS/2 mouse.";
                });
    }

    /** @param part an added device, or null for the built-in PS/2 pair */
    @Override
    public void load(VmDefinition.InputDevice part) {
        loading(() -> {
            removeBox.setSelected(false);
            if (removable && part == null) {
                return;   // the device was just removed: its page goes away
            }
            device = part;
            String type = part == null ? PS2 : part.type();
            if (removable) {
                typeChoice.getItems().setAll(VmDefinition.InputDevice.TYPES);
            } else {
                typeChoice.getItems().setAll(type);
            }
            typeChoice.setValue(type);
        });
    }

    /** Whether Apply removes the device (Details of an added device only). */
    public boolean removing() {
        return removable && removeBox.isSelected();
    }

    /** The device as edited; null for the PS/2 pair or a device to be removed. */
    @Override
    public VmDefinition.InputDevice value() {
        if (removing()) {
            return null;
        }
        return adding || removable ? new VmDefinition.InputDevice(typeChoice.getValue()) : device;
    }

    @Override
    public String problem() {
        return !removing() && typeChoice.getValue() == null ? "Choose the kind of input device." : null;
    }

    @Override
    public BooleanBinding invalid() {
        return Bindings.createBooleanBinding(() -> problem() != null, typeChoice.valueProperty());
    }

    @Override
    public boolean editable() {
        return adding || removable;
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
