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
        return EnumSet.of(Capability.CREATE, Capability.MAP, Capability.RESIZE);
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        return VpcImage.open(this, file, options.readOnly());
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
            throw new IllegalArgumentException("format 'vpc' does not support backing files");
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
        return VpcImage.open(this, file, false);
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
