package org.virtfx.engine.cli.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.cli.img.ImgCommandTest.img;
import static org.virtfx.engine.storage.QemuTools.ok;
import static org.virtfx.engine.storage.QemuTools.qemuIo;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.QemuTools;

/**
 * Differencing VHD and VDI children made by {@code virtfx img create -b} over parents qemu-img made: qemu-img cannot
 * open them with their parent (its vpc driver ignores the parent, its vdi driver refuses differencing images), so
 * the child is flattened by {@code virtfx img convert -O raw} and compared by {@code qemu-img compare} with the
 * parent converted by qemu-img and the same writes applied by qemu-io.
 */
@Tag("guest")
class DifferencingInteropTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void needQemu() {
        QemuTools.assumeAvailable();
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vdi"})
    void flattenedChildMatchesQemusView(String format) throws Exception {
        Path parent = dir.resolve("base." + format);
        Path child = dir.resolve("child." + format);
        ok("qemu-img", "create", "-q", "-f", format, parent.toString(), "24M");
        qemuIo(parent, format, "write -P 0x11 0 6M", "write -P 0x12 9M 1M");
        assertEquals(0, img("create", "-q", "-f", format, "-b", "base." + format, child.toString()).status());
        ImgCommandTest.Result info = img("info", "--backing-chain", child.toString());
        assertTrue(info.out().contains("backing file: base." + format) && info.out().contains(parent.toString()),
                info.out());
        // unaligned and block-crossing writes into the child
        byte[] a = new byte[4096];
        Arrays.fill(a, (byte) 0x22);
        byte[] b = new byte[3000];
        Arrays.fill(b, (byte) 0x23);
        try (DiskImage c = DiskImages.open(child, false)) {
            c.write(1024 * 1024 + 512, ByteBuffer.wrap(a));
            c.write(2L * 1024 * 1024 - 1000, ByteBuffer.wrap(b));
            c.writeZeroes(9L * 1024 * 1024 + 4096, 8192);
        }
        Path flat = dir.resolve("flat.raw");
        assertEquals(0, img("convert", "-O", "raw", child.toString(), flat.toString()).status());
        Path expected = dir.resolve("expected.raw");
        ok("qemu-img", "convert", "-f", format, "-O", "raw", parent.toString(), expected.toString());
        qemuIo(expected, "raw", "write -P 0x22 1049088 4096", "write -P 0x23 2096152 3000",
                "write -z 9441280 8192");
        ok("qemu-img", "compare", "-f", "raw", "-F", "raw", flat.toString(), expected.toString());
        // the parent is untouched: still identical to what qemu-io wrote
        Path parentNow = dir.resolve("parent.raw");
        ok("qemu-img", "convert", "-f", format, "-O", "raw", parent.toString(), parentNow.toString());
        Path parentExpected = dir.resolve("parent-expected.raw");
        ok("qemu-img", "create", "-q", "-f", "raw", parentExpected.toString(), "24M");
        qemuIo(parentExpected, "raw", "write -P 0x11 0 6M", "write -P 0x12 9M 1M");
        ok("qemu-img", "compare", "-f", "raw", "-F", "raw", parentNow.toString(), parentExpected.toString());
    }
}
