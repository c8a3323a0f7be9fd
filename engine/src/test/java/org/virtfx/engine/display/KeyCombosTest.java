package org.virtfx.engine.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeyCombosTest {
    @Test
    void qemuSendkeyNamesParseToEvdevCombinations() {
        assertEquals(List.of(List.of(28)), KeyCombos.parse("ret"));
        assertEquals(List.of(List.of(108), List.of(108), List.of(28)), KeyCombos.parse(" down  down ret "));
        assertEquals(List.of(List.of(42, 30), List.of(2), List.of(50), List.of(88)), KeyCombos.parse("shift-a 1 m f12"));
        assertEquals(List.of(KeyCombos.CTRL_ALT_DEL), KeyCombos.parse("Ctrl-Alt-Delete"));
        assertEquals(List.of(List.of(57), List.of(15), List.of(1)), KeyCombos.parse("spc tab esc"));
    }

    @Test
    void unknownNamesAndEmptySequencesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> KeyCombos.parse("ret entr"));
        assertTrue(e.getMessage().contains("unknown key 'entr'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyCombos.parse("ctrl-"));
        assertThrows(IllegalArgumentException.class, () -> KeyCombos.parse("  "));
    }
}
