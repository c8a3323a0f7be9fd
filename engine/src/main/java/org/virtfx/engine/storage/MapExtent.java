package org.virtfx.engine.storage;

import java.nio.file.Path;

/**
 * One run of the guest-visible disk with the same allocation status, as {@code qemu-img map --output=json} prints it.
 *
 * @param start      guest offset
 * @param length     bytes
 * @param depth      0 = the image itself, 1 = its backing file, ... (for unallocated ranges: the chain length)
 * @param present    some layer of the chain provides this range (false: it reads as zeros because nothing has it)
 * @param zero       reads as zeros
 * @param data       data is stored in a file (false for zero clusters and holes)
 * @param compressed stored compressed (then {@code offset} is -1)
 * @param offset     host offset in {@code file} of the data, or -1 when there is none (holes, zeros, compressed)
 * @param file       the file holding the data (the layer at {@code depth}), or null
 */
public record MapExtent(long start, long length, int depth, boolean present, boolean zero, boolean data,
                        boolean compressed, long offset, Path file) {

    /** Same status as {@code other} and contiguous with it (host offsets too), so the two can be printed as one. */
    public boolean canMerge(MapExtent other) {
        return start + length == other.start && depth == other.depth && present == other.present
                && zero == other.zero && data == other.data && compressed == other.compressed
                && java.util.Objects.equals(file, other.file)
                && (offset < 0 ? other.offset < 0 : other.offset == offset + length);
    }

    public MapExtent merge(MapExtent other) {
        return new MapExtent(start, length + other.length, depth, present, zero, data, compressed, offset, file);
    }
}
