package org.virtfx.gui.graphs;

import javafx.beans.value.ObservableValue;
import javafx.scene.Scene;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import javafx.scene.transform.Scale;
import javafx.stage.Window;
import org.virtfx.console.ConsoleView;

/**
 * A region that paints on a canvas sized in physical pixels, for graphs that stay crisp on HiDPI screens (output
 * scale 1.25, 1.5, 2 ...). A canvas of the region's logical size would be rendered by Prism at the next whole scale
 * and then resampled to the fractional one, blurring every line; here the canvas has exactly one texel per physical
 * pixel (its size is the physical size divided by Prism's whole texture scale, {@code ConsoleView.canvasTextureScale},
 * and a transform brings it to the logical size) and starts on the physical pixel grid. Subclasses paint in logical coordinates and use {@link #hairline} for 1-pixel lines.
 */
public abstract class CrispCanvas extends Region {
    private final Canvas canvas = new Canvas();
    private final Scale toLogical = new Scale(1, 1, 0, 0);
    private final ObservableValue<Number> renderScale;
    private double outputScale = 1;
    private double textureScale = 1;

    protected CrispCanvas() {
        canvas.getTransforms().add(toLogical);
        canvas.setManaged(false);
        getChildren().add(canvas);
        renderScale = sceneProperty().flatMap(Scene::windowProperty).flatMap(Window::renderScaleXProperty).orElse(1.0);
        renderScale.addListener((o, a, b) -> requestLayout());
    }

    /** Physical pixels per logical pixel of the window this graph is in. */
    public double outputScale() {
        double s = renderScale.getValue().doubleValue();
        return s > 0 ? s : 1;
    }

    /** The canvas size in physical pixels (width, height). */
    public double[] physicalSize() {
        return new double[] {canvas.getWidth() * textureScale, canvas.getHeight() * textureScale};
    }

    @Override
    protected void layoutChildren() {
        outputScale = outputScale();
        textureScale = ConsoleView.canvasTextureScale();
        double pw = Math.round(getWidth() * outputScale), ph = Math.round(getHeight() * outputScale);
        if (canvas.getWidth() != pw / textureScale || canvas.getHeight() != ph / textureScale) {
            canvas.setWidth(pw / textureScale);
            canvas.setHeight(ph / textureScale);
        }
        toLogical.setX(textureScale / outputScale);
        toLogical.setY(textureScale / outputScale);
        redraw();
    }

    /** Repaints: clears, then {@link #paint} in logical coordinates. FX thread. */
    public final void redraw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setTransform(1, 0, 0, 1, 0, 0);
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        double toCanvas = outputScale / textureScale;   // logical units to canvas units
        g.setTransform(toCanvas, 0, 0, toCanvas, 0, 0);
        paint(g, canvas.getWidth() / toCanvas, canvas.getHeight() / toCanvas);
    }

    /** Paints the graph; {@code g} maps logical units to physical pixels. */
    protected abstract void paint(GraphicsContext g, double width, double height);

    /** The logical coordinate of the centre of the physical pixel row or column at logical {@code v}. */
    protected double hairline(double v) {
        return (Math.floor(v * outputScale) + 0.5) / outputScale;
    }

    /** A line width of exactly one physical pixel. */
    protected double hairlineWidth() {
        return 1 / outputScale;
    }
}
