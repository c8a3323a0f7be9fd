package org.virtfx.wizards.hardware;

import java.nio.file.Path;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.PageValidation;
import org.virtfx.wizards.PathField;

/**
 * A serial port ({@code SerialEditor.fxml}): one of the PC board's four 16550A UARTs at the standard ports. Adding
 * ({@link #adding}) picks a free COM2-COM4 and the file its output is logged to; on a Details page
 * ({@link #attached}) it describes a port the machine has (COM1 always: the window's Serial tab) and cannot change it.
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
    private final PageValidation validation = new PageValidation();

    @FXML ChoiceBox<Integer> portChoice;
    @FXML PathField logField;
    @FXML Label ioResources, connection, message;

    private SerialEditor(VmDefinition machine) {
        super("Serial port", "mdi2c-console-line");
        this.machine = machine;
        loadLayout("SerialEditor");
    }

    /** An editor for a further port of {@code machine} (Add Hardware). */
    public static SerialEditor adding(VmDefinition machine) {
        SerialEditor e = new SerialEditor(machine);
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

    /** An editor showing a port the machine has (a Details page); fixed. */
    public static SerialEditor attached() {
        SerialEditor e = new SerialEditor(null);
        e.portChoice.setDisable(true);
        e.logField.setDisable(true);
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

    @Override
    public String problem() {
        return machine != null && VmOperations.freeSerialPort(machine).isEmpty()
                ? "COM2, COM3 and COM4 are all defined already." : null;
    }

    @Override
    public void load(Port port) {
        Port p = port == null ? com1() : port;
        loading(() -> {
            portChoice.getItems().setAll(p.com());
            portChoice.setValue(p.com());
            logField.setValue(p.logFile() == null ? null : Path.of(p.logFile()));
        });
        describe();
    }

    @Override
    public Port value() {
        Path log = logField.value();
        return new Port(portChoice.getValue(), log == null ? null : log.toAbsolutePath().toString());
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public boolean editable() {
        return machine != null;
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
