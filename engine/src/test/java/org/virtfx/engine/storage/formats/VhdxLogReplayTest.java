package org.virtfx.engine.storage.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.virtfx.engine.storage.ImageTestSupport.firstDifference;
import static org.virtfx.engine.storage.ImageTestSupport.readAll;
import static org.virtfx.engine.storage.QemuTools.contents;
import static org.virtfx.engine.storage.QemuTools.ok;
import static org.virtfx.engine.storage.QemuTools.qemuIo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.QemuTools;

/**
 * A VHDX whose last BAT update is still pending in its log, as after a crash between writing the log and updating the
 * BAT in place: the log entries are the ones QEMU wrote; the header names the newest one's log again and the BAT
 * sector it updates is zeroed. QEMU replays it (check -r all), and VirtFX reads the same disk without touching the file.
 */
@Tag("guest")
class VhdxLogReplayTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void needQemu() {
        QemuTools.assumeAvailable();
    }

    @Test
    void pendingLogIsReplayedInMemoryAsQemuReplaysIt() throws Exception {
        Path img = dir.resolve("log.vhdx");
        ok("qemu-img", "create", "-q", "-f", "vhdx", img.toString(), "64M");
        qemuIo(img, "vhdx", "write -P 0x5a 0 1M", "write -P 0x66 40M 64k");
        byte[] expected = contents(img, dir);
        byte[] b = Files.readAllBytes(img);
        ByteBuffer f = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer header = f.slice(64 * 1024, 4096).order(ByteOrder.LITTLE_ENDIAN);
        long logOffset = header.getLong(72);
        long logLength = Integer.toUnsignedLong(header.getInt(68));
        // the newest entry QEMU left in the log
        int newest = -1;
        long newestSeq = -1;
        for (int p = (int) logOffset; p < logOffset + logLength; p += 4096) {
            if (f.getInt(p) == 0x65676F6C && f.getLong(p + 16) > newestSeq) {
                newest = p;
                newestSeq = f.getLong(p + 16);
            }
        }
        assertNotEquals(-1, newest, "QEMU left no log entry");
        byte[] guid = new byte[16];
        f.get(newest + 32, guid);
        long batSector = f.getLong(newest + 64 + 16); // file offset of its first descriptor
        for (int at : new int[] {64 * 1024, 128 * 1024}) {
            f.put(at + 48, guid);
            f.putInt(at + 4, 0);
            CRC32C crc = new CRC32C();
            crc.update(b, at, 4096);
            f.putInt(at + 4, (int) crc.getValue());
        }
        java.util.Arrays.fill(b, (int) batSector, (int) batSector + 4096, (byte) 0);
        Files.write(img, b);
        // QEMU agrees that this log is the one to replay and what it gives
        Path copy = dir.resolve("copy.vhdx");
        Files.copy(img, copy);
        ok("qemu-img", "check", "-r", "all", copy.toString());
        assertEquals(-1, firstDifference(expected, contents(copy, dir)));
        try (DiskImage d = DiskImages.open(img, "vhdx", true)) {
            assertEquals(-1, firstDifference(expected, readAll(d)));
        }
        assertEquals(-1, java.util.Arrays.mismatch(b, Files.readAllBytes(img)), "read-only open left the file as it was");
    }
}
