package org.virtfx.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ScalingModeTest {
    @Test
    void neverScales() {
        assertEquals(1, ScalingMode.NEVER.scale(1024, 768, 640, 480));
        assertEquals(1, ScalingMode.NEVER.scale(640, 480, 2000, 2000));
    }

    @Test
    void whenSmallerOnlyShrinks() {
        assertEquals(0.625, ScalingMode.WHEN_SMALLER.scale(1024, 768, 640, 700));
        assertEquals(1, ScalingMode.WHEN_SMALLER.scale(640, 480, 2000, 2000));
    }

    @Test
    void alwaysUpscalesByWholeNumbersToStayCrisp() {
        assertEquals(2, ScalingMode.ALWAYS.scale(640, 400, 1500, 1000));
        assertEquals(0.5, ScalingMode.ALWAYS.scale(1280, 800, 640, 1000));
    }

    @Test
    void sendKeysCoverTheConsoleSwallowedCombos() {
        var labels = SendKeys.standard().stream().map(SendKeys.Combo::label).toList();
        assertEquals(15, labels.size());
        assertEquals("Ctrl+Alt+Delete", labels.get(0));
        assertEquals(88, SendKeys.standard().get(13).keys()[2]);   // Ctrl+Alt+F12 -> KEY_F12
    }
}
