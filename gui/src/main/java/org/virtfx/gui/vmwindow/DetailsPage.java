package org.virtfx.gui.vmwindow;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.scene.Node;
import org.virtfx.engine.library.VmDefinition;

/**
 * One entry of the Details hardware list (virt-manager's details pages): shows part of a definition and, when
 * editable, turns the edited fields back into a definition. Each page kind is the controller of its own FXML layout
 * ({@code OverviewPage.fxml} ...) or wraps a reusable device editor ({@link DevicePage}); the surrounding
 * {@link DetailsPane} provides Apply/Revert.
 */
abstract class DetailsPage {
    private final String title;
    private final String icon;
    final BooleanProperty dirty = new SimpleBooleanProperty(false);
    private boolean loading;

    DetailsPage(String title, String icon) {
        this.title = title;
        this.icon = icon;
    }

    String title() {
        return title;
    }

    String icon() {
        return icon;
    }

    abstract Node content();

    /** Fills the fields from the definition (after Revert, Apply or an outside change). */
    void load(VmDefinition def) {
        loading = true;
        try {
            fill(def);
        } finally {
            loading = false;
        }
        dirty.set(false);
    }

    abstract void fill(VmDefinition def);

    /** The definition with this page's edits; throws IllegalArgumentException naming a bad value. */
    VmDefinition apply(VmDefinition def) {
        return def;
    }

    boolean editable() {
        return true;
    }

    /** Fields call this on every edit. */
    final void changed() {
        if (!loading) {
            dirty.set(true);
        }
    }

    /** Called while the page is visible on every graph tick. */
    void tick() {
    }

    @Override
    public String toString() {
        return title;
    }
}
