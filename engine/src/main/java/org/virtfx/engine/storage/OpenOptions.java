package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How {@link ImageFormat#open} opens an image.
 *
 * @param readOnly refuse writes (and never modify the file, not even a dirty bit)
 * @param backing  opens the backing file an image names; {@code null} means "do not open the backing chain" (for
 *                 {@code info}/{@code check}, where reads that would reach the backing file are not needed). The
 *                 opener given by {@link DiskImages} detects loops and too-deep chains.
 */
public record OpenOptions(boolean readOnly, BackingOpener backing) {

    /** Opens one backing file of a chain. */
    @FunctionalInterface
    public interface BackingOpener {
        /**
         * @param overlay the image naming the backing file (for error messages)
         * @param file    backing file path, already resolved against the overlay's directory
         * @param format  format name from the image header, or {@code null} to probe
         */
        DiskImage open(Path overlay, Path file, String format) throws IOException;
    }

    /** Read-only, without the backing chain. */
    public static OpenOptions inspect() {
        return new OpenOptions(true, null);
    }

    public OpenOptions withReadOnly(boolean ro) {
        return new OpenOptions(ro, backing);
    }
}
