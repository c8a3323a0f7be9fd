package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageTestSupport;
import org.virtfx.engine.storage.RepairMode;

/**
 * Mutation fuzzing of qcow2 metadata: random bytes of the header, refcount structures, L1/L2 and snapshot tables
 * are changed; opening, reading everything, checking and writing must either work or fail with an IOException —
 * never another exception, a hang or an OutOfMemoryError. {@code -Dvirtfx.fuzz.iterations=N} (profile {@code fuzz}
 * runs many more).
 */
@Tag("fuzz")
class Qcow2FuzzTest {
    private static final int ITERATIONS = Integer.getInteger("virtfx.fuzz.iterations", 300);

    @TempDir
    Path tmp;

    @Test
    void mutatedMetadataNeverCrashes() throws IOException {
        Path template = tmp.resolve("template.qcow2");
        try (DiskImage d = DiskImages.create(template, "qcow2", CreateOptions.ofSize(1 << 20).withClusterSize(512))) {
            Random r = new Random(1);
            for (int i = 0; i < 40; i++) {
                byte[] b = new byte[1 + r.nextInt(3000)];
                r.nextBytes(b);
                d.write(r.nextInt((1 << 20) - b.length), ByteBuffer.wrap(b));
            }
            d.snapshots().orElseThrow().create("a");
            d.writeCompressed(0, ByteBuffer.wrap(new byte[512]));
            d.writeZeroes(4096, 4096);
        }
        byte[] original = Files.readAllBytes(template);
        long seed = Long.getLong("virtfx.fuzz.seed", 12345);
        Random rnd = new Random(seed);
        Path victim = tmp.resolve("victim.qcow2");
        long opened = 0;
        long start = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] m = original.clone();
            int edits = 1 + rnd.nextInt(6);
            for (int e = 0; e < edits; e++) {
                // mostly metadata: the first clusters hold header, refcount table and block, L1 and early L2s
                int pos = rnd.nextInt(4) == 0 ? rnd.nextInt(m.length) : rnd.nextInt(Math.min(m.length, 8192));
                switch (rnd.nextInt(3)) {
                    case 0 -> m[pos] = (byte) rnd.nextInt(256);
                    case 1 -> m[pos] ^= (byte) (1 << rnd.nextInt(8));
                    default -> m[pos] = (byte) (rnd.nextBoolean() ? 0xFF : 0);
                }
            }
            Files.write(victim, m);
            try {
                exercise(victim);
                opened++;
            } catch (IOException expected) {
                // a clear refusal is fine
            } catch (RuntimeException | Error e) {
                throw new AssertionError("iteration " + i + " (seed " + seed + "): " + e, e);
            }
        }
        System.out.printf("qcow2 fuzz: %d inputs, %d opened, %.1f s%n", ITERATIONS, opened,
                (System.nanoTime() - start) / 1e9);
    }

    private static void exercise(Path p) throws IOException {
        try (DiskImage d = DiskImages.open(p, "qcow2", true, true)) {
            ImageTestSupport.readAll(d);
            d.check(RepairMode.NONE);
            d.map(0, d.size());
        }
        try (DiskImage d = DiskImages.open(p, "qcow2", false, true)) {
            long size = d.size();
            if (size > 0) {
                d.write(size / 3, ByteBuffer.wrap(new byte[700]));
                d.writeZeroes(0, Math.min(size, 2048));
            }
        }
    }
}
