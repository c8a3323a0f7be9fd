package org.virtfx.wizards.newvm;

import java.nio.file.Path;
import java.util.Locale;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;
import org.virtfx.wizards.RecentMedia;

/** Step 1: where the operating system comes from — an ISO, an existing disk, or a kernel booted directly. */
final class SourcePageController implements WizardPage {
    private final NewVmModel model;
    private final RecentMedia recent;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML ToggleGroup sourceGroup;
    @FXML RadioButton isoRadio, importRadio, kernelRadio;
    @FXML PathField isoField, importField, kernelField, initrdField;
    @FXML TextField kernelArgs;
    @FXML GridPane kernelGrid;
    @FXML ListView<Path> recentList;
    @FXML Label message;

    SourcePageController(NewVmModel model, RecentMedia recent) {
        this.model = model;
        this.recent = recent;
        this.view = Fxml.load(this, "SourcePage");
    }

    @FXML
    void initialize() {
        isoRadio.setUserData(NewVmModel.Source.ISO);
        importRadio.setUserData(NewVmModel.Source.IMPORT);
        kernelRadio.setUserData(NewVmModel.Source.KERNEL);
        sourceGroup.selectedToggleProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.source.set((NewVmModel.Source) b.getUserData());
                updateEnabled();
                validation.revalidate();
            }
        });
        bind(isoField, model.iso);
        bind(importField, model.importDisk);
        bind(kernelField, model.kernel);
        bind(initrdField, model.initrd);
        kernelArgs.textProperty().bindBidirectional(model.kernelArgs);
        updateEnabled();

        validation.error(isoField.textField(), () -> model.source.get() == NewVmModel.Source.ISO ? model.sourceProblem() : null);
        validation.warning(isoField.textField(), model::sourceWarning);
        validation.error(importField.textField(), () -> model.source.get() == NewVmModel.Source.IMPORT ? model.sourceProblem() : null);
        validation.error(kernelField.textField(), () -> model.source.get() == NewVmModel.Source.KERNEL ? model.sourceProblem() : null);
        message.textProperty().bind(validation.message());

        recentList.getItems().setAll(recent.list());
        recentList.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(Path p, boolean empty) {
                super.updateItem(p, empty);
                setText(empty || p == null ? null : p.getFileName() + "   —   " + p.getParent());
            }
        });
        recentList.setOnMouseClicked(e -> {
            if (e.getClickCount() == 2) {
                useRecent();
            }
        });
        recentList.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.SPACE) {
                useRecent();
                e.consume();
            }
        });
    }

    private static void bind(PathField field, javafx.beans.property.ObjectProperty<Path> prop) {
        field.textProperty().addListener((o, a, b) -> prop.set(field.value()));
        prop.addListener((o, a, b) -> {
            if (b == null ? field.value() != null : !b.equals(field.value())) {
                field.setValue(b);
            }
        });
    }

    /** Puts the selected recent medium into the field its kind belongs to. */
    private void useRecent() {
        Path p = recentList.getSelectionModel().getSelectedItem();
        if (p == null) {
            return;
        }
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".iso")) {
            isoRadio.setSelected(true);
            model.iso.set(p);
        } else if (n.matches(".*\\.(qcow2|img|raw|vdi|vmdk|vhd|vhdx)$")) {
            importRadio.setSelected(true);
            model.importDisk.set(p);
        } else {
            kernelRadio.setSelected(true);
            model.kernel.set(p);
        }
        validation.revalidate();
    }

    private void updateEnabled() {
        NewVmModel.Source s = model.source.get();
        isoField.setDisable(s != NewVmModel.Source.ISO);
        importField.setDisable(s != NewVmModel.Source.IMPORT);
        kernelGrid.setDisable(s != NewVmModel.Source.KERNEL);
    }

    @Override
    public String title() {
        return "Installation source";
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
        Platform.runLater(() -> (switch (model.source.get()) {
            case ISO -> isoField.textField();
            case IMPORT -> importField.textField();
            case KERNEL -> kernelField.textField();
        }).requestFocus());
    }
}
