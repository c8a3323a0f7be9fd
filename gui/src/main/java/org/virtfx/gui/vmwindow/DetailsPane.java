package org.virtfx.gui.vmwindow;

import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.resources.AppResources;

/**
 * The Details view ({@code DetailsPane.fxml}): the hardware list on the left, the selected page on the right with
 * Apply and Revert. Changes to a running machine are stored at once and take effect after its next power-off; the
 * page says so.
 */
public final class DetailsPane extends BorderPane {
    private final AppServices services;
    private final VmSession vm;
    @FXML private ListView<DetailsPage> hardwareList;
    @FXML private BorderPane page;
    @FXML private Label title;
    @FXML private Label note;
    @FXML private Label detailsError;
    @FXML private Button applyButton;
    @FXML private Button revertButton;
    private final Runnable addHardware;
    private List<Object> deviceSet;
    private boolean active;
    private final Runnable sampleListener = this::tick;

    /**
     * @param addHardware opens the Add Hardware dialog for the machine (the manager's, so both places use one
     *                    dialog); the new device's page appears when the saved definition comes back
     */
    public DetailsPane(AppServices services, VmSession vm, Runnable addHardware) {
        this.services = services;
        this.vm = vm;
        this.addHardware = addHardware;
        Fxml.loadRoot(this);
        hardwareList.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(DetailsPage p, boolean empty) {
                super.updateItem(p, empty);
                setText(empty || p == null ? null : p.title());
                setGraphic(empty || p == null ? null : AppResources.icon(p.icon()));
            }
        });
        hardwareList.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> show(b));
        buildPages();
        hardwareList.getSelectionModel().selectFirst();
        vm.definitionProperty().addListener((o, a, def) -> {
            if (def == null) {
                return;
            }
            if (!DetailsPages.deviceSet(def).equals(deviceSet)) {
                rebuildPages();
                return;
            }
            for (DetailsPage p : hardwareList.getItems()) {
                if (!p.dirty.get()) {
                    p.load(def);
                }
            }
        });
        vm.stateProperty().addListener((o, a, b) -> updateNote());
        vm.pendingRestartProperty().addListener((o, a, b) -> updateNote());
        services.addSampleListener(sampleListener);
    }

    /**
     * Builds the page list for the current definition. A page that was already there under the same title stays (so
     * unapplied edits on other pages survive a device being added); the rest are new and filled.
     */
    private void buildPages() {
        java.util.Map<String, DetailsPage> old = new java.util.HashMap<>();
        hardwareList.getItems().forEach(p -> old.put(p.title(), p));
        List<DetailsPage> pages = new java.util.ArrayList<>();
        for (DetailsPage fresh : DetailsPages.forMachine(services, vm)) {
            pages.add(old.getOrDefault(fresh.title(), fresh));
        }
        deviceSet = DetailsPages.deviceSet(vm.definition());
        for (DetailsPage p : pages) {
            if (!p.dirty.get()) {
                p.load(vm.definition());
            }
        }
        hardwareList.getItems().setAll(pages);
    }

    /**
     * The machine's devices changed (a device added or a disk removed): new pages, keeping the selected page, or
     * selecting the first page that did not exist before (the device just added).
     */
    private void rebuildPages() {
        List<String> before = hardwareList.getItems().stream().map(DetailsPage::title).toList();
        DetailsPage selected = current();
        String keep = selected == null ? null : selected.title();
        buildPages();
        String added = hardwareList.getItems().stream().map(DetailsPage::title).filter(t -> !before.contains(t))
                .findFirst().orElse(keep);
        if (added != null) {
            select(added);
        }
        if (current() == null) {
            hardwareList.getSelectionModel().selectFirst();
        }
    }

    @FXML
    void addHardware() {
        addHardware.run();
    }

    /** Pages redraw graphs only while the Details view is visible. */
    public void setActive(boolean on) {
        active = on;
        if (on) {
            tick();
        }
    }

    public void select(String pageTitle) {
        hardwareList.getItems().stream().filter(p -> p.title().equals(pageTitle)).findFirst()
                .ifPresent(p -> hardwareList.getSelectionModel().select(p));
    }

    /** Stops following the sampler (the window closed). */
    void dispose() {
        services.removeSampleListener(sampleListener);
    }

    private void tick() {
        DetailsPage p = current();
        if (active && p != null) {
            p.tick();
        }
    }

    private DetailsPage current() {
        return hardwareList.getSelectionModel().getSelectedItem();
    }

    private void show(DetailsPage p) {
        detailsError.setText("");
        if (p == null) {
            page.setCenter(null);
            return;
        }
        title.setText(p.title());
        page.setCenter(p.content());
        applyButton.setVisible(p.editable());
        revertButton.setVisible(p.editable());
        applyButton.disableProperty().bind(p.dirty.not());
        revertButton.disableProperty().bind(p.dirty.not());
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

    @FXML
    void revert() {
        DetailsPage p = current();
        if (p != null) {
            p.load(vm.definition());
            detailsError.setText("");
        }
    }

    @FXML
    void apply() {
        DetailsPage p = current();
        if (p == null || !p.dirty.get()) {
            return;
        }
        VmDefinition updated;
        try {
            updated = p.apply(vm.definition());
            updated.toMachineConfig();   // same validation as the engine
        } catch (IllegalArgumentException e) {
            detailsError.setText(e.getMessage());
            return;
        }
        detailsError.setText("");
        services.saveDefinition(vm, updated, () -> {
            p.load(vm.definition());
            updateNote();
        });
    }
}
