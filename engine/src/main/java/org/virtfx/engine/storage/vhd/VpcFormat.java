package org.virtfx.engine.storage.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.OpenOptions;
import org.virtfx.engine.storage.Preallocation;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * Microsoft VHD ("vpc" in qemu-img): fixed (raw data + footer) and dynamic (footer copy, sparse header, BAT, blocks
 * each led by a sector bitmap). Creation rounds the size up to a CHS geometry the way qemu-img does unless
 * {@code force_size=on}.
 */
public final class VpcFormat implements ImageFormat {
    static final int TYPE_FIXED = 2;
    static final int TYPE_DYNAMIC = 3;
    static final int TYPE_DIFFERENCING = 4;
    static final int DEFAULT_BLOCK_SIZE = 2 << 20;
    static final long MAX_GEOMETRY = 65535L * 16 * 255;
    /** 2040 GiB: the largest size VHD tools accept. */
    static final long MAX_SECTORS = 0xFF000000L;
    static final long VHD_EPOCH = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond();

    public VpcFormat() {
    }

    @Override
    public String name() {
        return "vpc";
    }

    @Override
    public String extension() {
        return "vhd";
    }

    @Override
    public boolean probe(byte[] head, long fileSize) {
        return head.length >= 8 && new String(head, 0, 8, StandardCharsets.US_ASCII).equals("conectix");
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CREATE, Capability.MAP, Capability.RESIZE, Capability.BACKING_FILE);
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        return VpcImage.open(this, file, options);
    }

    /** CHS geometry for a sector count, exactly as the VHD specification's algorithm (and qemu) computes it. */
    static int[] geometry(long totalSectors) {
        int secs;
        int heads;
        long cylTimesHeads;
        if (totalSectors >= 65535L * 16 * 63) {
            secs = 255;
            heads = 16;
            cylTimesHeads = totalSectors / secs;
        } else {
            secs = 17;
            cylTimesHeads = totalSectors / secs;
            heads = (int) ((cylTimesHeads + 1023) / 1024);
            if (heads < 4) {
                heads = 4;
            }
            if (cylTimesHeads >= heads * 1024L || heads > 16) {
                secs = 31;
                heads = 16;
                cylTimesHeads = totalSectors / secs;
            }
            if (cylTimesHeads >= heads * 1024L) {
                secs = 63;
                heads = 16;
                cylTimesHeads = totalSectors / secs;
            }
        }
        long cyls = cylTimesHeads / heads;
        return new int[] {(int) Math.min(cyls, 65535), heads, secs};
    }

    @Override
    public DiskImage create(Path file, CreateOptions o) throws IOException {
        o.requireOnly(name(), Set.of("force_size"));
        if (o.backingFile() != null) {
            return createDifferencing(file, o);
        }
        if (o.clusterSize() != 0 || o.compat() != null || o.extendedL2() || o.lazyRefcounts()
                || o.refcountBits() != 0 || o.compressionType() != null) {
            throw new IllegalArgumentException("format 'vpc' only supports the options size, subformat, force_size");
        }
        String sub = o.subformat() == null ? "dynamic" : o.subformat();
        boolean fixed = switch (sub) {
            case "dynamic" -> false;
            case "fixed" -> true;
            default -> throw new IllegalArgumentException("invalid subformat '" + sub + "' for vpc (expected dynamic or fixed)");
        };
        boolean forceSize = switch (o.formatOptions().getOrDefault("force_size", "off")) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("invalid value for force_size (expected on or off)");
        };
        if (o.preallocation() != Preallocation.OFF && !fixed) {
            throw new IllegalArgumentException("format 'vpc' supports preallocation only through subformat=fixed");
        }
        Sizing sz = sizing(o.size(), forceSize);
        int[] chs = sz.chs();
        long bytes = sz.sectors() * 512;
        ByteBuffer footer = footer(bytes, chs, fixed ? TYPE_FIXED : TYPE_DYNAMIC, fixed ? -1 : 512,
                forceSize ? "qem2" : "qemu", UUID.randomUUID());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
            if (fixed) {
                if (o.preallocation() == Preallocation.FULL) {
                    ByteBuffer z = ByteBuffer.allocateDirect(1 << 20);
                    for (long p = 0; p < bytes; p += z.capacity()) {
                        z.clear().limit((int) Math.min(z.capacity(), bytes - p));
                        BlockMappedImage.writeFully(ch, z, p);
                    }
                }
                BlockMappedImage.writeFully(ch, footer, bytes);
            } else {
                long entries = (bytes + DEFAULT_BLOCK_SIZE - 1) / DEFAULT_BLOCK_SIZE;
                long batBytes = (entries * 4 + 511) & ~511L;
                ByteBuffer dyn = dynamicHeader(1536, (int) entries, DEFAULT_BLOCK_SIZE);
                BlockMappedImage.writeFully(ch, footer.duplicate(), 0);
                BlockMappedImage.writeFully(ch, dyn, 512);
                ByteBuffer bat = ByteBuffer.allocate((int) batBytes);
                java.util.Arrays.fill(bat.array(), (byte) 0xFF);
                BlockMappedImage.writeFully(ch, bat, 1536);
                BlockMappedImage.writeFully(ch, footer, 1536 + batBytes);
            }
            ch.force(true);
        }
        return VpcImage.open(this, file, new OpenOptions(false, null));
    }

    /**
     * A differencing (child) disk of a VHD parent: same size and geometry, parent UUID and time stamp in the dynamic
     * header, the parent's file name in UTF-16BE, and two locators in UTF-16LE: relative ("W2ru", as ".\name") and
     * absolute ("W2ku"). Opened afterwards with its parent.
     */
    private DiskImage createDifferencing(Path file, CreateOptions o) throws IOException {
        if (o.backingFormat() != null && !o.backingFormat().equals("vpc")) {
            throw new IllegalArgumentException("a VHD differencing image needs a vpc (VHD) parent, not " + o.backingFormat());
        }
        if (o.subformat() != null || o.preallocation() != Preallocation.OFF || !o.formatOptions().isEmpty()) {
            throw new IllegalArgumentException("a VHD differencing image takes no subformat, preallocation or force_size");
        }
        Path parentPath = DiskImages.resolveBacking(file, o.backingFile());
        ByteBuffer parentFooter;
        long bytes;
        try (DiskImage parent = DiskImages.open(parentPath, "vpc", true, false)) {
            parentFooter = ((VpcImage) parent).footer();
            bytes = parent.size();
            if (o.size() != -1 && o.size() != parent.size()) {
                throw new IllegalArgumentException("a VHD differencing image has its parent's size (" + parent.size()
                        + " bytes), not " + o.size());
            }
        }
        ByteBuffer footer = ByteBuffer.allocate(512);
        footer.put(0, parentFooter, 0, 512);
        footer.putLong(16, 512).putInt(24, (int) (Instant.now().getEpochSecond() - VHD_EPOCH)).putInt(60, TYPE_DIFFERENCING);
        UUID uuid = UUID.randomUUID();
        footer.putLong(68, uuid.getMostSignificantBits()).putLong(76, uuid.getLeastSignificantBits()).put(84, (byte) 0);
        footer.putInt(64, checksum(footer, 64, 512));
        long entries = (bytes + DEFAULT_BLOCK_SIZE - 1) / DEFAULT_BLOCK_SIZE;
        long batBytes = (entries * 4 + 511) & ~511L;
        ByteBuffer dyn = ByteBuffer.allocate(1024);
        dyn.put(0, "cxsparse".getBytes(StandardCharsets.US_ASCII));
        dyn.putLong(8, -1L).putLong(16, 1536).putInt(24, 0x00010000).putInt(28, (int) entries)
                .putInt(32, DEFAULT_BLOCK_SIZE);
        long areaOff = 1536 + batBytes;
        ByteBuffer area = putParent(dyn, file, parentPath, o.backingFile(), parentFooter, areaOff);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
            BlockMappedImage.writeFully(ch, footer.duplicate().rewind(), 0);
            BlockMappedImage.writeFully(ch, dyn.rewind(), 512);
            ByteBuffer bat = ByteBuffer.allocate((int) batBytes);
            java.util.Arrays.fill(bat.array(), (byte) 0xFF);
            BlockMappedImage.writeFully(ch, bat, 1536);
            BlockMappedImage.writeFully(ch, area, areaOff);
            BlockMappedImage.writeFully(ch, footer.duplicate().rewind(), areaOff + area.capacity());
            ch.force(true);
        }
        return DiskImages.open(file, "vpc", false, true);
    }

    /**
     * Records a parent in a dynamic header: its UUID and time stamp (from its footer), its file name (UTF-16BE), and
     * locators "W2ru" (".\\relative") and "W2ku" (absolute) in UTF-16LE, whose data area (returned, sector padded)
     * goes at {@code areaOffset}. Updates the header checksum.
     */
    static ByteBuffer putParent(ByteBuffer dyn, Path child, Path parentPath, String storedName, ByteBuffer parentFooter,
                                long areaOffset) {
        String name = Path.of(storedName).getFileName().toString();
        Path dir = child.toAbsolutePath().getParent();
        String relative = dir.relativize(parentPath.toAbsolutePath().normalize()).toString();
        byte[] rel = (".\\" + relative.replace('/', '\\')).getBytes(StandardCharsets.UTF_16LE);
        byte[] abs = parentPath.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_16LE);
        byte[] uname = name.getBytes(StandardCharsets.UTF_16BE);
        if (uname.length > 512 || rel.length > 4096 || abs.length > 4096) {
            throw new IllegalArgumentException("parent path too long for a VHD parent locator: " + parentPath);
        }
        long relSpace = (rel.length + 511) & ~511L;
        long absSpace = (abs.length + 511) & ~511L;
        ByteBuffer area = ByteBuffer.allocate((int) (relSpace + absSpace));
        area.put(0, rel).put((int) relSpace, abs);
        dyn.put(40, new byte[768 - 40]);
        dyn.putLong(40, parentFooter.getLong(68)).putLong(48, parentFooter.getLong(76));
        dyn.putInt(56, parentFooter.getInt(24));
        dyn.put(64, uname);
        putLocator(dyn, 0, "W2ru", relSpace, rel.length, areaOffset);
        putLocator(dyn, 1, "W2ku", absSpace, abs.length, areaOffset + relSpace);
        dyn.putInt(36, checksum(dyn, 36, 1024));
        return area;
    }

    private static void putLocator(ByteBuffer dyn, int index, String code, long space, int length, long offset) {
        int at = 576 + index * 24;
        dyn.put(at, code.getBytes(StandardCharsets.US_ASCII));
        // data space in sectors, as the specification defines it
        dyn.putInt(at + 4, (int) (space / 512)).putInt(at + 8, length).putLong(at + 16, offset);
    }

    /** A disk size as VHD stores it: the sectors and the CHS geometry in the footer. */
    record Sizing(long sectors, int[] chs) {
    }

    /**
     * The size a VHD of {@code size} bytes gets: rounded up to a whole CHS geometry like qemu-img (so that Virtual PC
     * sees the same disk), or exactly {@code size} with {@code forceSize} (Hyper-V's way).
     */
    static Sizing sizing(long size, boolean forceSize) {
        long totalSectors;
        int[] chs;
        if (forceSize) {
            totalSectors = size / 512;
            chs = geometry(Math.min(totalSectors, MAX_GEOMETRY));
        } else {
            long want = size / 512;
            chs = new int[] {0, 0, 0};
            for (long i = 0; want > (long) chs[0] * chs[1] * chs[2]; i++) {
                if (want + i > MAX_GEOMETRY) {
                    chs = new int[] {65535, 16, 255};
                    break;
                }
                chs = geometry(want + i);
            }
            if ((long) chs[0] * chs[1] * chs[2] == MAX_GEOMETRY) {
                totalSectors = want;
            } else {
                totalSectors = (long) chs[0] * chs[1] * chs[2];
            }
        }
        if (totalSectors > MAX_SECTORS) {
            throw new IllegalArgumentException("image too large for vpc: at most 2040 GiB");
        }
        return new Sizing(totalSectors, chs);
    }

    static ByteBuffer footer(long bytes, int[] chs, int type, long dataOffset, String creator, UUID uuid) {
        ByteBuffer f = ByteBuffer.allocate(512);
        f.put(0, "conectix".getBytes(StandardCharsets.US_ASCII));
        f.putInt(8, 2).putInt(12, 0x00010000).putLong(16, dataOffset)
                .putInt(24, (int) (Instant.now().getEpochSecond() - VHD_EPOCH));
        f.put(28, creator.getBytes(StandardCharsets.US_ASCII));
        f.putInt(32, 0x00050003);
        f.put(36, "Wi2k".getBytes(StandardCharsets.US_ASCII));
        f.putLong(40, bytes).putLong(48, bytes);
        f.putShort(56, (short) chs[0]).put(58, (byte) chs[1]).put(59, (byte) chs[2]);
        f.putInt(60, type);
        f.putLong(68, uuid.getMostSignificantBits()).putLong(76, uuid.getLeastSignificantBits());
        f.putInt(64, checksum(f, 64, 512));
        return f.rewind();
    }

    static ByteBuffer dynamicHeader(long tableOffset, int entries, int blockSize) {
        ByteBuffer d = ByteBuffer.allocate(1024);
        d.put(0, "cxsparse".getBytes(StandardCharsets.US_ASCII));
        d.putLong(8, -1L).putLong(16, tableOffset).putInt(24, 0x00010000).putInt(28, entries).putInt(32, blockSize);
        d.putInt(36, checksum(d, 36, 1024));
        return d.rewind();
    }

    /** One's complement of the byte sum, with the 4-byte checksum field at {@code at} counted as zero. */
    static int checksum(ByteBuffer b, int at, int len) {
        int sum = 0;
        for (int i = 0; i < len; i++) {
            if (i < at || i >= at + 4) {
                sum += b.get(i) & 0xFF;
            }
        }
        return ~sum;
    }
}
