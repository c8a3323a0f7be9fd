package org.virtfx.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

class KeyMapTest {
    @Test
    void knownPositionsMatchLinuxInputEventCodes() {
        // Values from linux/input-event-codes.h
        assertEquals(30, KeyMap.evdev(KeyCode.A).orElseThrow());
        assertEquals(44, KeyMap.evdev(KeyCode.Z).orElseThrow());
        assertEquals(2, KeyMap.evdev(KeyCode.DIGIT1).orElseThrow());
        assertEquals(11, KeyMap.evdev(KeyCode.DIGIT0).orElseThrow());
        assertEquals(28, KeyMap.evdev(KeyCode.ENTER).orElseThrow());
        assertEquals(59, KeyMap.evdev(KeyCode.F1).orElseThrow());
        assertEquals(68, KeyMap.evdev(KeyCode.F10).orElseThrow());
        assertEquals(87, KeyMap.evdev(KeyCode.F11).orElseThrow());
        assertEquals(103, KeyMap.evdev(KeyCode.UP).orElseThrow());
        assertEquals(111, KeyMap.evdev(KeyCode.DELETE).orElseThrow());
        assertTrue(KeyMap.evdev(KeyCode.PLAY).isEmpty(), "media keys have no PC keyboard position");
    }

    @Test
    void noTwoLetterOrDigitKeysShareACode() {
        Map<Integer, KeyCode> seen = new HashMap<>();
        for (KeyCode c : KeyCode.values()) {
            if (c.isLetterKey() || c.isDigitKey() && !c.isKeypadKey() || c.isFunctionKey()) {
                KeyMap.evdev(c).ifPresent(code -> {
                    KeyCode before = seen.put(code, c);
                    assertTrue(before == null, c + " and " + before + " both map to " + code);
                });
            }
        }
        assertTrue(seen.size() >= 26 + 10 + 12);
    }
}
