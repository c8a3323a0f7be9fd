package org.virtfx.engine.display;

/**
 * A guest screen as viewers see it (console viewer, VNC server, screenshots): 32-bit opaque ARGB pixels
 * (0xFFRRGGBB), a size that changes with the guest's mode, and dirty rectangles. The display device renders on its
 * own refresh tick and tells listeners what changed; an unchanged screen produces no callbacks.
 */
public interface DisplaySurface {
    /** Callbacks come on the display's refresh thread; they must be quick (copy or schedule, don't render). */
    interface Listener {
        /** The mode changed; the whole new surface is dirty. */
        void resized(int width, int height);

        /** The rectangle changed since the last call. */
        void updated(int x, int y, int width, int height);
    }

    int width();

    int height();

    /**
     * Copies a rectangle of the current frame into {@code dst} (row stride {@code dstStride} ints), consistent with
     * respect to the refresh thread. Out-of-range rectangles are clipped.
     */
    void copyPixels(int x, int y, int width, int height, int[] dst, int dstOffset, int dstStride);

    void addListener(Listener listener);

    void removeListener(Listener listener);
}
