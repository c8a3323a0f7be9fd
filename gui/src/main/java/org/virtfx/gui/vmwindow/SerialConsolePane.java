package org.virtfx.gui.vmwindow;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.util.Duration;
import org.virtfx.gui.model.VmSession;

/**
 * The first serial port (COM1): what the guest wrote, and a line to send. Polls the session's serial text ten times a
 * second while shown (one append per poll, not one per byte).
 */
public final class SerialConsolePane extends BorderPane {
    private final VmSession vm;
    private final TextArea output = new TextArea();
    private final TextField input = new TextField();
    private final Timeline poll;
    private long shownUpTo;

    public SerialConsolePane(VmSession vm) {
        this.vm = vm;
        output.setEditable(false);
        output.setWrapText(false);
        output.getStyleClass().add("serial-output");
        output.setId("serialOutput");
        input.setPromptText("Type a line for COM1 and press Enter");
        input.setId("serialInput");
        input.getStyleClass().add("serial-output");
        input.setOnAction(e -> {
            vm.sendSerial(input.getText() + "\n");
            input.clear();
        });
        Button ctrlC = new Button("Send Ctrl+C");
        ctrlC.setOnAction(e -> vm.sendSerial("\u0003"));
        Button clear = new Button("Clear");
        clear.setOnAction(e -> output.clear());
        HBox bar = new HBox(6, new Label("COM1"), input, ctrlC, clear);
        HBox.setHgrow(input, Priority.ALWAYS);
        bar.setPadding(new Insets(6));
        bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        setCenter(output);
        setBottom(bar);
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
        return output;
    }

    /** Terminal control sequences (colours, cursor moves) would show as garbage in a text area: drop them. */
    static String plain(String s) {
        return ANSI.matcher(s).replaceAll("").replace("\u0007", "");
    }

    private static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B(\\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78DEHM])");

    private void refresh() {
        long end = vm.serialEnd();
        if (end == shownUpTo) {
            return;
        }
        if (shownUpTo < vm.serialStart()) {
            output.setText(plain(vm.serialSince(vm.serialStart())));
        } else {
            output.appendText(plain(vm.serialSince(shownUpTo)));
        }
        shownUpTo = end;
        if (output.getLength() > 2 * 256 * 1024) {
            output.deleteText(0, output.getLength() - 256 * 1024);
        }
    }
}
