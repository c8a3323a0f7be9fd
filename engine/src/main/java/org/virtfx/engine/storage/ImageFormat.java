package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A disk image format (raw, qcow2, vdi, vmdk, vpc, vhdx). Implementations are stateless singletons registered in
 * {@link DiskImages}; formats outside this package are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.virtfx.engine.storage.ImageFormat}) and need a public no-argument constructor.
 */
public interface ImageFormat {
    /** Bytes of the file's start given to {@link #probe} (less if the file is shorter). */
    int PROBE_BYTES = 64 * 1024;

    /** qemu-img's name for the format: "raw", "qcow2", "vdi", "vmdk", "vpc", "vhdx". */
    String name();

    /**
     * Whether a file starting with {@code head} is in this format (magic number and a plausible header; no
     * exceptions). Raw always answers false: it is the fallback when no other format claims the file.
     */
    boolean probe(byte[] head, long fileSize);

    /**
     * Opens an image. The header and tables are validated before anything is written: a damaged file gives an
     * {@link ImageFormatException} naming the file and the defect, and stays untouched.
     */
    DiskImage open(Path file, OpenOptions options) throws IOException;

    /**
     * Creates a new image (replacing any existing file) and returns it open for writing. The caller resolves
     * {@code size == -1} from the backing file before calling (see {@link DiskImages#create}).
     *
     * @throws IllegalArgumentException for an option the format does not support or an invalid value
     */
    DiskImage create(Path file, CreateOptions options) throws IOException;

    /** What beyond read/write this format supports. */
    Set<Capability> capabilities();

    /** Default file name extension without dot ("qcow2", "vhd" for vpc...). */
    default String extension() {
        return name();
    }
}
