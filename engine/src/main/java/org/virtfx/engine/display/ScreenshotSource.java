package org.virtfx.engine.display;

import java.io.IOException;
import java.nio.file.Path;

/** Writes the current screen as a PNG (`--screenshot`, the console's screenshot action). */
public interface ScreenshotSource {
    void writePng(Path file) throws IOException;
}
