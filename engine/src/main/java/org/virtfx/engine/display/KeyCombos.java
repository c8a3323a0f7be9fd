package org.virtfx.engine.display;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

    /** Key names of QEMU's {@code sendkey} (its QKeyCode names) to evdev codes. */
    private static final Map<String, Integer> NAMES = new HashMap<>();

    static {
        String[] rows = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
        int[] firstCode = {2, 16, 30, 44};
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < rows[r].length(); i++) {
                NAMES.put(String.valueOf(rows[r].charAt(i)), firstCode[r] + i);
            }
        }
        for (int n = 1; n <= 12; n++) {
            NAMES.put("f" + n, functionKey(n));
        }
        Object[] named = {"esc", 1, "minus", 12, "equal", 13, "backspace", KEY_BACKSPACE, "tab", 15,
            "bracket_left", 26, "bracket_right", 27, "ret", 28, "ctrl", KEY_LEFTCTRL, "semicolon", 39,
            "apostrophe", 40, "grave_accent", 41, "shift", 42, "backslash", 43, "comma", 51, "dot", 52, "slash", 53,
            "shift_r", 54, "alt", KEY_LEFTALT, "spc", 57, "caps_lock", 58, "ctrl_r", 97, "alt_r", 100,
            "sysrq", KEY_SYSRQ, "home", 102, "up", 103, "pgup", 104, "left", 105, "right", 106, "end", 107,
            "down", 108, "pgdn", 109, "insert", 110, "delete", KEY_DELETE, "meta_l", 125};
        for (int i = 0; i < named.length; i += 2) {
            NAMES.put((String) named[i], (Integer) named[i + 1]);
        }
    }

    private KeyCombos() {
    }

    /**
     * Parses key combinations written as QEMU's {@code sendkey} names: combinations separated by spaces, the keys of
     * one combination joined by '-' ("ret", "down down ret", "shift-a", "ctrl-alt-delete").
     *
     * @throws IllegalArgumentException naming the unknown key, or for an empty sequence
     */
    public static List<List<Integer>> parse(String spec) {
        List<List<Integer>> combos = new ArrayList<>();
        for (String word : spec.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            List<Integer> combo = new ArrayList<>();
            for (String name : word.split("-", -1)) {
                Integer code = NAMES.get(name.toLowerCase(Locale.ROOT));
                if (code == null) {
                    throw new IllegalArgumentException("unknown key '" + name + "' in '" + word
                            + "' (QEMU sendkey names: a, 1, ret, esc, spc, tab, up, down, f1, shift-a, ctrl-alt-delete ...)");
                }
                combo.add(code);
            }
            combos.add(List.copyOf(combo));
        }
        if (combos.isEmpty()) {
            throw new IllegalArgumentException("no keys given");
        }
        return List.copyOf(combos);
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
