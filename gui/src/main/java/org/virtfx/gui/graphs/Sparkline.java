package org.virtfx.gui.graphs;

import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;

/**
 * A small line graph of one or two {@link RingBuffer}s for the VM list (no axes; the newest sample at the right),
 * drawn in physical pixels ({@link CrispCanvas}). The first series is filled; a second one (network sent beside
 * received) is a line in the Performance page's second colour.
 */
public final class Sparkline extends CrispCanvas {
    private static final Color FIRST = Color.web("#2f6fb3");
    private static final Color SECOND = Color.web("#d9822b");
    private RingBuffer[] data = {};
    private double fixedMax;

    public Sparkline(double width, double height) {
        getStyleClass().add("sparkline");
        setMinSize(width, height);
        setPrefSize(width, height);
        setMaxSize(width, height);
    }

    /** @param max the value at the top edge, or 0 to scale to the largest sample of all series */
    public void show(RingBuffer buffer, double max) {
        show(max, buffer);
    }

    /** Several series on one scale ({@code max} as in {@link #show(RingBuffer, double)}). */
    public void show(double max, RingBuffer... buffers) {
        this.data = buffers.clone();
        this.fixedMax = max;
        redraw();
    }

    @Override
    protected void paint(GraphicsContext g, double w, double h) {
        if (data.length == 0) {
            return;
        }
        double max = fixedMax;
        if (max <= 0) {
            max = 1e-9;
            for (RingBuffer r : data) {
                max = Math.max(max, r.max());
            }
        }
        for (int s = 0; s < data.length; s++) {
            RingBuffer r = data[s];
            int n = r.size(), cap = r.capacity();
            if (n < 2) {
                continue;
            }
            double step = (w - 1) / (cap - 1);
            double x0 = w - 1 - (n - 1) * step;
            if (s == 0) {
                g.setFill(Color.web("#2f6fb3", 0.18));
                g.beginPath();
                g.moveTo(x0, h);
                for (int i = 0; i < n; i++) {
                    g.lineTo(x0 + i * step, y(r.get(i), max, h));
                }
                g.lineTo(x0 + (n - 1) * step, h);
                g.closePath();
                g.fill();
            }
            g.setStroke(s == 0 ? FIRST : SECOND);
            g.setLineWidth(1.2);
            g.beginPath();
            for (int i = 0; i < n; i++) {
                double x = x0 + i * step, y = y(r.get(i), max, h);
                if (i == 0) {
                    g.moveTo(x, y);
                } else {
                    g.lineTo(x, y);
                }
            }
            g.stroke();
        }
    }

    private static double y(double v, double max, double h) {
        return h - 1 - Math.min(1, Math.max(0, v / max)) * (h - 2);
    }
}
