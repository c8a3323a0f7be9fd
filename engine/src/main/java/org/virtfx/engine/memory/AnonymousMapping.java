package org.virtfx.engine.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)} through {@code java.lang.foreign}: the kernel hands out zero
 * pages on first touch, so reserving a large guest costs nothing until the guest uses it (unlike
 * {@code Arena.allocate}, which zero-fills and so commits every page). The same mapping can later be handed to KVM.
 */
final class AnonymousMapping {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private AnonymousMapping() {
    }

    /** Maps {@code size} bytes; the mapping is unmapped when {@code arena} closes. */
    static MemorySegment map(long size, Arena arena) {
        MemorySegment addr;
        try {
            addr = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        if (addr.address() == MAP_FAILED || addr.address() == 0) {
            throw new OutOfMemoryError("cannot reserve " + size + " bytes of guest memory (mmap failed)");
        }
        long base = addr.address();
        return addr.reinterpret(size, arena, seg -> unmap(base, size));
    }

    private static void unmap(long base, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(base), size);
            if (rc != 0) {
                System.getLogger(AnonymousMapping.class.getName())
                        .log(System.Logger.Level.WARNING, "munmap failed for guest memory at 0x" + Long.toHexString(base));
            }
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }
}
