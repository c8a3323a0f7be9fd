package org.virtfx.engine.storage;

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
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A raw disk whose guest wrote something that looks like another format: opened with an explicit format it stays
 * raw; opened by probing it is guarded like QEMU guards it (no write may make block 0 look like another format).
 */
class ExplicitFormatTest {
    @TempDir
    Path tmp;

    private final List<String> warnings = new ArrayList<>();

    @AfterEach
    void resetSink() {
        DiskImages.setWarningSink(null);
    }

    /** The first 512 bytes of a real qcow2 image. */
    private byte[] qcow2Header() throws IOException {
        Path q = tmp.resolve("h.qcow2");
        DiskImages.create(q, "qcow2", CreateOptions.ofSize(1 << 20)).close();
        byte[] h = new byte[512];
        System.arraycopy(Files.readAllBytes(q), 0, h, 0, 512);
        return h;
    }

    @Test
    void explicitRawIsNotMisprobed() throws IOException {
        Path p = tmp.resolve("disk.img");
        byte[] header = qcow2Header();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(header), 0);
            ch.truncate(4 << 20);
            ch.write(ByteBuffer.wrap(new byte[] {9}), (4 << 20) - 1);
        }
        assertEquals("qcow2", DiskImages.probe(p).name());
        try (DiskImage d = DiskImages.open(p, "raw", true)) {
            assertEquals("raw", d.format().name());
            assertEquals(4 << 20, d.size());
            ByteBuffer b = ByteBuffer.allocate(512);
            d.read(0, b);
            assertArrayEquals(header, b.array());
        }
        // writable with the format given: the guest may write anything to block 0, and no warning is given
        DiskImages.setWarningSink(warnings::add);
        try (DiskImage d = DiskImages.open(p, "raw", false)) {
            d.write(0, ByteBuffer.wrap(header));
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void probedRawGuardsBlockZeroAndWarns() throws IOException {
        Path p = tmp.resolve("probed.img");
        DiskImages.create(p, "raw", CreateOptions.ofSize(1 << 20)).close();
        byte[] header = qcow2Header();
        DiskImages.setWarningSink(warnings::add);
        try (DiskImage d = DiskImages.open(p, null, false)) {
            assertEquals(1, warnings.size());
            assertTrue(warnings.getFirst().contains("probing guessed raw"), warnings.getFirst());
            IOException e = assertThrows(IOException.class, () -> d.write(0, ByteBuffer.wrap(header)));
            assertTrue(e.getMessage().contains("qcow2"), e.getMessage());
            // a header written in two parts is caught too: the magic alone is refused
            d.write(4, ByteBuffer.wrap(header, 4, 508));
            assertThrows(IOException.class, () -> d.write(0, ByteBuffer.wrap(header, 0, 4)));
            // ordinary writes to block 0 and writes elsewhere go through
            d.write(0, ByteBuffer.wrap(new byte[] {(byte) 0xEB, 0x3C, (byte) 0x90}));
            d.write(512, ByteBuffer.wrap(header));
            ByteBuffer b = ByteBuffer.allocate(3);
            d.read(0, b);
            assertArrayEquals(new byte[] {(byte) 0xEB, 0x3C, (byte) 0x90}, b.array());
        }
        assertEquals("raw", DiskImages.probe(p).name());
        // read-only opens neither warn nor need the guard
        warnings.clear();
        DiskImages.open(p, null, true).close();
        assertEquals(List.of(), warnings);
    }
}
