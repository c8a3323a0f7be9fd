package org.virtfx.engine.platform;

import java.io.IOException;
import java.nio.file.Path;
import org.virtfx.engine.storage.BlockDevice;

/**
 * How the board turns a --disk/--cdrom path into a {@link BlockDevice}. The default opens raw files; once the
 * storage layer's format-detecting {@code storage.DiskImages.open} is on the same branch the board points this at it.
 */
@FunctionalInterface
public interface DiskOpener {
    DiskOpener RAW = RawFileBlockDevice::open;

    BlockDevice open(Path file, boolean readOnly) throws IOException;
}
