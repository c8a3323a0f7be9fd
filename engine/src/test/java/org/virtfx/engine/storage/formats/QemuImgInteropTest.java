package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import picocli.CommandLine;

/**
 * Interoperability with qemu-img 7.x (Debian qemu-utils): images qemu creates and writes read identically in VirtFX,
 * images VirtFX creates pass qemu-img check and compare, and {@code virtfx img info --output json} agrees.
 */
@Tag("guest")
class QemuImgInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void needQemuImg() {
        assumeTrue(onPath("qemu-img") && onPath("qemu-io"), "qemu-img/qemu-io not installed (Debian qemu-utils)");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + rc + "): " + out);
        }
        return out;
    }

    @ParameterizedTest(name = "qemu-img {0} {1}")
    @CsvSource({"vdi,''", "vdi,static=on", "vmdk,''", "vmdk,subformat=streamOptimized", "vmdk,subformat=monolithicFlat",
            "vmdk,subformat=twoGbMaxExtentSparse", "vmdk,subformat=twoGbMaxExtentFlat", "vmdk,zeroed_grain=on",
            "vpc,''", "vpc,subformat=fixed", "vhdx,''", "vhdx,subformat=fixed", "vhdx,block_size=1M"})
    void imagesQemuWritesReadIdentically(String format, String options) throws Exception {
        Path img = dir.resolve("q." + format);
        List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", format));
        if (!options.isEmpty()) {
            create.addAll(List.of("-o", options));
        }
        create.addAll(List.of(img.toString(), "48M"));
        run(dir, create.toArray(String[]::new));
        run(dir, "qemu-io", "-f", format, "-c", "write -P 0x5a 1M 64k", "-c", "write -P 0xa5 20M 3M",
                "-c", "write -z 30M 64k", "-c", "write -P 0x11 47M 1M", img.toString());
        Path raw = dir.resolve("q.raw");
        run(dir, "qemu-img", "convert", "-f", format, "-O", "raw", img.toString(), raw.toString());
        byte[] expected = Files.readAllBytes(raw);
        try (DiskImage d = DiskImages.open(img, format, true, true)) {
            assertEquals(expected.length, d.size(), "virtual size");
            ByteBuffer all = ByteBuffer.allocate((int) d.size());
            d.read(0, all);
            assertArrayEquals(expected, all.array());
        }
        // info: same keys and values as qemu-img (actual-size depends on the moment of measuring)
        JsonNode ours = JSON.readTree(virtfx(dir, "img", "info", "-f", format, "--output", "json", img.toString()));
        JsonNode theirs = JSON.readTree(run(dir, "qemu-img", "info", "-f", format, "--output", "json", img.toString()));
        for (String key : List.of("virtual-size", "filename", "format", "cluster-size", "dirty-flag", "format-specific")) {
            assertEquals(theirs.get(key), ours.get(key), key);
        }
    }

    @ParameterizedTest(name = "virtfx -O {0} {1}")
    @CsvSource({"vdi,'',true", "vdi,static=on,true", "vmdk,'',true", "vmdk,subformat=monolithicFlat,true",
            "vmdk,zeroed_grain=on,true", "vmdk,subformat=streamOptimized,true", "vpc,'',false", "vpc,subformat=fixed,false", "qcow2,'',true"})
    void imagesVirtfxConvertsPassQemuImgCheckAndCompare(String format, String options, boolean checkable)
            throws Exception {
        Path src = dir.resolve("src.qcow2");
        run(dir, "qemu-img", "create", "-q", "-f", "qcow2", src.toString(), "40M");
        run(dir, "qemu-io", "-c", "write -P 0x5a 1M 64k", "-c", "write -P 0x33 9M 5M", "-c", "write -P 0x77 39M 1M",
                src.toString());
        Path out = dir.resolve("out." + format);
        List<String> args = new ArrayList<>(List.of("img", "convert", "-O", format));
        if (!options.isEmpty()) {
            args.addAll(List.of("-o", options));
        }
        args.addAll(List.of(src.toString(), out.toString()));
        virtfx(dir, args.toArray(String[]::new));
        if (checkable) {
            run(dir, "qemu-img", "check", "-f", format, out.toString());
        }
        String cmp = run(dir, "qemu-img", "compare", "-f", "qcow2", "-F", format, src.toString(), out.toString());
        assertEquals("Images are identical.", cmp.lines().filter(l -> !l.startsWith("Warning")).findFirst().orElse(""));
        // and VirtFX's own compare agrees
        assertEquals("Images are identical.", virtfx(dir, "img", "compare", "-F", format, src.toString(), out.toString())
                .lines().filter(l -> !l.startsWith("Warning")).findFirst().orElse(""));
        // the virtual disk keeps its holes: only what was written is mapped as data
        JsonNode map = JSON.readTree(virtfx(dir, "img", "map", "-f", format, "--output", "json", out.toString()));
        long data = 0;
        for (JsonNode e : map) {
            if (e.get("data").asBoolean()) {
                data += e.get("length").asLong();
            }
        }
        long written = (64L << 10) + (5L << 20) + (1L << 20);
        if (options.contains("fixed") || options.contains("static") || options.contains("Flat")) {
            assertEquals(true, data >= written);
        } else {
            assertEquals(true, data >= written && data <= written + (8L << 20), "data bytes mapped: " + data);
        }
    }

    @ParameterizedTest(name = "{0} overlay")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"vmdk", "qcow2"})
    void chainsAndSafeRebaseKeepTheGuestView(String f) throws Exception {
        Path base = dir.resolve("base." + f);
        Path other = dir.resolve("other." + f);
        Path overlay = dir.resolve("overlay." + f);
        run(dir, "qemu-img", "create", "-q", "-f", f, base.toString(), "8M");
        run(dir, "qemu-io", "-f", f, "-c", "write -P 0x11 0 2M", base.toString());
        run(dir, "qemu-img", "create", "-q", "-f", f, other.toString(), "8M");
        run(dir, "qemu-io", "-f", f, "-c", "write -P 0x22 1M 2M", other.toString());
        virtfx(dir, "img", "create", "-q", "-f", f, "-b", "base." + f, "-F", f, overlay.toString());
        run(dir, "qemu-io", "-f", f, "-c", "write -P 0x33 64k 4k", overlay.toString());
        Path before = dir.resolve("before.raw");
        run(dir, "qemu-img", "convert", "-O", "raw", overlay.toString(), before.toString());
        virtfx(dir, "img", "rebase", "-b", "other." + f, "-F", f, overlay.toString());
        JsonNode info = JSON.readTree(run(dir, "qemu-img", "info", "--output", "json", overlay.toString()));
        assertEquals("other." + f, info.get("backing-filename").asText());
        run(dir, "qemu-img", "check", overlay.toString());
        String cmp = run(dir, "qemu-img", "compare", "-F", "raw", overlay.toString(), before.toString());
        assertEquals("Images are identical.", cmp.trim());
    }

    @org.junit.jupiter.api.Test
    void compressedConvertWithWorkerThreadsPassesQemuCheck() throws Exception {
        // random, compressible and zero stretches, and a last cluster cut short by the disk size
        Path src = dir.resolve("mixed.raw");
        int size = (9 << 20) + 12345;
        byte[] data = new byte[size];
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < size; i++) {
            int stripe = (i >> 20) % 3;
            data[i] = stripe == 0 ? (byte) rnd.nextInt() : stripe == 1 ? (byte) ("log line " + (i / 80)).charAt(i % 8) : 0;
        }
        data[size - 1] = 7;
        Files.write(src, data);
        Path out = dir.resolve("c.qcow2");
        virtfx(dir, "img", "convert", "-c", "-m", "4", "-f", "raw", "-O", "qcow2", src.toString(), out.toString());
        String check = run(dir, "qemu-img", "check", "--output=json", out.toString());
        JsonNode c = JSON.readTree(check);
        assertEquals(0, c.path("corruptions").asInt(0) + c.path("leaks").asInt(0), check);
        org.junit.jupiter.api.Assertions.assertTrue(c.get("compressed-clusters").asInt() > 0, check);
        assertEquals("Images are identical.", run(dir, "qemu-img", "compare", "-f", "raw", "-F", "qcow2",
                src.toString(), out.toString()).trim());
    }

    @org.junit.jupiter.api.Test
    void vhdxWithPendingLogIsRefusedWithInstructions() throws Exception {
        Path img = dir.resolve("dirty.vhdx");
        run(dir, "qemu-img", "create", "-q", "-f", "vhdx", img.toString(), "16M");
        byte[] b = Files.readAllBytes(img);
        // give both headers a log GUID (a log to replay) and a valid CRC-32C again
        for (int at : new int[] {64 * 1024, 128 * 1024}) {
            b[at + 48] = 0x42;
            ByteBuffer h = ByteBuffer.wrap(b, at, 4096).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            h.putInt(4, 0);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(b, at, 4096);
            h.putInt(4, (int) crc.getValue());
        }
        Files.write(img, b);
        org.virtfx.engine.storage.ImageFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.virtfx.engine.storage.ImageFormatException.class, () -> DiskImages.open(img, true));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(img.toString())
                && e.getMessage().contains("log") && e.getMessage().contains("qemu-img check -r all"), e.getMessage());
    }

    /** A sparse raw file maps like qemu-img maps it: data and holes, each with its place in the file. */
    @org.junit.jupiter.api.Test
    void rawMapMatchesQemu() throws Exception {
        Path img = dir.resolve("sparse.raw");
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw"); var ch = f.getChannel()) {
            f.setLength(8 << 20);
            ch.write(ByteBuffer.wrap(new byte[65536]).put(0, (byte) 7), 1 << 20);
            ch.write(ByteBuffer.wrap(new byte[] {9}), (5 << 20) + 123);
        }
        String qemu = run(dir, "qemu-img", "map", "-f", "raw", "--output=json", img.toString());
        String mine = virtfx(dir, "img", "map", "-f", "raw", "--output", "json", img.toString());
        assertEquals(JSON.readTree(qemu), JSON.readTree(mine));
    }

    /** Runs {@code virtfx ...} in-process; throws unless it exits 0. */
    static String virtfx(Path cwd, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        if (rc != 0) {
            throw new IOException("virtfx " + String.join(" ", args) + " exited " + rc + ": " + err + out);
        }
        return out.toString();
    }
}
