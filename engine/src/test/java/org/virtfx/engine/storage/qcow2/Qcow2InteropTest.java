package org.virtfx.engine.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.ImageTestSupport.readAll;
import static org.virtfx.engine.storage.QemuTools.contents;
import static org.virtfx.engine.storage.QemuTools.ok;
import static org.virtfx.engine.storage.QemuTools.qemuIo;
import static org.virtfx.engine.storage.QemuTools.run;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.Preallocation;
import org.virtfx.engine.storage.QemuTools;
import org.virtfx.engine.storage.RepairMode;
import org.virtfx.engine.storage.SnapshotInfo;

/** qcow2 images made by qemu-img/qemu-io read identically in VirtFX, and images VirtFX writes pass qemu-img. */
@Tag("guest")
class Qcow2InteropTest {
    private static final long SIZE = 8L << 20;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        QemuTools.assumeAvailable();
    }

    static Stream<Arguments> qemuOptions() {
        List<Arguments> out = new ArrayList<>();
        for (String compat : List.of("0.10", "1.1")) {
            for (int cs : List.of(512, 4096, 65536, 2 << 20)) {
                out.add(Arguments.of("compat=" + compat + ",cluster_size=" + cs));
                if (compat.equals("1.1")) {
                    out.add(Arguments.of("compat=1.1,cluster_size=" + cs + ",lazy_refcounts=on,refcount_bits="
                            + (cs == 512 ? 1 : cs == 4096 ? 8 : cs == 65536 ? 64 : 32)));
                    if (cs >= 16384) {
                        out.add(Arguments.of("compat=1.1,cluster_size=" + cs + ",extended_l2=on"));
                    }
                }
            }
        }
        return out.stream();
    }

    /** Data at cluster starts, across cluster and L2 boundaries, zero writes and discards. */
    private static String[] pattern(String opts) {
        return new String[] {"write -P 0xab 0 64k", "write -P 0xcd 70000 5000", "write -P 0x11 1048000 300000",
                "write -z 1048576 65536", "write -P 0x22 4194304 512", "discard 1310720 65536",
                "write -P 0x33 8387584 512"};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuOptions")
    void readsWhatQemuWrote(String opts) throws Exception {
        Path img = tmp.resolve("q.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", opts, img.toString(), Long.toString(SIZE));
        qemuIo(img, "qcow2", pattern(opts));
        byte[] expected = contents(img, tmp);
        try (DiskImage d = DiskImages.open(img, true)) {
            assertEquals("qcow2", d.format().name());
            assertEquals(-1, firstDifference(expected, readAll(d)), opts);
            CheckResult r = d.check(RepairMode.NONE);
            assertEquals(0, r.corruptions(), r.messages().toString());
            assertEquals(0, r.leaks(), r.messages().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuOptions")
    void writesWhatQemuAccepts(String opts) throws Exception {
        Path img = tmp.resolve("v.qcow2");
        Path ref = tmp.resolve("ref.raw");
        CreateOptions o = CreateOptions.parse(SIZE, opts);
        Random rnd = new Random(opts.hashCode());
        try (DiskImage d = DiskImages.create(img, "qcow2", o);
             DiskImage r = DiskImages.create(ref, "raw", CreateOptions.ofSize(SIZE))) {
            randomOps(rnd, d, r, 60);
        }
        ok("qemu-img", "check", "-q", img.toString());
        ok("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "raw", img.toString(), ref.toString());
        // and qemu writes on top of VirtFX's image, VirtFX reads it back
        qemuIo(img, "qcow2", "write -P 0x5a 2000000 100000");
        byte[] expected = contents(img, tmp);
        try (DiskImage d = DiskImages.open(img, false)) {
            assertEquals(-1, firstDifference(expected, readAll(d)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuOptions")
    void snapshotsOfEveryLayoutAreQemuCompatible(String opts) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(opts.contains("refcount_bits=1"), "1-bit refcounts cannot share");
        Path img = tmp.resolve("snaps.qcow2");
        Path ref = tmp.resolve("snaps.raw");
        Random rnd = new Random(opts.hashCode() + 1);
        try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.parse(SIZE, opts));
             DiskImage r = DiskImages.create(ref, "raw", CreateOptions.ofSize(SIZE))) {
            randomOps(rnd, d, r, 15);
            d.snapshots().orElseThrow().create("before");
            for (int i = 0; i < 15; i++) {
                byte[] b = new byte[1 + rnd.nextInt(100_000)];
                rnd.nextBytes(b);
                d.write(rnd.nextLong(SIZE - b.length), ByteBuffer.wrap(b));
            }
        }
        ok("qemu-img", "check", "-q", img.toString());
        assertTrue(ok("qemu-img", "snapshot", "-l", img.toString()).contains("before"));
        ok("qemu-img", "snapshot", "-a", "before", img.toString());
        ok("qemu-img", "check", "-q", img.toString());
        ok("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "raw", img.toString(), ref.toString());
    }

    /** Random writes, zero writes and discards applied to both images. */
    static void randomOps(Random rnd, DiskImage d, DiskImage ref, int count) throws Exception {
        long size = d.size();
        for (int i = 0; i < count; i++) {
            long off = rnd.nextInt(3) == 0 ? (rnd.nextLong(size / 512)) * 512 : rnd.nextLong(size);
            int len = (int) Math.min(size - off, 1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 300_000));
            int op = rnd.nextInt(10);
            if (op < 7) {
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                d.write(off, ByteBuffer.wrap(b));
                ref.write(off, ByteBuffer.wrap(b));
            } else if (op < 9) {
                d.writeZeroes(off, len);
                ref.writeZeroes(off, len);
            } else {
                d.discard(off, len);
                ref.writeZeroes(off, len);
            }
        }
    }

    @Test
    void backingChainsOfQcow2AndRaw() throws Exception {
        Path base = tmp.resolve("base.raw");
        ok("qemu-img", "create", "-q", "-f", "raw", base.toString(), "4M");
        qemuIo(base, "raw", "write -P 0x01 0 4M");
        Path mid = tmp.resolve("mid.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw",
                mid.toString(), "6M");
        qemuIo(mid, "qcow2", "write -P 0x02 8192 10000", "write -z 65536 4096");
        Path top = tmp.resolve("top.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", mid.toString(), "-F", "qcow2", top.toString());
        qemuIo(top, "qcow2", "write -P 0x03 12000 3000");
        byte[] expected = contents(top, tmp);
        try (DiskImage d = DiskImages.open(top, false)) {
            assertEquals(6L << 20, d.size());
            assertEquals(-1, firstDifference(expected, readAll(d)));
            // copy-on-write of partial clusters from the chain
            d.write(100, ByteBuffer.wrap(new byte[] {9, 9, 9}));
            d.write(5L << 20, ByteBuffer.wrap(new byte[] {7}));
            System.arraycopy(new byte[] {9, 9, 9}, 0, expected, 100, 3);
            expected[5 << 20] = 7;
            assertEquals(-1, firstDifference(expected, readAll(d)));
            List<MapExtent> map = d.map(0, d.size());
            assertTrue(map.stream().anyMatch(e -> e.depth() == 2 && e.data()), map.toString());
        }
        ok("qemu-img", "check", "-q", top.toString());
        assertEquals(-1, firstDifference(expected, contents(top, tmp)));
    }

    @Test
    void overlayCreatedByVirtfxOverQemuBase() throws Exception {
        Path base = tmp.resolve("b.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "2M");
        qemuIo(base, "qcow2", "write -P 0x44 0 2M");
        Path top = tmp.resolve("t.qcow2");
        try (DiskImage d = DiskImages.create(top, "qcow2", CreateOptions.parse(-1, "backing_file=b.qcow2"))) {
            assertEquals(2L << 20, d.size());
            d.writeZeroes(65536, 65536);
            d.write(300000, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        String info = ok("qemu-img", "info", "--output=json", top.toString());
        assertTrue(info.contains("\"backing-filename-format\": \"qcow2\""), info);
        ok("qemu-img", "check", "-q", top.toString());
        // rebase -u: point at a copy under another name; qemu reads the new header
        Files.copy(base, tmp.resolve("copy.qcow2"));
        try (DiskImage d = DiskImages.open(top, false)) {
            d.changeBackingFile("copy.qcow2", "qcow2");
        }
        info = ok("qemu-img", "info", "--output=json", top.toString());
        assertTrue(info.contains("\"backing-filename\": \"copy.qcow2\""), info);
        ok("qemu-img", "check", "-q", top.toString());
        byte[] c = contents(top, tmp);
        assertEquals(0x44, c[0]);
        assertEquals(0, c[65536 + 100]);
        assertEquals(2, c[300001]);
    }

    @Test
    void compressedClustersBothWays() throws Exception {
        Path raw = tmp.resolve("src.raw");
        byte[] data = new byte[3 << 20];
        Random rnd = new Random(7);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251 < 100 ? i / 1000 : rnd.nextInt(4));
        }
        Files.write(raw, data);
        Path qc = tmp.resolve("c.qcow2");
        ok("qemu-img", "convert", "-c", "-O", "qcow2", raw.toString(), qc.toString());
        try (DiskImage d = DiskImages.open(qc, false)) {
            assertEquals(-1, firstDifference(data, readAll(d)));
            assertTrue(d.map(0, d.size()).stream().anyMatch(MapExtent::compressed));
            d.write(10, ByteBuffer.wrap(new byte[] {5})); // rewriting a compressed cluster
            data[10] = 5;
        }
        ok("qemu-img", "check", "-q", qc.toString());
        assertEquals(-1, firstDifference(data, contents(qc, tmp)));
        Files.write(raw, data);
        Path vc = tmp.resolve("vc.qcow2");
        try (DiskImage d = DiskImages.create(vc, "qcow2", CreateOptions.ofSize(data.length).withClusterSize(65536))) {
            for (int off = 0; off < data.length; off += 65536) {
                d.writeCompressed(off, ByteBuffer.wrap(data, off, 65536));
            }
            assertEquals(-1, firstDifference(data, readAll(d)));
        }
        ok("qemu-img", "check", "-q", vc.toString());
        ok("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "raw", vc.toString(), raw.toString());
        long used = org.virtfx.engine.storage.NativeFiles.allocatedBytes(vc);
        assertTrue(used < data.length / 2, "compressed image occupies " + used + " bytes");
        String check = ok("qemu-img", "check", "--output=json", vc.toString());
        assertTrue(check.contains("\"compressed-clusters\": " + data.length / 65536), check);
    }

    @Test
    void zstdCompressedClustersGiveAClearError() throws Exception {
        Path raw = tmp.resolve("z.raw");
        Files.write(raw, filled(1 << 20, 0x42));
        Path z = tmp.resolve("z.qcow2");
        QemuTools.Result r = run("qemu-img", "convert", "-c", "-O", "qcow2", "-o", "compression_type=zstd",
                raw.toString(), z.toString());
        org.junit.jupiter.api.Assumptions.assumeTrue(r.exit() == 0, "qemu-img without zstd: " + r.output());
        try (DiskImage d = DiskImages.open(z, true)) {
            assertEquals("zstd", d.info().formatSpecific().get("compression-type"));
            var e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.virtfx.engine.storage.ImageFormatException.class, () -> d.read(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("zstd") && e.getMessage().contains(z.toString()), e.getMessage());
        }
    }

    @Test
    void snapshotsMadeByQemuAppliedByVirtfx() throws Exception {
        Path img = tmp.resolve("s.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 0x61 0 1M");
        ok("qemu-img", "snapshot", "-c", "first", img.toString());
        byte[] atFirst = contents(img, tmp);
        qemuIo(img, "qcow2", "write -P 0x62 512k 1M");
        try (DiskImage d = DiskImages.open(img, false)) {
            List<SnapshotInfo> list = d.snapshots().orElseThrow().list();
            assertEquals(List.of("first"), list.stream().map(SnapshotInfo::name).toList());
            assertEquals(4L << 20, list.getFirst().diskSize());
            d.snapshots().orElseThrow().apply("first");
            assertEquals(-1, firstDifference(atFirst, readAll(d)));
        }
        ok("qemu-img", "check", "-q", img.toString());
        assertEquals(-1, firstDifference(atFirst, contents(img, tmp)));
    }

    @Test
    void snapshotsMadeByVirtfxAppliedByQemu() throws Exception {
        Path img = tmp.resolve("s2.qcow2");
        byte[] before;
        try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.ofSize(4L << 20).withClusterSize(4096))) {
            d.write(0, ByteBuffer.wrap(filled(1 << 20, 0x71)));
            before = readAll(d);
            d.snapshots().orElseThrow().create("mine");
            d.write(4096, ByteBuffer.wrap(filled(300_000, 0x72)));
            d.writeZeroes(900_000, 100_000);
            d.snapshots().orElseThrow().create("second");
            d.write(8192, ByteBuffer.wrap(filled(5, 0x73)));
        }
        ok("qemu-img", "check", "-q", img.toString());
        String list = ok("qemu-img", "snapshot", "-l", img.toString());
        assertTrue(list.contains("mine") && list.contains("second"), list);
        ok("qemu-img", "snapshot", "-d", "second", img.toString());
        ok("qemu-img", "snapshot", "-a", "mine", img.toString());
        ok("qemu-img", "check", "-q", img.toString());
        assertEquals(-1, firstDifference(before, contents(img, tmp)));
        try (DiskImage d = DiskImages.open(img, false)) {
            d.snapshots().orElseThrow().delete("mine");
            assertEquals(0, d.snapshots().orElseThrow().list().size());
            assertEquals(-1, firstDifference(before, readAll(d)));
        }
        ok("qemu-img", "check", "-q", img.toString());
    }

    @Test
    void resizeGrowAndShrink() throws Exception {
        Path img = tmp.resolve("r.qcow2");
        try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.ofSize(1 << 20).withClusterSize(512))) {
            d.write(1000, ByteBuffer.wrap(filled(2000, 0x12)));
            d.resize(300L << 20, false);
            d.write((300L << 20) - 1, ByteBuffer.wrap(new byte[] {1}));
        }
        ok("qemu-img", "check", "-q", img.toString());
        assertTrue(ok("qemu-img", "info", img.toString()).contains("300 MiB"));
        try (DiskImage d = DiskImages.open(img, false)) {
            d.resize(2048, true);
        }
        ok("qemu-img", "check", "-q", img.toString());
        byte[] c = contents(img, tmp);
        assertEquals(2048, c.length);
        assertEquals(0x12, c[1500]);
        assertEquals(0, c[500]);
    }

    @Test
    void preallocationModes() throws Exception {
        for (Preallocation p : List.of(Preallocation.METADATA, Preallocation.FALLOC, Preallocation.FULL)) {
            Path img = tmp.resolve("p-" + p + ".qcow2");
            try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.ofSize(3L << 20).withPreallocation(p))) {
                d.write(77777, ByteBuffer.wrap(new byte[] {3}));
            }
            ok("qemu-img", "check", "-q", img.toString());
            String map = ok("qemu-img", "map", "--output=json", img.toString());
            assertTrue(map.contains("\"data\": true") && !map.contains("\"data\": false"), p + ": " + map);
            if (p != Preallocation.METADATA) {
                assertTrue(Files.size(img) >= 3L << 20);
            }
        }
    }

    @Test
    void infoAndMapAgreeWithQemu() throws Exception {
        Path img = tmp.resolve("i.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on,cluster_size=4096", img.toString(), "5M");
        qemuIo(img, "qcow2", "write -P 1 0 8k", "write -z 65536 65536", "write -P 2 1M 3000");
        String qmap = ok("qemu-img", "map", "--output=json", img.toString());
        try (DiskImage d = DiskImages.open(img, true)) {
            var info = d.info();
            assertEquals(5L << 20, info.virtualSize());
            assertEquals(4096, info.clusterSize());
            assertEquals(true, info.formatSpecific().get("lazy-refcounts"));
            StringBuilder mine = new StringBuilder();
            for (MapExtent e : d.map(0, d.size())) {
                mine.append(String.format("{ \"start\": %d, \"length\": %d, \"depth\": %d, \"present\": %b, "
                        + "\"zero\": %b, \"data\": %b", e.start(), e.length(), e.depth(), e.present(), e.zero(), e.data()));
                if (e.offset() >= 0) {
                    mine.append(", \"offset\": ").append(e.offset());
                }
                mine.append("}\n");
            }
            assertEquals(qmap.replace(",\n", "\n").replace("[", "").replace("]", "").trim(), mine.toString().trim());
        }
    }

    @Test
    void repairsLeaksLikeQemu() throws Exception {
        Path img = tmp.resolve("leak.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "1M");
        qemuIo(img, "qcow2", "write -P 1 0 64k");
        // leak clusters the way a crash would: refcounts of clusters appended past everything, referenced by nothing
        try (DiskImage d = DiskImages.open(img, false)) {
            Qcow2Image q = (Qcow2Image) d;
            synchronized (q.meta) {
                long off = q.refs.allocate(3);
                q.file.write(off, new byte[3 * 4096]);
            }
        }
        assertEquals(3, run("qemu-img", "check", img.toString()).exit());
        try (DiskImage d = DiskImages.open(img, false)) {
            CheckResult r = d.check(RepairMode.NONE);
            assertEquals(3, r.leaks());
            assertEquals(3, r.exitStatus());
            r = d.check(RepairMode.LEAKS);
            assertEquals(3, r.leaksFixed());
            assertEquals(0, d.check(RepairMode.NONE).exitStatus());
        }
        ok("qemu-img", "check", img.toString());
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }
}
