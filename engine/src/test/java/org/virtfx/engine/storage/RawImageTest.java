package org.virtfx.engine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raw images: positional I/O, holes stay holes, preallocation, resize, bounds. */
class RawImageTest {
    @TempDir
    Path tmp;

    @Test
    void readWriteAndBounds() throws IOException {
        Path p = tmp.resolve("d.img");
        try (DiskImage d = DiskImages.create(p, "raw", CreateOptions.ofSize(1 << 20))) {
            assertEquals(1 << 20, d.size());
            d.write(1000, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer b = ByteBuffer.allocate(5);
            d.read(999, b);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, b.array());
            assertThrows(IOException.class, () -> d.write((1 << 20) - 1, ByteBuffer.allocate(2)));
            assertThrows(IOException.class, () -> d.read(-1, ByteBuffer.allocate(1)));
            assertEquals(3, d.counters().writeBytes());
        }
        assertEquals(1 << 20, Files.size(p));
        try (DiskImage d = DiskImages.open(p, true)) {
            assertEquals("raw", d.format().name());
            assertTrue(d.readOnly());
            assertThrows(IOException.class, () -> d.write(0, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void holesStayHoles() throws IOException {
        assumeTrue(NativeFiles.available(), "needs Linux lseek/fallocate");
        Path p = tmp.resolve("sparse.img");
        try (DiskImage d = DiskImages.create(p, "raw", CreateOptions.ofSize(16L << 20))) {
            assertTrue(NativeFiles.allocatedBytes(p) < 1 << 20, "a new raw image is sparse");
            byte[] data = new byte[1 << 20];
            Arrays.fill(data, (byte) 7);
            d.write(4L << 20, ByteBuffer.wrap(data));
            d.flush();
            List<MapExtent> map = d.map(0, d.size());
            assumeTrue(map.size() > 1, "file system without SEEK_DATA");
            assertEquals(List.of(false, true, false), map.stream().map(MapExtent::data).toList());
            assertEquals(4L << 20, map.get(1).start());
            assertEquals(1L << 20, map.get(1).length());
            long before = NativeFiles.allocatedBytes(p);
            d.writeZeroes(4L << 20, 1L << 20);
            assertTrue(NativeFiles.allocatedBytes(p) < before, "zeroing punched a hole");
            ByteBuffer b = ByteBuffer.allocate(4096);
            d.read(4L << 20, b);
            assertArrayEquals(new byte[4096], b.array());
            assertFalse(d.map(0, d.size()).stream().anyMatch(MapExtent::data));
        }
    }

    @Test
    void preallocationModes() throws IOException {
        assumeTrue(NativeFiles.available(), "needs Linux fallocate");
        Path full = tmp.resolve("full.img");
        DiskImages.create(full, "raw", CreateOptions.ofSize(4L << 20).withPreallocation(Preallocation.FULL)).close();
        assertTrue(NativeFiles.allocatedBytes(full) >= 4L << 20);
        Path falloc = tmp.resolve("falloc.img");
        try {
            DiskImages.create(falloc, "raw", CreateOptions.ofSize(4L << 20).withPreallocation(Preallocation.FALLOC)).close();
            assertTrue(NativeFiles.allocatedBytes(falloc) >= 4L << 20);
        } catch (IOException e) {
            assumeTrue(false, "file system without fallocate: " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> DiskImages.create(tmp.resolve("m.img"), "raw",
                CreateOptions.ofSize(1 << 20).withPreallocation(Preallocation.METADATA)));
    }

    @Test
    void resize() throws IOException {
        Path p = tmp.resolve("r.img");
        try (DiskImage d = DiskImages.create(p, "raw", CreateOptions.ofSize(1 << 20))) {
            d.resize(3 << 20, false);
            assertEquals(3 << 20, d.size());
            d.write((3 << 20) - 1, ByteBuffer.wrap(new byte[] {1}));
            assertThrows(IOException.class, () -> d.resize(1 << 20, false));
            d.resize(1 << 20, true);
        }
        assertEquals(1 << 20, Files.size(p));
    }

    @Test
    void unknownFilesProbeAsRaw() throws IOException {
        Path p = tmp.resolve("x.bin");
        Files.write(p, new byte[4096]);
        assertEquals("raw", DiskImages.probe(p).name());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> DiskImages.probe(tmp.resolve("missing")));
        assertThrows(ImageFormatException.class, () -> DiskImages.probe(tmp));
    }
}
