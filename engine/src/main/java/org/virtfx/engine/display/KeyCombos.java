package org.virtfx.engine.display;

import java.util.List;

/**
 * Key combinations a viewer offers as menu items because the host would swallow them (Ctrl+Alt+Del, VT switches,
 * SysRq). Each is a sequence of evdev codes pressed in order and released in reverse order.
 */
public final class KeyCombos {
    public static final int KEY_BACKSPACE = 14;
    public static final int KEY_LEFTCTRL = 29;
    public static final int KEY_LEFTALT = 56;
    public static final int KEY_F1 = 59;
    public static final int KEY_F11 = 87;
    public static final int KEY_F12 = 88;
    /** Also the PrintScreen key: on a PC keyboard they are one key, SysRq being Alt+PrintScreen. */
    public static final int KEY_SYSRQ = 99;
    public static final int KEY_DELETE = 111;

    public static final List<Integer> CTRL_ALT_DEL = List.of(KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE);
    public static final List<Integer> CTRL_ALT_BACKSPACE = List.of(KEY_LEFTCTRL, KEY_LEFTALT, KEY_BACKSPACE);
    public static final List<Integer> PRINT_SCREEN = List.of(KEY_SYSRQ);
    public static final List<Integer> SYSRQ = List.of(KEY_LEFTALT, KEY_SYSRQ);

    private KeyCombos() {
    }

    /** The evdev code of function key F{@code n} (1-12). */
    public static int functionKey(int n) {
        if (n < 1 || n > 12) {
            throw new IllegalArgumentException("no function key F" + n);
        }
        return n <= 10 ? KEY_F1 + n - 1 : KEY_F11 + n - 11;
    }

    /** Ctrl+Alt+F{@code n}: switch to virtual terminal n. */
    public static List<Integer> ctrlAltF(int n) {
        return List.of(KEY_LEFTCTRL, KEY_LEFTALT, functionKey(n));
    }

    /** Alt+SysRq+{@code evdevKey}: a magic SysRq command (e.g. KEY_S = 31 syncs, KEY_B = 48 reboots). */
    public static List<Integer> sysrq(int evdevKey) {
        return List.of(KEY_LEFTALT, KEY_SYSRQ, evdevKey);
    }

    /** Presses the keys in order, then releases them in reverse order. */
    public static void send(KeyboardInput keyboard, List<Integer> combo) {
        for (int code : combo) {
            keyboard.key(code, true);
        }
        for (int i = combo.size() - 1; i >= 0; i--) {
            keyboard.key(combo.get(i), false);
        }
    }
}
