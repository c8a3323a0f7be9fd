package org.virtfx.gui.vmwindow;

import javafx.beans.binding.Bindings;
import javafx.fxml.FXML;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.controlsfx.control.NotificationPane;
import org.virtfx.console.ConsoleView;
import org.virtfx.console.ScalingMode;
import org.virtfx.engine.machine.MachineEvent;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.resources.AppResources;

/**
 * The window of one machine ({@code VmWindow.fxml}, this class is its controller): Console, Details and Serial tabs,
 * menus and a toolbar with the lifecycle actions, and a notification bar for errors naming the machine. Several can
 * be open at once.
 */
public final class VmWindow implements AppServices.Notifier {
    private final AppServices services;
    private final VmSession vm;
    private final Stage stage = new Stage();
    private final ConsolePane consolePane;
    private final DetailsPane details;
    private final SerialConsolePane serial;
    @FXML private BorderPane root;
    @FXML private VBox topBars;
    @FXML private NotificationPane notifications;
    @FXML private TabPane tabs;
    @FXML private Tab consoleTab;
    @FXML private Tab detailsTab;
    @FXML private Tab serialTab;
    @FXML private Button vmRunButton;
    @FXML private Button vmPauseButton;
    @FXML private MenuButton vmShutDownButton;
    @FXML private Menu sendKeyMenu;
    @FXML private Menu scaleMenu;

    /** @param addHardware opens the manager's Add Hardware dialog for {@code vm} (the Details page's button) */
    public VmWindow(AppServices services, VmSession vm, Runnable addHardware) {
        this.services = services;
        this.vm = vm;
        consolePane = new ConsolePane(services, vm);
        details = new DetailsPane(services, vm, addHardware);
        serial = new SerialConsolePane(vm);
        Fxml.load(this);
        consoleTab.setContent(consolePane);
        detailsTab.setContent(details);
        serialTab.setContent(serial);
        consolePane.setNotifier(notifications::show);
        sendKeyMenu.getItems().setAll(console().createSendKeyItems());
        for (ScalingMode m : ScalingMode.values()) {
            MenuItem it = new MenuItem(m.toString());
            it.setOnAction(e -> console().scalingProperty().set(m));
            scaleMenu.getItems().add(it);
        }
        tabs.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> updateActiveViews());
        stage.showingProperty().addListener((o, a, b) -> updateActiveViews());

        Scene scene = new Scene(root, 1024, 768);
        AppResources.style(stage, scene);
        stage.setScene(scene);
        stage.titleProperty().bind(Bindings.createStringBinding(
                () -> vm.name() + " — " + stateText(vm.state()) + " — VirtFX", vm.stateProperty(), vm.definitionProperty()));
        stage.fullScreenProperty().addListener((o, a, full) -> {
            topBars.setVisible(!full);
            topBars.setManaged(!full);
            consolePane.fullScreenChanged(full);
        });
        stage.setFullScreenExitHint("Move the mouse to the top edge for the toolbar; F11 leaves fullscreen");

        vm.boardProperty().addListener((o, a, b) -> consolePane.attach(b));
        vm.stateProperty().addListener((o, a, b) -> updateButtons());
        consolePane.attach(vm.boardProperty().get());
        updateButtons();
        services.addNotifier(this);
        stage.setOnHidden(e -> closed());
    }

    public Stage stage() {
        return stage;
    }

    public ConsoleView console() {
        return consolePane.console();
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

    public NotificationPane notifications() {
        return notifications;
    }

    public void show() {
        stage.show();
        stage.toFront();
    }

    /** Everything a closed window followed stops (console frames, serial polling, graph ticks, notifications). */
    private void closed() {
        services.removeNotifier(this);
        console().detach();
        serial.setActive(false);
        details.setActive(false);
        details.dispose();
    }

    // ------------------------------------------------------------------ actions (FXML)

    @FXML
    void run() {
        vm.start();
    }

    @FXML
    void togglePause() {
        if (vm.state() == MachineState.PAUSED) {
            vm.resume();
        } else if (vm.state().isActive()) {
            vm.pause();
        }
    }

    @FXML
    void shutDown() {
        vm.shutDown();
    }

    @FXML
    void reboot() {
        vm.reboot();
    }

    @FXML
    void forceReset() {
        vm.forceReset();
    }

    @FXML
    void forceOff() {
        vm.forceOff();
    }

    @FXML
    void screenshot() {
        consolePane.screenshot();
    }

    @FXML
    void closeWindow() {
        stage.close();
    }

    @FXML
    void toggleFullScreen() {
        stage.setFullScreen(!stage.isFullScreen());
    }

    @FXML
    void showConsole() {
        tabs.getSelectionModel().select(consoleTab);
    }

    @FXML
    void showDetails() {
        tabs.getSelectionModel().select(detailsTab);
    }

    @FXML
    void showSerial() {
        tabs.getSelectionModel().select(serialTab);
    }

    // ------------------------------------------------------------------ behaviour

    private void updateActiveViews() {
        boolean showing = stage.isShowing();
        Tab sel = tabs.getSelectionModel().getSelectedItem();
        console().shownProperty().set(showing && sel == consoleTab);
        details.setActive(showing && sel == detailsTab);
        serial.setActive(showing && sel == serialTab);
    }

    private void updateButtons() {
        MachineState s = vm.state();
        vmRunButton.setDisable(s.isActive());
        vmPauseButton.setDisable(!s.isActive());
        vmPauseButton.setText(s == MachineState.PAUSED ? "Resume" : "Pause");
        vmShutDownButton.setDisable(!s.isActive());
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
            case WARNING, POWERED_OFF, EXIT_DEVICE, RESET -> notifications.show(vm.name() + ": " + event.message());
            default -> { }
        }
    }
}
