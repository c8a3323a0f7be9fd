package org.virtfx.gui.vmwindow;

import java.io.File;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import javafx.animation.PauseTransition;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Separator;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import javafx.util.Duration;
import org.controlsfx.control.NotificationPane;
import org.virtfx.console.ConsoleView;
import org.virtfx.console.ScalingMode;
import org.virtfx.console.SendKeys;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.MachineEvent;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.resources.AppResources;

/**
 * The window of one machine: Console, Details and Serial tabs, a toolbar with the lifecycle actions, Send Key,
 * screenshot, scaling and fullscreen (with a floating toolbar that appears at the top edge). Several can be open.
 */
public final class VmWindow implements AppServices.Notifier {
    private final AppServices services;
    private final VmSession vm;
    private final Stage stage = new Stage();
    private final ConsoleView console = new ConsoleView();
    private final DetailsPane details;
    private final SerialConsolePane serial;
    private final TabPane tabs = new TabPane();
    private final NotificationPane notifications;
    private final HBox floatingBar = new HBox(6);
    private final Tab consoleTab, detailsTab, serialTab;
    private final Button runButton = new Button("Run", AppResources.icon("mdi2p-play"));
    private final Button pauseButton = new Button("Pause", AppResources.icon("mdi2p-pause"));
    private final MenuButton shutDownButton = new MenuButton("Shut Down", AppResources.icon("mdi2p-power"));

    public VmWindow(AppServices services, VmSession vm) {
        this.services = services;
        this.vm = vm;
        console.setId("console");
        console.scalingProperty().set(parseScaling(services.settings().scaling));
        console.releaseKeysProperty().set(parseReleaseKeys(services.settings().releaseKeys));
        details = new DetailsPane(services, vm);
        serial = new SerialConsolePane(vm);

        StackPane consoleStack = new StackPane(console, floatingBar);
        StackPane.setAlignment(floatingBar, Pos.TOP_CENTER);
        floatingBar.getStyleClass().add("floating-toolbar");
        floatingBar.setMaxSize(javafx.scene.layout.Region.USE_PREF_SIZE, javafx.scene.layout.Region.USE_PREF_SIZE);
        floatingBar.setVisible(false);
        consoleTab = new Tab("Console", consoleStack);
        detailsTab = new Tab("Details", details);
        serialTab = new Tab("Serial", serial);
        consoleTab.setId("consoleTab");
        detailsTab.setId("detailsTab");
        serialTab.setId("serialTab");
        for (Tab t : new Tab[] {consoleTab, detailsTab, serialTab}) {
            t.setClosable(false);
        }
        tabs.getTabs().addAll(consoleTab, detailsTab, serialTab);
        tabs.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> updateActiveViews());
        stage.showingProperty().addListener((o, a, b) -> updateActiveViews());

        notifications = new NotificationPane(tabs);
        notifications.setId("notifications");
        notifications.setShowFromTop(true);

