package org.virtfx.gui.vmwindow;

import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.ScrollPane;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.graphs.PerformanceGraph;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;

/** Live graphs of the machine and the host ({@code PerformancePage.fxml}); redrawn on each sample tick while shown. */
final class PerformancePage extends DetailsPage {
    private final ScrollPane root;
    @FXML private PerformanceGraph graphCpu;
    @FXML private PerformanceGraph graphMemory;
    @FXML private PerformanceGraph graphDisk;
    @FXML private PerformanceGraph graphNetwork;
    @FXML private PerformanceGraph graphHostCpu;
    @FXML private PerformanceGraph graphHostMemory;

    PerformancePage(AppServices services, VmSession vm) {
        super("Performance", "mdi2c-chart-line");
        root = Fxml.load(this);
        graphCpu.setSeries(new String[] {""}, vm.cpu);
        graphMemory.setSeries(new String[] {""}, vm.memory);
        graphDisk.setSeries(new String[] {"read", "write"}, vm.diskRead, vm.diskWrite);
        graphNetwork.setSeries(new String[] {"received", "sent"}, vm.netRx, vm.netTx);
        graphHostCpu.setSeries(new String[] {""}, services.hostCpu);
        graphHostMemory.setSeries(new String[] {""}, services.hostMemory);
        double interval = services.settings().graphIntervalMillis / 1000.0;
        for (PerformanceGraph g : graphs()) {
            g.setIntervalSeconds(interval);
        }
    }

    List<PerformanceGraph> graphs() {
        return List.of(graphCpu, graphMemory, graphDisk, graphNetwork, graphHostCpu, graphHostMemory);
    }

    @Override
    Node content() {
        return root;
    }

    @Override
    void fill(VmDefinition def) {
        // Memory in use can grow up to the allocated size: that is the top of the axis.
        graphMemory.setFixedMax(def.memoryMiB());
        // Totals over all cards; a machine without one has nothing to graph.
        graphNetwork.setEmptyText(def.nics().isEmpty() ? "no network card" : null);
    }

    @Override
    boolean editable() {
        return false;
    }

    @Override
    void tick() {
        graphs().forEach(PerformanceGraph::redraw);
    }
}
