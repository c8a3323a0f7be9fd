package org.virtfx.engine.library;

import java.util.concurrent.CancellationException;

/**
 * How a long library operation (creating or copying disks) reports what it does and learns that the user cancelled.
 * Called from the worker thread that runs the operation; implementations hand the values to their UI themselves.
 */
public interface OperationProgress {
    /** Reports nothing and never cancels. */
    OperationProgress NONE = new OperationProgress() {
    };

    /** A new phase ("Creating disk foo.qcow2", "Copying disk 1 of 2"). */
    default void step(String description) {
    }

    /** {@code done} of {@code total} units (bytes) of the whole operation. */
    default void progress(long done, long total) {
    }

    /** Whether the user asked to stop. */
    default boolean cancelRequested() {
        return false;
    }

    /**
     * Throws {@link CancellationException} when the user cancelled or the worker thread was interrupted (a JavaFX
     * {@code Task.cancel()} interrupts it); operations call this between units of work and then undo what they did.
     */
    default void checkCancelled() {
        if (cancelRequested() || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
    }
}
