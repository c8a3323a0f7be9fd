package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.SnapshotInfo;

/** One entry of the qcow2 snapshot table (the same table qemu-img snapshot reads and writes). */
record Qcow2Snapshot(long l1Offset, int l1Size, String id, String name, long dateSec, int dateNsec,
                     long vmClockNsec, long vmStateSize, long diskSize, long icount, byte[] extraRest) {

    /** v3 images: vm_state_size_large, disk_size, icount. */
    static final int EXTRA_V3 = 24;
    /** Limits, as QEMU: ids and names are short strings; extra data is at most 1 KiB. */
    private static final int MAX_EXTRA = 1024;

    SnapshotInfo info() {
        return new SnapshotInfo(id, name, vmStateSize, Instant.ofEpochSecond(dateSec, dateNsec), vmClockNsec,
                diskSize, icount);
    }

    /** Parses the table; every entry and its L1 table is bounds-checked against the file. */
    static List<Qcow2Snapshot> readTable(HostFile file, Qcow2Header h) throws IOException {
        List<Qcow2Snapshot> list = new ArrayList<>();
        if (h.nbSnapshots == 0) {
            return list;
        }
        long fileSize = file.size();
        long pos = h.snapshotsOffset;
        int cs = h.clusterSize();
        for (int i = 0; i < h.nbSnapshots; i++) {
            ByteBuffer fixed = ByteBuffer.wrap(file.read(pos, 40, "snapshot table entry " + i));
            long l1Offset = fixed.getLong(0);
            int l1Size = fixed.getInt(8);
            int idLen = fixed.getShort(12) & 0xFFFF;
            int nameLen = fixed.getShort(14) & 0xFFFF;
            long dateSec = Integer.toUnsignedLong(fixed.getInt(16));
            int dateNsec = fixed.getInt(20);
            long vmClock = fixed.getLong(24);
            long vmState = Integer.toUnsignedLong(fixed.getInt(32));
            int extraSize = fixed.getInt(36);
            if (extraSize < 0 || extraSize > MAX_EXTRA) {
                throw new ImageFormatException(file.path, "snapshot " + i + " has invalid extra data size " + extraSize);
            }
            byte[] rest = file.read(pos + 40, extraSize + idLen + nameLen, "snapshot table entry " + i);
            ByteBuffer ex = ByteBuffer.wrap(rest, 0, extraSize);
            long diskSize = -1;
            long icount = -1;
            if (extraSize >= 8) {
                vmState = ex.getLong(0);
            }
            if (extraSize >= 16) {
                diskSize = ex.getLong(8);
            }
            if (extraSize >= 24) {
                icount = ex.getLong(16);
            }
            byte[] extraRest = extraSize > EXTRA_V3 ? java.util.Arrays.copyOfRange(rest, EXTRA_V3, extraSize) : new byte[0];
            String id = new String(rest, extraSize, idLen, StandardCharsets.UTF_8);
            String name = new String(rest, extraSize + idLen, nameLen, StandardCharsets.UTF_8);
            if (Integer.toUnsignedLong(l1Size) * 8 > Qcow2Header.MAX_L1_BYTES) {
                throw new ImageFormatException(file.path, "snapshot '" + name + "' has an absurd L1 size " + l1Size);
            }
            if (l1Size > 0) {
                Qcow2Header.checkTable(file.path, "L1 table of snapshot '" + name + "'", l1Offset, (long) l1Size * 8,
                        cs, fileSize);
            }
            list.add(new Qcow2Snapshot(l1Offset, l1Size, id, name, dateSec, dateNsec, vmClock, vmState, diskSize,
                    icount, extraRest));
            long len = 40L + extraSize + idLen + nameLen;
            pos += (len + 7) & ~7L;
        }
        return list;
    }

    /** Serialises a table (v3 images get the 24-byte extra data). */
    static byte[] writeTable(List<Qcow2Snapshot> list, int version) {
        List<byte[]> parts = new ArrayList<>();
        int total = 0;
        for (Qcow2Snapshot s : list) {
            byte[] id = s.id.getBytes(StandardCharsets.UTF_8);
            byte[] name = s.name.getBytes(StandardCharsets.UTF_8);
            int extra = version >= 3 ? EXTRA_V3 + s.extraRest.length : 0;
            int len = 40 + extra + id.length + name.length;
            ByteBuffer b = ByteBuffer.allocate((len + 7) & ~7);
            b.putLong(s.l1Offset).putInt(s.l1Size).putShort((short) id.length).putShort((short) name.length);
            b.putInt((int) s.dateSec).putInt(s.dateNsec).putLong(s.vmClockNsec);
            b.putInt((int) Math.min(s.vmStateSize, 0xFFFFFFFFL)).putInt(extra);
            if (version >= 3) {
                b.putLong(s.vmStateSize).putLong(s.diskSize).putLong(s.icount).put(s.extraRest);
            }
            b.put(id).put(name);
            parts.add(b.array());
            total += b.capacity();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        parts.forEach(all::put);
        return all.array();
    }

    static void checkName(Path file, String name) throws ImageFormatException {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 65535) {
            throw new ImageFormatException(file, "invalid snapshot name '" + name + "'");
        }
    }
}
