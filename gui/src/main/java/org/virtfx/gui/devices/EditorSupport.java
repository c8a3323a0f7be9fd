package org.virtfx.gui.devices;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;

/** The change tracking every {@link DeviceEditor} shares: edits made while loading do not count. */
final class EditorSupport {
    private final ReadOnlyBooleanWrapper changed = new ReadOnlyBooleanWrapper(false);
    private boolean loading;

    void loading(Runnable fill) {
        loading = true;
        try {
            fill.run();
        } finally {
            loading = false;
        }
        changed.set(false);
    }

    void edited() {
        if (!loading) {
            changed.set(true);
        }
    }

    ReadOnlyBooleanProperty changedProperty() {
        return changed.getReadOnlyProperty();
    }
}
