package org.virtfx.engine.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.virtfx.engine.memory.GuestMemory;

/**
 * Which pages of guest RAM hold decoded instructions, and a version number per page that every write to such a page
 * changes: the self-modifying-code invalidation of the {@link DecodeCache}s of all vCPUs sharing one RAM.
 *
 * <p>A decoded instruction remembers the version of its page; it is used only while that version is unchanged.
 * Writes reach this class three ways: a vCPU store through its {@link Mmu} (fast path: one byte-array test per
 * store), and everything written through {@link GuestMemory}'s own accessors (devices, DMA, loaders, page-table
 * A/D-bit updates) through its {@link GuestMemory.WriteObserver}. The code flag of a page is cleared when it is
 * written, so that a page reused for data costs nothing more until code is decoded from it again.
 */
final class CodePages {
    private static final VarHandle FLAGS = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle VERSIONS = MethodHandles.arrayElementVarHandle(int[].class);
    /** One tracker per RAM (weakly keyed: a closed machine's RAM is not kept alive by it). */
    private static final Map<GuestMemory, CodePages> SHARED = Collections.synchronizedMap(new WeakHashMap<>());

    /** Per page: non-zero while decoded instructions of the page may exist. Read without ordering on the store path. */
    final byte[] codeFlags;
    private final int[] versions;

    private CodePages(long ramSize) {
        int pages = (int) ((ramSize + GuestMemory.PAGE_SIZE - 1) >>> GuestMemory.PAGE_SHIFT);
        codeFlags = new byte[pages];
        versions = new int[pages];
    }

    /** The tracker of {@code ram}, created on first use; it installs itself as the RAM's write observer. */
    static CodePages of(GuestMemory ram) {
        synchronized (SHARED) {
            CodePages p = SHARED.get(ram);
            if (p == null) {
                p = new CodePages(ram.size());
                ram.setWriteObserver(p::written);
                SHARED.put(ram, p);
            }
            return p;
        }
    }

    /** The per-page versions (index: RAM offset >>> 12), for the interpreter's hot path; read-only there. */
    int[] versions() {
        return versions;
    }

    /** Version of the page holding RAM offset {@code ramOffset}. */
    int version(long ramOffset) {
        return versions[(int) (ramOffset >>> GuestMemory.PAGE_SHIFT)];
    }

    /**
     * Marks the page as holding decoded code and returns its version, to be read before the page's bytes are decoded
     * (a write after that point then changes the version).
     */
    int beginDecode(long ramOffset) {
        int page = (int) (ramOffset >>> GuestMemory.PAGE_SHIFT);
        FLAGS.setVolatile(codeFlags, page, (byte) 1);
        return (int) VERSIONS.getVolatile(versions, page);
    }

    /** Whether the bytes decoded since {@link #beginDecode} returned {@code version} are still current. */
    boolean stillCurrent(long ramOffset, int version) {
        int page = (int) (ramOffset >>> GuestMemory.PAGE_SHIFT);
        return (byte) FLAGS.getVolatile(codeFlags, page) != 0 && (int) VERSIONS.getVolatile(versions, page) == version;
    }

    /** {@code [ramOffset, ramOffset+length)} was written: pages holding code get a new version. */
    void written(long ramOffset, long length) {
        if (length <= 0) {
            return;
        }
        long first = ramOffset >>> GuestMemory.PAGE_SHIFT;
        long last = Math.min((ramOffset + length - 1) >>> GuestMemory.PAGE_SHIFT, codeFlags.length - 1);
        for (long p = first; p <= last; p++) {
            int page = (int) p;
            if ((byte) FLAGS.getVolatile(codeFlags, page) != 0) {
                FLAGS.setVolatile(codeFlags, page, (byte) 0);
                VERSIONS.getAndAdd(versions, page, 1);
            }
        }
    }
}
