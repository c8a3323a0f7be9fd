package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.ImageTestSupport.readAll;
import static org.virtfx.engine.storage.QemuTools.ok;
import static org.virtfx.engine.storage.QemuTools.qemuIo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.QemuTools;

/**
 * Differencing VHDX read. Neither qemu-img nor VirtFX creates them, so the child is a qemu-img VHDX turned into one
 * the way the MS-VHDX specification lays it out: has_parent set, a parent locator item (parent_linkage = the
 * parent's DataWriteGuid, relative_path), one block made partially present with a sector bitmap block.
 */
@Tag("guest")
class VhdxDifferencingTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @BeforeAll
    static void needQemu() {
        QemuTools.assumeAvailable();
    }

    private static byte[] guid(String s) {
        String h = s.replace("-", "");
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(i * 2, i * 2 + 2), 16);
        }
        return new byte[] {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
    }

    private static ByteBuffer read(FileChannel ch, long at, int len) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, at);
        return b.flip();
    }

    /** The current header (valid signature, higher sequence number). */
    private static ByteBuffer header(FileChannel ch) throws Exception {
        ByteBuffer a = read(ch, 64 * 1024, 4096);
        ByteBuffer b = read(ch, 128 * 1024, 4096);
        if (b.getInt(0) != 0x64616568) {
            return a;
        }
        return a.getInt(0) != 0x64616568 || Long.compareUnsigned(b.getLong(8), a.getLong(8)) > 0 ? b : a;
    }

    private static String guidText(byte[] b) {
        return String.format("{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}", b[3], b[2], b[1],
                b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    }

    private static long regionOffset(FileChannel ch, byte[] g) throws Exception {
        ByteBuffer r = read(ch, 192 * 1024, 64 * 1024);
        int count = r.getInt(8);
        for (int i = 0; i < count; i++) {
            if (Arrays.equals(Arrays.copyOfRange(r.array(), 16 + i * 32, 32 + i * 32), g)) {
                return r.getLong(16 + i * 32 + 16);
            }
        }
        throw new AssertionError("region not found");
    }

    /** Turns {@code child} into a differencing image of a parent with {@code linkage}; block 2 keeps only sectors 0-7. */
    private static void makeDifferencing(Path child, String linkage, String relativePath) throws Exception {
        try (FileChannel ch = FileChannel.open(child, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long metaOff = regionOffset(ch, guid("8B7CA206-4790-4B9A-B8FE-575F050F886E"));
            long batOff = regionOffset(ch, guid("2DC27766-F623-4200-9D64-115E9BFD4A08"));
            ByteBuffer meta = read(ch, metaOff, 64 * 1024);
            int count = meta.getShort(10) & 0xFFFF;
            long freeAt = 64 * 1024;
            for (int i = 0; i < count; i++) {
                int e = 32 + i * 32;
                long off = Integer.toUnsignedLong(meta.getInt(e + 16));
                long len = Integer.toUnsignedLong(meta.getInt(e + 20));
                freeAt = Math.max(freeAt, (off + len + 7) & ~7L);
                if (Arrays.equals(Arrays.copyOfRange(meta.array(), e, e + 16), guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B"))) {
                    ByteBuffer fp = read(ch, metaOff + off, 8);
                    fp.putInt(4, fp.getInt(4) | 2);   // has_parent
                    ch.write(fp, metaOff + off);
                }
            }
            String[][] kv = {{"parent_linkage", linkage}, {"relative_path", relativePath}};
            ByteBuffer loc = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
            loc.put(0, guid("B04AEFB7-D19E-4A81-B789-25B8E9445913")).putShort(18, (short) kv.length);
            int strings = 20 + kv.length * 12;
            for (int i = 0; i < kv.length; i++) {
                byte[] k = kv[i][0].getBytes(StandardCharsets.UTF_16LE);
                byte[] v = kv[i][1].getBytes(StandardCharsets.UTF_16LE);
                loc.putInt(20 + i * 12, strings).putShort(28 + i * 12, (short) k.length).put(strings, k);
                strings += k.length;
                loc.putInt(24 + i * 12, strings).putShort(30 + i * 12, (short) v.length).put(strings, v);
                strings += v.length;
            }
            ch.write(loc.limit(strings), metaOff + freeAt);
            ByteBuffer entry = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            entry.put(0, guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")).putInt(16, (int) freeAt).putInt(20, strings)
                    .putInt(24, 4);   // IsRequired
            ch.write(entry, metaOff + 32 + count * 32L);
            ch.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) (count + 1)),
                    metaOff + 10);
            // chunk 0's sector bitmap block (1 MiB, appended) follows payload entries 0..4095 (chunk ratio 4096)
            long sbOff = (ch.size() + MIB - 1) & ~(MIB - 1L);
            ByteBuffer sb = ByteBuffer.allocate(MIB);
            sb.put(2 * 256, (byte) 0xFF);   // block 2, 256 bitmap bytes per 1 MiB block: sectors 0..7 present
            ch.write(sb, sbOff);
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sbOff | 6), batOff + 4096 * 8L);
            ByteBuffer b2 = read(ch, batOff + 2 * 8, 8);
            assertEquals(6, b2.getLong(0) & 7, "block 2 written by qemu-io is fully present");
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, (b2.getLong(0) & ~7L) | 7),
                    batOff + 2 * 8);
        }
    }

    private Path parent() throws Exception {
        Path parent = dir.resolve("parent.vhdx");
        ok("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", parent.toString(), "8M");
        qemuIo(parent, "vhdx", "write -P 0x11 0 4M");
        return parent;
    }

    private Path child() throws Exception {
        Path child = dir.resolve("child.vhdx");
        // qemu-img marks unwritten blocks ZERO unless block_state_zero=off; a child needs them NOT_PRESENT
        ok("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M,block_state_zero=off", child.toString(), "8M");
        qemuIo(child, "vhdx", "write -P 0x22 1M 1M", "write -P 0x33 2M 1M");
        return child;
    }

    @Test
    void readsThroughParentLocatorAndSectorBitmap() throws Exception {
        Path parent = parent();
        Path child = child();
        String linkage;
        try (FileChannel ch = FileChannel.open(parent)) {
            linkage = guidText(Arrays.copyOfRange(header(ch).array(), 32, 48));
        }
        makeDifferencing(child, linkage, ".\\parent.vhdx");
        byte[] expected = new byte[8 * MIB];
        Arrays.fill(expected, 0, 4 * MIB, (byte) 0x11);
        Arrays.fill(expected, MIB, 2 * MIB, (byte) 0x22);
        Arrays.fill(expected, 2 * MIB, 2 * MIB + 4096, (byte) 0x33);
        try (DiskImage img = DiskImages.open(child, true)) {
            assertEquals(-1, firstDifference(expected, readAll(img)));
            assertEquals("parent.vhdx", img.info().backingFile());
        }
        Files.delete(parent);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImages.open(child, true));
        assertTrue(e.getMessage().contains(child.toString()) && e.getMessage().contains("parent"), e.getMessage());
        parent();   // a new image under the old name: another DataWriteGuid
        e = assertThrows(ImageFormatException.class, () -> DiskImages.open(child, true));
        assertTrue(e.getMessage().contains("DataWriteGuid"), e.getMessage());
    }
}
