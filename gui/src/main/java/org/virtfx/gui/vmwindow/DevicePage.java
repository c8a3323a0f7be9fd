package org.virtfx.gui.vmwindow;

import java.util.function.BiFunction;
import java.util.function.Function;
import javafx.scene.Node;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.wizards.hardware.DeviceEditor;

/**
 * A Details page for one device: its view and validation are the reusable {@link DeviceEditor} (the same the Add
 * Hardware dialog uses); the page only says which part of the definition the editor edits.
 */
final class DevicePage<T> extends DetailsPage {
    private final DeviceEditor<T> editor;
    private final Function<VmDefinition, T> part;
    private final BiFunction<VmDefinition, T, VmDefinition> store;

    /**
     * @param part  reads the device's part from a definition
     * @param store returns the definition with the edited part (null for read-only devices)
     */
    DevicePage(String title, DeviceEditor<T> editor, Function<VmDefinition, T> part,
               BiFunction<VmDefinition, T, VmDefinition> store) {
        super(title, editor.icon());
        this.editor = editor;
        this.part = part;
        this.store = store;
        editor.changedProperty().addListener((o, a, b) -> {
            if (b) {
                changed();
            }
        });
    }

    DeviceEditor<T> editor() {
        return editor;
    }

    @Override
    Node content() {
        return editor.view();
    }

    @Override
    void fill(VmDefinition def) {
        editor.load(part.apply(def));
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        String problem = editor.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return store == null ? def : store.apply(def, editor.value());
    }

    @Override
    boolean editable() {
        return store != null && editor.editable();
    }
}