        BorderPane root = new BorderPane(notifications);
        root.setTop(new VBox(buildMenus(), buildToolbar()));
        Scene scene = new Scene(root, 1024, 768);
        AppResources.style(stage, scene);
        stage.setScene(scene);
        stage.titleProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
                () -> vm.name() + " — " + stateText(vm.state()) + " — VirtFX", vm.stateProperty(), vm.definitionProperty()));
        stage.fullScreenProperty().addListener((o, a, full) -> {
            root.getTop().setVisible(full ? false : true);
            root.getTop().setManaged(!full);
            floatingBar.setVisible(false);
        });
        stage.setFullScreenExitHint("Move the mouse to the top edge for the toolbar; F11 leaves fullscreen");
        consoleStack.addEventFilter(MouseEvent.MOUSE_MOVED, e -> {
            if (stage.isFullScreen()) {
                floatingBar.setVisible(e.getY() < 40 || floatingBar.isHover());
            }
        });
        buildFloatingBar();

        vm.boardProperty().addListener((o, a, b) -> attachConsole(b));
        vm.stateProperty().addListener((o, a, b) -> updateButtons());
        attachConsole(vm.boardProperty().get());
        updateButtons();
        services.addNotifier(this);
        stage.setOnHidden(e -> {
            services.removeNotifier(this);
            console.detach();
            serial.setActive(false);
            details.setActive(false);
        });
    }

    public Stage stage() {
        return stage;
    }

    public ConsoleView console() {
        return console;
    }

    public DetailsPane details() {
        return details;
    }

    public SerialConsolePane serial() {
        return serial;
    }

    public TabPane tabs() {
        return tabs;
    }

    public void show() {
        stage.show();
        stage.toFront();
    }

    // ------------------------------------------------------------------ building

    private MenuBar buildMenus() {
        Menu machine = new Menu("_Virtual Machine");
        MenuItem run = new MenuItem("_Run");
        run.setOnAction(e -> vm.start());
        run.setAccelerator(new KeyCodeCombination(KeyCode.R, KeyCombination.SHORTCUT_DOWN));
        MenuItem pause = new MenuItem("_Pause / Resume");
        pause.setOnAction(e -> togglePause());
        pause.setAccelerator(new KeyCodeCombination(KeyCode.P, KeyCombination.SHORTCUT_DOWN));
        MenuItem screenshot = new MenuItem("Take _Screenshot…");
        screenshot.setOnAction(e -> screenshot());
        MenuItem close = new MenuItem("_Close Window");
        close.setAccelerator(new KeyCodeCombination(KeyCode.W, KeyCombination.SHORTCUT_DOWN));
        close.setOnAction(e -> stage.close());
        machine.getItems().addAll(run, pause, shutDownMenu("_Shut Down"), console.createSendKeyMenu(), screenshot, close);
        Menu view = new Menu("V_iew");
        MenuItem full = new MenuItem("_Fullscreen");
        full.setAccelerator(new KeyCodeCombination(KeyCode.F11));
        full.setOnAction(e -> stage.setFullScreen(!stage.isFullScreen()));
        Menu scaling = new Menu("_Scale Display");
        for (ScalingMode m : ScalingMode.values()) {
            MenuItem it = new MenuItem(m.toString());
            it.setOnAction(e -> console.scalingProperty().set(m));
            scaling.getItems().add(it);
        }
        MenuItem showConsole = new MenuItem("_Console");
        showConsole.setAccelerator(new KeyCodeCombination(KeyCode.DIGIT1, KeyCombination.ALT_DOWN));
        showConsole.setOnAction(e -> tabs.getSelectionModel().select(consoleTab));
        MenuItem showDetails = new MenuItem("_Details");
        showDetails.setAccelerator(new KeyCodeCombination(KeyCode.DIGIT2, KeyCombination.ALT_DOWN));
        showDetails.setOnAction(e -> tabs.getSelectionModel().select(detailsTab));
        MenuItem showSerial = new MenuItem("S_erial");
        showSerial.setAccelerator(new KeyCodeCombination(KeyCode.DIGIT3, KeyCombination.ALT_DOWN));
        showSerial.setOnAction(e -> tabs.getSelectionModel().select(serialTab));
        view.getItems().addAll(showConsole, showDetails, showSerial, full, scaling);
        return new MenuBar(machine, view);
    }

    private Menu shutDownMenu(String text) {
        Menu m = new Menu(text);
        m.getItems().addAll(shutDownItems());
        return m;
    }

    private MenuItem[] shutDownItems() {
        MenuItem acpi = new MenuItem("Shut Down (ACPI)");
        acpi.setOnAction(e -> vm.shutDown());
        MenuItem reboot = new MenuItem("Reboot");
        reboot.setOnAction(e -> vm.reboot());
        MenuItem reset = new MenuItem("Force Reset");
        reset.setOnAction(e -> vm.forceReset());
        MenuItem off = new MenuItem("Force Off");
        off.setOnAction(e -> vm.forceOff());
        return new MenuItem[] {acpi, reboot, reset, off};
    }

    private ToolBar buildToolbar() {
        runButton.setId("vmRunButton");
        runButton.setOnAction(e -> vm.start());
        pauseButton.setId("vmPauseButton");
        pauseButton.setOnAction(e -> togglePause());
        shutDownButton.getItems().addAll(shutDownItems());
        shutDownButton.setId("vmShutDownButton");
        MenuButton sendKey = new MenuButton("Send Key", AppResources.icon("mdi2k-keyboard"));
        for (SendKeys.Combo c : SendKeys.standard()) {
            MenuItem it = new MenuItem(c.label());
            it.setOnAction(e -> console.sendKeys(c.keys()));
            sendKey.getItems().add(it);
        }
        Button shot = new Button(null, AppResources.icon("mdi2c-camera"));
        shot.setTooltip(new Tooltip("Save a screenshot as PNG"));
        shot.setOnAction(e -> screenshot());
        Button full = new Button(null, AppResources.icon("mdi2f-fullscreen"));
        full.setTooltip(new Tooltip("Fullscreen (F11)"));
        full.setOnAction(e -> stage.setFullScreen(true));
        ChoiceBox<ScalingMode> scaling = new ChoiceBox<>();
        scaling.getItems().setAll(ScalingMode.values());
        scaling.valueProperty().bindBidirectional(console.scalingProperty());
        scaling.setTooltip(new Tooltip("When to scale the guest screen to the window"));
        Pane grow = new Pane();
        HBox.setHgrow(grow, Priority.ALWAYS);
        return new ToolBar(runButton, pauseButton, shutDownButton, new Separator(), sendKey, shot, full, grow,
                new javafx.scene.control.Label("Scale:"), scaling);
    }

    private void buildFloatingBar() {
        Button leave = new Button("Leave Fullscreen", AppResources.icon("mdi2f-fullscreen-exit"));
        leave.setOnAction(e -> stage.setFullScreen(false));
        MenuButton sendKey = new MenuButton("Send Key", AppResources.icon("mdi2k-keyboard"));
        for (SendKeys.Combo c : SendKeys.standard()) {
            MenuItem it = new MenuItem(c.label());
            it.setOnAction(e -> console.sendKeys(c.keys()));
            sendKey.getItems().add(it);
        }
        MenuButton power = new MenuButton("Power", AppResources.icon("mdi2p-power"));
        power.getItems().addAll(shutDownItems());
        floatingBar.getChildren().addAll(new javafx.scene.control.Label(vm.name()), leave, sendKey, power);
        floatingBar.setAlignment(Pos.CENTER);
        floatingBar.setOnMouseExited(e -> {
            if (e.getY() > floatingBar.getHeight()) {
                PauseTransition hide = new PauseTransition(Duration.millis(600));
                hide.setOnFinished(x -> floatingBar.setVisible(floatingBar.isHover()));
                hide.play();
            }
        });
    }

    // ------------------------------------------------------------------ behaviour

    private void updateActiveViews() {
        boolean showing = stage.isShowing();
        Tab sel = tabs.getSelectionModel().getSelectedItem();
        console.shownProperty().set(showing && sel == consoleTab);
        details.setActive(showing && sel == detailsTab);
        serial.setActive(showing && sel == serialTab);
    }

    private void attachConsole(Board board) {
        if (board == null) {
            console.detach();
            console.placeholderProperty().set(vm.state() == MachineState.CRASHED
                    ? "The machine crashed" : "The machine is not running");
            return;
        }
        DisplaySurface surface = board.lookup(DisplaySurface.class).orElse(null);
        console.placeholderProperty().set(surface == null ? "This machine has no display (see the Serial tab)" : "");
        console.attach(surface, board.lookup(KeyboardInput.class).orElse(null), board.lookup(PointerInput.class).orElse(null));
    }

    private void updateButtons() {
        MachineState s = vm.state();
        runButton.setDisable(s.isActive());
        pauseButton.setDisable(!s.isActive());
        pauseButton.setText(s == MachineState.PAUSED ? "Resume" : "Pause");
        shutDownButton.setDisable(!s.isActive());
    }

    private void togglePause() {
        if (vm.state() == MachineState.PAUSED) {
            vm.resume();
        } else if (vm.state().isActive()) {
            vm.pause();
        }
    }

    private void screenshot() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Save screenshot");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("PNG image", "*.png"));
        fc.setInitialFileName(vm.name().replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".png");
        File f = fc.showSaveDialog(stage);
        if (f == null) {
            return;
        }
        try {
            console.writePng(f.toPath());
            notifications.show("Screenshot saved to " + f);
        } catch (IOException e) {
            services.reportError(vm, "take a screenshot of", e);
        }
    }

    private static String stateText(MachineState s) {
        return switch (s) {
            case DEFINED, SHUT_OFF -> "Shut off";
            case RUNNING -> "Running";
            case PAUSED -> "Paused";
            case SHUTTING_DOWN -> "Shutting down";
            case CRASHED -> "Crashed";
        };
    }

    static ConsoleView.ReleaseKeys parseReleaseKeys(String s) {
        try {
            return ConsoleView.ReleaseKeys.valueOf(s);
        } catch (RuntimeException e) {
            return ConsoleView.ReleaseKeys.CTRL_ALT;
        }
    }

    static ScalingMode parseScaling(String s) {
        try {
            return ScalingMode.valueOf(s);
        } catch (RuntimeException e) {
            return ScalingMode.WHEN_SMALLER;
        }
    }

    // ------------------------------------------------------------------ notifications

    @Override
    public void error(VmSession which, String message) {
        if (which == vm && stage.isShowing()) {
            notifications.show(message);
        }
    }

    @Override
    public void event(VmSession which, MachineEvent event) {
        if (which != vm) {
            return;
        }
        switch (event.kind()) {
            case CRASHED -> notifications.show("Machine '" + vm.name() + "' crashed: " + event.message().lines().findFirst().orElse(""));
            case WARNING -> notifications.show(vm.name() + ": " + event.message());
            case POWERED_OFF, EXIT_DEVICE -> notifications.show(vm.name() + ": " + event.message());
            default -> { }
        }
    }

    public NotificationPane notifications() {
        return notifications;
    }
}
