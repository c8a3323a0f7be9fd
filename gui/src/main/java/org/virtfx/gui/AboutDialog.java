package org.virtfx.gui;

import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.image.ImageView;
import javafx.stage.Window;
import org.virtfx.engine.cli.Main;
import org.virtfx.resources.AppResources;

/** Help > About: version, runtime and what VirtFX is. */
public final class AboutDialog extends Alert {
    public AboutDialog(Window owner) {
        super(AlertType.INFORMATION, "", ButtonType.CLOSE);
        initOwner(owner);
        setTitle("About VirtFX");
        setHeaderText("VirtFX " + Main.version());
        ImageView icon = new ImageView(AppResources.appIcons().get(3));
        setGraphic(icon);
        setContentText("Virtual machines on your Linux desktop, with VirtFX's own in-process PC engine "
                + "(software x86 CPU, i440FX chipset, SeaBIOS, VGA).\n\n"
                + "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")\n"
                + "JavaFX " + System.getProperty("javafx.runtime.version", "?"));
        getDialogPane().setId("aboutDialog");
    }
}
