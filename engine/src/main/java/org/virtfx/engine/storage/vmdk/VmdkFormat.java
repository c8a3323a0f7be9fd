package org.virtfx.engine.storage.vmdk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.OpenOptions;
import org.virtfx.engine.storage.Preallocation;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * VMware VMDK. Reads monolithicSparse, streamOptimized, monolithicFlat, twoGbMaxExtentSparse/Flat and other
 * descriptor + extent layouts; writes sparse and flat extents; creates monolithicSparse and monolithicFlat like
 * qemu-img (64 KiB grains, 512-entry grain tables, redundant grain directory).
 */
public final class VmdkFormat implements ImageFormat {
    static final Set<String> OPTIONS = Set.of("adapter_type", "compat6", "hwversion", "toolsversion", "zeroed_grain");

    public VmdkFormat() {
    }

    @Override
    public String name() {
        return "vmdk";
    }

    @Override
    public boolean probe(byte[] head, long fileSize) {
        if (head.length >= 4 && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == SparseExtent.MAGIC) {
            return true;
        }
        if (fileSize > VmdkDescriptor.MAX_TEXT || head.length < 16) {
            return false;
        }
        String t = new String(head, 0, Math.min(head.length, 4096), StandardCharsets.ISO_8859_1);
        return t.startsWith("# Disk DescriptorFile") || (t.contains("createType=") && t.matches("(?s).*\\bversion=[123]\\b.*"));
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CREATE, Capability.CHECK, Capability.MAP, Capability.BACKING_FILE);
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        return VmdkImage.open(this, file, options);
    }

    @Override
    public DiskImage create(Path file, CreateOptions o) throws IOException {
        o.requireOnly(name(), OPTIONS);
        if (o.extendedL2() || o.lazyRefcounts() || o.refcountBits() != 0 || o.compressionType() != null) {
            throw new IllegalArgumentException("format 'vmdk' does not support qcow2 options (extended_l2, lazy_refcounts, refcount_bits, compression_type)");
        }
        if (o.backingFormat() != null && !o.backingFormat().equals("vmdk")) {
            throw new IllegalArgumentException("format 'vmdk' needs a vmdk backing file (backing_fmt must be vmdk)");
        }
        if (o.clusterSize() != 0 && o.clusterSize() != 65536) {
            throw new IllegalArgumentException("format 'vmdk' uses 64 KiB grains only");
        }
        String sub = o.subformat() == null ? "monolithicSparse" : o.subformat();
        String adapter = o.formatOptions().getOrDefault("adapter_type", "ide");
        if (!Set.of("ide", "lsilogic", "buslogic", "legacyESX").contains(adapter)) {
            throw new IllegalArgumentException("unknown adapter_type '" + adapter + "' (ide, lsilogic, buslogic, legacyESX)");
        }
        boolean zeroed = bool(o.formatOptions().getOrDefault("zeroed_grain", "off"), "zeroed_grain");
        boolean compat6 = bool(o.formatOptions().getOrDefault("compat6", "off"), "compat6") || "6".equals(o.compat());
        String hw = o.formatOptions().getOrDefault("hwversion", compat6 ? "6" : "4");
        long capacity = (o.size() + 511) / 512;
        if (capacity * 512 != o.size()) {
            throw new IllegalArgumentException("vmdk size must be a multiple of 512 bytes");
        }
        long parentCid = 0xFFFFFFFFL;
        String parentHint = null;
        if (o.backingFile() != null) {
            try (DiskImage parent = DiskImages.open(DiskImages.resolveBacking(file, o.backingFile()), "vmdk", true, false)) {
                parentCid = ((VmdkImage) parent).descriptor().cid();
            }
            parentHint = o.backingFile();
        }
        long cid = ThreadLocalRandom.current().nextLong(1, 0xFFFFFFFFL);
        String name = file.getFileName().toString();
        switch (sub) {
            case "monolithicSparse" -> {
                String desc = VmdkDescriptor.render(parentHint == null ? "monolithicSparse" : "monolithicSparse",
                        cid, parentCid, parentHint,
                        List.of(new VmdkDescriptor.ExtentLine("RW", capacity, "SPARSE", name, 0)), capacity, adapter, hw);
                writeSparse(file, capacity, desc, zeroed, o.preallocation());
            }
            case "monolithicFlat" -> {
                if (parentHint != null) {
                    throw new IllegalArgumentException("monolithicFlat VMDK images cannot have a backing file");
                }
                String base = name.endsWith(".vmdk") ? name.substring(0, name.length() - 5) : name;
                String flatName = base + "-flat.vmdk";
                Path flat = file.resolveSibling(flatName);
                try (FileChannel ch = FileChannel.open(flat, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    if (o.preallocation() == Preallocation.FULL) {
                        ByteBuffer z = ByteBuffer.allocateDirect(1 << 20);
                        for (long p = 0; p < o.size(); p += z.capacity()) {
                            z.clear().limit((int) Math.min(z.capacity(), o.size() - p));
                            BlockMappedImage.writeFully(ch, z, p);
                        }
                    }
                    ch.force(true);
                }
                try (RandomAccessFile raf = new RandomAccessFile(flat.toFile(), "rw")) {
                    raf.setLength(o.size());
                }
                String desc = VmdkDescriptor.render("monolithicFlat", cid, parentCid, null,
                        List.of(new VmdkDescriptor.ExtentLine("RW", capacity, "FLAT", flatName, 0)), capacity, adapter, hw);
                Path tmp = file.resolveSibling(name + ".tmp");
                Files.writeString(tmp, desc);
                try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            case "streamOptimized" -> {
                if (parentHint != null || o.preallocation() != Preallocation.OFF) {
                    throw new IllegalArgumentException("streamOptimized VMDK images cannot have a backing file or preallocation");
                }
                String desc = VmdkDescriptor.render("streamOptimized", cid, parentCid, null,
                        List.of(new VmdkDescriptor.ExtentLine("RW", capacity, "SPARSE", name, 0)), capacity, adapter, hw);
                // write-once: filled by convert, readable after close
                return new StreamOptimizedWriter(this, file, capacity, desc);
            }
            default -> throw new IllegalArgumentException("VirtFX creates vmdk subformats monolithicSparse, monolithicFlat"
                    + " and streamOptimized (got '" + sub + "'; twoGbMaxExtent* images are read only)");
        }
        return open(file, new OpenOptions(false, null));
    }

    private static boolean bool(String v, String key) {
        return switch (v.trim()) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("invalid value for " + key + ": '" + v + "' (expected on or off)");
        };
    }

    /** Lays out a sparse extent as qemu-img does: header, descriptor, redundant GD + GTs, GD + GTs, grains. */
    static void writeSparse(Path file, long capacity, String descriptor, boolean zeroedGrain, Preallocation prealloc)
            throws IOException {
        final long granularity = 128;
        final int gtes = 512;
        long grains = (capacity + granularity - 1) / granularity;
        long gtSectors = (gtes * 4L + 511) / 512;
        long gtCount = (grains + gtes - 1) / gtes;
        long gdSectors = (gtCount * 4 + 511) / 512;
        long descOffset = 1;
        long descSize = 20;
        byte[] descBytes = descriptor.getBytes(StandardCharsets.UTF_8);
        if (descBytes.length > descSize * 512) {
            throw new IllegalArgumentException("VMDK descriptor too long");
        }
        long rgdOffset = descOffset + descSize;
        long gdOffset = rgdOffset + gdSectors + gtSectors * gtCount;
        long grainOffset = ((gdOffset + gdSectors + gtSectors * gtCount) + granularity - 1) / granularity * granularity;
        ByteBuffer h = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, SparseExtent.MAGIC).putInt(4, zeroedGrain ? 2 : 1)
                .putInt(8, SparseExtent.FLAG_NL_DETECT | SparseExtent.FLAG_RGD | (zeroedGrain ? SparseExtent.FLAG_ZERO_GRAIN : 0))
                .putLong(12, capacity).putLong(20, granularity).putLong(28, descOffset).putLong(36, descSize)
                .putInt(44, gtes).putLong(48, rgdOffset).putLong(56, gdOffset).putLong(64, grainOffset);
        h.put(72, (byte) 0).put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n');
        boolean preallocate = prealloc != Preallocation.OFF;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
            BlockMappedImage.writeFully(ch, h, 0);
            BlockMappedImage.writeFully(ch, ByteBuffer.wrap(descBytes), descOffset * 512);
            for (long[] table : new long[][] {{rgdOffset}, {gdOffset}}) {
                long at = table[0];
                ByteBuffer gd = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < gtCount; i++) {
                    gd.putInt(i * 4, (int) (at + gdSectors + i * gtSectors));
                }
                BlockMappedImage.writeFully(ch, gd, at * 512);
                if (preallocate && at == gdOffset) {
                    // preallocation: every grain gets its place now, in order after the metadata
                    ByteBuffer gt = ByteBuffer.allocate((int) (gtSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < gtCount; i++) {
                        gt.clear();
                        for (int j = 0; j < gtes; j++) {
                            long g = (long) i * gtes + j;
                            gt.putInt(j * 4, g < grains ? (int) (grainOffset + g * granularity) : 0);
                        }
                        BlockMappedImage.writeFully(ch, gt, (at + gdSectors + i * gtSectors) * 512);
                        BlockMappedImage.writeFully(ch, gt.rewind(), (rgdOffset + gdSectors + i * gtSectors) * 512);
                    }
                }
            }
            long end = preallocate ? (grainOffset + grains * granularity) * 512 : grainOffset * 512;
            if (prealloc == Preallocation.FULL) {
                ByteBuffer z = ByteBuffer.allocateDirect(1 << 20);
                for (long p = grainOffset * 512; p < end; p += z.capacity()) {
                    z.clear().limit((int) Math.min(z.capacity(), end - p));
                    BlockMappedImage.writeFully(ch, z, p);
                }
            }
            if (ch.size() < end) {
                ch.write(ByteBuffer.allocate(1), end - 1);
            }
            ch.force(true);
        }
    }
}
