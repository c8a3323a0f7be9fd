package org.virtfx.engine.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.RepairMode;

/**
 * Allocating writes copy their data outside the metadata lock: threads that write different parts of the same new
 * clusters at once must neither lose each other's bytes (a partly written cluster is merged with its old contents)
 * nor allocate a cluster twice.
 */
class Qcow2ConcurrentWriteTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void threadsWritingPartsOfTheSameNewClustersKeepEveryByte(boolean ordered) throws Exception {
        int threads = 4;
        int cluster = 65536;
        int clusters = 512;
        // each thread owns one 1 KiB slot of every 4 KiB, so every new cluster is written partly by all threads at once
        Path img = dir.resolve("c.qcow2");
        byte[] expected = new byte[cluster * clusters];
        try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.ofSize(expected.length))) {
            d.setWriteOrdering(ordered);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int slot = t;
                    futures.add(pool.submit(() -> {
                        for (int c = 0; c < clusters; c++) {
                            int gc = c; // all threads on the same new cluster at about the same time
                            byte[] data = new byte[1024];
                            java.util.Arrays.fill(data, (byte) (slot * 64 + gc + 1));
                            for (int block = 0; block < cluster / 4096; block++) {
                                d.write((long) gc * cluster + block * 4096L + slot * 1024L, ByteBuffer.wrap(data));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            for (int gc = 0; gc < clusters; gc++) {
                for (int block = 0; block < cluster / 4096; block++) {
                    for (int slot = 0; slot < threads; slot++) {
                        int at = gc * cluster + block * 4096 + slot * 1024;
                        java.util.Arrays.fill(expected, at, at + 1024, (byte) (slot * 64 + gc + 1));
                    }
                }
            }
            byte[] actual = new byte[expected.length];
            d.read(0, ByteBuffer.wrap(actual));
            assertArrayEquals(expected, actual);
        }
        try (DiskImage d = DiskImages.open(img, "qcow2", false)) {
            CheckResult r = d.check(RepairMode.NONE);
            assertEquals(0, r.corruptions(), r.messages().toString());
            assertEquals(0, r.leaks(), r.messages().toString());
        }
    }
}
