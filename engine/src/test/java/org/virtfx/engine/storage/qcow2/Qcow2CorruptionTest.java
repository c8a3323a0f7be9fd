package org.virtfx.engine.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormatException;

/** Damaged qcow2 files give a clear ImageFormatException naming file and defect, and are never written to. */
class Qcow2CorruptionTest {
    @TempDir
    Path tmp;
    Path img;
    Qcow2Header h;

    @BeforeEach
    void image() throws IOException {
        img = tmp.resolve("victim.qcow2");
        try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.ofSize(2L << 20).withClusterSize(4096))) {
            d.write(0, ByteBuffer.wrap(new byte[10000]).put(0, (byte) 1));
            d.write(1 << 20, ByteBuffer.wrap(new byte[] {2}));
            d.snapshots().orElseThrow().create("s");
        }
        h = Qcow2Format.readHeader(img);
    }

    private void poke(long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(bytes.flip(), offset);
        }
    }

    private void pokeInt(long offset, int v) throws IOException {
        poke(offset, ByteBuffer.allocate(4).putInt(v));
    }

    private void pokeLong(long offset, long v) throws IOException {
        poke(offset, ByteBuffer.allocate(8).putLong(v));
    }

    /** Opening for writing fails with a message naming the file and containing {@code defect}; file untouched. */
    private void assertRejected(String defect) throws IOException {
        byte[] before = Files.readAllBytes(img);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(img, false).close());
        assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(defect), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(img), "a rejected image was modified");
    }

    @Test
    void truncatedHeader() throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.truncate(40);
        }
        assertEquals("qcow2", DiskImages.probe(img).name());
        assertRejected("truncated qcow2 header");
    }

    @Test
    void unsupportedVersion() throws IOException {
        pokeInt(4, 4);
        assertEquals("raw", DiskImages.probe(img).name()); // not claimed by qcow2 any more
        assertThrows(ImageFormatException.class, () -> DiskImages.open(img, "qcow2", true, true));
    }

    @Test
    void absurdClusterSize() throws IOException {
        pokeInt(20, 31);
        assertRejected("unsupported cluster size");
    }

    @Test
    void hugeL1Size() throws IOException {
        pokeInt(36, 0x7FFFFFFF);
        assertRejected("L1 table too large");
    }

    @Test
    void l1PastEndOfFile() throws IOException {
        pokeLong(40, 1L << 40);
        assertRejected("lies past the end of the file");
    }

    @Test
    void misalignedRefcountTable() throws IOException {
        pokeLong(48, h.refcountTableOffset + 8);
        assertRejected("not cluster aligned");
    }

    @Test
    void absurdVirtualSize() throws IOException {
        pokeLong(24, -1);
        assertRejected("absurd virtual size");
    }

    @Test
    void unknownIncompatibleFeatureIsNamed() throws IOException {
        pokeLong(72, 1L << 9);
        assertRejected("unknown feature bit 9");
    }

    @Test
    void encryptedImagesAreRefused() throws IOException {
        pokeInt(32, 1);
        assertRejected("encrypted");
    }

    @Test
    void tooManySnapshots() throws IOException {
        pokeInt(60, 1_000_000);
        assertRejected("too many snapshots");
    }

    @Test
    void corruptBitAllowsOnlyReading() throws IOException {
        pokeLong(72, h.incompatible | Qcow2Header.INCOMPAT_CORRUPT);
        assertRejected("marked corrupt");
        try (DiskImage d = DiskImages.open(img, true)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            d.read(0, b);
            assertEquals(1, b.get(0));
        }
    }

    private long firstL2Entry() throws IOException {
        try (FileChannel ch = FileChannel.open(img)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, h.l1TableOffset);
            return b.getLong(0) & Qcow2Image.OFFSET_MASK;
        }
    }

    @Test
    void misalignedDataClusterIsAnErrorNotGarbage() throws IOException {
        long l2 = firstL2Entry();
        pokeLong(l2, Qcow2Image.COPIED | (3 * 4096 + 512));
        try (DiskImage d = DiskImages.open(img, true)) {
            IOException e = assertThrows(ImageFormatException.class, () -> d.read(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("not cluster aligned"), e.getMessage());
        }
    }

    @Test
    void writeIntoMetadataIsRefused() throws IOException {
        // the active L2 entry of guest cluster 0 claims the L1 table's cluster as its (exclusively owned) data
        long l2 = firstL2Entry();
        pokeLong(l2, Qcow2Image.COPIED | h.l1TableOffset);
        byte[] l1Before;
        try (FileChannel ch = FileChannel.open(img)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, h.l1TableOffset);
            l1Before = b.array();
        }
        try (DiskImage d = DiskImages.open(img, false)) {
            IOException e = assertThrows(ImageFormatException.class, () -> d.write(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("overlaps image metadata"), e.getMessage());
            assertThrows(ImageFormatException.class, () -> d.write(1 << 20, ByteBuffer.allocate(1)));
            assertTrue(d.check(org.virtfx.engine.storage.RepairMode.NONE).corruptions() > 0);
        }
        try (FileChannel ch = FileChannel.open(img)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, h.l1TableOffset);
            assertArrayEquals(l1Before, b.array());
        }
    }

    @Test
    void backingLoopIsDetected() throws IOException {
        Path a = tmp.resolve("a.qcow2");
        Path b = tmp.resolve("b.qcow2");
        DiskImages.create(b, "qcow2", CreateOptions.ofSize(1 << 20)).close();
        DiskImages.create(a, "qcow2", CreateOptions.parse(-1, "backing_file=b.qcow2,backing_fmt=qcow2")).close();
        // point b back at a
        Qcow2Header hb = Qcow2Format.readHeader(b);
        hb.backingFile = "a.qcow2";
        hb.backingFormat = "qcow2";
        try (FileChannel ch = FileChannel.open(b, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(hb.toCluster(true)), 0);
        }
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(a, true).close());
        assertTrue(e.getMessage().contains("backing chain loop"), e.getMessage());
        // without the chain both still open (qemu-img info -U style)
        DiskImages.open(a, null, true, false).close();
    }

    @Test
    void missingBackingFileIsNamed() throws IOException {
        Path a = tmp.resolve("over.qcow2");
        Path b = tmp.resolve("gone.qcow2");
        DiskImages.create(b, "qcow2", CreateOptions.ofSize(1 << 20)).close();
        DiskImages.create(a, "qcow2", CreateOptions.parse(-1, "backing_file=gone.qcow2")).close();
        Files.delete(b);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(a, true).close());
        assertTrue(e.getMessage().contains("gone.qcow2") && e.getMessage().contains("does not exist"), e.getMessage());
    }
}
