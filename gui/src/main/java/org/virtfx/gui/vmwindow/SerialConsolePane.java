package org.virtfx.gui.vmwindow;

import java.util.regex.Pattern;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.fxml.FXML;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.util.Duration;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.VmSession;

/**
 * The first serial port (COM1) ({@code SerialConsolePane.fxml}): what the guest wrote, and a line to send. Polls the
 * session's serial text ten times a second while shown (one append per poll, not one per byte).
 */
public final class SerialConsolePane extends BorderPane {
    private static final Pattern ANSI = Pattern.compile("\u001B(\\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78DEHM])");
    private final VmSession vm;
    @FXML private TextArea serialOutput;
    @FXML private TextField serialInput;
    private final Timeline poll;
    private long shownUpTo;

    public SerialConsolePane(VmSession vm) {
        this.vm = vm;
        Fxml.loadRoot(this);
        poll = new Timeline(new KeyFrame(Duration.millis(100), e -> refresh()));
        poll.setCycleCount(Timeline.INDEFINITE);
    }

    /** Follows the serial output only while the pane is visible. */
    public void setActive(boolean active) {
        if (active) {
            refresh();
            poll.play();
        } else {
            poll.stop();
        }
    }

    public TextArea output() {
        return serialOutput;
    }

    @FXML
    void sendLine() {
        vm.sendSerial(serialInput.getText() + "\n");
        serialInput.clear();
    }

    @FXML
    void sendCtrlC() {
        vm.sendSerial("\u0003");
    }

    @FXML
    void clear() {
        serialOutput.clear();
    }

    /** Terminal control sequences (colours, cursor moves) would show as garbage in a text area: drop them. */
    static String plain(String s) {
        return ANSI.matcher(s).replaceAll("").replace("\u0007", "");
    }

    private void refresh() {
        long end = vm.serialEnd();
        if (end == shownUpTo) {
            return;
        }
        if (shownUpTo < vm.serialStart()) {
            serialOutput.setText(plain(vm.serialSince(vm.serialStart())));
        } else {
            serialOutput.appendText(plain(vm.serialSince(shownUpTo)));
        }
        shownUpTo = end;
        if (serialOutput.getLength() > 2 * 256 * 1024) {
            serialOutput.deleteText(0, serialOutput.getLength() - 256 * 1024);
        }
    }
}
