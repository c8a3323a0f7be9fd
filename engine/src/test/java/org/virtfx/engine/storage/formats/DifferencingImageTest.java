package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.ImageTestSupport.readAll;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.MapExtent;

/**
 * Differencing (child) VHD and VDI images: a child reads its parent where it holds nothing, takes writes without
 * touching the parent (VHD: per sector through the block bitmap, VDI: per block copied from the parent), keeps them
 * across reopening, and refuses a missing or replaced parent with an error naming the file.
 */
class DifferencingImageTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static ByteBuffer pattern(int len, long seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /** A parent of {@code format} with data in its first 5 MiB, and its content. */
    private byte[] makeParent(String format, Path parent) throws Exception {
        try (DiskImage p = DiskImages.create(parent, format, CreateOptions.ofSize(16L * MIB))) {
            p.write(0, pattern(5 * MIB, 1));
            return readAll(p);
        }
    }

    private static void apply(byte[] model, long offset, ByteBuffer data) {
        data.duplicate().get(model, (int) offset, data.remaining());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vdi"})
    void childReadsParentAndKeepsItsOwnWrites(String format) throws Exception {
        Path parent = dir.resolve("parent." + format);
        Path child = dir.resolve("child." + format);
        byte[] parentData = makeParent(format, parent);
        byte[] model = parentData.clone();
        try (DiskImage c = DiskImages.create(child, format, CreateOptions.parse(-1, "backing_file=" + "parent." + format))) {
            assertNotNull(c.backing(), "child opened with its parent");
            assertEquals(parentData.length, c.size());
            assertArrayEquals(parentData, readAll(c));
            // unaligned writes inside a parent block, across a block boundary, and past the parent's data
            ByteBuffer w1 = pattern(1000, 2);
            c.write(MIB + 300, w1.duplicate());
            apply(model, MIB + 300, w1);
            ByteBuffer w2 = pattern(3 * MIB, 3);
            c.write(2 * MIB - 4096, w2.duplicate());
            apply(model, 2 * MIB - 4096, w2);
            ByteBuffer w3 = pattern(512, 4);
            c.write(12L * MIB + 512, w3.duplicate());
            apply(model, 12 * MIB + 512, w3);
            c.writeZeroes(3 * MIB, 4096);
            java.util.Arrays.fill(model, 3 * MIB, 3 * MIB + 4096, (byte) 0);
            assertEquals(-1, firstDifference(model, readAll(c)));
        }
        try (DiskImage p = DiskImages.open(parent, format, true)) {
            assertEquals(-1, firstDifference(parentData, readAll(p)), "the parent is never written");
        }
        try (DiskImage c = DiskImages.open(child, true)) {
            assertEquals(-1, firstDifference(model, readAll(c)), "child after reopening");
            assertEquals("parent." + format, Path.of(c.info().backingFile()).getFileName().toString());
            boolean fromParent = false;
            for (MapExtent e : c.map(0, c.size())) {
                fromParent |= e.depth() == 1 && e.data();
            }
            assertTrue(fromParent, "map shows data coming from the parent");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vdi"})
    void missingParentIsAClearError(String format) throws Exception {
        Path parent = dir.resolve("parent." + format);
        Path child = dir.resolve("child." + format);
        makeParent(format, parent);
        DiskImages.create(child, format, CreateOptions.parse(-1, "backing_file=" + "parent." + format)).close();
        Files.delete(parent);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(child, true));
        assertTrue(e.getMessage().contains(child.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("parent"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vdi"})
    void replacedParentIsRefused(String format) throws Exception {
        Path parent = dir.resolve("parent." + format);
        Path child = dir.resolve("child." + format);
        makeParent(format, parent);
        DiskImages.create(child, format, CreateOptions.parse(-1, "backing_file=" + "parent." + format)).close();
        Files.delete(parent);
        makeParent(format, parent);   // same name and content, but a new image with another UUID
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(child, true));
        assertTrue(e.getMessage().contains("UUID"), e.getMessage());
    }

    @Test
    void vhdChildOfChildReadsThroughTheChain() throws Exception {
        Path parent = dir.resolve("a.vhd");
        byte[] model = makeParent("vpc", parent);
        try (DiskImage b = DiskImages.create(dir.resolve("b.vhd"), "vpc", CreateOptions.parse(-1, "backing_file=" + "a.vhd"))) {
            ByteBuffer w = pattern(4096, 5);
            b.write(8192, w.duplicate());
            apply(model, 8192, w);
        }
        try (DiskImage c = DiskImages.create(dir.resolve("c.vhd"), "vpc", CreateOptions.parse(-1, "backing_file=" + "b.vhd"))) {
            ByteBuffer w = pattern(512, 6);
            c.write(8192 + 1024, w.duplicate());
            apply(model, 8192 + 1024, w);
            assertEquals(-1, firstDifference(model, readAll(c)));
            assertNotNull(c.backing().backing());
        }
    }
}
