package org.virtfx.engine.library;

import java.nio.file.Path;

/**
 * One file of the library: either a usable definition, or a file that could not be read, with the reason. Broken
 * files are shown to the user and never modified by VirtFX.
 *
 * @param file       the JSON file
 * @param definition the machine, or null when broken
 * @param error      why the file is broken (names the file and the problem), or null
 */
public record LibraryEntry(Path file, VmDefinition definition, String error) {
    public boolean broken() {
        return definition == null;
    }

    /** The machine's name, or the file name for a broken file. */
    public String displayName() {
        if (definition != null) {
            return definition.name();
        }
        String f = file.getFileName().toString();
        return f.endsWith(VmLibrary.SUFFIX) ? f.substring(0, f.length() - VmLibrary.SUFFIX.length()) : f;
    }
}
