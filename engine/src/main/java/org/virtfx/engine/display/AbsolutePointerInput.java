package org.virtfx.engine.display;

/**
 * An absolute pointer (a USB or virtio tablet): the position on the screen, so the guest's cursor follows the host's
 * without grabbing the mouse. Boards offer it through {@code Board.lookup} only when such a device is plugged in;
 * viewers fall back to {@link PointerInput} otherwise.
 */
public interface AbsolutePointerInput {
    /**
     * @param x       column of the pointer, 0 .. width-1 (values outside are clamped to the edge)
     * @param y       row of the pointer, 0 .. height-1
     * @param width   width of the screen the position is measured on (at least 1)
     * @param height  height of that screen (at least 1)
     * @param wheel   wheel steps as {@link PointerInput#relative} counts them (negative: up, away from the user)
     * @param buttons bit 0 left, 1 right, 2 middle
     */
    void absolute(int x, int y, int width, int height, int wheel, int buttons);
}
