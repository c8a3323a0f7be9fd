package org.virtfx.gui.graphs;

import java.util.function.DoubleFunction;
import javafx.geometry.VPos;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;

/**
 * A full graph for the Performance page: title, current value, a value axis with units, a time axis in seconds and
 * one or two series (e.g. disk read and write). Canvas-drawn in physical pixels ({@link CrispCanvas}): one repaint per
 * sample tick.
 */
public final class PerformanceGraph extends CrispCanvas {
    private static final Color[] COLORS = {Color.web("#2f6fb3"), Color.web("#d9822b")};
    private String title = "";
    private String[] seriesNames = {};
    private RingBuffer[] series = {};
    private GraphUnit unit = GraphUnit.PERCENT;
    private DoubleFunction<String> format = unit::format;
    private double fixedMax;
    private double intervalSeconds = 1;
    private String emptyText;

    /** For FXML: {@code <PerformanceGraph title="CPU usage" unit="PERCENT" fixedMax="100"/>}, then {@link #setSeries}. */
    public PerformanceGraph() {
        getStyleClass().add("graph-canvas-box");
        setMinSize(200, 120);
        setPrefSize(420, 160);
    }

    public void setTitle(String title) {
        this.title = title;
    }

    public GraphUnit getUnit() {
        return unit;
    }

    public void setUnit(GraphUnit unit) {
        this.unit = unit;
        this.format = unit::format;
    }

    public double getFixedMax() {
        return fixedMax;
    }

    /** The series to draw (at most two) and their names in the title line ("" for none). */
    public void setSeries(String[] names, RingBuffer... buffers) {
        this.seriesNames = names.clone();
        this.series = buffers.clone();
        redraw();
    }

    public String getEmptyText() {
        return emptyText;
    }

    public void setIntervalSeconds(double s) {
        intervalSeconds = s;
    }

    /** Text shown instead of a graph (e.g. "no network card"); null to graph again. */
    public void setEmptyText(String text) {
        emptyText = text;
        redraw();
    }

    public void setFixedMax(double max) {
        fixedMax = max;
    }

    public String getTitle() {
        return title;
    }

    public String title() {
        return title;
    }

    /** The title line: the title and each series' name and newest value with its unit ("Disk I/O:  read 4.0 KiB/s ..."). */
    public String headline() {
        StringBuilder head = new StringBuilder(title);
        if (emptyText == null) {
            for (int s = 0; s < series.length; s++) {
                head.append(s == 0 ? ":  " : "   ").append(seriesNames.length > s && !seriesNames[s].isEmpty()
                        ? seriesNames[s] + " " : "").append(format.apply(series[s].last()));
            }
        }
        return head.toString();
    }

    public int samples() {
        return series.length == 0 ? 0 : series[0].size();
    }

    @Override
    protected void paint(GraphicsContext g, double w, double h) {
        if (w < 50 || h < 50) {
            return;
        }
        Font small = Font.font(10.5);
        g.setFont(Font.font(null, javafx.scene.text.FontWeight.BOLD, 12));
        g.setFill(Color.web("#222"));
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.TOP);
        g.fillText(headline(), 8, 5);
        double left = 76, top = 24, right = w - 10, bottom = h - 20;
        if (emptyText != null) {
            g.setFont(small);
            g.setFill(Color.GRAY);
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText(emptyText, w / 2, (top + bottom) / 2);
            return;
        }
        double max = fixedMax;
        if (max <= 0) {
            for (RingBuffer r : series) {
                max = Math.max(max, r.max());
            }
            max = niceCeiling(max);
        }
        g.setFont(small);
        g.setStroke(Color.web("#e3e6ea"));
        g.setLineWidth(hairlineWidth());
        g.setTextAlign(TextAlignment.RIGHT);
        g.setTextBaseline(VPos.CENTER);
        g.setFill(Color.web("#555"));
        for (int i = 0; i <= 4; i++) {
            double y = hairline(bottom - i * (bottom - top) / 4);
            g.strokeLine(left, y, right, y);
            g.fillText(format.apply(max * i / 4), left - 4, y);
        }
        int cap = series.length == 0 ? 2 : series[0].capacity();
        double span = (cap - 1) * intervalSeconds;
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.TOP);
        for (int i = 0; i <= 4; i++) {
            double x = left + i * (right - left) / 4;
            double secondsAgo = span * (4 - i) / 4;
            g.fillText(i == 4 ? "now" : "-" + Math.round(secondsAgo) + " s", x, bottom + 3);
        }
        g.setStroke(Color.web("#9aa1ab"));
        g.strokeLine(hairline(left), top, hairline(left), bottom);
        double step = (right - left) / (cap - 1);
        for (int s = 0; s < series.length; s++) {
            RingBuffer r = series[s];
            int n = r.size();
            if (n < 1) {
                continue;
            }
            g.setStroke(COLORS[s % COLORS.length]);
            g.setLineWidth(1.6);
            g.beginPath();
            double x0 = right - (n - 1) * step;
            for (int i = 0; i < n; i++) {
                double y = bottom - Math.min(1, r.get(i) / max) * (bottom - top);
                if (i == 0) {
                    g.moveTo(x0, y);
                } else {
                    g.lineTo(x0 + i * step, y);
                }
            }
            g.stroke();
        }
    }

    /** 1, 2, 5 x 10^n at or above v, so the axis labels are round numbers. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    public static String percent(double v) {
        return Math.round(v) + " %";
    }

    public static String mib(double v) {
        return v >= 1024 ? String.format("%.1f GiB", v / 1024) : Math.round(v) + " MiB";
    }

    public static String bytesPerSecond(double v) {
        if (v >= 1 << 20) {
            return String.format("%.1f MiB/s", v / (1 << 20));
        }
        if (v >= 1 << 10) {
            return String.format("%.1f KiB/s", v / (1 << 10));
        }
        return Math.round(v) + " B/s";
    }
}
