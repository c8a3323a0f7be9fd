package org.virtfx.gui.vmwindow;

import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.stage.Screen;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.VmSession;

/** The graphics adapter and the guest's current mode ({@code DisplayPage.fxml}). */
final class DisplayPage extends DetailsPage {
    private final VmSession vm;
    private final GridPane root;
    @FXML private Label mode;
    @FXML private Label hostScale;

    DisplayPage(VmSession vm) {
        super("Display", "mdi2m-monitor");
        this.vm = vm;
        root = Fxml.load(this);
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        tick();
    }

    @Override
    boolean editable() {
        return false;
    }

    @Override
    void tick() {
        var board = vm.boardProperty().get();
        DisplaySurface surface = board == null ? null : board.lookup(DisplaySurface.class).orElse(null);
        mode.setText(surface == null ? "not running" : surface.width() + " × " + surface.height());
        var window = root.getScene() == null ? null : root.getScene().getWindow();
        double scale = window != null ? window.getOutputScaleX() : Screen.getPrimary().getOutputScaleX();
        hostScale.setText(Math.round(scale * 100) + " % (guest pixels are drawn on whole screen pixels where possible)");
    }
}
