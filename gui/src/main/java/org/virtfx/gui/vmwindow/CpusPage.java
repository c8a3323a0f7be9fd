package org.virtfx.gui.vmwindow;

import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.gui.Fxml;

/** Number of vCPUs ({@code CpusPage.fxml}). */
final class CpusPage extends DetailsPage {
    private final GridPane root;
    @FXML private Spinner<Integer> cpuSpinner;
    @FXML private Label hostCpus;

    CpusPage() {
        super("CPUs", "mdi2c-chip");
        root = Fxml.load(this);
        cpuSpinner.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(1, MachineConfig.MAX_CPUS, 1));
        cpuSpinner.valueProperty().addListener((o, a, b) -> changed());
        hostCpus.setText(Runtime.getRuntime().availableProcessors() + " (each vCPU is one host thread)");
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        cpuSpinner.getValueFactory().setValue(def.cpus());
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        try {
            cpuSpinner.commitValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("vCPUs: not a number: " + cpuSpinner.getEditor().getText());
        }
        return def.withCpus(cpuSpinner.getValue());
    }
}
