package org.virtfx.wizards.hardware;

import java.nio.file.Files;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.IsoImage;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;

/** The CD-ROM drive (ATAPI, secondary master) with an ISO in it; a machine has one at most. */
public final class CdromEditor implements DeviceEditor {
    private final VmDefinition machine;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML PathField isoField;
    @FXML Label message;

    public CdromEditor(VmDefinition machine) {
        this.machine = machine;
        this.view = Fxml.load(this, "CdromEditor");
    }

    @FXML
    void initialize() {
        validation.error(isoField.textField(), this::problem);
        validation.warning(isoField.textField(), () -> {
            Path p = isoField.value();
            return p != null && Files.isRegularFile(p) && !IsoImage.looksLikeIso(p)
                    ? p.getFileName() + " does not look like an ISO 9660 image." : null;
        });
        message.textProperty().bind(validation.message());
    }

    private String problem() {
        if (machine.cdrom() != null && !machine.cdrom().isBlank()) {
            return "'" + machine.name() + "' already has its CD-ROM drive (with " + machine.cdrom()
                    + "); change the medium on its CD-ROM page.";
        }
        Path p = isoField.value();
        if (p == null) {
            return "Choose the ISO image to put in the drive.";
        }
        return Files.isRegularFile(p) ? null : "No such file: " + p;
    }

    @Override
    public String title() {
        return "CD-ROM";
    }

    @Override
    public String icon() {
        return "mdi2d-disc";
    }

    @Override
    public Node view() {
        return view;
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public void entered() {
        validation.revalidate();
        Platform.runLater(isoField.textField()::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        return ops.addCdrom(def.name(), isoField.value());
    }
}
