package org.virtfx.gui.manager;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.ListChangeListener;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;
import javafx.fxml.FXML;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.controlsfx.control.StatusBar;
import org.kordamp.ikonli.javafx.FontIcon;
import org.virtfx.engine.machine.MachineEvent;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.gui.AboutDialog;
import org.virtfx.gui.graphs.PerformanceGraph;
import org.virtfx.gui.graphs.Sparkline;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.gui.prefs.PreferencesDialog;
import org.virtfx.gui.vmwindow.VmWindow;

/**
 * The manager window's behaviour: list, filter, lifecycle actions on the selection (several machines at once where
 * that makes sense), VM windows, status bar and error dialogs naming the machine and the cause.
 */
public final class ManagerController implements AppServices.Notifier {

    private final AppServices services;
    private final Stage stage;
    private final Map<VmSession, VmWindow> windows = new HashMap<>();
    private WizardLauncher wizards;

    @FXML BorderPane root;
    @FXML TableView<VmSession> table;
    @FXML TableColumn<VmSession, MachineState> stateColumn;
    @FXML TableColumn<VmSession, String> nameColumn;
    @FXML TableColumn<VmSession, String> osColumn;
    @FXML TableColumn<VmSession, VmSession> cpuColumn;
    @FXML TableColumn<VmSession, VmSession> memoryColumn;
    @FXML TableColumn<VmSession, VmSession> diskColumn;
    @FXML TableColumn<VmSession, VmSession> networkColumn;
    @FXML TextField filterField;
    @FXML javafx.scene.control.ToolBar toolBar;
    @FXML StatusBar statusBar;
    @FXML Button newButton, openButton, runButton, cloneButton, deleteButton;
    @FXML ToggleButton pauseButton;
    @FXML MenuButton shutDownButton;
    @FXML MenuItem menuNew, menuOpen, menuRun, menuPause, menuResume, menuClone, menuAddHardware, menuDelete, menuForceOff;
    @FXML Menu menuShutDown;
    @FXML CheckMenuItem menuShowMemory, menuShowDisk, menuShowNetwork;

    public ManagerController(AppServices services, Stage stage) {
        this.services = services;
        this.stage = stage;
    }

