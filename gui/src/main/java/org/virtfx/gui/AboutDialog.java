package org.virtfx.gui;

import javafx.fxml.FXML;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.stage.Window;
import org.virtfx.engine.cli.Main;
import org.virtfx.resources.AppResources;

/** Help > About ({@code AboutDialog.fxml}, this class is its controller): version, runtime and what VirtFX is. */
public final class AboutDialog extends Dialog<ButtonType> {
    @FXML private ImageView appIcon;
    @FXML private Label runtime;

    public AboutDialog(Window owner) {
        initOwner(owner);
        setTitle("About VirtFX");
        DialogPane pane = Fxml.load(this);
        setDialogPane(pane);
        pane.setHeaderText("VirtFX " + Main.version());
        appIcon.setImage(AppResources.appIcons().get(3));
        runtime.setText("Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")\n"
                + "JavaFX " + System.getProperty("javafx.runtime.version", "?"));
    }
}
