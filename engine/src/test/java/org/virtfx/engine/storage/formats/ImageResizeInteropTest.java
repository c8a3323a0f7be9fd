package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.ImageTestSupport.readAll;
import static org.virtfx.engine.storage.QemuTools.ok;
import static org.virtfx.engine.storage.QemuTools.qemuIo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.QemuTools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code virtfx img resize} of VDI and VHD images (which qemu-img cannot resize): the grown image keeps its data,
 * reads zeros in the new part, passes qemu-img check, shows qemu-img the new size, and takes qemu's writes there.
 * Growing from 10 MiB to 300 MiB needs a longer block table than the space before the first data block.
 */
@Tag("guest")
class ImageResizeInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void needQemu() {
        QemuTools.assumeAvailable();
    }

    /** Guest view via qemu-img, with the format given (a fixed VHD would otherwise be probed as raw). */
    private byte[] contents(Path img, String format) throws Exception {
        Path raw = dir.resolve("view.raw");
        ok("qemu-img", "convert", "-f", format, "-O", "raw", img.toString(), raw.toString());
        byte[] b = java.nio.file.Files.readAllBytes(raw);
        java.nio.file.Files.delete(raw);
        return b;
    }

    @ParameterizedTest(name = "{0} {1} made by {2}")
    @CsvSource({"vdi,'',qemu-img", "vdi,'',virtfx", "vdi,static=on,virtfx", "vpc,'',qemu-img",
            "vpc,subformat=fixed,qemu-img", "vpc,force_size=on,virtfx"})
    void growKeepsDataAndQemuAgrees(String format, String options, String maker) throws Exception {
        Path img = dir.resolve("r." + format);
        if (maker.equals("qemu-img")) {
            List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", format));
            if (!options.isEmpty()) {
                create.addAll(List.of("-o", options));
            }
            create.addAll(List.of(img.toString(), "10M"));
            ok(create.toArray(String[]::new));
        } else {
            DiskImages.create(img, format, CreateOptions.parse(10 << 20, options)).close();
        }
        qemuIo(img, format, "write -P 0x5a 0 1536k", "write -P 0xa5 9M 512k");
        byte[] before = contents(img, format);
        assertEquals(0, org.virtfx.engine.cli.Main.commandLine()
                .execute("img", "resize", "-f", format, img.toString(), "300M"));
        long size;
        try (DiskImage d = DiskImages.open(img, format, true)) {
            size = d.size();
            assertEquals(true, size >= 300L << 20 && size < 310L << 20, "new size " + size);
            byte[] expected = Arrays.copyOf(before, (int) size);
            assertEquals(-1, firstDifference(expected, readAll(d)));
        }
        JsonNode info = JSON.readTree(ok("qemu-img", "info", "-f", format, "--output", "json", img.toString()));
        assertEquals(size, info.get("virtual-size").asLong());
        if (format.equals("vdi")) {
            ok("qemu-img", "check", "-f", format, img.toString());
        }
        qemuIo(img, format, "write -P 0x33 290M 3M", "write -P 0x44 4M 1M");
        byte[] after = contents(img, format);
        try (DiskImage d = DiskImages.open(img, format, false)) {
            assertEquals(-1, firstDifference(after, readAll(d)));
            d.write(200L << 20, java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        after[200 << 20] = 1;
        after[(200 << 20) + 1] = 2;
        after[(200 << 20) + 2] = 3;
        assertEquals(-1, firstDifference(after, contents(img, format)));
        if (format.equals("vdi")) {
            ok("qemu-img", "check", "-f", format, img.toString());
        }
    }
}
