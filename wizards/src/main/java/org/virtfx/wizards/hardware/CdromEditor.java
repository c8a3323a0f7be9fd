package org.virtfx.wizards.hardware;

import java.nio.file.Files;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.IsoImage;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;

/**
 * The CD-ROM drive (ATAPI, secondary master) and the ISO in it ({@code CdromEditor.fxml}); a machine has one at
 * most. The part is the ISO path. Adding ({@link #adding}) needs an ISO; on a Details page ({@link #attached}) an
 * empty field ejects the medium.
 */
public final class CdromEditor extends EditorBase<String> {
    /** The machine to add the drive to; null on a Details page. */
    private final VmDefinition machine;
    private final PageValidation validation = new PageValidation();

    @FXML PathField isoField;
    @FXML Label ejectHint, message;

    private CdromEditor(VmDefinition machine) {
        super("CD-ROM", "mdi2d-disc");
        this.machine = machine;
        loadLayout("CdromEditor");
        ejectHint.setVisible(machine == null);
        if (machine == null) {
            isoField.setFieldId("cdromField");
            isoField.setClearable(true);
        }
    }

    /** An editor for the drive {@code machine} does not have yet (Add Hardware). */
    public static CdromEditor adding(VmDefinition machine) {
        return new CdromEditor(machine);
    }

    /** An editor for the machine's drive (a Details page). */
    public static CdromEditor attached() {
        return new CdromEditor(null);
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
        isoField.textProperty().addListener((o, a, b) -> edited());
    }

    @Override
    public String problem() {
        if (machine != null && machine.cdrom() != null && !machine.cdrom().isBlank()) {
            return "'" + machine.name() + "' already has its CD-ROM drive (with " + machine.cdrom()
                    + "); change the medium on its CD-ROM page.";
        }
        if (machine != null && isoField.value() == null) {
            return "Choose the ISO image to put in the drive.";
        }
        return isoField.missingFileProblem("CD-ROM");
    }

    @Override
    public void load(String path) {
        loading(() -> isoField.setValue(path == null ? null : Path.of(path)));
        validation.revalidate();
    }

    @Override
    public String value() {
        Path p = isoField.value();
        return p == null ? null : p.toString();
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
