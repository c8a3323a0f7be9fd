package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.RepairMode;

/**
 * Mutation fuzzing of the VDI, VHD, VMDK and VHDX parsers: flipped bytes, extreme values in header and table fields,
 * truncation. Every damaged file must either open and read or be refused with an IOException; any other exception
 * (index out of bounds, negative array size, OutOfMemoryError...) fails with the seed that reproduces it.
 * Total inputs, spread over the seed images: {@code -Dvirtfx.fuzz.iterations} (default 420; the Maven profile
 * {@code fuzz} runs 20000).
 */
@org.junit.jupiter.api.Tag("fuzz")
class ImageParserFuzzTest {
    private static final long[] EXTREMES = {0, 1, -1, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFEL, 1L << 40, Long.MAX_VALUE,
            Long.MIN_VALUE, 512, 4096, 1 << 20};

    @TempDir
    Path dir;

    @Test
    void damagedImagesAreRefusedCleanly() throws Exception {
        List<Path> seeds = seedImages();
        int iterations = Math.max(1, Integer.getInteger("virtfx.fuzz.iterations", 420) / seeds.size());
        long t0 = System.nanoTime();
        int inputs = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        for (Path seed : seeds) {
            byte[] original = Files.readAllBytes(seed);
            String format = seed.getFileName().toString().replaceAll("^seed-([a-z]+).*", "$1");
            for (int i = 0; i < iterations; i++) {
                long s = seed.getFileName().toString().hashCode() * 1_000_003L + i;
                byte[] m = mutate(original, new Random(s));
                Path f = dir.resolve("fuzz-" + seed.getFileName());
                Files.write(f, m);
                inputs++;
                try {
                    exercise(f, format);
                } catch (IOException expected) {
                    refused++;
                } catch (Throwable t) {
                    failures.add(seed.getFileName() + " seed " + s + ": " + t);
                    if (failures.size() > 10) {
                        break;
                    }
                }
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("image parser fuzz: " + inputs + " inputs (" + refused + " refused) from " + seeds.size()
                + " seed images in " + ms + " ms");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private List<Path> seedImages() throws IOException, InterruptedException {
        List<Path> seeds = new ArrayList<>();
        for (String[] spec : new String[][] {{"vdi", ""}, {"vdi", "static=on"}, {"vpc", ""}, {"vmdk", ""},
                {"vmdk", "zeroed_grain=on"}}) {
            Path p = dir.resolve("seed-" + spec[0] + "-" + seeds.size() + ".img");
            try (DiskImage img = DiskImages.create(p, spec[0], CreateOptions.parse(4L << 20, spec[1]))) {
                img.write(65536, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
                img.write(3L << 20, ByteBuffer.wrap(new byte[70000]).put(0, (byte) 9));
            }
            seeds.add(p);
        }
        // differencing children (their parent stays unmutated next to them)
        for (String format : new String[] {"vpc", "vdi"}) {
            Path parent = dir.resolve("parent." + format);
            DiskImages.create(parent, format, CreateOptions.ofSize(4L << 20)).close();
            Path p = dir.resolve("seed-" + format + "-d" + seeds.size() + ".img");
            try (DiskImage img = DiskImages.create(p, format, CreateOptions.parse(-1, "backing_file=parent." + format))) {
                img.write(65536 + 100, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
            }
            seeds.add(p);
        }
        // formats VirtFX cannot write come from qemu-img when it is installed
        if (Files.isExecutable(Path.of("/usr/bin/qemu-img"))) {
            for (String[] spec : new String[][] {{"vhdx", "block_size=1M"}, {"vmdk", "subformat=streamOptimized"}}) {
                Path p = dir.resolve("seed-" + spec[0] + "-q" + seeds.size() + ".img");
                QemuImgInteropTest.run(dir, "qemu-img", "create", "-q", "-f", spec[0], "-o", spec[1], p.toString(), "4M");
                QemuImgInteropTest.run(dir, "qemu-io", "-f", spec[0], "-c", "write -P 0x5a 64k 64k", p.toString());
                seeds.add(p);
            }
        }
        return seeds;
    }

    private static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        // most metadata of these formats lies in the first 512 KiB (headers, block maps, descriptors, VHDX regions)
        int span = Math.min(b.length, 512 * 1024);
        int kind = r.nextInt(10);
        if (kind == 0) {
            int len = r.nextInt(b.length + 1);
            return java.util.Arrays.copyOf(b, len);
        }
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            boolean header = r.nextInt(3) > 0;
            int at = header ? r.nextInt(Math.min(span, 1024)) : r.nextInt(span);
            if (kind < 5) {
                b[at] ^= (byte) (1 << r.nextInt(8));
            } else if (at + 8 <= b.length) {
                long v = EXTREMES[r.nextInt(EXTREMES.length)];
                ByteBuffer bb = ByteBuffer.wrap(b).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                if (r.nextBoolean()) {
                    bb.putLong(at, v);
                } else {
                    bb.putInt(at, (int) v);
                }
            }
        }
        if (kind == 9) {
            // also cut the file short: tables and blocks now lie past EOF
            return java.util.Arrays.copyOf(b, Math.max(0, b.length - 1 - r.nextInt(Math.max(1, b.length / 2))));
        }
        return b;
    }

    private static void exercise(Path f, String format) throws IOException {
        try (DiskImage img = DiskImages.open(f, format, true, false)) {
            long size = img.size();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size, 4L << 20));
            img.read(0, buf);
            if (size > 65536) {
                img.read(size - 65536, ByteBuffer.allocate(65536));
            }
            img.mapLayer(0, Math.min(size, 1L << 30));
            img.info();
            if (img.format().capabilities().contains(Capability.CHECK)) {
                img.check(RepairMode.NONE);
            }
        }
    }
}
