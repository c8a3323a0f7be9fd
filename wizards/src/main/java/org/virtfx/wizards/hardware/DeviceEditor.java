package org.virtfx.wizards.hardware;

import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.scene.Node;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;

/**
 * The editor of one kind of device (its own FXML layout and controller), the only one there is for that kind: the
 * Add Hardware dialog uses it to add a device, and the Details pages of a machine window use it to show and edit a
 * device the definition already has. It reads nothing but the definition and writes through {@link VmOperations}
 * (adding) or returns the edited part (Details).
 *
 * <p>Details: {@code load(part)} fills it, {@code view()} goes into the page, Apply calls {@code problem()} (null:
 * valid) and stores {@code value()}; {@link #changedProperty()} turns true on the first user edit after a load.
 * Add Hardware: {@link #invalid()} enables Finish, {@link #add} runs on a worker thread.
 *
 * @param <T> the definition part the editor edits (a disk image path, a serial port ...)
 */
public interface DeviceEditor<T> {
    /** "Disk", "CD-ROM", ... as the device lists show it. */
    String title();

    /** Ikonli literal for the lists. */
    String icon();

    /** The editor's layout (the root of its FXML). */
    Node view();

    /** Fills the fields from a device of the definition and clears {@link #changedProperty()}. */
    void load(T part);

    /** The part as edited. */
    T value();

    /** Null when the edited device is valid, else a message naming the value and the problem. */
    String problem();

    /** True while {@link #problem()} is not null (bound to the Finish button). */
    BooleanBinding invalid();

    /** True after a user edit since the last {@link #load}. */
    ReadOnlyBooleanProperty changedProperty();

    /** Whether the user can change a loaded device (false for fixed ones such as the PS/2 input or COM1). */
    default boolean editable() {
        return true;
    }

    /** Shown: re-check and focus the first field. */
    void entered();

    /** Adds the edited device to machine {@code definition.name()}; runs on a worker thread. */
    VmDefinition add(VmOperations operations, VmDefinition definition, OperationProgress progress) throws Exception;
}
