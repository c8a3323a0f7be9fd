package org.virtfx.engine.vnc;

import java.util.HashMap;
import java.util.Map;

/**
 * X11 keysyms (what RFB KeyEvents carry) to Linux evdev key codes (what {@code display.KeyboardInput} takes), for a
 * US layout: a shifted symbol maps to the key that produces it, since the client sends the Shift press separately.
 * The one table of this mapping in VirtFX.
 */
public final class KeysymMap {
    private static final Map<Integer, Integer> TABLE = new HashMap<>();

    private static void put(int keysym, int evdev) {
        TABLE.put(keysym, evdev);
    }

    private static void chars(String chars, int... codes) {
        for (int i = 0; i < chars.length(); i++) {
            put(chars.charAt(i), codes[i]);
        }
    }

    static {
        // Letters, both cases.
        String letters = "qwertyuiopasdfghjklzxcvbnm";
        int[] letterCodes = {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 36, 37, 38, 44, 45, 46, 47,
            48, 49, 50};
        for (int i = 0; i < letters.length(); i++) {
            put(letters.charAt(i), letterCodes[i]);
            put(Character.toUpperCase(letters.charAt(i)), letterCodes[i]);
        }
        chars("1234567890", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        chars("!@#$%^&*()", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        chars("-_=+[{]};:'\"`~\\|,<.>/? ", 12, 12, 13, 13, 26, 26, 27, 27, 39, 39, 40, 40, 41, 41, 43, 43, 51, 51, 52,
                52, 53, 53, 57);
        put(0xFF08, 14);   // BackSpace
        put(0xFF09, 15);   // Tab
        put(0xFE20, 15);   // ISO_Left_Tab (Shift+Tab)
        put(0xFF0D, 28);   // Return
        put(0xFF13, 119);  // Pause
        put(0xFF14, 70);   // Scroll_Lock
        put(0xFF15, 99);   // Sys_Req
        put(0xFF1B, 1);    // Escape
        put(0xFF50, 102);  // Home
        put(0xFF51, 105);  // Left
        put(0xFF52, 103);  // Up
        put(0xFF53, 106);  // Right
        put(0xFF54, 108);  // Down
        put(0xFF55, 104);  // Page_Up
        put(0xFF56, 109);  // Page_Down
        put(0xFF57, 107);  // End
        put(0xFF61, 99);   // Print
        put(0xFF63, 110);  // Insert
        put(0xFF67, 127);  // Menu
        put(0xFF7F, 69);   // Num_Lock
        put(0xFF8D, 96);   // KP_Enter
        put(0xFF95, 71);   // KP_Home
        put(0xFF96, 75);   // KP_Left
        put(0xFF97, 72);   // KP_Up
        put(0xFF98, 77);   // KP_Right
        put(0xFF99, 80);   // KP_Down
        put(0xFF9A, 73);   // KP_Prior
        put(0xFF9B, 81);   // KP_Next
        put(0xFF9C, 79);   // KP_End
        put(0xFF9D, 76);   // KP_Begin
        put(0xFF9E, 82);   // KP_Insert
        put(0xFF9F, 83);   // KP_Delete
        put(0xFFAA, 55);   // KP_Multiply
        put(0xFFAB, 78);   // KP_Add
        put(0xFFAD, 74);   // KP_Subtract
        put(0xFFAE, 83);   // KP_Decimal
        put(0xFFAF, 98);   // KP_Divide
        int[] keypad = {82, 79, 80, 81, 75, 76, 77, 71, 72, 73};
        for (int i = 0; i < 10; i++) {
            put(0xFFB0 + i, keypad[i]);  // KP_0 .. KP_9
        }
        for (int i = 0; i < 10; i++) {
            put(0xFFBE + i, 59 + i);     // F1 .. F10
        }
        put(0xFFC8, 87);   // F11
        put(0xFFC9, 88);   // F12
        put(0xFFE1, 42);   // Shift_L
        put(0xFFE2, 54);   // Shift_R
        put(0xFFE3, 29);   // Control_L
        put(0xFFE4, 97);   // Control_R
        put(0xFFE5, 58);   // Caps_Lock
        put(0xFFE7, 125);  // Meta_L
        put(0xFFE8, 126);  // Meta_R
        put(0xFFE9, 56);   // Alt_L
        put(0xFFEA, 100);  // Alt_R
        put(0xFFEB, 125);  // Super_L
        put(0xFFEC, 126);  // Super_R
        put(0xFE03, 100);  // ISO_Level3_Shift (AltGr)
        put(0xFFFF, 111);  // Delete
    }

    private KeysymMap() {
    }

    /** The evdev code for {@code keysym}, or -1 when the key has no place on a US PC keyboard. */
    public static int toEvdev(int keysym) {
        Integer code = TABLE.get(keysym);
        return code == null ? -1 : code;
    }
}
