package org.virtfx.wizards.hardware;

import java.nio.file.Files;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;

/**
 * A serial port ({@code SerialEditor.fxml}): one of the PC board's four 16550A UARTs at the standard ports. Adding
 * ({@link #adding}) picks a free COM2-COM4 and the file its output is logged to. On a Details page it describes COM1
 * ({@link #attached}: always there, the window's Serial tab, nothing to change) or edits an added port
 * ({@link #addedPort}: its log file, or its removal on Apply).
 */
public final class SerialEditor extends EditorBase<SerialEditor.Port> {
    private static final int[] BASES = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
    private static final int[] IRQS = {4, 3, 4, 3};

    /**
     * A port as the editor shows it.
     *
     * @param com     1-4 (COM1 is built in; 2-4 are {@link VmDefinition.SerialPort}s)
     * @param logFile where its output goes, or null
     */
    public record Port(int com, String logFile) {
        public Port {
            if (com < 1 || com > BASES.length) {
                throw new IllegalArgumentException("serial port must be COM1-COM4 (1-4), got " + com);
            }
        }
    }

    /** The machine to add a port to; null on a Details page. */
    private final VmDefinition machine;
    /** A Details page of an added port: the log file can change and the port can be removed. */
    private final boolean removable;
    private final PageValidation validation = new PageValidation();

    @FXML ChoiceBox<Integer> portChoice;
    @FXML PathField logField;
    @FXML CheckBox removeBox;
    @FXML Label ioResources, connection, message;

    private SerialEditor(VmDefinition machine, boolean removable) {
        super("Serial port", "mdi2c-console-line");
        this.machine = machine;
        this.removable = removable;
        loadLayout("SerialEditor");
        removeBox.setVisible(removable);
        removeBox.setManaged(removable);
    }

    /** An editor for a further port of {@code machine} (Add Hardware). */
    public static SerialEditor adding(VmDefinition machine) {
        SerialEditor e = new SerialEditor(machine, false);
        for (int p = 2; p <= 4; p++) {
            int port = p;
            if (machine.serialPorts().stream().noneMatch(s -> s.port() == port)) {
                e.portChoice.getItems().add(p);
            }
        }
        if (!e.portChoice.getItems().isEmpty()) {
            e.portChoice.setValue(e.portChoice.getItems().getFirst());
        }
        e.validation.revalidate();
        return e;
    }

    /** An editor showing a port the machine has (a Details page); fixed (COM1). */
    public static SerialEditor attached() {
        SerialEditor e = new SerialEditor(null, false);
        e.portChoice.setDisable(true);
        e.logField.setDisable(true);
        return e;
    }

    /**
     * An editor for a port added to the machine (COM2-COM4 on a Details page): the port stays, its log file can
     * change, and Apply with Remove ticked takes the port out ({@link #value()} null).
     */
    public static SerialEditor addedPort() {
        SerialEditor e = new SerialEditor(null, true);
        e.portChoice.setDisable(true);
        return e;
    }

    /** The Details part of COM1, which every machine has. */
    public static Port com1() {
        return new Port(1, null);
    }

    /** The Details part of an added port. */
    public static Port of(VmDefinition.SerialPort p) {
        return new Port(p.port(), p.logFile());
    }

    @FXML
    void initialize() {
        portChoice.valueProperty().addListener((o, a, b) -> describe());
        logField.textProperty().addListener((o, a, b) -> {
            edited();
            describe();
        });
        removeBox.selectedProperty().addListener((o, a, b) -> {
            edited();
            logField.setDisable(b);
            validation.revalidate();
        });
        validation.error(logField.textField(), this::problem);
        message.textProperty().bind(validation.message());
        describe();
    }

    private void describe() {
        Integer com = portChoice.getValue();
        if (com == null) {
            ioResources.setText("");
            connection.setText("");
            return;
        }
        ioResources.setText(String.format("I/O 0x%X, IRQ %d", BASES[com - 1], IRQS[com - 1]));
        connection.setText(com == 1 ? "the Serial tab of the machine window (Linux guests: console=ttyS0)"
                : logField.value() != null ? "the file " + logField.value() : "not connected");
    }

    /** Whether Apply removes the port (Details of an added port only). */
    public boolean removing() {
        return removable && removeBox.isSelected();
    }

    @Override
    public String problem() {
        if (machine != null && VmOperations.freeSerialPort(machine).isEmpty()) {
            return "COM2, COM3 and COM4 are all defined already.";
        }
        Path log = removing() ? null : logField.value();
        Path folder = log == null ? null : log.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            // The machine would refuse to start: say it while the user can still choose another file.
            return "The folder " + folder + " of the log file does not exist.";
        }
        if (log != null && Files.isDirectory(log)) {
            return log + " is a folder: choose a file for the log.";
        }
        return null;
    }

    @Override
    public void load(Port port) {
        Port p = port == null ? com1() : port;
        loading(() -> {
            removeBox.setSelected(false);
            portChoice.getItems().setAll(p.com());
            portChoice.setValue(p.com());
            logField.setValue(p.logFile() == null ? null : Path.of(p.logFile()));
        });
        describe();
        validation.revalidate();
    }

    /** The port as edited, or null when it is to be removed. */
    @Override
    public Port value() {
        if (removing()) {
            return null;
        }
        Path log = logField.value();
        return new Port(portChoice.getValue(), log == null ? null : log.toAbsolutePath().toString());
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public boolean editable() {
        return machine != null || removable;
    }

    @Override
    public void entered() {
        validation.revalidate();
        Platform.runLater(portChoice::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        return ops.addSerialPort(def.name(), portChoice.getValue(), logField.value());
    }
}
