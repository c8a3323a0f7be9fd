package org.virtfx.console;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.virtfx.engine.display.DisplaySurface;

/** A surface tests and the frame-cost bench paint directly. */
final class FakeSurface implements DisplaySurface {
    final int w, h;
    final int[] fb;
    final List<Listener> listeners = new CopyOnWriteArrayList<>();

    FakeSurface(int w, int h) {
        this.w = w;
        this.h = h;
        fb = new int[w * h];
    }

    /** Fills a rectangle and reports it dirty. */
    synchronized void fill(int x, int y, int rw, int rh, int argb) {
        for (int r = y; r < y + rh; r++) {
            java.util.Arrays.fill(fb, r * w + x, r * w + x + rw, argb);
        }
        for (Listener l : listeners) {
            l.updated(x, y, rw, rh);
        }
    }

    @Override
    public int width() {
        return w;
    }

    @Override
    public int height() {
        return h;
    }

    @Override
    public synchronized void copyPixels(int x, int y, int width, int height, int[] dst, int dstOffset, int dstStride) {
        for (int r = 0; r < height; r++) {
            System.arraycopy(fb, (y + r) * w + x, dst, dstOffset + r * dstStride, width);
        }
    }

    @Override
    public void addListener(Listener l) {
        listeners.add(l);
    }

    @Override
    public void removeListener(Listener l) {
        listeners.remove(l);
    }
}
