package org.virtfx.engine.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageTestSupport;
import org.virtfx.engine.storage.RepairMode;
import org.virtfx.engine.storage.SnapshotSupport;

/** qcow2 behaviour checked with VirtFX's own reader and checker (the interop tests repeat this against qemu-img). */
class Qcow2ImageTest {
    @TempDir
    Path tmp;

    private static void assertClean(DiskImage d) throws IOException {
        CheckResult r = d.check(RepairMode.NONE);
        assertEquals(0, r.exitStatus(), r.messages().toString());
    }

    @Test
    void refcountTableGrowsWithSmallClusters() throws IOException {
        Path p = tmp.resolve("grow.qcow2");
        byte[] data = new byte[12 << 20];
        new Random(3).nextBytes(data);
        try (DiskImage d = DiskImages.create(p, "qcow2", CreateOptions.ofSize(data.length).withClusterSize(512))) {
            for (int off = 0; off < data.length; off += 1 << 20) {
                d.write(off, ByteBuffer.wrap(data, off, 1 << 20));
            }
            assertTrue(((Qcow2Image) d).refs.tableClusters > 1, "refcount table grew");
            assertClean(d);
        }
        try (DiskImage d = DiskImages.open(p, true)) {
            assertArrayEquals(data, ImageTestSupport.readAll(d));
            assertClean(d);
        }
    }

    @Test
    void everyRefcountWidth() throws IOException {
        for (int bits = 1; bits <= 64; bits *= 2) {
            Path p = tmp.resolve("rc" + bits + ".qcow2");
            try (DiskImage d = DiskImages.create(p, "qcow2",
                    CreateOptions.ofSize(4 << 20).withClusterSize(4096).withRefcountBits(bits))) {
                d.write(12345, ByteBuffer.wrap(new byte[300_000]).put(0, (byte) 9));
                if (bits > 1) { // a 1-bit refcount cannot count a snapshot's second reference
                    d.snapshots().orElseThrow().create("s");
                    d.write(12345, ByteBuffer.wrap(new byte[] {8}));
                }
                assertClean(d);
            }
        }
    }

    @Test
    void snapshotCreateApplyDelete() throws IOException {
        Path p = tmp.resolve("snap.qcow2");
        try (DiskImage d = DiskImages.create(p, "qcow2", CreateOptions.ofSize(2 << 20).withClusterSize(4096))) {
            SnapshotSupport s = d.snapshots().orElseThrow();
            d.write(0, ByteBuffer.wrap(Qcow2InteropTest.filled(100_000, 1)));
            byte[] one = ImageTestSupport.readAll(d);
            s.create("one");
            d.write(50_000, ByteBuffer.wrap(Qcow2InteropTest.filled(100_000, 2)));
            d.writeZeroes(0, 8192);
            byte[] two = ImageTestSupport.readAll(d);
            s.create("two");
            d.write(1 << 20, ByteBuffer.wrap(Qcow2InteropTest.filled(10, 3)));
            assertClean(d);
            s.apply("one");
            assertArrayEquals(one, ImageTestSupport.readAll(d));
            assertClean(d);
            s.apply("2"); // by id
            assertArrayEquals(two, ImageTestSupport.readAll(d));
            s.delete("one");
            assertEquals(List.of("two"), s.list().stream().map(i -> i.name()).toList());
            assertClean(d);
            s.delete("two");
            assertArrayEquals(two, ImageTestSupport.readAll(d));
            assertClean(d);
        }
    }

    @Test
    void concurrentWritersAndReaders() throws Exception {
        Path p = tmp.resolve("mt.qcow2");
        int threads = 4;
        int region = 2 << 20;
        byte[] expected = new byte[threads * region];
        try (DiskImage d = DiskImages.create(p, "qcow2", CreateOptions.ofSize(expected.length).withClusterSize(4096))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * region;
                long seed = t;
                fs.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 200; i++) {
                        int off = r.nextInt(region - 20000);
                        byte[] b = new byte[1 + r.nextInt(20000)];
                        r.nextBytes(b);
                        d.write(base + off, ByteBuffer.wrap(b));
                        synchronized (expected) {
                            System.arraycopy(b, 0, expected, base + off, b.length);
                        }
                        if (i % 50 == 0) {
                            d.writeZeroes(base + off, 4096);
                            synchronized (expected) {
                                java.util.Arrays.fill(expected, base + off, base + off + 4096, (byte) 0);
                            }
                        }
                    }
                    return null;
                }));
            }
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 100; i++) {
                    d.read((long) i * 4096, ByteBuffer.allocate(65536));
                }
                return null;
            }));
            for (Future<?> f : fs) {
                f.get();
            }
            pool.shutdown();
            assertArrayEquals(expected, ImageTestSupport.readAll(d));
            assertClean(d);
        }
    }

    @Test
    void lazyRefcountsSetDirtyOnlyWhileOpen() throws IOException {
        Path p = tmp.resolve("lazy.qcow2");
        try (DiskImage d = DiskImages.create(p, "qcow2", CreateOptions.ofSize(1 << 20).withLazyRefcounts(true))) {
            d.write(0, ByteBuffer.wrap(new byte[] {1}));
            try (DiskImage ro = DiskImages.open(p, true)) {
                assertTrue(ro.info().dirty());
            }
        }
        try (DiskImage d = DiskImages.open(p, true)) {
            assertFalse(d.info().dirty());
            assertClean(d);
        }
    }

    @Test
    void dirtyImageIsRepairedWhenOpenedForWriting() throws IOException {
        Path p = tmp.resolve("dirty.qcow2");
        try (DiskImage d = DiskImages.create(p, "qcow2", CreateOptions.ofSize(1 << 20).withLazyRefcounts(true))) {
            d.write(0, ByteBuffer.wrap(new byte[] {1}));
            Qcow2Image q = (Qcow2Image) d;
            synchronized (q.meta) {
                long off = q.refs.allocate(2); // a leak, as an interrupted lazy-refcount session may leave
                q.file.write(off, new byte[2 * 65536]);
            }
            // simulate a crash: leave the dirty bit set by not closing cleanly
            q.file.flush();
            try (DiskImage ro = DiskImages.open(p, true)) {
                assertTrue(ro.info().dirty());
                assertTrue(ro.check(RepairMode.NONE).leaks() >= 2);
            }
            Qcow2Header h = Qcow2Format.readHeader(p);
            try (DiskImage rw = DiskImages.open(p, false)) {
                assertFalse(rw.info().dirty());
                assertClean(rw);
            }
            assertTrue((h.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0);
        }
    }
}
