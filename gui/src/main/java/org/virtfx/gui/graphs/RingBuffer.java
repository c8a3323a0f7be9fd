package org.virtfx.gui.graphs;

/** The last {@code capacity} samples of one metric, oldest first; primitive so 120 samples cost 1 KiB. */
public final class RingBuffer {
    private double[] data;
    private int head;   // index of the next write
    private int size;

    public RingBuffer(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("a graph needs at least 2 samples, got " + capacity);
        }
        data = new double[capacity];
    }

    public synchronized void add(double v) {
        data[head] = v;
        head = (head + 1) % data.length;
        size = Math.min(size + 1, data.length);
    }

    public synchronized int size() {
        return size;
    }

    public synchronized int capacity() {
        return data.length;
    }

    /** Sample {@code i}, 0 = oldest kept. */
    public synchronized double get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return data[(head - size + i + data.length) % data.length];
    }

    public synchronized double last() {
        return size == 0 ? 0 : get(size - 1);
    }

    public synchronized double max() {
        double m = 0;
        for (int i = 0; i < size; i++) {
            m = Math.max(m, get(i));
        }
        return m;
    }

    /** Keeps the newest samples that fit into a new capacity (graph settings changed). */
    public synchronized void resize(int capacity) {
        if (capacity < 2 || capacity == data.length) {
            return;
        }
        double[] n = new double[capacity];
        int keep = Math.min(size, capacity);
        for (int i = 0; i < keep; i++) {
            n[i] = get(size - keep + i);
        }
        data = n;
        size = keep;
        head = keep % capacity;
    }

    public synchronized void clear() {
        size = 0;
        head = 0;
    }
}
