package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An open disk image file: a {@link BlockDevice} plus what image tools need (info, map, check, snapshots, resize).
 * Closing an image also closes its backing chain.
 */
public interface DiskImage extends BlockDevice {
    /** The format that opened it. */
    ImageFormat format();

    /** The image file. */
    Path file();

    /** The open backing image, or null (none, or opened without the chain). */
    DiskImage backing();

    ImageInfo info() throws IOException;

    /**
     * Allocation status of {@code [offset, offset+length)} in THIS layer only, in order and covering the range: every
     * extent has depth 0; ranges this layer does not provide have {@code present=false} (they come from the backing
     * file, or read as zeros).
     */
    List<MapExtent> mapLayer(long offset, long length) throws IOException;

    /** Like {@code qemu-img map}: ranges a layer leaves unallocated are looked up in its backing chain. */
    default List<MapExtent> map(long offset, long length) throws IOException {
        List<MapExtent> out = new ArrayList<>();
        mapChain(this, 0, offset, length, out);
        List<MapExtent> merged = new ArrayList<>();
        for (MapExtent e : out) {
            if (!merged.isEmpty() && merged.getLast().canMerge(e)) {
                merged.set(merged.size() - 1, merged.getLast().merge(e));
            } else {
                merged.add(e);
            }
        }
        return merged;
    }

    private static void mapChain(DiskImage layer, int depth, long offset, long length, List<MapExtent> out)
            throws IOException {
        for (MapExtent e : layer.mapLayer(offset, length)) {
            MapExtent d = new MapExtent(e.start(), e.length(), depth, e.present(), e.zero(), e.data(),
                    e.compressed(), e.offset(), e.file());
            DiskImage back = layer.backing();
            if (d.present() || back == null) {
                out.add(d);
                continue;
            }
            long inBacking = Math.max(0, Math.min(e.length(), back.size() - e.start()));
            if (inBacking > 0) {
                mapChain(back, depth + 1, e.start(), inBacking, out);
            }
            if (inBacking < e.length()) {
                // past the end of a shorter backing file the overlay reads zeros
                out.add(new MapExtent(e.start() + inBacking, e.length() - inBacking, depth + 1, false, true,
                        false, false, -1, null));
            }
        }
    }

    /**
     * Checks (and with {@code mode != NONE} repairs) the image's metadata, like {@code qemu-img check}.
     *
     * @throws UnsupportedOperationException if the format has no {@link Capability#CHECK}
     */
    default CheckResult check(RepairMode mode) throws IOException {
        throw new UnsupportedOperationException("format '" + format().name() + "' does not support checks");
    }

    /**
     * Stores one cluster compressed ({@code qemu-img convert -c}). {@code offset} is cluster aligned and {@code data}
     * covers exactly one cluster (or the rest of the disk for its last cluster); data that does not compress is
     * stored normally.
     *
     * @throws UnsupportedOperationException if the format has no {@link Capability#COMPRESSION}
     */
    default void writeCompressed(long offset, java.nio.ByteBuffer data) throws IOException {
        throw new UnsupportedOperationException("format '" + format().name() + "' does not support compressed writes");
    }

    /**
     * Whether metadata updates are ordered by write barriers (the default), so that a crash at any moment leaves a
     * consistent image. Tools that fill an image which is worthless if interrupted ({@code convert}, {@code create},
     * preallocation) turn ordering off and get one flush at the end instead of one per allocation; {@link #flush()}
     * and {@link #close()} still make everything durable. Turning it back on flushes first. Formats without barriers
     * ignore it.
     */
    default void setWriteOrdering(boolean ordered) throws IOException {
    }

    /**
     * Makes {@link #close()} skip its final flush ({@code convert -t unsafe}, qemu-img convert's default): what was
     * written reaches the disk when the operating system writes its cache back. Formats that never flush on close
     * ignore it.
     */
    default void skipFlushOnClose() {
    }

    /** Internal snapshots, if the format has them. */
    default Optional<SnapshotSupport> snapshots() {
        return Optional.empty();
    }

    /**
     * Changes the virtual size. Shrinking needs {@code allowShrink} (data past the new end is lost) and is refused
     * where the format cannot do it safely.
     *
     * @throws UnsupportedOperationException if the format has no {@link Capability#RESIZE}
     */
    default void resize(long newSize, boolean allowShrink) throws IOException {
        throw new UnsupportedOperationException("format '" + format().name() + "' does not support resizing");
    }

    /**
     * Records a different backing file in the image header without touching data ({@code qemu-img rebase -u});
     * {@code backingFile == null} removes the backing file. Only for formats with {@link Capability#BACKING_FILE}.
     */
    default void changeBackingFile(String backingFile, String backingFormat) throws IOException {
        throw new UnsupportedOperationException("format '" + format().name() + "' cannot change its backing file");
    }
}
