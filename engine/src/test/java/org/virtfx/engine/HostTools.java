package org.virtfx.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Host programs that tests drive (nasm, ld, a VNC viewer, Xvfb...): tests skip when one is missing. */
public final class HostTools {
    private HostTools() {
    }

    /** Whether {@code tool} is an executable in a folder of $PATH. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
