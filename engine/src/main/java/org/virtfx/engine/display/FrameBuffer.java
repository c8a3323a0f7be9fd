package org.virtfx.engine.display;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link DisplaySurface} a display device renders into: one ARGB frame guarded by a lock, the rectangles changed
 * in the current refresh, and the listeners. A device calls {@link #render} once per refresh tick; inside, it resizes,
 * writes pixels and reports what it changed ({@link #commitLine} compares a rendered line with the frame, so a
 * renderer that redraws too much still reports only real changes). Listeners are told after the lock is released.
 */
public final class FrameBuffer implements DisplaySurface {
    /** Past this many rectangles in one refresh, listeners get their bounding box instead (cheaper for everyone). */
    private static final int MAX_RECTS = 32;

    /** What a renderer does inside one refresh, holding the frame lock. */
    @FunctionalInterface
    public interface Painter {
        void paint(FrameBuffer frame);
    }

    private final Object lock = new Object();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private int width;
    private int height;
    private int[] pixels;
    private final List<int[]> pending = new ArrayList<>();
    private boolean resized;
    private long changeCount;
    // Run of changed lines being merged into one rectangle by commitLine.
    private int runTop = -1;
    private int runBottom;
    private int runLeft;
    private int runRight;

    public FrameBuffer(int width, int height) {
        this.width = Math.max(1, width);
        this.height = Math.max(1, height);
        this.pixels = new int[this.width * this.height];
        java.util.Arrays.fill(pixels, 0xFF000000);
    }

    /** Runs {@code painter} with the frame locked, then tells listeners what changed. */
    public void render(Painter painter) {
        boolean sendResize;
        int w;
        int h;
        List<int[]> rects;
        synchronized (lock) {
            painter.paint(this);
            flushRun();
            sendResize = resized;
            resized = false;
            w = width;
            h = height;
            if (sendResize) {
                pending.clear();
                rects = List.of();
            } else if (pending.size() > MAX_RECTS) {
                rects = List.of(boundingBox(pending));
            } else {
                rects = List.copyOf(pending);
            }
            if (sendResize || !rects.isEmpty()) {
                changeCount++;
            }
            pending.clear();
        }
        for (Listener l : listeners) {
            if (sendResize) {
                l.resized(w, h);
            }
            for (int[] r : rects) {
                l.updated(r[0], r[1], r[2], r[3]);
            }
        }
    }

    private static int[] boundingBox(List<int[]> rects) {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = 0;
        int y1 = 0;
        for (int[] r : rects) {
            x0 = Math.min(x0, r[0]);
            y0 = Math.min(y0, r[1]);
            x1 = Math.max(x1, r[0] + r[2]);
            y1 = Math.max(y1, r[1] + r[3]);
        }
        return new int[] {x0, y0, x1 - x0, y1 - y0};
    }

    // ------------------------------------------------------------------ for painters (frame lock held)

    /** Changes the frame size (contents become black); listeners get {@code resized}. No-op if unchanged. */
    public void resize(int newWidth, int newHeight) {
        newWidth = Math.max(1, newWidth);
        newHeight = Math.max(1, newHeight);
        if (newWidth == width && newHeight == height) {
            return;
        }
        width = newWidth;
        height = newHeight;
        pixels = new int[width * height];
        java.util.Arrays.fill(pixels, 0xFF000000);
        resized = true;
        runTop = -1;
    }

    /** The frame's pixels, row stride {@link #width()}; only valid inside {@link #render}. */
    public int[] pixels() {
        return pixels;
    }

    /** Reports a changed rectangle that the painter wrote directly into {@link #pixels()}. */
    public void markDirty(int x, int y, int w, int h) {
        if (w > 0 && h > 0) {
            pending.add(new int[] {x, y, w, h});
        }
    }

    /**
     * Copies one rendered line into row {@code y} and records the changed span; consecutive changed lines are merged
     * into one rectangle. Returns whether anything changed.
     */
    public boolean commitLine(int y, int[] line, int lineOffset, int lineWidth) {
        int n = Math.min(lineWidth, width);
        int row = y * width;
        int first = java.util.Arrays.mismatch(line, lineOffset, lineOffset + n, pixels, row, row + n);
        if (first < 0) {
            flushRun();
            return false;
        }
        int last = n - 1;
        while (last > first && line[lineOffset + last] == pixels[row + last]) {
            last--;
        }
        System.arraycopy(line, lineOffset + first, pixels, row + first, last - first + 1);
        if (runTop >= 0 && runBottom == y) {
            runBottom = y + 1;
            runLeft = Math.min(runLeft, first);
            runRight = Math.max(runRight, last + 1);
        } else {
            flushRun();
            runTop = y;
            runBottom = y + 1;
            runLeft = first;
            runRight = last + 1;
        }
        return true;
    }

    private void flushRun() {
        if (runTop >= 0) {
            markDirty(runLeft, runTop, runRight - runLeft, runBottom - runTop);
            runTop = -1;
        }
    }

    // ------------------------------------------------------------------ DisplaySurface

    @Override
    public int width() {
        synchronized (lock) {
            return width;
        }
    }

    @Override
    public int height() {
        synchronized (lock) {
            return height;
        }
    }

    /** Counts refreshes that changed something (resize or pixels): a cheap "has the screen changed" test. */
    public long changeCount() {
        synchronized (lock) {
            return changeCount;
        }
    }

    @Override
    public void copyPixels(int x, int y, int w, int h, int[] dst, int dstOffset, int dstStride) {
        synchronized (lock) {
            int x0 = Math.max(0, x);
            int y0 = Math.max(0, y);
            int x1 = Math.min(width, x + w);
            int y1 = Math.min(height, y + h);
            for (int row = y0; row < y1; row++) {
                if (x1 > x0) {
                    System.arraycopy(pixels, row * width + x0, dst, dstOffset + (row - y) * dstStride + (x0 - x), x1 - x0);
                }
            }
        }
    }

    /** A consistent copy of the whole frame: {width, height, pixels...} packed as an {@link Image}. */
    public Image snapshot() {
        synchronized (lock) {
            return new Image(width, height, pixels.clone());
        }
    }

    /** An immutable-by-convention copy of a frame. */
    public record Image(int width, int height, int[] pixels) {
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** Whether anyone watches this frame (a device may skip periodic rendering when nobody does). */
    public boolean hasListeners() {
        return !listeners.isEmpty();
    }
}
