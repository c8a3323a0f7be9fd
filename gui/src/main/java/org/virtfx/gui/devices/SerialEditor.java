package org.virtfx.gui.devices;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import org.virtfx.gui.Fxml;

/**
 * A serial port ({@code SerialEditor.fxml}). The PC board always has four 16550A UARTs at the standard ports; the
 * part is the port index (0 = COM1). Nothing about them can be changed, so the editor only describes the port and
 * where its host end goes (COM1: the Serial tab of the machine window).
 */
public final class SerialEditor implements DeviceEditor<Integer> {
    private static final int[] BASES = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
    private static final int[] IRQS = {4, 3, 4, 3};
    private final EditorSupport support = new EditorSupport();
    private final GridPane root;
    private int port;
    @FXML private Label portName;
    @FXML private Label ioResources;
    @FXML private Label connection;

    public SerialEditor() {
        root = Fxml.load(this);
    }

    @Override
    public Node view() {
        return root;
    }

    @Override
    public void load(Integer index) {
        int p = index == null ? 0 : index;
        if (p < 0 || p >= BASES.length) {
            throw new IllegalArgumentException("serial port index must be 0-3, got " + p);
        }
        support.loading(() -> {
            port = p;
            portName.setText("COM" + (p + 1) + " (ttyS" + p + " in Linux)");
            ioResources.setText(String.format("I/O 0x%X, IRQ %d", BASES[p], IRQS[p]));
            connection.setText(p == 0 ? "the Serial tab of this window (Linux guests: console=ttyS0)" : "not connected");
        });
    }

    @Override
    public Integer value() {
        return port;
    }

    @Override
    public String problem() {
        return null;
    }

    @Override
    public ReadOnlyBooleanProperty changedProperty() {
        return support.changedProperty();
    }

    @Override
    public boolean editable() {
        return false;
    }
}
