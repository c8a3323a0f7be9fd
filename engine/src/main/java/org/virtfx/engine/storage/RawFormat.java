package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/** A raw disk image: the file is the disk, byte for byte. Holes in the file are unallocated (zero) ranges. */
public final class RawFormat implements ImageFormat {
    public static final RawFormat INSTANCE = new RawFormat();

    public RawFormat() {
    }

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public boolean probe(byte[] head, long fileSize) {
        return false;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.CREATE, Capability.RESIZE, Capability.MAP);
    }

    @Override
    public String extension() {
        return "img";
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        if (!Files.isRegularFile(file) && !Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such disk image");
        }
        return new RawImage(this, file, options.readOnly());
    }

    @Override
    public DiskImage create(Path file, CreateOptions o) throws IOException {
        o.requireOnly(name(), Set.of());
        if (o.backingFile() != null) {
            throw new IllegalArgumentException("format 'raw' does not support backing files");
        }
        if (o.clusterSize() != 0 || o.compat() != null || o.subformat() != null || o.extendedL2()
                || o.lazyRefcounts() || o.refcountBits() != 0 || o.compressionType() != null) {
            throw new IllegalArgumentException("format 'raw' only supports the options size and preallocation");
        }
        if (o.preallocation() == Preallocation.METADATA) {
            throw new IllegalArgumentException("format 'raw' does not support preallocation=metadata");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            RawImage.extend(file, ch, 0, o.size(), o.preallocation());
            ch.force(true);
        }
        return new RawImage(this, file, false);
    }
}
