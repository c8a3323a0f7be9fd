package org.virtfx.engine.display;

/**
 * Keys by physical position, as Linux evdev key codes (KEY_A = 30, KEY_LEFTCTRL = 29 ...; `linux/input-event-codes.h`).
 * The PS/2 keyboard turns them into scancode set 1/2 sequences; viewers (JavaFX, VNC keysyms) map to them once.
 */
public interface KeyboardInput {
    void key(int evdevCode, boolean pressed);
}
