package org.virtfx.wizards.hardware;

import javafx.beans.binding.BooleanBinding;
import javafx.scene.Node;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;

/**
 * The editor of one kind of device in Add Hardware (its own FXML file and controller). The same editors can serve a
 * Details page: they read nothing but the machine's definition and write through {@link VmOperations}.
 */
public interface DeviceEditor {
    /** "Disk", "CD-ROM", ... as the device list shows it. */
    String title();

    /** Ikonli literal for the list. */
    String icon();

    Node view();

    BooleanBinding invalid();

    /** Shown: re-check and focus the first field. */
    void entered();

    /** Adds the device to machine {@code definition.name()}; runs on a worker thread. */
    VmDefinition add(VmOperations operations, VmDefinition definition, OperationProgress progress) throws Exception;
}
