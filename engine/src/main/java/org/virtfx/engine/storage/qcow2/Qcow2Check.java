package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.RepairMode;

/**
 * qemu-img check for qcow2: walks every table from the header, counts the references each host cluster really has,
 * and compares with the stored refcounts. More stored than referenced is a leak; fewer is a corruption (data could be
 * overwritten), as are misaligned offsets, offsets past the end of the file and wrong COPIED flags. Repair rewrites
 * the refcounts; new refcount structures then go past the end of the file, where nothing can be referenced.
 */
final class Qcow2Check {
    private static final long MAX_CLUSTERS = 1L << 26;
    private static final int MAX_MESSAGES = 1000;

    private final Qcow2Image img;
    private final int cs;
    private final int bits;
    private int[] ref;
    private long fileClusters;
    private long corruptions;
    private long checkErrors;
    private long allocated;
    private long fragmented;
    private long compressed;
    private final List<String> messages = new ArrayList<>();

    Qcow2Check(Qcow2Image img) {
        this.img = img;
        this.cs = img.cs;
        this.bits = img.clusterBits;
    }

    private void msg(String m) {
        if (messages.size() < MAX_MESSAGES) {
            messages.add(m);
        }
    }

    CheckResult run(RepairMode mode) throws IOException {
        long fileSize = img.file.size();
        fileClusters = (fileSize + cs - 1) >>> bits;
        if (fileClusters > MAX_CLUSTERS) {
            return new CheckResult(0, 0, 1, 0, 0, 0, 0, 0, 0, fileSize,
                    List.of("image too large to check (" + fileClusters + " clusters)"));
        }
        ref = new int[(int) fileClusters];
        Qcow2Header h = img.h;
        inc(0, cs, "header");
        inc(h.l1TableOffset, img.l1.length * 8L, "L1 table");
        walkL1(img.l1, true);
        for (Qcow2Snapshot s : img.snapshots) {
            if (s.l1Size() == 0) {
                continue;
            }
            inc(s.l1Offset(), s.l1Size() * 8L, "snapshot L1 table");
            try {
                walkL1(img.readL1(s.l1Offset(), s.l1Size(), "snapshot L1 table"), false);
            } catch (IOException e) {
                corruptions++;
                msg("ERROR snapshot '" + s.name() + "': " + e.getMessage());
            }
        }
        if (!img.snapshots.isEmpty()) {
            inc(h.snapshotsOffset, img.snapshotTableBytes(), "snapshot table");
        }
        Qcow2Refcounts refs = img.refs;
        long leaks = 0;
        long leaksFixed = 0;
        long corruptionsFixed = 0;
        long end = 0;
        String structural = structureDamage(refs);
        if (structural != null) {
            // the refcounts themselves cannot be trusted or updated in place (a block overlapping data would be
            // overwritten): like qemu-img check -r all, build a whole new refcount structure at the end of the file
            corruptions++;
            if (mode == RepairMode.ALL) {
                msg("Rebuilding refcount structure: " + structural);
                for (long c = fileClusters - 1; c >= 0 && end == 0; c--) {
                    if (ref[(int) c] > 0) {
                        end = c + 1;
                    }
                }
                long changed = refs.rebuild(ref, fileClusters);
                img.h.refcountTableOffset = refs.tableOffset;
                img.h.refcountTableClusters = refs.tableClusters;
                corruptions += changed;
                corruptionsFixed += changed + 1;
                end = refs.highWater;
            } else {
                msg("ERROR " + structural + " (repairing needs -r all, which rebuilds the refcount structure)");
            }
        } else {
            inc(refs.tableOffset, (long) refs.tableClusters * cs, "refcount table");
            for (long b : refs.blockOffsets()) {
                if (b != 0) {
                    inc(b, cs, "refcount block");
                }
            }
        }
        refs.allocFloor = fileClusters;
        try {
            for (long c = 0; c < fileClusters && structural == null; c++) {
                long stored = refs.get(c);
                long computed = ref[(int) c];
                if (computed > 0) {
                    end = c + 1;
                }
                if (stored == computed) {
                    continue;
                }
                if (stored > computed) {
                    leaks++;
                    msg((mode != RepairMode.NONE ? "Repairing" : "Leaked") + " cluster " + c + " refcount=" + stored
                            + " reference=" + computed);
                    if (mode != RepairMode.NONE) {
                        refs.setRange(c, 1, computed);
                        leaksFixed++;
                    }
                } else {
                    corruptions++;
                    msg((mode == RepairMode.ALL ? "Repairing" : "ERROR") + " cluster " + c + " refcount=" + stored
                            + " reference=" + computed);
                    if (mode == RepairMode.ALL) {
                        refs.setRange(c, 1, computed);
                        corruptionsFixed++;
                    }
                }
            }
        } finally {
            refs.allocFloor = 0;
            refs.invalidate();
        }
        long flagErrors = copiedFlagErrors();
        corruptions += flagErrors;
        if (flagErrors > 0 && mode == RepairMode.ALL) {
            img.fixCopiedFlags();
            corruptionsFixed += flagErrors;
        }
        if (mode != RepairMode.NONE) {
            img.file.flush();
        }
        long total = (img.size() + cs - 1) >>> bits;
        return new CheckResult(corruptions, leaks, checkErrors, corruptionsFixed, leaksFixed, allocated, total,
                fragmented, compressed, end * cs, messages);
    }