    @FXML
    void initialize() {
        // osinfo-db loads in the background (New VM finds it ready); its names then replace raw ids in the OS column
        AppServices.osCatalog().thenRun(() -> Platform.runLater(table::refresh));
        services.addNotifier(this);
        FilteredList<VmSession> filtered = new FilteredList<>(services.sessions());
        filterField.textProperty().addListener((o, a, text) -> {
            String needle = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
            filtered.setPredicate(vm -> needle.isEmpty() || vm.name().toLowerCase(Locale.ROOT).contains(needle)
                    || osName(vm).toLowerCase(Locale.ROOT).contains(needle));
        });
        filterField.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) {
                filterField.clear();
                table.requestFocus();
            } else if (e.getCode() == KeyCode.DOWN || e.getCode() == KeyCode.ENTER) {
                table.requestFocus();
                if (table.getSelectionModel().isEmpty()) {
                    table.getSelectionModel().selectFirst();
                }
            }
        });
        SortedList<VmSession> sorted = new SortedList<>(filtered);
        sorted.comparatorProperty().bind(table.comparatorProperty());
        table.setItems(sorted);
        table.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);

        stateColumn.setCellValueFactory(c -> c.getValue().stateProperty());
        stateColumn.setCellFactory(c -> new StateCell());
        nameColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().name()));
        nameColumn.setCellFactory(c -> new NameCell());
        osColumn.setCellValueFactory(c -> Bindings.createStringBinding(() -> osName(c.getValue()), c.getValue().definitionProperty()));
        cpuColumn.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue()));
        cpuColumn.setCellFactory(c -> new GraphCell(vm -> List.of(vm.cpu), vm -> 100, vm -> activeText(vm, PerformanceGraph.percent(vm.cpu.last()))));
        memoryColumn.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue()));
        memoryColumn.setCellFactory(c -> new GraphCell(vm -> List.of(vm.memory), ManagerController::allocatedMiB, ManagerController::memoryText));
        memoryColumn.setComparator(java.util.Comparator.comparingLong(ManagerController::allocatedMiB));
        diskColumn.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue()));
        diskColumn.setCellFactory(c -> new GraphCell(vm -> List.of(vm.diskRead), vm -> 0, vm -> activeText(vm, PerformanceGraph.bytesPerSecond(vm.diskRead.last()))));
        networkColumn.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue()));
        networkColumn.setCellFactory(c -> new GraphCell(vm -> hasNetwork(vm) ? List.of(vm.netRx, vm.netTx) : List.of(),
                vm -> 0, ManagerController::networkText));

        var s = services.settings();
        bindColumn(menuShowMemory, memoryColumn, s.showMemoryColumn, v -> s.showMemoryColumn = v);
        bindColumn(menuShowDisk, diskColumn, s.showDiskColumn, v -> s.showDiskColumn = v);
        bindColumn(menuShowNetwork, networkColumn, s.showNetworkColumn, v -> s.showNetworkColumn = v);
        for (TableColumn<VmSession, ?> col : table.getColumns()) {
            Double w = s.columnWidths.get(col.getId());
            if (w != null && col.isResizable()) {
                col.setPrefWidth(w);
            }
        }

        table.setRowFactory(tv -> {
            TableRow<VmSession> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2 && !row.isEmpty()) {
                    openWindow(row.getItem());
                }
            });
            return row;
        });
        table.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER) {
                open();
                e.consume();
            }
        });
        table.setContextMenu(buildContextMenu());

        // Enablement follows the selection and the states of the selected machines.
        var sel = table.getSelectionModel().getSelectedItems();
        sel.addListener((ListChangeListener<VmSession>) c -> updateActions());
        services.sessions().addListener((ListChangeListener<VmSession>) c -> {
            for (VmSession vm : services.sessions()) {
                vm.stateProperty().removeListener(stateListener);
                vm.stateProperty().addListener(stateListener);
            }
            updateStatus();
            updateActions();
        });
        for (VmSession vm : services.sessions()) {
            vm.stateProperty().addListener(stateListener);
        }
        services.addSampleListener(this::refreshGraphs);
        updateActions();
        updateStatus();
        Platform.runLater(() -> {
            if (table.getSelectionModel().isEmpty() && !table.getItems().isEmpty()) {
                table.getSelectionModel().selectFirst();
            }
            table.requestFocus();
        });
    }

    private final javafx.beans.value.ChangeListener<MachineState> stateListener = (o, a, b) -> {
        updateActions();
        updateStatus();
        table.refresh();
    };

    private void bindColumn(CheckMenuItem item, TableColumn<VmSession, ?> col, boolean initial, Consumer<Boolean> store) {
        col.setVisible(initial);
        item.setSelected(initial);
        item.selectedProperty().bindBidirectional(col.visibleProperty());
        col.visibleProperty().addListener((o, a, b) -> {
            store.accept(b);
            services.saveSettings();
        });
    }

    private ContextMenu buildContextMenu() {
        MenuItem open = new MenuItem("Open");
        open.setOnAction(e -> open());
        MenuItem run = new MenuItem("Run");
        run.setOnAction(e -> run());
        MenuItem pause = new MenuItem("Pause");
        pause.setOnAction(e -> pause());
        MenuItem resume = new MenuItem("Resume");
        resume.setOnAction(e -> resume());
        MenuItem off = new MenuItem("Force Off");
        off.setOnAction(e -> forceOff());
        MenuItem del = new MenuItem("Delete…");
        del.setOnAction(e -> delete());
        return new ContextMenu(open, run, pause, resume, off, del);
    }

    // ------------------------------------------------------------------ helpers

    static String osName(VmSession vm) {
        if (vm.broken()) {
            return "broken definition";
        }
        String id = vm.definition().os();
        if (id.isEmpty()) {
            return "Unknown";
        }
        if (OsEntry.genericLinux().shortId().equals(id)) {
            return OsEntry.genericLinux().name();
        }
        return AppServices.osCatalogNow().byShortId(id).map(OsEntry::name).orElse(id);
    }

    private List<VmSession> selected() {
        return List.copyOf(table.getSelectionModel().getSelectedItems());
    }

    private void updateActions() {
        List<VmSession> sel = selected();
        boolean any = !sel.isEmpty();
        boolean canRun = sel.stream().anyMatch(v -> !v.broken() && !v.state().isActive());
        boolean canPause = sel.stream().anyMatch(v -> v.state() == MachineState.RUNNING || v.state() == MachineState.SHUTTING_DOWN);
        boolean canResume = sel.stream().anyMatch(v -> v.state() == MachineState.PAUSED);
        boolean active = sel.stream().anyMatch(v -> v.state().isActive());
        boolean canDelete = any && sel.stream().noneMatch(v -> v.state().isActive());
        boolean canOpen = sel.stream().anyMatch(v -> !v.broken());
        openButton.setDisable(!canOpen);
        menuOpen.setDisable(!canOpen);
        runButton.setDisable(!canRun);
        menuRun.setDisable(!canRun);
        menuPause.setDisable(!canPause);
        menuResume.setDisable(!canResume);
        pauseButton.setDisable(!canPause && !canResume);
        pauseButton.setSelected(!canPause && canResume);
        pauseButton.setText(!canPause && canResume ? "Resume" : "Pause");
        shutDownButton.setDisable(!active);
        menuShutDown.setDisable(!active);
        deleteButton.setDisable(!canDelete);
        menuDelete.setDisable(!canDelete);
        boolean one = sel.size() == 1 && !sel.get(0).broken();
        cloneButton.setDisable(!one || sel.get(0).state().isActive());
        menuClone.setDisable(cloneButton.isDisable());
        menuAddHardware.setDisable(!one);
    }

    private void updateStatus() {
        long running = services.sessions().stream().filter(v -> v.state().isActive()).count();
        long broken = services.sessions().stream().filter(VmSession::broken).count();
        int n = services.sessions().size();
        String text = n + (n == 1 ? " machine, " : " machines, ") + running + " running"
                + (broken > 0 ? ", " + broken + " broken definition" + (broken > 1 ? "s" : "") : "");
        statusBar.setText(text);
    }

    private void refreshGraphs() {
        for (var node : table.lookupAll(".sparkline")) {
            if (node instanceof Sparkline sp) {
                sp.redraw();
            }
        }
        for (var node : table.lookupAll(".graph-value")) {
            if (node instanceof Label l && l.getUserData() instanceof Runnable r) {
                r.run();
            }
        }
        long[] mem = {services.hostMemoryTotalMiB(), (long) services.hostMemory.last()};
        statusBar.getRightItems().setAll(new Label(String.format("Host CPU %s   Memory %s of %s",
                PerformanceGraph.percent(services.hostCpu.last()), PerformanceGraph.mib(mem[1]), PerformanceGraph.mib(mem[0]))));
    }

    /** Remembers window geometry and column widths (called when the window closes). */
    void rememberLayout() {
        var s = services.settings();
        s.managerWidth = stage.getWidth();
        s.managerHeight = stage.getHeight();
        s.managerX = stage.getX();
        s.managerY = stage.getY();
        for (TableColumn<VmSession, ?> col : table.getColumns()) {
            if (col.getId() != null && col.isResizable()) {
                s.columnWidths.put(col.getId(), col.getWidth());
            }
        }
        services.saveSettings();
    }

    public VmWindow openWindow(VmSession vm) {
        if (vm.broken()) {
            error(vm, "Machine '" + vm.name() + "' cannot be opened: " + vm.errorProperty().get());
            return null;
        }
        VmWindow w = windows.get(vm);
        if (w == null) {
            VmWindow[] opened = new VmWindow[1];
            // The Details page's Add Hardware button: the same dialog as the manager's, over the machine's window.
            w = new VmWindow(services, vm, () -> wizards().addHardware(vm, opened[0].stage()));
            opened[0] = w;
            windows.put(vm, w);
            w.stage().setOnHidden(e -> windows.remove(vm));
        }
        w.show();
        return w;
    }

    public Map<VmSession, VmWindow> openWindows() {
        return windows;
    }

    // ------------------------------------------------------------------ actions (FXML)

    @FXML
    void open() {
        selected().stream().filter(v -> !v.broken()).forEach(this::openWindow);
    }

    @FXML
    void run() {
        for (VmSession vm : selected()) {
            if (!vm.broken() && !vm.state().isActive()) {
                statusBar.setText("Starting " + vm.name() + "…");
                vm.start();
            }
        }
    }

    @FXML
    void pause() {
        selected().stream().filter(v -> v.state() == MachineState.RUNNING || v.state() == MachineState.SHUTTING_DOWN)
                .forEach(VmSession::pause);
    }

    @FXML
    void resume() {
        selected().stream().filter(v -> v.state() == MachineState.PAUSED).forEach(VmSession::resume);
    }

    @FXML
    void togglePause() {
        if (selected().stream().anyMatch(v -> v.state() == MachineState.RUNNING || v.state() == MachineState.SHUTTING_DOWN)) {
            pause();
        } else {
            resume();
        }
        updateActions();
    }

    @FXML
    void shutDown() {
        selected().stream().filter(v -> v.state().isActive()).forEach(VmSession::shutDown);
    }

    @FXML
    void reboot() {
        selected().stream().filter(v -> v.state().isActive()).forEach(VmSession::reboot);
    }

    @FXML
    void forceReset() {
        selected().stream().filter(v -> v.state().isActive()).forEach(VmSession::forceReset);
    }

    @FXML
    void forceOff() {
        List<VmSession> targets = selected().stream().filter(v -> v.state().isActive() || v.state() == MachineState.CRASHED).toList();
        if (targets.isEmpty()) {
            return;
        }
        if (services.settings().confirmForceOff && !confirm("Force off " + names(targets) + "?",
                "The guest is stopped at once, like pulling the power cord. Unsaved data in the guest is lost.")) {
            return;
        }
        targets.forEach(VmSession::forceOff);
    }

    // ------------------------------------------------------------------ wizards

    private WizardLauncher wizards() {
        if (wizards == null) {
            wizards = new WizardLauncher(services, stage, this);
        }
        return wizards;
    }

    @FXML
    void newMachine() {
        wizards().newMachine();
    }

    @FXML
    void cloneMachine() {
        List<VmSession> sel = selected();
        if (sel.size() == 1 && !sel.get(0).broken() && !sel.get(0).state().isActive()) {
            wizards().cloneMachine(sel.get(0));
        }
    }

    /** Add Hardware for {@code vm}, over the manager window. */
    public void addHardware(VmSession vm) {
        wizards().addHardware(vm, stage);
    }

    @FXML
    void addHardware() {
        List<VmSession> sel = selected();
        if (sel.size() == 1 && !sel.get(0).broken()) {
            addHardware(sel.get(0));
        }
    }

    /** Selects {@code name} in the list (after a wizard made it). */
    void select(String name) {
        table.getSelectionModel().clearSelection();
        table.getItems().stream().filter(v -> v.name().equals(name)).findFirst().ifPresent(v -> {
            table.getSelectionModel().select(v);
            table.scrollTo(v);
        });
    }

    /** Closes the window of a machine that is going away. */
    void closeWindow(VmSession vm) {
        VmWindow w = windows.remove(vm);
        if (w != null) {
            w.stage().close();
        }
    }

    public WizardLauncher wizardLauncher() {
        return wizards();
    }

    @FXML
    void delete() {
        List<VmSession> targets = selected().stream().filter(v -> !v.state().isActive()).toList();
        if (targets.isEmpty()) {
            return;
        }
        if (targets.size() == 1 && !targets.get(0).broken()) {
            // one machine: the Delete dialog, with a checkbox per disk
            wizards().delete(targets.get(0));
            return;
        }
        if (services.settings().confirmDelete && !confirm("Delete " + names(targets) + "?",
                "The machine definitions are removed from the library. Disk images are kept.")) {
            return;
        }
        for (VmSession vm : targets) {
            VmWindow w = windows.remove(vm);
            if (w != null) {
                w.stage().close();
            }
            services.delete(vm);
        }
    }

    @FXML
    void reload() {
        services.reload();
    }

    @FXML
    void focusFilter() {
        filterField.requestFocus();
        filterField.selectAll();
    }

    @FXML
    void preferences() {
        new PreferencesDialog(services, stage).showAndWait();
    }

    @FXML
    void about() {
        new AboutDialog(stage).showAndWait();
    }

    @FXML
    void quit() {
        stage.close();
        for (VmWindow w : List.copyOf(windows.values())) {
            w.stage().close();
        }
        Platform.exit();
    }

    private static String names(List<VmSession> vms) {
        return vms.size() == 1 ? "'" + vms.get(0).name() + "'" : vms.size() + " machines";
    }

    private boolean confirm(String header, String content) {
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, content, ButtonType.OK, ButtonType.CANCEL);
        a.initOwner(stage);
        a.setHeaderText(header);
        a.setTitle("VirtFX");
        return a.showAndWait().orElse(ButtonType.CANCEL) == ButtonType.OK;
    }

    // ------------------------------------------------------------------ notifications

    @Override
    public void error(VmSession vm, String message) {
        statusBar.setText(message);
        if (vm != null && windows.containsKey(vm) && windows.get(vm).stage().isShowing()) {
            return;   // the VM window shows it in its notification bar
        }
        Alert a = new Alert(Alert.AlertType.ERROR, message, ButtonType.OK);
        a.initOwner(stage);
        a.setTitle("VirtFX");
        a.setHeaderText(vm != null ? vm.name() : "VirtFX");
        a.getDialogPane().setId("errorDialog");
        a.show();
    }

    @Override
    public void event(VmSession vm, MachineEvent event) {
        statusBar.setText(vm.name() + ": " + event.message().lines().findFirst().orElse(""));
        if (event.kind() == MachineEvent.Kind.CRASHED && !windows.containsKey(vm)) {
            error(vm, "Machine '" + vm.name() + "' crashed: " + event.message());
        }
    }

    // ------------------------------------------------------------------ cells

    private static final class StateCell extends TableCell<VmSession, MachineState> {
        @Override
        protected void updateItem(MachineState state, boolean empty) {
            super.updateItem(state, empty);
            VmSession vm = getTableRow() == null ? null : getTableRow().getItem();
            if (empty || state == null || vm == null) {
                setGraphic(null);
                setTooltip(null);
                return;
            }
            String key = vm.broken() ? "broken" : state.name().toLowerCase(Locale.ROOT);
            FontIcon icon = new FontIcon(switch (key) {
                case "running" -> "mdi2p-play-circle";
                case "paused" -> "mdi2p-pause-circle";
                case "shutting_down" -> "mdi2p-power";
                case "crashed" -> "mdi2a-alert-circle";
                case "broken" -> "mdi2f-file-alert-outline";
                default -> "mdi2s-stop-circle-outline";
            });
            icon.setIconSize(18);
            icon.getStyleClass().addAll("vfx-icon", "state-" + key);
            setGraphic(icon);
            setId("state-" + vm.name());
            setTooltip(new Tooltip(vm.broken() ? "Broken definition" : state.name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        }
    }

    private static final class NameCell extends TableCell<VmSession, String> {
        @Override
        protected void updateItem(String name, boolean empty) {
            super.updateItem(name, empty);
            VmSession vm = getTableRow() == null ? null : getTableRow().getItem();
            if (empty || vm == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            Label title = new Label(vm.name());
            title.getStyleClass().add("vm-name");
            String sub = vm.broken() ? vm.errorProperty().get()
                    : vm.state().name().charAt(0) + vm.state().name().substring(1).toLowerCase(Locale.ROOT).replace('_', ' ');
            Label subtitle = new Label(sub);
            subtitle.getStyleClass().add(vm.broken() ? "error-text" : "vm-subtitle");
            subtitle.setId("subtitle-" + vm.name());
            VBox box = new VBox(1, title, subtitle);
            setText(null);
            setGraphic(box);
            setTooltip(vm.broken() ? new Tooltip(vm.errorProperty().get()) : null);
        }
    }

    /** A sparkline and the current value of one metric. */
    private static long allocatedMiB(VmSession vm) {
        return vm.definition() == null ? 0 : vm.definition().memoryMiB();
    }

    /**
     * The memory column: a running machine shows the RAM its guest has written (what it costs the host) of what it
     * was given; a stopped one shows what it will be given.
     */
    static String memoryText(VmSession vm) {
        long allocated = allocatedMiB(vm);
        if (allocated == 0) {
            return "";
        }
        return vm.state().isActive() ? PerformanceGraph.mib(vm.memory.last()) + " of " + PerformanceGraph.mib(allocated)
                : PerformanceGraph.mib(allocated);
    }

    private static boolean hasNetwork(VmSession vm) {
        return vm.definition() != null && !vm.definition().nics().isEmpty();
    }

    /**
     * The network column: what a running machine's cards receive and send per second (↓ received, ↑ sent, as the
     * graph's two lines); "no network" only for a machine without a card.
     */
    static String networkText(VmSession vm) {
        if (!hasNetwork(vm)) {
            return "no network";
        }
        return activeText(vm, "↓ " + PerformanceGraph.bytesPerSecond(vm.netRx.last()) + "  ↑ "
                + PerformanceGraph.bytesPerSecond(vm.netTx.last()));
    }

    private static String activeText(VmSession vm, String value) {
        return vm.state().isActive() ? value : "";
    }

    /**
     * A sparkline of one metric (or two on one scale, network received and sent) and its current value as text
     * (refreshed on every sample); no sparkline when the machine has no such metric (no network card).
     */
    private static final class GraphCell extends TableCell<VmSession, VmSession> {
        private final java.util.function.Function<VmSession, List<org.virtfx.gui.graphs.RingBuffer>> metric;
        private final java.util.function.ToDoubleFunction<VmSession> max;
        private final java.util.function.Function<VmSession, String> text;
        private final Sparkline spark = new Sparkline(80, 22);
        private final Label value = new Label();
        private final javafx.scene.layout.HBox box = new javafx.scene.layout.HBox(6, spark, value);

        /**
         * @param max  the value at the graph's top edge (0: the largest sample)
         * @param text the value label's text
         */
        GraphCell(java.util.function.Function<VmSession, List<org.virtfx.gui.graphs.RingBuffer>> metric,
                  java.util.function.ToDoubleFunction<VmSession> max, java.util.function.Function<VmSession, String> text) {
            this.metric = metric;
            this.max = max;
            this.text = text;
            value.getStyleClass().addAll("vm-subtitle", "graph-value");
            box.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        }

        @Override
        protected void updateItem(VmSession vm, boolean empty) {
            super.updateItem(vm, empty);
            if (empty || vm == null || vm.broken()) {
                setGraphic(null);
                return;
            }
            value.setUserData((Runnable) () -> {
                // Both can change while shown: the top (memory Applied while running), the series (a card added).
                var data = metric.apply(vm);
                spark.show(max.applyAsDouble(vm), data.toArray(org.virtfx.gui.graphs.RingBuffer[]::new));
                spark.setVisible(!data.isEmpty());
                spark.setManaged(!data.isEmpty());
                value.setText(text.apply(vm));
            });
            ((Runnable) value.getUserData()).run();
            setGraphic(box);
        }
    }
}
