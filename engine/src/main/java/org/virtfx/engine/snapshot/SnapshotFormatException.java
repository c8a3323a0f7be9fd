package org.virtfx.engine.snapshot;

import java.io.IOException;

/** Saved state that cannot be restored: wrong id or version, truncated, or out of range values. */
public final class SnapshotFormatException extends IOException {
    public SnapshotFormatException(String message) {
        super(message);
    }
}
