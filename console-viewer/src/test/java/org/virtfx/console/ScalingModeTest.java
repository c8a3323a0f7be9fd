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
    void hiDpiScalesPutGuestPixelsOnWholePhysicalPixels() {
        // 1:1 is the whole number of physical pixels nearest to one logical pixel.
        assertEquals(1, ScalingMode.NEVER.scale(1024, 768, 640, 480, 2));
        assertEquals(2 / 1.5, ScalingMode.NEVER.scale(1024, 768, 640, 480, 1.5), 1e-12);
        assertEquals(1 / 1.25, ScalingMode.NEVER.scale(1024, 768, 640, 480, 1.25), 1e-12);
        // A fit rounds down to whole physical pixels: 640x400 in 1000x700 logical at 1.5 is 2.34 physical -> 2.
        assertEquals(2 / 1.5, ScalingMode.ALWAYS.scale(640, 400, 1000, 700, 1.5), 1e-12);
        assertEquals(2 / 1.5, ScalingMode.WHEN_SMALLER.scale(640, 400, 1000, 700, 1.5), 1e-12);
        // At 150 % a fill of 3 physical pixels per guest pixel is drawn with 2 (odd counts blend at fractional scales).
        assertEquals(2 / 1.5, ScalingMode.ALWAYS.scale(320, 200, 700, 450, 1.5), 1e-12);
        assertEquals(3 / 2.0, ScalingMode.ALWAYS.scale(320, 200, 500, 320, 2), 1e-12);
        // Shrinking 1920x1080 into 1000x600 at 1.25: 0.65 pixels per guest pixel, smooth.
        assertEquals(1000.0 / 1920, ScalingMode.WHEN_SMALLER.scale(1920, 1080, 1000, 600, 1.25), 1e-12);
        for (double os : new double[] {1, 1.25, 1.5, 2}) {
            for (ScalingMode m : ScalingMode.values()) {
                double s = m.scale(800, 600, 1200, 900, os);
                assertEquals(true, ScalingMode.isWholePhysical(s, os), m + " at " + os + ": " + s);
            }
        }
        assertEquals(false, ScalingMode.isWholePhysical(1, 1.5));
    }

    @Test
    void sendKeysCoverTheConsoleSwallowedCombos() {
        var labels = SendKeys.standard().stream().map(SendKeys.Combo::label).toList();
        assertEquals(15, labels.size());
        assertEquals("Ctrl+Alt+Delete", labels.get(0));
        assertEquals(88, SendKeys.standard().get(13).keys()[2]);   // Ctrl+Alt+F12 -> KEY_F12
    }
}
