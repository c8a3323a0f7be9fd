package org.virtfx.engine.storage;

import java.nio.file.Path;

import org.virtfx.engine.boot.BadImageException;

/**
 * A disk image file is damaged or uses something this engine does not support. The message always names the file and
 * the defect ("disk.qcow2: L1 table at 0x70000 (8 MiB) lies past the end of the file (196 KiB)").
 */
public class ImageFormatException extends BadImageException {
    private final Path file;

    public ImageFormatException(Path file, String defect) {
        super(file + ": " + defect);
        this.file = file;
    }

    public ImageFormatException(Path file, String defect, Throwable cause) {
        super(file + ": " + defect, cause);
        this.file = file;
    }

    /** The image file that is at fault. */
    public Path file() {
        return file;
    }
}
