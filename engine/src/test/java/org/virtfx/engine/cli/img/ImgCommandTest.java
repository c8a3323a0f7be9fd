package org.virtfx.engine.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import picocli.CommandLine;

/** {@code virtfx img}: outputs and exit statuses as qemu-img's. */
class ImgCommandTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    static Result img(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "img";
        System.arraycopy(args, 0, all, 1, args.length);
        int rc = cl.execute(all);
        return new Result(rc, out.toString(), err.toString());
    }

    @Test
    void createInfoAndJsonUseQemuNames() {
        Path f = dir.resolve("a.vdi");
        assertEquals(0, img("create", "-q", "-f", "vdi", f.toString(), "64M").status());
        Result human = img("info", f.toString());
        assertTrue(human.out().contains("file format: vdi") && human.out().contains("virtual size: 64 MiB (67108864 bytes)")
                && human.out().contains("cluster_size: 1048576"), human.out());
        Result json = img("info", "--output", "json", f.toString());
        assertTrue(json.out().contains("\"virtual-size\": 67108864") && json.out().contains("\"format\": \"vdi\"")
                && json.out().contains("\"cluster-size\": 1048576") && json.out().contains("\"dirty-flag\": false"), json.out());
    }

    @Test
    void compareReportsFirstDifferingOffset() throws Exception {
        Path a = dir.resolve("a.vpc");
        Path b = dir.resolve("b.vdi");
        img("create", "-q", "-f", "vpc", "-o", "force_size=on", a.toString(), "8M");
        img("create", "-q", "-f", "vdi", b.toString(), "8M");
        assertEquals(0, img("compare", a.toString(), b.toString()).status());
        try (DiskImage d = DiskImages.open(b, false)) {
            d.write(5_000_000, ByteBuffer.wrap(new byte[] {7}));
        }
        Result r = img("compare", a.toString(), b.toString());
        assertEquals(1, r.status());
        assertTrue(r.out().contains("Content mismatch at offset " + (5_000_000 & ~511) + "!"), r.out());
        assertEquals(2, img("compare", a.toString(), dir.resolve("missing").toString()).status());
    }

    @Test
    void checkExitStatusesFollowQemuImg() throws Exception {
        Path f = dir.resolve("c.vdi");
        img("create", "-q", "-f", "vdi", f.toString(), "8M");
        try (DiskImage d = DiskImages.open(f, false)) {
            d.write(0, ByteBuffer.wrap(new byte[] {1}));
        }
        assertEquals(0, img("check", f.toString()).status());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4), 0x204); // block 1 -> data block 0, shared with block 0
        }
        Result r = img("check", f.toString());
        assertEquals(2, r.status(), r.out());
        assertTrue(r.out().contains("1 errors were found on the image."), r.out());
        Path raw = dir.resolve("r.raw");
        img("create", "-q", "-f", "raw", raw.toString(), "1M");
        assertEquals(63, img("check", raw.toString()).status());
    }

    @Test
    void shrinkNeedsTheFlagAndBadInputExitsOne() {
        Path f = dir.resolve("s.raw");
        img("create", "-q", f.toString(), "4M");
        Result r = img("resize", f.toString(), "1M");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--shrink"), r.err());
        assertEquals(0, img("resize", "--shrink", f.toString(), "1M").status());
        Result bad = img("create", "-f", "vdi", "-o", "nonsense=1", dir.resolve("x.vdi").toString(), "1M");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("nonsense"), bad.err());
        Result notImage = img("info", "-f", "vmdk", f.toString());
        assertEquals(1, notImage.status());
        assertTrue(notImage.err().contains(f.toString()), notImage.err());
    }

    @Test
    void convertKeepsHolesAndMapShowsThem() throws Exception {
        Path src = dir.resolve("src.vmdk");
        img("create", "-q", "-f", "vmdk", src.toString(), "32M");
        try (DiskImage d = DiskImages.open(src, false)) {
            d.write(3L << 20, ByteBuffer.wrap(new byte[100_000]).put(5, (byte) 1));
        }
        Path dst = dir.resolve("dst.vdi");
        assertEquals(0, img("convert", "-O", "vdi", src.toString(), dst.toString()).status());
        Result map = img("map", "--output", "json", dst.toString());
        assertTrue(map.out().startsWith("[{ \"start\": 0, \"length\": 3145728, \"depth\": 0, \"present\": true, \"zero\": true, \"data\": false},"),
                map.out());
        assertTrue(map.out().contains("{ \"start\": 3145728, \"length\": 1048576, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true, \"offset\": 1024}"),
                map.out());
        assertEquals(0, img("compare", src.toString(), dst.toString()).status());
    }

    @Test
    void convertIntoExistingTargetOverwritesEverything() throws Exception {
        Path src = dir.resolve("s.vdi");
        img("create", "-q", "-f", "vdi", src.toString(), "4M");
        try (DiskImage d = DiskImages.open(src, false)) {
            d.write(1 << 20, ByteBuffer.wrap(new byte[] {9, 9, 9}));
        }
        Path dst = dir.resolve("d.raw");
        byte[] junk = new byte[4 << 20];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        java.nio.file.Files.write(dst, junk);
        assertEquals(0, img("convert", "-n", "-O", "raw", src.toString(), dst.toString()).status());
        assertEquals(0, img("compare", src.toString(), dst.toString()).status());
        Path all = dir.resolve("all.raw");
        assertEquals(0, img("convert", "-S", "0", "-O", "raw", src.toString(), all.toString()).status());
        assertEquals(0, img("compare", src.toString(), all.toString()).status());
        assertEquals(1, img("convert", "-S", "3k", "-O", "raw", src.toString(), all.toString()).status());
    }

    @Test
    void convertReadsOnlyDataExtentsYetWritesWholeClusters() throws Exception {
        // a raw source whose data extents are 4 KiB blocks at odd places of one 8 MiB window, the last one in the
        // disk's final partial cluster: the pieces read must grow to whole clusters for compressed output
        Path src = dir.resolve("scatter.raw");
        long size = (9L << 20) + 4096;
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.write(ByteBuffer.allocate(0), size - 1);
            long[] at = {4096, 69632, 3L << 20, (8L << 20) - 4096, 9L << 20};
            for (int i = 0; i < at.length; i++) {
                byte[] data = new byte[4096];
                java.util.Arrays.fill(data, (byte) (i + 1));
                ch.write(ByteBuffer.wrap(data), at[i]);
            }
        }
        for (String compress : new String[] {"", "-c"}) {
            Path dst = dir.resolve("scatter" + compress + ".qcow2");
            String[] args = compress.isEmpty()
                    ? new String[] {"convert", "-f", "raw", "-O", "qcow2", src.toString(), dst.toString()}
                    : new String[] {"convert", "-c", "-f", "raw", "-O", "qcow2", src.toString(), dst.toString()};
            Result r = img(args);
            assertEquals(0, r.status(), r.err());
            assertEquals(0, img("compare", "-f", "raw", src.toString(), dst.toString()).status());
            assertEquals(0, img("check", dst.toString()).status());
        }
    }

    @Test
    void convertCacheModeUnsafeSkipsOnlyTheFlush() throws Exception {
        Path src = dir.resolve("t.raw");
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i += 4096) {
            data[i] = (byte) (i >>> 12);
        }
        java.nio.file.Files.write(src, data);
        for (String fmt : new String[] {"qcow2", "vdi", "vmdk", "vpc", "raw"}) {
            Path dst = dir.resolve("t-unsafe." + fmt);
            Result r = img("convert", "-t", "unsafe", "-f", "raw", "-O", fmt, src.toString(), dst.toString());
            assertEquals(0, r.status(), fmt + ": " + r.err());
            assertEquals(0, img("compare", "-f", "raw", src.toString(), dst.toString()).status(), fmt);
        }
        Result bad = img("convert", "-t", "none", "-f", "raw", "-O", "raw", src.toString(),
                dir.resolve("t-none.raw").toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("-t must be writeback or unsafe"), bad.err());
    }
}
