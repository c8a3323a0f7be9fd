package org.virtfx.engine.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code qemu-img info} shows about one image (not its backing chain).
 *
 * @param format          format name ("qcow2", "raw"...)
 * @param file            the image file
 * @param virtualSize     guest-visible size in bytes
 * @param actualSize      bytes the file occupies on the host (allocated blocks)
 * @param clusterSize     cluster/block size, 0 when the format has none (raw)
 * @param backingFile     backing file name as stored in the image, or null
 * @param backingFilePath backing file resolved against the image's directory, or null
 * @param backingFormat   backing format as stored in the image, or null
 * @param dirty           the image was not closed cleanly (or is open for writing now)
 * @param snapshots       internal snapshots, empty if none or unsupported
 * @param formatSpecific  {@code format-specific-info.data} for {@code --output=json}: insertion-ordered, values are
 *                        String, Number, Boolean, List or Map (e.g. qcow2: compat, lazy-refcounts, refcount-bits,
 *                        corrupt, extended-l2, compression-type)
 */
public record ImageInfo(String format, Path file, long virtualSize, long actualSize, int clusterSize,
                        String backingFile, Path backingFilePath, String backingFormat, boolean dirty,
                        List<SnapshotInfo> snapshots, Map<String, Object> formatSpecific) {
    public ImageInfo {
        snapshots = List.copyOf(snapshots);
        formatSpecific = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(formatSpecific));
    }
}