    /**
     * Why the refcount table and blocks cannot be used to check and repair refcounts one by one: an invalid table
     * entry, or the table or a block sharing a cluster with other metadata, data or each other. Null if sound. Call
     * after every other structure has been counted in {@code ref}.
     */
    private String structureDamage(Qcow2Refcounts refs) {
        if (refs.damage != null) {
            return refs.damage;
        }
        java.util.Set<Long> mine = new java.util.HashSet<>();
        long t0 = refs.tableOffset >>> bits;
        long tn = ((refs.tableOffset + (long) refs.tableClusters * cs - 1) >>> bits) + 1;
        if (tn > fileClusters) {
            return "refcount table at 0x" + Long.toHexString(refs.tableOffset) + " runs past the end of the file";
        }
        for (long c = t0; c < tn; c++) {
            if (ref[(int) c] > 0) {
                return "refcount table at 0x" + Long.toHexString(refs.tableOffset) + " overlaps other metadata or data";
            }
            mine.add(c);
        }
        long[] blocks = refs.blockOffsets();
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] == 0) {
                continue;
            }
            long c = blocks[i] >>> bits;
            if (ref[(int) c] > 0 || !mine.add(c)) {
                return "refcount block " + i + " at 0x" + Long.toHexString(blocks[i])
                        + " overlaps other metadata or data";
            }
        }
        return null;
    }

    /** Counts one reference to each cluster overlapping {@code [offset, offset+length)}; false if out of the file. */
    private boolean inc(long offset, long length, String what) {
        if (length <= 0) {
            return true;
        }
        long first = offset >>> bits;
        long last = (offset + length - 1) >>> bits;
        if (offset < 0 || last >= fileClusters) {
            corruptions++;
            msg("ERROR " + what + " at offset 0x" + Long.toHexString(offset) + " is after the end of the image file");
            return false;
        }
        for (long c = first; c <= last; c++) {
            ref[(int) c]++;
        }
        return true;
    }

    private void walkL1(long[] l1, boolean active) throws IOException {
        long prev = -1;
        int w = img.entryWords();
        for (int i = 0; i < l1.length; i++) {
            long l2 = l1[i] & Qcow2Image.OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            if ((l2 & (cs - 1)) != 0) {
                corruptions++;
                msg("ERROR L2 table offset 0x" + Long.toHexString(l2) + " is not cluster aligned");
                continue;
            }
            if (!inc(l2, cs, "L2 table")) {
                continue;
            }
            ByteBuffer t = ByteBuffer.wrap(img.file.read(l2, cs, "L2 table"));
            for (int j = 0; j < cs / 8; j += w) {
                long e = t.getLong(j * 8);
                if ((e & Qcow2Image.COMPRESSED) != 0) {
                    long off = img.compressedOffset(e);
                    long start = off & ~511L;
                    if ((e & Qcow2Image.COPIED) != 0) {
                        corruptions++;
                        msg("ERROR compressed cluster entry 0x" + Long.toHexString(e) + " has the COPIED flag");
                    }
                    inc(start, img.compressedSectorsBytes(e), "compressed cluster");
                    if (active) {
                        compressed++;
                        allocated++;
                    }
                    continue;
                }
                long off = e & Qcow2Image.OFFSET_MASK;
                if (off == 0) {
                    continue;
                }
                if ((off & (cs - 1)) != 0) {
                    corruptions++;
                    msg("ERROR data cluster offset 0x" + Long.toHexString(off) + " is not cluster aligned");
                    continue;
                }
                inc(off, cs, "data cluster");
                if (active) {
                    allocated++;
                    if (prev >= 0 && off != prev + cs) {
                        fragmented++;
                    }
                    prev = off;
                }
            }
        }
    }

    /** Active tables whose COPIED flag disagrees with "refcount is exactly 1". */
    private long copiedFlagErrors() throws IOException {
        long errors = 0;
        int w = img.entryWords();
        for (long l1e : img.l1) {
            long l2 = l1e & Qcow2Image.OFFSET_MASK;
            if (l2 == 0 || (l2 & (cs - 1)) != 0 || (l2 >>> bits) >= fileClusters) {
                continue;
            }
            long rc = ref[(int) (l2 >>> bits)];
            if ((rc == 1) != ((l1e & Qcow2Image.COPIED) != 0)) {
                errors++;
                msg("ERROR OFLAG_COPIED L2 cluster: l1_entry=0x" + Long.toHexString(l1e) + " refcount=" + rc);
            }
            if (rc != 1) {
                continue;
            }
            ByteBuffer t = ByteBuffer.wrap(img.file.read(l2, cs, "L2 table"));
            for (int j = 0; j < cs / 8; j += w) {
                long e = t.getLong(j * 8);
                long off = e & Qcow2Image.OFFSET_MASK;
                if ((e & Qcow2Image.COMPRESSED) != 0 || off == 0 || (off & (cs - 1)) != 0
                        || (off >>> bits) >= fileClusters) {
                    continue;
                }
                long drc = ref[(int) (off >>> bits)];
                if ((drc == 1) != ((e & Qcow2Image.COPIED) != 0)) {
                    errors++;
                    msg("ERROR OFLAG_COPIED data cluster: l2_entry=0x" + Long.toHexString(e) + " refcount=" + drc);
                }
            }
        }
        return errors;
    }
}
