package org.virtfx.engine.display;

/**
 * The text on a machine's screen: read directly in text modes, recognised by OCR in graphics modes. Used by
 * `--expect-screen`, tests and accessibility. Implementations only do expensive work when the screen changed.
 */
public interface ScreenTextSource {
    /** Lines of the current screen separated by '\n'; "" when nothing is shown. May block while OCR runs. */
    String screenText();
}
