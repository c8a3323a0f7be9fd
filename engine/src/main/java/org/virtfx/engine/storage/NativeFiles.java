package org.virtfx.engine.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The Linux file calls Java's FileChannel lacks, through java.lang.foreign: lseek(SEEK_DATA/SEEK_HOLE) to find
 * holes, fallocate(2) to reserve space and punch holes, stat(2) for the allocated size. Every method degrades
 * gracefully: when the native call is unavailable (other OS, no native access) or the file system does not support
 * it, the caller gets "unsupported" and uses a portable fallback.
 */
public final class NativeFiles {
    public static final int FALLOC_KEEP_SIZE = 0x01;
    public static final int FALLOC_PUNCH_HOLE = 0x02;
    public static final int FALLOC_ZERO_RANGE = 0x10;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int ENXIO = 6;
    /** x86_64/aarch64 glibc struct stat: st_blocks (512-byte units) is at offset 64 on x86_64. */
    private static final int STAT_SIZE = 256;
    private static final long ST_BLOCKS_OFFSET = 64;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle LSEEK;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle STAT;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;

    static {
        MethodHandle open = null, close = null, lseek = null, falloc = null, stat = null;
        StructLayout capture = null;
        VarHandle errno = null;
        boolean x86 = System.getProperty("os.arch", "").matches("amd64|x86_64");
        if (System.getProperty("os.name", "").startsWith("Linux") && x86) {
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                capture = Linker.Option.captureStateLayout();
                errno = capture.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                Linker.Option ce = Linker.Option.captureCallState("errno");
                open = linker.downcallHandle(lookup.find("open").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), ce);
                close = linker.downcallHandle(lookup.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                lseek = linker.downcallHandle(lookup.find("lseek").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), ce);
                falloc = linker.downcallHandle(lookup.find("fallocate").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG), ce);
                stat = linker.downcallHandle(lookup.find("stat").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), ce);
            } catch (RuntimeException | LinkageError e) {
                open = close = lseek = falloc = stat = null;
            }
        }
        OPEN = open;
        CLOSE = close;
        LSEEK = lseek;
        FALLOCATE = falloc;
        STAT = stat;
        CAPTURE = capture;
        ERRNO = errno;
    }

    private NativeFiles() {
    }

    /** Whether the native calls are usable at all. */
    public static boolean available() {
        return OPEN != null;
    }

    /** Opens a second descriptor on {@code file} for the native calls; -1 if unavailable. */
    public static int open(Path file, boolean write) {
        if (OPEN == null) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(CAPTURE);
            return (int) OPEN.invokeExact(err, a.allocateFrom(file.toAbsolutePath().toString()),
                    (write ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    public static void close(int fd) {
        if (fd >= 0 && CLOSE != null) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable ignored) {
                // closing a descriptor we own cannot meaningfully fail here
            }
        }
    }

    /**
     * lseek(SEEK_DATA or SEEK_HOLE). Returns the offset, {@code -1} when there is no data at or after {@code offset}
     * (ENXIO), or {@code -2} when unsupported.
     */
    public static long seek(int fd, long offset, boolean data) {
        if (fd < 0 || LSEEK == null) {
            return -2;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(CAPTURE);
            long r = (long) LSEEK.invokeExact(err, fd, offset, data ? SEEK_DATA : SEEK_HOLE);
            if (r >= 0) {
                return r;
            }
            return (int) ERRNO.get(err, 0L) == ENXIO ? -1 : -2;
        } catch (Throwable t) {
            return -2;
        }
    }

    /** fallocate(2); true on success, false when unsupported or failed (the caller falls back). */
    public static boolean fallocate(int fd, int mode, long offset, long length) {
        if (fd < 0 || FALLOCATE == null || length <= 0) {
            return false;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(CAPTURE);
            return (int) FALLOCATE.invokeExact(err, fd, mode, offset, length) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Bytes the file occupies on disk (st_blocks * 512), or its length when that cannot be determined. */
    public static long allocatedBytes(Path file) throws IOException {
        if (STAT != null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment err = a.allocate(CAPTURE);
                MemorySegment st = a.allocate(STAT_SIZE, 16);
                int r = (int) STAT.invokeExact(err, a.allocateFrom(file.toAbsolutePath().toString()), st);
                if (r == 0) {
                    return st.get(ValueLayout.JAVA_LONG, ST_BLOCKS_OFFSET) * 512;
                }
            } catch (Throwable t) {
                // fall through to the portable answer
            }
        }
        return java.nio.file.Files.size(file);
    }
}
