package org.virtfx.gui.vmwindow;

import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.wizards.PathField;

/** Firmware and direct kernel boot ({@code BootPage.fxml}). */
final class BootPage extends DetailsPage {
    private final GridPane root;
    @FXML private PathField bios;
    @FXML private PathField kernel;
    @FXML private PathField initrd;
    @FXML private TextField append;

    BootPage() {
        super("Boot options", "mdi2r-rocket-launch-outline");
        root = Fxml.load(this);
        for (PathField f : List.of(bios, kernel, initrd)) {
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
        bios.setValue(path(def.bios()));
        kernel.setValue(path(def.kernel()));
        initrd.setValue(path(def.initrd()));
        append.setText(def.append());
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        for (String p : new String[] {bios.missingFileProblem("firmware"), kernel.missingFileProblem("kernel"),
                initrd.missingFileProblem("initial ramdisk")}) {
            if (p != null) {
                throw new IllegalArgumentException(p);
            }
        }
        if (initrd.value() != null && kernel.value() == null) {
            throw new IllegalArgumentException("an initial ramdisk needs a kernel");
        }
        return def.withBoot(text(bios), text(kernel), text(initrd), append.getText());
    }

    private static java.nio.file.Path path(String p) {
        return p == null ? null : java.nio.file.Path.of(p);
    }

    private static String text(PathField f) {
        return f.value() == null ? null : f.value().toString();
    }
}
