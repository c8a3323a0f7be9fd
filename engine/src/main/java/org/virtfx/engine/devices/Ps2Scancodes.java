package org.virtfx.engine.devices;

/**
 * What a PS/2 keyboard sends for a key, from evdev key codes: scancode sets 1, 2 and 3, and the 8042 controller's
 * set-2 to set-1 translation. Set 3 sends one byte per key (no E0 prefixes) and F0 before a break code.
 */
/** evdev key code -> scancodes. One row per key: evdev, set-1 code, set-2 code, 1 if E0-prefixed. */
final class Ps2Scancodes {
    private static final int[][] TABLE = {
        {1, 0x01, 0x76, 0}, {2, 0x02, 0x16, 0}, {3, 0x03, 0x1E, 0}, {4, 0x04, 0x26, 0}, {5, 0x05, 0x25, 0},
        {6, 0x06, 0x2E, 0}, {7, 0x07, 0x36, 0}, {8, 0x08, 0x3D, 0}, {9, 0x09, 0x3E, 0}, {10, 0x0A, 0x46, 0},
        {11, 0x0B, 0x45, 0}, {12, 0x0C, 0x4E, 0}, {13, 0x0D, 0x55, 0}, {14, 0x0E, 0x66, 0}, {15, 0x0F, 0x0D, 0},
        {16, 0x10, 0x15, 0}, {17, 0x11, 0x1D, 0}, {18, 0x12, 0x24, 0}, {19, 0x13, 0x2D, 0}, {20, 0x14, 0x2C, 0},
        {21, 0x15, 0x35, 0}, {22, 0x16, 0x3C, 0}, {23, 0x17, 0x43, 0}, {24, 0x18, 0x44, 0}, {25, 0x19, 0x4D, 0},
        {26, 0x1A, 0x54, 0}, {27, 0x1B, 0x5B, 0}, {28, 0x1C, 0x5A, 0}, {29, 0x1D, 0x14, 0}, {30, 0x1E, 0x1C, 0},
        {31, 0x1F, 0x1B, 0}, {32, 0x20, 0x23, 0}, {33, 0x21, 0x2B, 0}, {34, 0x22, 0x34, 0}, {35, 0x23, 0x33, 0},
        {36, 0x24, 0x3B, 0}, {37, 0x25, 0x42, 0}, {38, 0x26, 0x4B, 0}, {39, 0x27, 0x4C, 0}, {40, 0x28, 0x52, 0},
        {41, 0x29, 0x0E, 0}, {42, 0x2A, 0x12, 0}, {43, 0x2B, 0x5D, 0}, {44, 0x2C, 0x1A, 0}, {45, 0x2D, 0x22, 0},
        {46, 0x2E, 0x21, 0}, {47, 0x2F, 0x2A, 0}, {48, 0x30, 0x32, 0}, {49, 0x31, 0x31, 0}, {50, 0x32, 0x3A, 0},
        {51, 0x33, 0x41, 0}, {52, 0x34, 0x49, 0}, {53, 0x35, 0x4A, 0}, {54, 0x36, 0x59, 0}, {55, 0x37, 0x7C, 0},
        {56, 0x38, 0x11, 0}, {57, 0x39, 0x29, 0}, {58, 0x3A, 0x58, 0}, {59, 0x3B, 0x05, 0}, {60, 0x3C, 0x06, 0},
        {61, 0x3D, 0x04, 0}, {62, 0x3E, 0x0C, 0}, {63, 0x3F, 0x03, 0}, {64, 0x40, 0x0B, 0}, {65, 0x41, 0x83, 0},
        {66, 0x42, 0x0A, 0}, {67, 0x43, 0x01, 0}, {68, 0x44, 0x09, 0}, {69, 0x45, 0x77, 0}, {70, 0x46, 0x7E, 0},
        {71, 0x47, 0x6C, 0}, {72, 0x48, 0x75, 0}, {73, 0x49, 0x7D, 0}, {74, 0x4A, 0x7B, 0}, {75, 0x4B, 0x6B, 0},
        {76, 0x4C, 0x73, 0}, {77, 0x4D, 0x74, 0}, {78, 0x4E, 0x79, 0}, {79, 0x4F, 0x69, 0}, {80, 0x50, 0x72, 0},
        {81, 0x51, 0x7A, 0}, {82, 0x52, 0x70, 0}, {83, 0x53, 0x71, 0}, {86, 0x56, 0x61, 0}, {87, 0x57, 0x78, 0},
        {88, 0x58, 0x07, 0}, {89, 0x73, 0x51, 0}, {92, 0x79, 0x64, 0}, {94, 0x7B, 0x67, 0}, {124, 0x7D, 0x6A, 0},
        {96, 0x1C, 0x5A, 1}, {97, 0x1D, 0x14, 1}, {98, 0x35, 0x4A, 1}, {100, 0x38, 0x11, 1}, {102, 0x47, 0x6C, 1},
        {103, 0x48, 0x75, 1}, {104, 0x49, 0x7D, 1}, {105, 0x4B, 0x6B, 1}, {106, 0x4D, 0x74, 1},
        {107, 0x4F, 0x69, 1}, {108, 0x50, 0x72, 1}, {109, 0x51, 0x7A, 1}, {110, 0x52, 0x70, 1},
        {111, 0x53, 0x71, 1}, {113, 0x20, 0x23, 1}, {114, 0x2E, 0x21, 1}, {115, 0x30, 0x32, 1},
        {116, 0x5E, 0x37, 1}, {125, 0x5B, 0x1F, 1}, {126, 0x5C, 0x27, 1}, {127, 0x5D, 0x2F, 1},
    };
    static final int KEY_SYSRQ = 99;
    static final int KEY_PAUSE = 119;
    static final int MAX_CODE = 256;
    private static final int[] SET1 = new int[MAX_CODE];
    private static final int[] SET2 = new int[MAX_CODE];
    private static final boolean[] EXTENDED = new boolean[MAX_CODE];
    /**
     * Set 3 codes where they differ from set 2, and for every E0-prefixed set-2 key: {evdev, set-3 code}. The function
     * keys, modifiers, navigation block and some keypad keys moved; letters, digits and most keypad keys kept their
     * set-2 codes. Keys without a set-3 code (multimedia, Japanese keys whose set-2 codes set 3 uses for navigation)
     * are 0 and send nothing in set 3.
     */
    private static final int[][] SET3_TABLE = {
        {1, 0x08}, {59, 0x07}, {60, 0x0F}, {61, 0x17}, {62, 0x1F}, {63, 0x27}, {64, 0x2F}, {65, 0x37}, {66, 0x3F},
        {67, 0x47}, {68, 0x4F}, {87, 0x56}, {88, 0x5E}, {29, 0x11}, {56, 0x19}, {58, 0x14}, {43, 0x5C}, {55, 0x7E},
        {74, 0x84}, {78, 0x7C}, {69, 0x76}, {70, 0x5F}, {86, 0x13}, {89, 0}, {92, 0}, {94, 0}, {124, 0},
        {96, 0x79}, {97, 0x58}, {98, 0x77}, {100, 0x39}, {102, 0x6E}, {103, 0x63}, {104, 0x6F}, {105, 0x61},
        {106, 0x6A}, {107, 0x65}, {108, 0x60}, {109, 0x6D}, {110, 0x67}, {111, 0x64}, {125, 0x8B}, {126, 0x8C},
        {127, 0x8D}, {99, 0x57}, {119, 0x62},
    };
    private static final int[] SET3 = new int[MAX_CODE];
    /** The controller's set-2 to set-1 translation, derived from the table (unlisted bytes pass unchanged). */
    private static final int[] TRANSLATE = new int[256];
    /** Set-1 make code (E0 keys: 0x80 | second byte, as RFB's QEMU extended key events encode them) -> evdev. */
    private static final int[] FROM_XT = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            TRANSLATE[i] = i;
        }
        for (int[] row : TABLE) {
            SET1[row[0]] = row[1];
            SET2[row[0]] = row[2];
            EXTENDED[row[0]] = row[3] != 0;
            TRANSLATE[row[2]] = row[1];
            SET3[row[0]] = row[3] != 0 ? 0 : row[2];
            FROM_XT[row[1] | (row[3] != 0 ? 0x80 : 0)] = row[0];
        }
        FROM_XT[0x80 | 0x37] = KEY_SYSRQ;   // E0 37, PrintScreen's own make code
        FROM_XT[0x80 | 0x46] = KEY_PAUSE;   // E0 46 (Ctrl+Break), which QEMU's keycodes use for Pause
        for (int[] row : SET3_TABLE) {
            SET3[row[0]] = row[1];
        }
        // PrintScreen's fake-shift byte (set 2 0x12 = left shift) and Pause's 0x77 / 0x14 are already covered.
    }

    private Ps2Scancodes() {
    }

    /** The evdev code of a set-1 (XT) keycode as QEMU extended key events carry it, or -1 when there is none. */
    static int evdevOfXt(int keycode) {
        int code = keycode > 0 && keycode < 256 ? FROM_XT[keycode] : 0;
        return code == 0 ? -1 : code;
    }

    static boolean known(int evdev) {
        return evdev == KEY_SYSRQ || evdev == KEY_PAUSE || (evdev > 0 && evdev < MAX_CODE && SET2[evdev] != 0);
    }

    /** The key's one-byte set-3 code, or 0 when set 3 has none. */
    static int set3(int evdev) {
        return evdev > 0 && evdev < MAX_CODE ? SET3[evdev] : 0;
    }

    /** The bytes the keyboard sends for a key in scancode set {@code set} (1, 2 or 3). */
    static int[] sequence(int evdev, boolean pressed, int set) {
        if (set == 3) {
            int code = set3(evdev);
            return code == 0 ? new int[0] : pressed ? new int[] {code} : new int[] {0xF0, code};
        }
        if (evdev == KEY_PAUSE) {
            if (!pressed) {
                return new int[0];   // Pause has no break code
            }
            return set == 1 ? new int[] {0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5}
                    : new int[] {0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77};
        }
        if (evdev == KEY_SYSRQ) {
            if (set == 1) {
                return pressed ? new int[] {0xE0, 0x2A, 0xE0, 0x37} : new int[] {0xE0, 0xB7, 0xE0, 0xAA};
            }
            return pressed ? new int[] {0xE0, 0x12, 0xE0, 0x7C} : new int[] {0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12};
        }
        boolean e0 = EXTENDED[evdev];
        if (set == 1) {
            int code = SET1[evdev] | (pressed ? 0 : 0x80);
            return e0 ? new int[] {0xE0, code} : new int[] {code};
        }
        int code = SET2[evdev];
        if (pressed) {
            return e0 ? new int[] {0xE0, code} : new int[] {code};
        }
        return e0 ? new int[] {0xE0, 0xF0, code} : new int[] {0xF0, code};
    }

    static int translate(int set2Byte) {
        return TRANSLATE[set2Byte & 0xFF];
    }
}
