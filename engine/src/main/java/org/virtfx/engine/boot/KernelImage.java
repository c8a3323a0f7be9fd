package org.virtfx.engine.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises what kind of kernel a file is, before anything is loaded: a Linux bzImage (boot protocol header "HdrS"
 * at 0x202) or a multiboot v1 kernel (magic 0x1BADB002, 4-byte aligned in the first 8 KiB, with a valid checksum).
 * Anything else is refused with a message naming the file.
 */
public final class KernelImage {
    public enum Kind { LINUX_BZIMAGE, MULTIBOOT }

    public static final int MULTIBOOT_MAGIC = 0x1BADB002;
    public static final int MULTIBOOT_SEARCH = 8192;
    private static final int HDRS = 0x53726448; // "HdrS" little-endian

    private KernelImage() {
    }

    /**
     * @throws BadImageException when the file is not a kernel this engine can boot
     * @throws IOException       when it cannot be read
     */
    public static Kind detect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new BadImageException("no such kernel file: " + file);
        }
        byte[] head = new byte[MULTIBOOT_SEARCH];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        ByteBuffer b = ByteBuffer.wrap(head, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        if (n >= 0x206 && b.getInt(0x202) == HDRS && (b.get(0x1FE) & 0xFF) == 0x55 && (b.get(0x1FF) & 0xFF) == 0xAA) {
            return Kind.LINUX_BZIMAGE;
        }
        if (multibootHeaderOffset(head, n) >= 0) {
            return Kind.MULTIBOOT;
        }
        throw new BadImageException("not a Linux kernel: " + file
                + " (no bzImage boot header and no multiboot header)");
    }

    /** Offset of a valid multiboot v1 header within the first {@code n} bytes of {@code head}, or -1. */
    public static int multibootHeaderOffset(byte[] head, int n) {
        ByteBuffer b = ByteBuffer.wrap(head, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off + 12 <= Math.min(n, MULTIBOOT_SEARCH); off += 4) {
            if (b.getInt(off) == MULTIBOOT_MAGIC) {
                int flags = b.getInt(off + 4);
                int sum = b.getInt(off + 8);
                if (MULTIBOOT_MAGIC + flags + sum == 0) {
                    return off;
                }
            }
        }
        return -1;
    }
}
