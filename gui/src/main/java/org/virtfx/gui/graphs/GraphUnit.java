package org.virtfx.gui.graphs;

import java.util.function.DoubleFunction;

/** What a graph's values measure, and how a value is written with its unit. */
public enum GraphUnit {
    PERCENT(PerformanceGraph::percent),
    MIB(PerformanceGraph::mib),
    BYTES_PER_SECOND(PerformanceGraph::bytesPerSecond);

    private final DoubleFunction<String> format;

    GraphUnit(DoubleFunction<String> format) {
        this.format = format;
    }

    public String format(double value) {
        return format.apply(value);
    }
}
