package org.virtfx.gui.graphs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicReference;
import javafx.scene.Scene;
import javafx.scene.SnapshotParameters;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.VBox;
import javafx.scene.transform.Scale;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * Graphs on HiDPI screens: their canvases have one texel per physical pixel and grid lines are one physical pixel
 * wide on the physical grid. Monocle's screen has output scale 1, so the window's render scale is set as glass sets it
 * from the screen (GTK: {@code glass.gtk.uiScale}) and the graph is rendered as that screen would show it.
 */
@ExtendWith(ApplicationExtension.class)
class GraphsHiDpiTest {
    private PerformanceGraph graph;
    private Sparkline spark;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        RingBuffer cpu = new RingBuffer(120);
        for (int i = 0; i < 120; i++) {
            cpu.add(50 + 40 * Math.sin(i / 7.0));
        }
        graph = new PerformanceGraph();
        graph.setTitle("CPU usage");
        graph.setUnit(GraphUnit.PERCENT);
        graph.setFixedMax(100);
        graph.setSeries(new String[] {""}, cpu);
        graph.setPrefSize(401, 161);
        spark = new Sparkline(80, 22);
        spark.show(cpu, 100);
        stage.setScene(new Scene(new VBox(graph, spark), 401, 200));
        stage.setWidth(401);
        stage.setHeight(200);
        stage.show();
    }

    @Test
    void canvasesHaveOneTexelPerPhysicalPixelAtEveryScale(FxRobot robot) {
        for (double os : new double[] {1, 1.25, 1.5, 2}) {
            robot.interact(() -> {
                stage.setRenderScaleX(os);
                stage.setRenderScaleY(os);
                stage.getScene().getRoot().layout();
                graph.layout();
                spark.layout();
            });
            assertArrayEquals(new double[] {Math.round(graph.getWidth() * os), Math.round(graph.getHeight() * os)},
                    graph.physicalSize(), "graph canvas at " + os);
            assertArrayEquals(new double[] {Math.round(80 * os), Math.round(22 * os)}, spark.physicalSize(), "sparkline at " + os);
        }
    }

    @Test
    void gridLinesAreSinglePhysicalPixelsAtOneAndAHalf(FxRobot robot) {
        double os = 1.5;
        AtomicReference<WritableImage> img = new AtomicReference<>();
        robot.interact(() -> {
            stage.setRenderScaleX(os);
            stage.setRenderScaleY(os);
            graph.layout();
            SnapshotParameters p = new SnapshotParameters();
            p.setTransform(new Scale(os, os));
            img.set(graph.snapshot(p, null));
        });
        // The top grid line at logical y = 24 is the physical row floor(24 * 1.5) = 36, drawn in #e3e6ea with no
        // half-covered neighbour rows (a blurred line would tint 35 or 37). The series stays below it (max 90 %).
        var r = img.get().getPixelReader();
        int x = (int) (graph.getWidth() * os * 0.6);
        assertEquals(0xFFE3E6EA, r.getArgb(x, 36), "the grid row");
        assertEquals(0xFFFFFFFF, r.getArgb(x, 35), "above the grid line: background");
        assertEquals(0xFFFFFFFF, r.getArgb(x, 37), "below the grid line: background");
    }
}
