package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.file.Path;

/** Range checks every image implementation applies to guest-supplied offsets and lengths. */
public final class Ranges {
    private Ranges() {
    }

    /** Throws unless {@code [offset, offset+length)} lies within a disk of {@code size} bytes. */
    public static void check(Path file, long offset, long length, long size) throws IOException {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IOException(file + ": access at offset " + offset + " length " + length
                    + " is outside the disk (" + size + " bytes)");
        }
    }

    /** Throws if the image is read-only. */
    public static void checkWritable(Path file, boolean readOnly) throws IOException {
        if (readOnly) {
            throw new IOException(file + ": image is open read-only");
        }
    }
}
