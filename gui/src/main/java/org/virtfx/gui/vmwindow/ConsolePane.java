package org.virtfx.gui.vmwindow;

import java.io.File;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;
import javafx.animation.PauseTransition;
import javafx.fxml.FXML;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.ToolBar;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import javafx.util.Duration;
import org.virtfx.console.ConsoleView;
import org.virtfx.console.ScalingMode;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;

/**
 * The console tab ({@code ConsolePane.fxml}): the guest screen ({@link ConsoleView}) with its toolbar (Send Key,
 * screenshot, fullscreen, scaling) and, in fullscreen, a floating toolbar that appears at the top edge.
 */
public final class ConsolePane extends BorderPane {
    private final AppServices services;
    private final VmSession vm;
    @FXML private ToolBar consoleToolBar;
    @FXML private StackPane consoleStack;
    @FXML private ConsoleView console;
    @FXML private HBox floatingBar;
    @FXML private Label floatingName;
    @FXML private MenuButton sendKeyButton;
    @FXML private MenuButton floatingSendKey;
    @FXML private ChoiceBox<ScalingMode> scalingChoice;
    private Consumer<String> notify = s -> { };

    public ConsolePane(AppServices services, VmSession vm) {
        this.services = services;
        this.vm = vm;
        Fxml.loadRoot(this);
        console.scalingProperty().set(VmWindow.parseScaling(services.settings().scaling));
        console.releaseKeysProperty().set(VmWindow.parseReleaseKeys(services.settings().releaseKeys));
        sendKeyButton.getItems().setAll(console.createSendKeyItems());
        floatingSendKey.getItems().setAll(console.createSendKeyItems());
        scalingChoice.getItems().setAll(ScalingMode.values());
        scalingChoice.valueProperty().bindBidirectional(console.scalingProperty());
        floatingName.setText(vm.name());
        StackPane.setAlignment(floatingBar, javafx.geometry.Pos.TOP_CENTER);
        consoleStack.addEventFilter(MouseEvent.MOUSE_MOVED, e -> {
            if (stage() != null && stage().isFullScreen()) {
                floatingBar.setVisible(e.getY() < 40 || floatingBar.isHover());
            }
        });
        floatingBar.setOnMouseExited(e -> {
            if (e.getY() > floatingBar.getHeight()) {
                PauseTransition hide = new PauseTransition(Duration.millis(600));
                hide.setOnFinished(x -> floatingBar.setVisible(floatingBar.isHover()));
                hide.play();
            }
        });
    }

    public ConsoleView console() {
        return console;
    }

    /** Where short confirmations ("Screenshot saved to ...") go: the window's notification bar. */
    void setNotifier(Consumer<String> notify) {
        this.notify = notify;
    }

    /** Hides the toolbar in fullscreen (the floating one takes over) and shows it again after. */
    void fullScreenChanged(boolean full) {
        consoleToolBar.setVisible(!full);
        consoleToolBar.setManaged(!full);
        floatingBar.setVisible(false);
    }

    /** Connects the console to the running board's screen and inputs, or shows why there is nothing. */
    void attach(Board board) {
        if (board == null) {
            console.detach();
            console.placeholderProperty().set(vm.state() == MachineState.CRASHED
                    ? "The machine crashed" : "The machine is not running");
            return;
        }
        DisplaySurface surface = board.lookup(DisplaySurface.class).orElse(null);
        console.placeholderProperty().set(surface == null ? "This machine has no display (see the Serial tab)" : "");
        console.attach(surface, board.lookup(KeyboardInput.class).orElse(null), board.lookup(PointerInput.class).orElse(null),
                board.lookup(AbsolutePointerInput.class).orElse(null));
    }

    private Stage stage() {
        return getScene() != null && getScene().getWindow() instanceof Stage s ? s : null;
    }

    @FXML
    void enterFullScreen() {
        if (stage() != null) {
            stage().setFullScreen(true);
        }
    }

    @FXML
    void leaveFullScreen() {
        if (stage() != null) {
            stage().setFullScreen(false);
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
        FileChooser fc = new FileChooser();
        fc.setTitle("Save screenshot");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("PNG image", "*.png"));
        fc.setInitialFileName(vm.name().replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".png");
        File f = fc.showSaveDialog(stage());
        if (f == null) {
            return;
        }
        try {
            console.writePng(f.toPath());
            notify.accept("Screenshot saved to " + f);
        } catch (IOException e) {
            services.reportError(vm, "take a screenshot of", e);
        }
    }
}
