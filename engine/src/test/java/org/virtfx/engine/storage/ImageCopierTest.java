package org.virtfx.engine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy behind convert and full clones: byte-exact through chunk and window boundaries at any thread count, zero
 * runs and holes left unallocated, compression, writes into an existing target, progress and cancellation.
 */
class ImageCopierTest {
    private static final long SIZE = 40L << 20;

    @TempDir
    Path tmp;

    /** Data that starts and ends off every 2 MiB chunk and 8 MiB window boundary, zeros inside data, and holes. */
    private Path source(String format) throws IOException {
        Path p = tmp.resolve("src." + format);
        Random r = new Random(42);
        try (DiskImage d = DiskImages.create(p, format, CreateOptions.ofSize(SIZE))) {
            byte[] a = new byte[(3 << 20) + 12345];
            r.nextBytes(a);
            d.write((7L << 20) + 4096, ByteBuffer.wrap(a)); // across the first window boundary
            byte[] b = new byte[5 << 20];
            r.nextBytes(b);
            java.util.Arrays.fill(b, 1 << 20, 2 << 20, (byte) 0); // 1 MiB of written zeros inside data
            d.write(20L << 20, ByteBuffer.wrap(b));
            d.write(SIZE - 3, ByteBuffer.wrap(new byte[] {1, 2, 3})); // the very end
        }
        return p;
    }

    @ParameterizedTest(name = "{0} -> {1}, {2} threads")
    @CsvSource({"raw,qcow2,1", "raw,qcow2,2", "qcow2,raw,2", "qcow2,raw,4", "raw,vdi,3", "qcow2,vpc,2"})
    void copiesExactlyAndKeepsHoles(String from, String to, int threads) throws Exception {
        Path src = source(from);
        Path dst = tmp.resolve("dst." + to);
        List<long[]> reports = new ArrayList<>();
        try (DiskImage s = DiskImages.open(src, from, true, true);
             DiskImage d = DiskImages.create(dst, to, CreateOptions.ofSize(SIZE))) {
            long read = ImageCopier.copy(s, d, new ImageCopier.Options(false, threads, 4096, false, true),
                    (done, total) -> reports.add(new long[] {done, total}));
            d.flush();
            assertTrue(read < SIZE / 2, "holes are not read: " + read);
            assertEquals(read, reports.getLast()[0], "the last report is complete");
            for (int i = 1; i < reports.size(); i++) {
                assertTrue(reports.get(i)[0] >= reports.get(i - 1)[0], "progress never goes back");
            }
        }
        try (DiskImage s = DiskImages.open(src, from, true, true); DiskImage d = DiskImages.open(dst, to, true, true)) {
            // (a VHD may be a little larger: its size is rounded to a disk geometry)
            assertArrayEquals(ImageTestSupport.readAll(s), java.util.Arrays.copyOf(ImageTestSupport.readAll(d), (int) SIZE));
            if (to.equals("qcow2")) {
                // the written zeros inside the data and the holes are left unallocated
                long allocated = d.map(0, SIZE).stream().filter(MapExtent::data).mapToLong(MapExtent::length).sum();
                assertTrue(allocated <= (3L << 20) + 12345 + (4L << 20) + 3 * 65536, "allocated " + allocated);
            }
        }
    }

    @Test
    void compressesAndWritesExistingTargets() throws Exception {
        Path src = source("raw");
        Path small = tmp.resolve("c.qcow2");
        copyToNewQcow2(src, small, new ImageCopier.Options(true, 2, 4096, false, false));
        // an existing target full of other data: every byte is replaced, zeros included (-n)
        Path existing = tmp.resolve("e.raw");
        try (DiskImage d = DiskImages.create(existing, "raw", CreateOptions.ofSize(SIZE))) {
            byte[] junk = new byte[1 << 20];
            java.util.Arrays.fill(junk, (byte) 0x5a);
            for (long at = 0; at < SIZE; at += junk.length) {
                d.write(at, ByteBuffer.wrap(junk));
            }
        }
        try (DiskImage s = DiskImages.open(small, "qcow2", true, true);
             DiskImage d = DiskImages.open(existing, "raw", false, true)) {
            ImageCopier.copy(s, d, new ImageCopier.Options(false, 2, 4096, true, false), null);
        }
        try (DiskImage s = DiskImages.open(src, "raw", true, true);
             DiskImage c = DiskImages.open(small, "qcow2", true, true);
             DiskImage e = DiskImages.open(existing, "raw", true, true)) {
            byte[] want = ImageTestSupport.readAll(s);
            assertArrayEquals(want, ImageTestSupport.readAll(c));
            assertArrayEquals(want, ImageTestSupport.readAll(e));
            assertTrue(c.map(0, SIZE).stream().anyMatch(MapExtent::compressed), "clusters are stored compressed");
        }
    }

