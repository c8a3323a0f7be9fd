package org.virtfx.engine.storage.vhdx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.OpenOptions;

/**
 * Microsoft VHDX (specification v1.00), read-only: dual headers with CRC-32C and sequence numbers, region table,
 * metadata (block size, virtual size, logical sector size) and the BAT with its interleaved sector-bitmap entries.
 * An image with a pending log is refused with instructions (VirtFX does not replay logs).
 */
public final class VhdxFormat implements ImageFormat {
    public VhdxFormat() {
    }

    @Override
    public String name() {
        return "vhdx";
    }

    @Override
    public boolean probe(byte[] head, long fileSize) {
        return head.length >= 8 && new String(head, 0, 8, StandardCharsets.US_ASCII).equals("vhdxfile");
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.MAP);
    }

    @Override
    public DiskImage open(Path file, OpenOptions options) throws IOException {
        return VhdxImage.open(this, file, options);
    }

    @Override
    public DiskImage create(Path file, CreateOptions options) {
        throw new IllegalArgumentException("VirtFX reads vhdx images but cannot create them; use -O qcow2, vpc or vmdk");
    }
}
