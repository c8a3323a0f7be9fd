package org.virtfx.gui.vmwindow;

import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.layout.GridPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.graphs.GraphUnit;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;

/** Guest RAM ({@code MemoryPage.fxml}): the allocated size to edit, and what the guest uses of it now. */
final class MemoryPage extends DetailsPage {
    private final VmSession vm;
    private final GridPane root;
    @FXML private Spinner<Integer> memorySpinner;
    @FXML private Label inUse;
    @FXML private Label hostMemory;

    MemoryPage(AppServices services, VmSession vm) {
        super("Memory", "mdi2m-memory");
        this.vm = vm;
        root = Fxml.load(this);
        memorySpinner.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 1 << 20, 256, 64));
        memorySpinner.valueProperty().addListener((o, a, b) -> changed());
        memorySpinner.getEditor().textProperty().addListener((o, a, b) -> changed());
        long host = services.hostMemoryTotalMiB();
        hostMemory.setText(host > 0 ? GraphUnit.MIB.format(host) : "unknown");
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        memorySpinner.getValueFactory().setValue((int) Math.min(Integer.MAX_VALUE, def.memoryMiB()));
        tick();
    }

    @Override
    void tick() {
        inUse.setText(vm.state().isActive() ? GraphUnit.MIB.format(vm.memory.last()) + " written by the guest so far"
                : "not running");
    }

    @Override
    VmDefinition apply(VmDefinition def) {
        try {
            memorySpinner.commitValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("memory: not a number: " + memorySpinner.getEditor().getText());
        }
        return def.withMemoryMiB(memorySpinner.getValue());
    }
}
