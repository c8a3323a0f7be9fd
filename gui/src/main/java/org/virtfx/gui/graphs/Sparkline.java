package org.virtfx.gui.graphs;

import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;

/**
 * A small line graph of a {@link RingBuffer} for the VM list (no axes; the newest sample at the right), drawn in
 * physical pixels ({@link CrispCanvas}).
 */
public final class Sparkline extends CrispCanvas {
    private RingBuffer data;
    private double fixedMax;

    public Sparkline(double width, double height) {
        getStyleClass().add("sparkline");
        setMinSize(width, height);
        setPrefSize(width, height);
        setMaxSize(width, height);
    }

    /** @param max the value at the top edge, or 0 to scale to the largest sample */
    public void show(RingBuffer buffer, double max) {
        this.data = buffer;
        this.fixedMax = max;
        redraw();
    }

    @Override
    protected void paint(GraphicsContext g, double w, double h) {
        if (data == null) {
            return;
        }
        int n = data.size(), cap = data.capacity();
        if (n < 2) {
            return;
        }
        double max = fixedMax > 0 ? fixedMax : Math.max(1e-9, data.max());
        double step = (w - 1) / (cap - 1);
        double x0 = w - 1 - (n - 1) * step;
        g.setFill(Color.web("#2f6fb3", 0.18));
        g.setStroke(Color.web("#2f6fb3"));
        g.setLineWidth(1.2);
        g.beginPath();
        g.moveTo(x0, h);
        for (int i = 0; i < n; i++) {
            g.lineTo(x0 + i * step, y(data.get(i), max, h));
        }
        g.lineTo(x0 + (n - 1) * step, h);
        g.closePath();
        g.fill();
        g.beginPath();
        for (int i = 0; i < n; i++) {
            double x = x0 + i * step, y = y(data.get(i), max, h);
            if (i == 0) {
                g.moveTo(x, y);
            } else {
                g.lineTo(x, y);
            }
        }
        g.stroke();
    }

    private static double y(double v, double max, double h) {
        return h - 1 - Math.min(1, Math.max(0, v / max)) * (h - 2);
    }
}