    @Test
    void writesEveryByteWithSparseZero() throws Exception {
        Path src = source("raw");
        Path dst = tmp.resolve("full.qcow2");
        copyToNewQcow2(src, dst, new ImageCopier.Options(false, 2, 0, false, false));
        try (DiskImage s = DiskImages.open(src, "raw", true, true); DiskImage d = DiskImages.open(dst, "qcow2", true, true)) {
            assertArrayEquals(ImageTestSupport.readAll(s), ImageTestSupport.readAll(d));
            assertFalse(d.map(0, SIZE).stream().anyMatch(e -> !e.data()), "-S 0 allocates everything");
        }
    }

    private static void copyToNewQcow2(Path rawSource, Path target, ImageCopier.Options options) throws Exception {
        try (DiskImage s = DiskImages.open(rawSource, "raw", true, true);
             DiskImage d = DiskImages.create(target, "qcow2", CreateOptions.ofSize(SIZE))) {
            ImageCopier.copy(s, d, options, null);
        }
    }

    /** A cancel (the progress callback throws) and an interrupt (a cancelled JavaFX task) end the copy alike. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"cancel", "interrupt"})
    void stoppingEndsTheCopyAndItsThreads(String how) throws Exception {
        Path src = source("raw");
        Path target = tmp.resolve("x.qcow2");
        // closing the target at the end of the try is part of the test: it must still work (an interrupt during
        // FileChannel I/O would have closed its channel)
        try (DiskImage s = DiskImages.open(src, "raw", true, true);
             DiskImage d = DiskImages.create(target, "qcow2", CreateOptions.ofSize(SIZE))) {
            int[] calls = {0};
            ImageCopier.Progress stop = (done, total) -> {
                if (++calls[0] == 2) {
                    if (how.equals("cancel")) {
                        throw new CancellationException("cancelled");
                    }
                    Thread.currentThread().interrupt();
                }
            };
            Class<? extends Exception> expected = how.equals("cancel") ? CancellationException.class
                    : InterruptedException.class;
            assertThrows(expected, () -> ImageCopier.copy(s, d, ImageCopier.Options.sparseCopy(2), stop));
            Thread.interrupted();
            // copy returns only after its workers stopped: nothing writes to the target any more
            long size = java.nio.file.Files.size(target);
            Thread.sleep(50);
            assertEquals(size, java.nio.file.Files.size(target));
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().equals("image-copy") && t.isAlive()), "no copy thread is left");
        }
    }

    @Test
    void refusesWhatCannotWork() throws Exception {
        Path src = source("raw");
        try (DiskImage s = DiskImages.open(src, "raw", true, true);
             DiskImage small = DiskImages.create(tmp.resolve("s.qcow2"), "qcow2", CreateOptions.ofSize(1 << 20));
             DiskImage raw = DiskImages.create(tmp.resolve("r.raw"), "raw", CreateOptions.ofSize(SIZE))) {
            IOException e = assertThrows(IOException.class,
                    () -> ImageCopier.copy(s, small, ImageCopier.Options.sparseCopy(1), null));
            assertTrue(e.getMessage().contains("s.qcow2") && e.getMessage().contains("smaller"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> ImageCopier.copy(s, raw, new ImageCopier.Options(true, 1, 4096, false, false), null));
        }
        assertThrows(IllegalArgumentException.class, () -> new ImageCopier.Options(false, 0, 4096, false, false));
        assertThrows(IllegalArgumentException.class, () -> new ImageCopier.Options(false, 2, 3000, false, false));
    }
}
