package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.RepairMode;

/** VDI, VHD and VMDK created by VirtFX: data survives write/close/reopen, holes stay holes, metadata checks out. */
class ImageFormatsTest {
    @TempDir
    Path dir;

    private static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"vdi,''", "vdi,static=on", "vpc,''", "vpc,subformat=fixed", "vmdk,''", "vmdk,subformat=monolithicFlat",
            "vmdk,zeroed_grain=on"})
    void writtenDataReadsBackAfterReopen(String format, String options) throws IOException {
        Path f = dir.resolve("disk." + format);
        long size = 64L << 20;
        byte[] a = pattern(70_000, 1);     // crosses a 64 KiB grain boundary
        byte[] b = pattern(3 << 20, 2);    // crosses VDI (1 MiB) and VHD (2 MiB) block boundaries
        try (DiskImage img = DiskImages.create(f, format, CreateOptions.parse(size, options))) {
            assertTrue(img.size() >= size);
            img.write(1_000_000, ByteBuffer.wrap(a));
            img.write(40L << 20, ByteBuffer.wrap(b));
            img.write(size - 512, ByteBuffer.wrap(pattern(512, 3)));
        }
        // a fixed VHD has no header at the start, so (as with qemu-img) it is only found with an explicit format
        try (DiskImage img = DiskImages.open(f, format, false, true)) {
            assertEquals(options.equals("subformat=fixed") ? "raw" : format, DiskImages.probe(f).name());
            assertArrayEquals(a, read(img, 1_000_000, a.length));
            assertArrayEquals(b, read(img, 40L << 20, b.length));
            assertArrayEquals(pattern(512, 3), read(img, size - 512, 512));
            assertArrayEquals(new byte[4096], read(img, 20L << 20, 4096), "never-written range reads as zeros");
            if (img.format().capabilities().contains(org.virtfx.engine.storage.Capability.CHECK)) {
                CheckResult r = img.check(RepairMode.NONE);
                assertEquals(0, r.corruptions(), r.messages().toString());
            }
        }
    }

    @Test
    void dynamicImagesOnlyAllocateWrittenBlocks() throws IOException {
        Path f = dir.resolve("d.vdi");
        try (DiskImage img = DiskImages.create(f, "vdi", CreateOptions.ofSize(64L << 20))) {
            img.write(5L << 20, ByteBuffer.wrap(pattern(100, 4)));
            img.write(7L << 20, ByteBuffer.allocate(8192)); // zeros into a hole allocate nothing
            List<MapExtent> map = img.map(0, img.size());
            long data = map.stream().filter(MapExtent::data).mapToLong(MapExtent::length).sum();
            assertEquals(1L << 20, data);
            MapExtent e = map.stream().filter(MapExtent::data).findFirst().orElseThrow();
            assertEquals(5L << 20, e.start());
        }
        assertTrue(Files.size(f) < (3L << 20), "file holds one data block, not the whole disk: " + Files.size(f));
    }

    @Test
    void vpcSizeIsRoundedUpToChsGeometryLikeQemu() throws IOException {
        try (DiskImage img = DiskImages.create(dir.resolve("g.vhd"), "vpc", CreateOptions.ofSize(64L << 20))) {
            assertEquals(67_125_248L, img.size());
        }
        try (DiskImage img = DiskImages.create(dir.resolve("h.vhd"), "vpc",
                CreateOptions.parse(64L << 20, "force_size=on"))) {
            assertEquals(64L << 20, img.size());
        }
    }

    @Test
    void vdiCheckFindsTwoBlocksSharingData() throws IOException {
        Path f = dir.resolve("c.vdi");
        try (DiskImage img = DiskImages.create(f, "vdi", CreateOptions.ofSize(8L << 20))) {
            img.write(0, ByteBuffer.wrap(pattern(512, 5)));
        }
        // block map entry 1 -> data block 0 as well (block map at 0x200)
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4), 0x204);
        }
        try (DiskImage img = DiskImages.open(f, "vdi", true, false)) {
            CheckResult r = img.check(RepairMode.NONE);
            assertEquals(1, r.corruptions(), r.messages().toString());
            assertEquals(2, r.exitStatus());
        }
    }

    @Test
    void damagedHeadersGiveErrorsNamingFileAndDefect() throws IOException {
        Path f = dir.resolve("bad.vhd");
        DiskImages.create(f, "vpc", CreateOptions.ofSize(8L << 20)).close();
        byte[] all = Files.readAllBytes(f);
        all[48] ^= 1; // current size, covered by the checksum
        Files.write(f, all);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(f, true));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void readOnlyFormatsAndExtentsRefuseWrites() throws IOException {
        Path f = dir.resolve("r.vmdk");
        DiskImages.create(f, "vmdk", CreateOptions.ofSize(1L << 20)).close();
        try (DiskImage img = DiskImages.open(f, true)) {
            assertTrue(img.readOnly());
            assertThrows(IOException.class, () -> img.write(0, ByteBuffer.allocate(512)));
        }
        assertThrows(IllegalArgumentException.class,
                () -> DiskImages.create(dir.resolve("x.vhdx"), "vhdx", CreateOptions.ofSize(1L << 20)));
        assertFalse(DiskImages.format("vhdx").capabilities().contains(org.virtfx.engine.storage.Capability.CREATE));
    }

    static byte[] read(DiskImage img, long off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        img.read(off, b);
        return b.array();
    }
}
