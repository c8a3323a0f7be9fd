package org.virtfx.gui.devices;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.scene.Node;

/**
 * An editor for one device of a machine definition, shared by the Details pages and the Add Hardware dialog. Each
 * kind has its own FXML layout and controller ({@link DiskEditor}, {@link CdromEditor}, {@link SerialEditor},
 * {@link InputEditor}).
 *
 * <p>Use: {@code editor.load(part)} fills it from the definition's part (null for a new device), put
 * {@code editor.view()} into a dialog or page, and on OK/Apply call {@code editor.problem()}: null means valid and
 * {@code editor.value()} is the part to store; otherwise the text names the bad value for an error label.
 * {@link #changedProperty()} turns true on the first user edit after a load (for Apply/Revert enablement).
 *
 * @param <T> the definition part the editor edits (a disk image path, an ISO path ...)
 */
public interface DeviceEditor<T> {
    /** The editor's layout (the root of its FXML). */
    Node view();

    /** Fills the fields from {@code part} (null: the device's defaults) and clears {@link #changedProperty()}. */
    void load(T part);

    /** The part as edited. */
    T value();

    /** Null when {@link #value()} is valid, else a message naming the value and the problem. */
    String problem();

    /** True after a user edit since the last {@link #load}. */
    ReadOnlyBooleanProperty changedProperty();

    /** Whether the user can change anything (false for fixed devices such as the PS/2 input). */
    default boolean editable() {
        return true;
    }
}
