package org.virtfx.engine.storage.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * VirtualBox VDI images, version 1.1: dynamic (blocks appended as they are written) and static (all blocks allocated
 * at creation). Options as qemu-img's: {@code static=on} (or {@code preallocation=full|falloc|metadata}).
 */
public final class VdiFormat implements ImageFormat {
    static final int SIGNATURE = 0xBEDA107F;
    static final int VERSION = 0x00010001;
    static final int HEADER_SIZE = 0x180;
    static final int TYPE_DYNAMIC = 1;
    static final int TYPE_STATIC = 2;
    /** Differencing: unallocated blocks read from the parent whose creation UUID is the header's uuidLinkage. */
    static final int TYPE_DIFF = 4;
    /** Start of the description that names the parent file of a differencing image VirtFX creates (a hint only). */
    static final String PARENT_HINT = "VirtFX parent: ";
    static final int BLOCK_SIZE = 1 << 20;
    static final int UNALLOCATED = 0xFFFFFFFF;
    static final int ZERO = 0xFFFFFFFE;
    /** qemu's limit: the block map must stay addressable with 32-bit entries below the two markers. */
    static final long MAX_BLOCKS = 0x3FFFFFFFL;
    static final String TEXT = "<<< QEMU VM Virtual Disk Image >>>\n";

    public VdiFormat() {
    }

    @Override
    public String name() {
        return "vdi";
    }

    @Override
    public boolean probe(byte[] head, long fileSize) {
        if (head.length < 0x48) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        return b.getInt(0x40) == SIGNATURE;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CREATE, Capability.CHECK, Capability.MAP, Capability.RESIZE,
                Capability.BACKING_FILE);
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        return VdiImage.open(this, file, options);
    }

    @Override
    public DiskImage create(Path file, CreateOptions o) throws IOException {
        o.requireOnly(name(), Set.of("static"));
        byte[] parentUuids = null;
        if (o.backingFile() != null) {
            if (o.backingFormat() != null && !o.backingFormat().equals("vdi")) {
                throw new IllegalArgumentException("a VDI differencing image needs a vdi parent, not " + o.backingFormat());
            }
            if (o.preallocation() != Preallocation.OFF || o.formatOptions().containsKey("static")) {
                throw new IllegalArgumentException("a VDI differencing image is dynamic (no static, no preallocation)");
            }
            try (DiskImage parent = DiskImages.open(DiskImages.resolveBacking(file, o.backingFile()), "vdi", true, false)) {
                if (o.size() != parent.size()) {
                    throw new IllegalArgumentException("a VDI differencing image has its parent's size ("
                            + parent.size() + " bytes), not " + o.size());
                }
                parentUuids = ((VdiImage) parent).uuids();
            }
        }
        if (o.clusterSize() != 0 && o.clusterSize() != BLOCK_SIZE) {
            throw new IllegalArgumentException("format 'vdi' only supports 1 MiB blocks (cluster_size=1M)");
        }
        if (o.compat() != null || o.subformat() != null || o.extendedL2() || o.lazyRefcounts()
                || o.refcountBits() != 0 || o.compressionType() != null) {
            throw new IllegalArgumentException("format 'vdi' only supports the options size, static and preallocation");
        }
        String st = o.formatOptions().getOrDefault("static", "off").trim();
        boolean isStatic = switch (st) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("invalid value for static: '" + st + "' (expected on or off)");
        };
        isStatic |= o.preallocation() != Preallocation.OFF;
        long bytes = (o.size() + 511) & ~511L;
        long blocks = (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
        if (blocks > MAX_BLOCKS) {
            throw new IllegalArgumentException("format 'vdi' supports at most " + (MAX_BLOCKS * BLOCK_SIZE) + " bytes");
        }
        long bmapSize = (blocks * 4 + 511) & ~511L;
        int offsetBmap = 0x200;
        long offsetData = offsetBmap + bmapSize;

        ByteBuffer h = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        h.put(TEXT.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        h.putInt(0x40, SIGNATURE).putInt(0x44, VERSION).putInt(0x48, HEADER_SIZE)
                .putInt(0x4C, isStatic ? TYPE_STATIC : TYPE_DYNAMIC).putInt(0x50, 0)
                .putInt(0x154, offsetBmap).putInt(0x158, (int) offsetData)
                .putInt(0x168, 512).putLong(0x170, bytes).putInt(0x178, BLOCK_SIZE).putInt(0x17C, 0)
                .putInt(0x180, (int) blocks).putInt(0x184, isStatic ? (int) blocks : 0);
        putUuid(h, 0x188, UUID.randomUUID());
        putUuid(h, 0x198, UUID.randomUUID());
        if (parentUuids != null) {
            // uuidLinkage = the parent's creation UUID, uuidParentModify = its modification UUID
            h.putInt(0x4C, TYPE_DIFF).put(0x1A8, parentUuids, 0, 16).put(0x1B8, parentUuids, 16, 16);
            byte[] hint = (PARENT_HINT + o.backingFile()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (hint.length < 256) {
                h.put(0x54, hint);
            }
        }
        ByteBuffer map = ByteBuffer.allocate((int) bmapSize).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            map.putInt(i * 4, isStatic ? i : UNALLOCATED);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
            BlockMappedImage.writeFully(ch, h.rewind(), 0);
            BlockMappedImage.writeFully(ch, map.rewind(), offsetBmap);
            if (isStatic) {
                long end = offsetData + blocks * BLOCK_SIZE;
                if (o.preallocation() == Preallocation.FULL) {
                    ByteBuffer z = ByteBuffer.allocateDirect(BLOCK_SIZE);
                    for (long p = offsetData; p < end; p += BLOCK_SIZE) {
                        BlockMappedImage.writeFully(ch, z.clear(), p);
                    }
                } else {
                    ch.write(ByteBuffer.allocate(1), end - 1);
                }
            }
            ch.force(true);
        }
        if (parentUuids != null) {
            return DiskImages.open(file, "vdi", false, true);
        }
        return VdiImage.open(this, file, new OpenOptions(false, null));
    }

    static void putUuid(ByteBuffer b, int at, UUID u) {
        // VirtualBox stores RTUUID in its little-endian "MS GUID" byte order
        ByteBuffer le = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        le.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        byte[] a = le.array();
        byte[] o = {a[3], a[2], a[1], a[0], a[5], a[4], a[7], a[6], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]};
        b.put(at, o);
    }
}
