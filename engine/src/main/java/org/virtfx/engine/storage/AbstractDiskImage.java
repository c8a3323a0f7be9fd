package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What image implementations share: the format that opened them, the file, the read-only flag, the virtual size and
 * the I/O counters, with the accessors of {@link DiskImage} and the range checks every guest access goes through.
 */
public abstract class AbstractDiskImage implements DiskImage {
    protected final ImageFormat format;
    protected final Path file;
    protected final boolean readOnly;
    protected final IoCounters counters = new IoCounters();
    protected volatile long size;

    protected AbstractDiskImage(ImageFormat format, Path file, boolean readOnly, long size) {
        this.format = format;
        this.file = file;
        this.readOnly = readOnly;
        this.size = size;
    }

    @Override
    public ImageFormat format() {
        return format;
    }

    @Override
    public Path file() {
        return file;
    }

    /** None: formats with backing files override this. */
    @Override
    public DiskImage backing() {
        return null;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public IoCounters counters() {
        return counters;
    }

    /** A step of opening an image that may fail. */
    @FunctionalInterface
    protected interface OpenStep<T> {
        T run() throws IOException;
    }

    /** Runs {@code step}; if it fails, {@code opened} (what was opened for it) is closed before the error goes on. */
    protected static <T> T closingOnFailure(AutoCloseable opened, OpenStep<T> step) throws IOException {
        try {
            return step.run();
        } catch (IOException | RuntimeException e) {
            try {
                opened.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A step of opening an image that may fail and gives nothing back. */
    @FunctionalInterface
    protected interface OpenAction {
        void run() throws IOException;
    }

    /** Runs {@code action}; if it fails, {@code opened} is closed before the error goes on. */
    protected static void closingOnFailure(AutoCloseable opened, OpenAction action) throws IOException {
        closingOnFailure(opened, () -> {
            action.run();
            return null;
        });
    }

    /** Throws unless {@code [offset, offset+length)} lies on the disk. */
    protected final void checkRange(long offset, long length) throws IOException {
        Ranges.check(file, offset, length, size);
    }

    /** Throws unless {@code [offset, offset+length)} lies on the disk and the image is writable. */
    protected final void checkWrite(long offset, long length) throws IOException {
        Ranges.checkWritable(file, readOnly);
        Ranges.check(file, offset, length, size);
    }
}
