package org.virtfx.gui.vmwindow;

import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.devices.FileField;

/** Firmware and direct kernel boot ({@code BootPage.fxml}). */
final class BootPage extends DetailsPage {
    private final GridPane root;
    @FXML private FileField bios;
    @FXML private FileField kernel;
    @FXML private FileField initrd;
    @FXML private TextField append;

    BootPage() {
        super("Boot options", "mdi2r-rocket-launch-outline");
        root = Fxml.load(this);
        for (FileField f : List.of(bios, kernel, initrd)) {
            f.textProperty().addListener((o, a, b) -> changed());
        }
        append.textProperty().addListener((o, a, b) -> changed());
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        bios.setValue(def.bios());
        kernel.setValue(def.kernel());
        initrd.setValue(def.initrd());
        append.setText(def.append());
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        for (String p : new String[] {bios.problem("firmware"), kernel.problem("kernel"), initrd.problem("initial ramdisk")}) {
            if (p != null) {
                throw new IllegalArgumentException(p);
            }
        }
        if (initrd.value() != null && kernel.value() == null) {
            throw new IllegalArgumentException("an initial ramdisk needs a kernel");
        }
        return def.withBoot(bios.value(), kernel.value(), initrd.value(), append.getText());
    }
}
