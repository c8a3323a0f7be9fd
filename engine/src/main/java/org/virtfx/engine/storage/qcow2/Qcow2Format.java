package org.virtfx.engine.storage.qcow2;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.NativeFiles;
import org.virtfx.engine.storage.OpenOptions;
import org.virtfx.engine.storage.Preallocation;
import org.virtfx.engine.storage.RepairMode;

/** QEMU's copy-on-write format, versions 2 (compat=0.10) and 3 (compat=1.1). */
public final class Qcow2Format implements ImageFormat {
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;

    public Qcow2Format() {
    }

    @Override
    public String name() {
        return "qcow2";
    }

    @Override
    public boolean probe(byte[] head, long fileSize) {
        if (head.length < 8) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(head);
        int v = b.getInt(4);
        return b.getInt(0) == Qcow2Header.MAGIC && (v == 2 || v == 3);
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CREATE, Capability.SNAPSHOTS, Capability.CHECK, Capability.RESIZE,
                Capability.MAP, Capability.BACKING_FILE, Capability.COMPRESSION);
    }

    /** Reads and validates the header without keeping the file open. */
    static Qcow2Header readHeader(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such disk image");
        }
        try (HostFile f = new HostFile(file, false)) {
            long fileSize = f.size();
            byte[] start = new byte[(int) Math.min(fileSize, Qcow2Header.V3_LENGTH)];
            f.readFully(0, ByteBuffer.wrap(start), "header");
            int bits = start.length >= 24 ? ByteBuffer.wrap(start).getInt(20) : 0;
            int want = bits >= Qcow2Header.MIN_CLUSTER_BITS && bits <= Qcow2Header.MAX_CLUSTER_BITS ? 1 << bits : 0;
            byte[] head = start;
            if (want > start.length) {
                head = new byte[(int) Math.min(fileSize, want)];
                f.readFully(0, ByteBuffer.wrap(head), "header");
            }
            return Qcow2Header.parse(file, head, fileSize);
        }
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        Qcow2Header h = readHeader(file);
        boolean ro = options.readOnly();
        if (!ro && (h.incompatible & Qcow2Header.INCOMPAT_CORRUPT) != 0) {
            throw new ImageFormatException(file, "is marked corrupt; open it read-only or repair it with "
                    + "'qemu-img check -r all'");
        }
        // validate every table with a read-only descriptor before the file is opened for writing
        try (HostFile probeFile = new HostFile(file, false)) {
            new Qcow2Image(this, file, probeFile, h, true, null);
        }
        DiskImage backing = null;
        if (h.backingFile != null && options.backing() != null) {
            backing = options.backing().open(file, DiskImages.resolveBacking(file, h.backingFile), h.backingFormat);
        }
        HostFile hf = null;
        try {
            hf = new HostFile(file, !ro);
            Qcow2Image img = new Qcow2Image(this, file, hf, readHeader(file), ro, backing);
            if (!ro) {
                if ((img.h.incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0) {
                    // refcounts may be stale after a crash with lazy refcounts: rebuild them before writing
                    img.check(RepairMode.ALL);
                    img.h.incompatible &= ~Qcow2Header.INCOMPAT_DIRTY;
                    hf.writeLong(72, img.h.incompatible);
                    hf.flush();
                }
                img.prepareForWriting();
            }
            return img;
        } catch (IOException | RuntimeException e) {
            if (hf != null) {
                hf.close();
            }
            if (backing != null) {
                backing.close();
            }
            throw e;
        }
    }

    @Override
    public DiskImage create(Path file, CreateOptions o) throws IOException {
        o.requireOnly(name(), Set.of());
        if (o.size() < 0) {
            throw new IllegalArgumentException("qcow2 needs an image size");
        }
        int cs = o.clusterSize() == 0 ? DEFAULT_CLUSTER_SIZE : o.clusterSize();
        int bits = Integer.numberOfTrailingZeros(cs);
        if (bits < Qcow2Header.MIN_CLUSTER_BITS || bits > Qcow2Header.MAX_CLUSTER_BITS) {
            throw new IllegalArgumentException("cluster size must be a power of two between 512 and 2M (got " + cs + ")");
        }
        String compat = o.compat() == null ? "1.1" : o.compat().toLowerCase(Locale.ROOT);
        int version = switch (compat) {
            case "1.1", "v3" -> 3;
            case "0.10", "v2" -> 2;
            default -> throw new IllegalArgumentException("invalid compat '" + o.compat() + "' (0.10 or 1.1)");
        };
        int refBits = o.refcountBits() == 0 ? 16 : o.refcountBits();
        if (version == 2 && refBits != 16) {
            throw new IllegalArgumentException("refcount_bits other than 16 need compat=1.1");
        }
        if (version == 2 && o.lazyRefcounts()) {
            throw new IllegalArgumentException("lazy refcounts need compat=1.1");
        }
        if (o.extendedL2() && (version == 2 || cs < 16384)) {
            throw new IllegalArgumentException("extended L2 entries need compat=1.1 and clusters of at least 16 KiB");
        }
        if (o.compressionType() != null && !o.compressionType().equals("zlib")) {
            throw new IllegalArgumentException("compression type '" + o.compressionType()
                    + "' is not supported (VirtFX writes zlib only)");
        }
        if (o.subformat() != null) {
            throw new IllegalArgumentException("format 'qcow2' has no subformats");
        }
        if (o.backingFile() != null && o.preallocation() != Preallocation.OFF) {
            throw new IllegalArgumentException("preallocation cannot be combined with a backing file");
        }
        Qcow2Header h = new Qcow2Header();
        h.version = version;
        h.clusterBits = bits;
        h.refcountOrder = Integer.numberOfTrailingZeros(refBits);
        h.refcountTableOffset = cs;
        h.refcountTableClusters = 1;
        h.compatible = o.lazyRefcounts() ? Qcow2Header.COMPAT_LAZY_REFCOUNTS : 0;
        h.incompatible = o.extendedL2() ? Qcow2Header.INCOMPAT_EXTL2 : 0;
        h.backingFile = o.backingFile();
        h.backingFormat = o.backingFile() == null ? null : o.backingFormat();
        byte[] header = h.toCluster(true);
        ByteBuffer reftable = ByteBuffer.allocate(cs).putLong(0, 2L * cs);
        byte[] refblock = new byte[cs];
        for (int c = 0; c < 3; c++) {
            setRefcount(refblock, h.refcountOrder, c);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(header), 0);
            ch.write(reftable, cs);
            ch.write(ByteBuffer.wrap(refblock), 2L * cs);
            ch.force(true);
        }
        DiskImage img = o.backingFile() == null ? open(file, new OpenOptions(false, null))
                : DiskImages.open(file, name(), false, true);
        try {
            // a new image is worthless until create returns: no barriers while it is built, one flush at the end
            img.setWriteOrdering(false);
            img.resize(o.size(), false);
            if (o.preallocation() != Preallocation.OFF) {
                preallocate((Qcow2Image) img, o.preallocation());
            }
            img.setWriteOrdering(true);
            img.flush();
        } catch (IOException | RuntimeException e) {
            img.close();
            throw e;
        }
        return img;
    }

    private static void setRefcount(byte[] block, int order, int index) {
        int bitsPer = 1 << order;
        if (order >= 3) {
            int bytes = bitsPer / 8;
            block[index * bytes + bytes - 1] = 1;
        } else {
            int bit = index * bitsPer;
            block[bit >>> 3] |= (byte) (1 << (bit & 7));
        }
    }

    /** Allocates every L2 table and data cluster now (preallocation=metadata/falloc/full). */
    private static void preallocate(Qcow2Image img, Preallocation mode) throws IOException {
        long clusters = (img.size() + img.cs - 1) >>> img.clusterBits;
        long perL2 = 1L << img.l2Bits;
        synchronized (img.meta) {
            long gc = 0;
            while (gc < clusters) {
                int n = (int) Math.min(clusters - gc, perL2 - (gc % perL2));
                long host = img.refs.allocate(n);
                long[] entries = new long[n];
                long[] bitmaps = new long[n];
                for (int i = 0; i < n; i++) {
                    entries[i] = (host + (long) i * img.cs) | Qcow2Image.COPIED;
                    bitmaps[i] = img.extL2 ? Qcow2Image.SUB_ALLOC_ALL : 0;
                }
                if (mode == Preallocation.FULL) {
                    ByteBuffer zero = ByteBuffer.allocate((int) Math.min((long) n * img.cs, 8 << 20));
                    for (long done = 0; done < (long) n * img.cs; done += zero.capacity()) {
                        zero.clear().limit((int) Math.min(zero.capacity(), (long) n * img.cs - done));
                        img.file.write(host + done, zero);
                    }
                }
                img.setL2Entries(gc, entries, bitmaps);
                gc += n;
            }
        }
        long end = img.refs.highWater * img.cs;
        if (mode == Preallocation.FALLOC) {
            int fd = NativeFiles.open(img.path, true);
            try {
                if (!NativeFiles.fallocate(fd, 0, 0, end)) {
                    throw new IOException(img.path + ": preallocation=falloc is not supported here (fallocate failed)");
                }
            } finally {
                NativeFiles.close(fd);
            }
        }
        if (img.file.size() < end) {
            try (RandomAccessFile raf = new RandomAccessFile(img.path.toFile(), "rw")) {
                raf.setLength(end);
            }
        }
    }
}
