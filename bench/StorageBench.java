import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;

/**
 * Throughput of VirtFX's block layer: sequential 1 MiB and random 4 KiB writes then reads, on raw and qcow2 (fresh
 * image, so qcow2 writes include cluster allocation; a second random-write pass measures overwrites). Run by
 * bench/storage-bench.sh. Results go through the page cache (what a VM sees with cache=writeback).
 */
public final class StorageBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long size = Long.parseLong(args[1]) << 20;
        int randomOps = Integer.parseInt(args[2]);
        System.out.printf("%-8s %-22s %10s %10s%n", "format", "test", "MiB/s", "IOPS");
        for (String fmt : new String[] {"raw", "qcow2"}) {
            Path p = dir.resolve("bench." + fmt);
            try (DiskImage d = DiskImages.create(p, fmt, CreateOptions.ofSize(size))) {
                ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
                new Random(1).ints(1 << 18).forEach(big::putInt);
                long t = System.nanoTime();
                for (long off = 0; off < size; off += 1 << 20) {
                    d.write(off, big.clear());
                }
                d.flush();
                report(fmt, "seq write 1M (alloc)", size, size >> 20, t);
                t = System.nanoTime();
                for (long off = 0; off < size; off += 1 << 20) {
                    d.read(off, big.clear());
                }
                report(fmt, "seq read 1M", size, size >> 20, t);
            }
            Files.delete(p);
            try (DiskImage d = DiskImages.create(p, fmt, CreateOptions.ofSize(size))) {
                ByteBuffer small = ByteBuffer.allocateDirect(4096);
                Random r = new Random(2);
                long blocks = size / 4096;
                for (String pass : new String[] {"rand write 4K (alloc)", "rand write 4K (over)"}) {
                    r.setSeed(3);
                    long t = System.nanoTime();
                    for (int i = 0; i < randomOps; i++) {
                        d.write(r.nextLong(blocks) * 4096, small.clear());
                    }
                    d.flush();
                    report(fmt, pass, (long) randomOps * 4096, randomOps, t);
                }
                long t = System.nanoTime();
                for (int i = 0; i < randomOps; i++) {
                    d.read(r.nextLong(blocks) * 4096, small.clear());
                }
                report(fmt, "rand read 4K", (long) randomOps * 4096, randomOps, t);
            }
            Files.delete(p);
        }
    }

    private static void report(String fmt, String test, long bytes, long ops, long t0) {
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-8s %-22s %10.1f %10.0f%n", fmt, test, bytes / s / (1 << 20), ops / s);
    }
}
