package org.virtfx.engine.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.QemuTools.contents;
import static org.virtfx.engine.storage.QemuTools.ok;
import static org.virtfx.engine.storage.QemuTools.qemuIo;
import static org.virtfx.engine.storage.QemuTools.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.QemuTools;
import org.virtfx.engine.storage.RepairMode;

/**
 * {@code check -r all} on qcow2 images whose refcount structure itself is damaged (a table entry pointing into data,
 * past the end of the file, a zeroed refcount block): VirtFX rebuilds the refcounts, and qemu-img then finds the image
 * clean with the same guest contents and keeps using it.
 */
@Tag("guest")
class Qcow2RefcountRebuildTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void needQemu() {
        QemuTools.assumeAvailable();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"entryIntoData", "entryPastEnd", "zeroedBlock"})
    void rebuildsDamagedRefcounts(String damage) throws Exception {
        Path img = tmp.resolve("d.qcow2");
        // 4 KiB clusters with 16-bit refcounts: one refcount block covers 8 MiB of file, so this image has two
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "32M");
        qemuIo(img, "qcow2", "write -P 0x11 0 6M", "write -P 0x22 20M 4M", "write -P 0x33 31M 4k");
        byte[] expected = contents(img, tmp);
        long tableOffset;
        long firstBlock;
        long dataCluster;
        try (DiskImage d = DiskImages.open(img, true)) {
            Qcow2Image q = (Qcow2Image) d;
            tableOffset = q.refs.tableOffset;
            firstBlock = q.refs.blockOffsets()[0];
            synchronized (q.meta) {
                dataCluster = q.entryOf(100) & Qcow2Image.OFFSET_MASK;
            }
            assertEquals(2, java.util.Arrays.stream(q.refs.blockOffsets()).filter(b -> b != 0).count());
        }
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            switch (damage) {
                case "entryIntoData" -> ch.write(ByteBuffer.allocate(8).putLong(0, dataCluster), tableOffset + 8);
                case "entryPastEnd" -> ch.write(ByteBuffer.allocate(8).putLong(0, ch.size() + (1 << 20)),
                        tableOffset + 8);
                default -> ch.write(ByteBuffer.allocate(4096), firstBlock);
            }
        }
        assertEquals(2, run("qemu-img", "check", img.toString()).exit(), "qemu-img sees the damage too");
        try (DiskImage d = DiskImages.open(img, false)) {
            CheckResult before = d.check(RepairMode.NONE);
            assertTrue(before.corruptions() > 0, before.messages().toString());
            assertEquals(2, before.exitStatus());
            if (damage.equals("entryPastEnd")) {
                assertThrows(IOException.class, () -> d.write(0, ByteBuffer.allocate(512)));
            }
            CheckResult fixed = d.check(RepairMode.ALL);
            assertTrue(fixed.corruptionsFixed() > 0, fixed.messages().toString());
            CheckResult after = d.check(RepairMode.NONE);
            assertEquals(0, after.corruptions(), after.messages().toString());
            assertEquals(0, after.leaks(), after.messages().toString());
            // the repaired image takes new allocations
            d.write(12L << 20, ByteBuffer.wrap(Qcow2InteropTest.filled(8192, 0x44)));
        }
        System.arraycopy(Qcow2InteropTest.filled(8192, 0x44), 0, expected, 12 << 20, 8192);
        ok("qemu-img", "check", img.toString());
        assertEquals(-1, firstDifference(expected, contents(img, tmp)));
        qemuIo(img, "qcow2", "write -P 0x55 28M 1M");
        ok("qemu-img", "check", img.toString());
    }
}
