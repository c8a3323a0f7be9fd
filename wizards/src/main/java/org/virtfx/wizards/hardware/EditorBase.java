package org.virtfx.wizards.hardware;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.scene.Node;
import javafx.scene.Parent;
import org.virtfx.wizards.Fxml;

/**
 * What every {@link DeviceEditor} shares: its name, icon and FXML layout, and the change tracking in which edits made
 * while loading do not count.
 */
abstract class EditorBase<T> implements DeviceEditor<T> {
    private final String title;
    private final String icon;
    private final ReadOnlyBooleanWrapper changed = new ReadOnlyBooleanWrapper(false);
    private Parent view;
    private boolean loading;

    EditorBase(String title, String icon) {
        this.title = title;
        this.icon = icon;
    }

    /**
     * Loads {@code NAME.fxml} with this editor as its controller. Subclasses call it at the end of their constructor,
     * once the fields their {@code initialize()} uses are set.
     */
    final void loadLayout(String name) {
        view = Fxml.load(this, name);
    }

    /** Runs {@code fill} without counting it as an edit, then clears {@link #changedProperty()}. */
    final void loading(Runnable fill) {
        loading = true;
        try {
            fill.run();
        } finally {
            loading = false;
        }
        changed.set(false);
    }

    /** Fields call this on every change. */
    final void edited() {
        if (!loading) {
            changed.set(true);
        }
    }

    @Override
    public final String title() {
        return title;
    }

    @Override
    public final String icon() {
        return icon;
    }

    @Override
    public final Node view() {
        return view;
    }

    @Override
    public final ReadOnlyBooleanProperty changedProperty() {
        return changed.getReadOnlyProperty();
    }
}
