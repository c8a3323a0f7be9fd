package org.virtfx.resources;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import javafx.scene.input.KeyCode;

/**
 * JavaFX key codes to Linux evdev key codes ({@code linux/input-event-codes.h}), the currency of
 * {@code display.KeyboardInput}. JavaFX reports the key's meaning on a US layout, which for the keys below is the
 * same as its position, so the guest's own keyboard layout decides what a key types (as on real hardware).
 */
public final class KeyMap {
    public static final int KEY_ESC = 1, KEY_BACKSPACE = 14, KEY_TAB = 15, KEY_ENTER = 28, KEY_LEFTCTRL = 29,
            KEY_LEFTSHIFT = 42, KEY_RIGHTSHIFT = 54, KEY_LEFTALT = 56, KEY_SPACE = 57, KEY_CAPSLOCK = 58,
            KEY_F1 = 59, KEY_F11 = 87, KEY_F12 = 88, KEY_RIGHTCTRL = 97, KEY_SYSRQ = 99, KEY_RIGHTALT = 100,
            KEY_DELETE = 111, KEY_LEFTMETA = 125, KEY_RIGHTMETA = 126;

    private static final Map<KeyCode, Integer> TABLE = new EnumMap<>(KeyCode.class);

    static {
        put(KeyCode.ESCAPE, KEY_ESC);
        String digits = "1234567890";
        for (int i = 0; i < digits.length(); i++) {
            put(KeyCode.getKeyCode(String.valueOf(digits.charAt(i))), 2 + i);
        }
        put(KeyCode.MINUS, 12);
        put(KeyCode.EQUALS, 13);
        put(KeyCode.BACK_SPACE, KEY_BACKSPACE);
        put(KeyCode.TAB, KEY_TAB);
        row("QWERTYUIOP", 16);
        put(KeyCode.OPEN_BRACKET, 26);
        put(KeyCode.CLOSE_BRACKET, 27);
        put(KeyCode.ENTER, KEY_ENTER);
        put(KeyCode.CONTROL, KEY_LEFTCTRL);
        row("ASDFGHJKL", 30);
        put(KeyCode.SEMICOLON, 39);
        put(KeyCode.QUOTE, 40);
        put(KeyCode.BACK_QUOTE, 41);
        put(KeyCode.DEAD_GRAVE, 41);
        put(KeyCode.SHIFT, KEY_LEFTSHIFT);
        put(KeyCode.BACK_SLASH, 43);
        row("ZXCVBNM", 44);
        put(KeyCode.COMMA, 51);
        put(KeyCode.PERIOD, 52);
        put(KeyCode.SLASH, 53);
        put(KeyCode.MULTIPLY, 55);
        put(KeyCode.ALT, KEY_LEFTALT);
        put(KeyCode.SPACE, KEY_SPACE);
        put(KeyCode.CAPS, KEY_CAPSLOCK);
        for (int i = 0; i < 10; i++) {
            put(KeyCode.getKeyCode("F" + (i + 1)), KEY_F1 + i);
        }
        put(KeyCode.NUM_LOCK, 69);
        put(KeyCode.SCROLL_LOCK, 70);
        put(KeyCode.NUMPAD7, 71);
        put(KeyCode.NUMPAD8, 72);
        put(KeyCode.NUMPAD9, 73);
        put(KeyCode.SUBTRACT, 74);
        put(KeyCode.NUMPAD4, 75);
        put(KeyCode.NUMPAD5, 76);
        put(KeyCode.NUMPAD6, 77);
        put(KeyCode.ADD, 78);
        put(KeyCode.NUMPAD1, 79);
        put(KeyCode.NUMPAD2, 80);
        put(KeyCode.NUMPAD3, 81);
        put(KeyCode.NUMPAD0, 82);
        put(KeyCode.DECIMAL, 83);
        put(KeyCode.LESS, 86);          // the 102nd key of ISO keyboards
        put(KeyCode.F11, KEY_F11);
        put(KeyCode.F12, KEY_F12);
        put(KeyCode.DIVIDE, 98);
        put(KeyCode.PRINTSCREEN, KEY_SYSRQ);
        put(KeyCode.ALT_GRAPH, KEY_RIGHTALT);
        put(KeyCode.HOME, 102);
        put(KeyCode.UP, 103);
        put(KeyCode.PAGE_UP, 104);
        put(KeyCode.LEFT, 105);
        put(KeyCode.RIGHT, 106);
        put(KeyCode.END, 107);
        put(KeyCode.DOWN, 108);
        put(KeyCode.PAGE_DOWN, 109);
        put(KeyCode.INSERT, 110);
        put(KeyCode.DELETE, KEY_DELETE);
        put(KeyCode.PAUSE, 119);
        put(KeyCode.WINDOWS, KEY_LEFTMETA);
        put(KeyCode.META, KEY_LEFTMETA);
        put(KeyCode.COMMAND, KEY_LEFTMETA);
        put(KeyCode.CONTEXT_MENU, 127);
    }

    private KeyMap() {
    }

    private static void put(KeyCode code, int evdev) {
        TABLE.put(code, evdev);
    }

    private static void row(String letters, int first) {
        for (int i = 0; i < letters.length(); i++) {
            put(KeyCode.getKeyCode(String.valueOf(letters.charAt(i))), first + i);
        }
    }

    /** The evdev code of a key, or empty for keys a PC keyboard does not have (media keys, IME keys ...). */
    public static Optional<Integer> evdev(KeyCode code) {
        return Optional.ofNullable(code == null ? null : TABLE.get(code));
    }
}
