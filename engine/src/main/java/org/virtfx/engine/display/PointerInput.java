package org.virtfx.engine.display;

/** A relative mouse (PS/2): motion in pixels, wheel steps, and buttons (bit 0 left, 1 right, 2 middle). */
public interface PointerInput {
    void relative(int dx, int dy, int wheel, int buttons);
}
