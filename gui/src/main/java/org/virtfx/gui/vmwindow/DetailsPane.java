package org.virtfx.gui.vmwindow;

import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.resources.AppResources;

/**
 * The Details view: the hardware list on the left, the selected page on the right with Apply and Revert. Changes to
 * a running machine are stored at once and take effect after its next power-off; the page says so.
 */
public final class DetailsPane extends BorderPane {
    private final AppServices services;
    private final VmSession vm;
    private final ListView<DetailsPage> list = new ListView<>();
    private final Label title = new Label();
    private final Label note = new Label();
    private final Label error = new Label();
    private final Button apply = new Button("Apply");
    private final Button revert = new Button("Revert");
    private final BorderPane page = new BorderPane();
    private boolean active;

    public DetailsPane(AppServices services, VmSession vm) {
        this.services = services;
        this.vm = vm;
        List<DetailsPage> pages = DetailsPages.forMachine(services, vm);
        list.getItems().setAll(pages);
        list.setId("hardwareList");
        list.setPrefWidth(190);
        list.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(DetailsPage p, boolean empty) {
                super.updateItem(p, empty);
                setText(empty || p == null ? null : p.title());
                setGraphic(empty || p == null ? null : AppResources.icon(p.icon()));
            }
        });
        for (DetailsPage p : pages) {
            p.load(vm.definition());
        }
        title.getStyleClass().add("details-title");
        note.getStyleClass().add("pending-note");
        note.setWrapText(true);
        error.getStyleClass().add("error-text");
        error.setWrapText(true);
        error.setId("detailsError");
        apply.setId("applyButton");
        revert.setId("revertButton");
        apply.setDefaultButton(false);
        apply.setOnAction(e -> applyCurrent());
        revert.setOnAction(e -> {
            DetailsPage p = current();
            if (p != null) {
                p.load(vm.definition());
                error.setText("");
            }
        });
        HBox buttons = new HBox(8, error, new Pane(), revert, apply);
        HBox.setHgrow(buttons.getChildren().get(1), Priority.ALWAYS);
        buttons.setAlignment(Pos.CENTER_RIGHT);
        VBox top = new VBox(6, title, note);
        top.setPadding(new Insets(0, 0, 8, 0));
        page.setTop(top);
        page.setBottom(buttons);
        BorderPane.setMargin(buttons, new Insets(8, 0, 0, 0));
        page.setPadding(new Insets(14));
        setLeft(list);
        setCenter(page);

        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> show(b));
        list.getSelectionModel().selectFirst();
        vm.definitionProperty().addListener((o, a, def) -> {
            if (def != null) {
                for (DetailsPage p : list.getItems()) {
                    if (!p.dirty.get()) {
                        p.load(def);
                    }
                }
            }
        });
        vm.stateProperty().addListener((o, a, b) -> updateNote());
        vm.pendingRestartProperty().addListener((o, a, b) -> updateNote());
        services.addSampleListener(this::tick);
    }

    /** Pages redraw graphs only while the Details view is visible. */
    public void setActive(boolean on) {
        active = on;
        if (on) {
            tick();
        }
    }

    public void select(String pageTitle) {
        list.getItems().stream().filter(p -> p.title().equals(pageTitle)).findFirst()
                .ifPresent(p -> list.getSelectionModel().select(p));
    }

    private void tick() {
        DetailsPage p = current();
        if (active && p != null) {
            p.tick();
        }
    }

    private DetailsPage current() {
        return list.getSelectionModel().getSelectedItem();
    }

    private void show(DetailsPage p) {
        error.setText("");
        if (p == null) {
            page.setCenter(null);
            return;
        }
        title.setText(p.title());
        page.setCenter(p.content());
        apply.setVisible(p.editable());
        revert.setVisible(p.editable());
        apply.disableProperty().bind(p.dirty.not());
        revert.disableProperty().bind(p.dirty.not());
        updateNote();
        p.tick();
    }

    private void updateNote() {
        DetailsPage p = current();
        boolean running = vm.state().isActive();
        if (p != null && p.editable() && running) {
            note.setText(vm.pendingRestartProperty().get()
                    ? "Saved changes take effect after the next power-off of this machine."
                    : "The machine is running: changes are saved now and take effect after its next power-off.");
        } else {
            note.setText("");
        }
    }

    private void applyCurrent() {
        DetailsPage p = current();
        if (p == null || !p.dirty.get()) {
            return;
        }
        VmDefinition updated;
        try {
            updated = p.apply(vm.definition());
            updated.toMachineConfig();   // same validation as the engine
        } catch (IllegalArgumentException e) {
            error.setText(e.getMessage());
            return;
        }
        error.setText("");
        services.saveDefinition(vm, updated, () -> {
            p.load(vm.definition());
            updateNote();
        });
    }
}
