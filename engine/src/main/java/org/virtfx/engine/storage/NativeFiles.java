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
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    /** x86_64/aarch64 glibc struct stat: st_blocks (512-byte units) is at offset 64 on x86_64. */
    private static final int STAT_SIZE = 256;
    private static final long ST_BLOCKS_OFFSET = 64;

    /**
     * The linker and the errno capture layout; null off Linux x86-64 or without native access. Each function's
     * downcall handle is made on its first use (holder classes below): making one generates and loads a stub class,
     * and making all five at once was a tenth of a second of every `virtfx img` start that needed only one.
     */
    private static final class Native {
        static final Linker LINKER;
        static final StructLayout CAPTURE;
        static final VarHandle ERRNO;

        static {
            Linker linker = null;
            StructLayout capture = null;
            VarHandle errno = null;
            boolean x86 = System.getProperty("os.arch", "").matches("amd64|x86_64");
            if (System.getProperty("os.name", "").startsWith("Linux") && x86) {
                try {
                    linker = Linker.nativeLinker();
                    capture = Linker.Option.captureStateLayout();
                    errno = capture.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                } catch (RuntimeException | LinkageError e) {
                    linker = null;
                }
            }
            LINKER = linker;
            CAPTURE = capture;
            ERRNO = errno;
        }

        /** The C function {@code name} with errno captured (first argument: the capture segment), or null. */
        static MethodHandle downcall(String name, FunctionDescriptor fd, boolean captureErrno) {
            if (LINKER == null) {
                return null;
            }
            try {
                var target = LINKER.defaultLookup().find(name).orElseThrow();
                return captureErrno ? LINKER.downcallHandle(target, fd, Linker.Option.captureCallState("errno"))
                        : LINKER.downcallHandle(target, fd);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }
    }

    private static final class Open {
        static final MethodHandle H = Native.downcall("open", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), true);
    }

    private static final class Close {
        static final MethodHandle H = Native.downcall("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
    }

    private static final class Lseek {
        static final MethodHandle H = Native.downcall("lseek", FunctionDescriptor.of(
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), true);
    }

    private static final class SyncFileRange {
        static final MethodHandle H = Native.downcall("sync_file_range", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT), false);
    }

    private static final class Fallocate {
        static final MethodHandle H = Native.downcall("fallocate", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG), true);
    }

    private static final class Stat {
        static final MethodHandle H = Native.downcall("stat", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), true);
    }

    private NativeFiles() {
    }

    /** Whether the native calls are usable at all. */
    public static boolean available() {
        return Open.H != null;
    }

    /** Opens a second descriptor on {@code file} for the native calls; -1 if unavailable. */
    public static int open(Path file, boolean write) {
        if (Open.H == null) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(Native.CAPTURE);
            return (int) Open.H.invokeExact(err, a.allocateFrom(file.toAbsolutePath().toString()),
                    (write ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    public static void close(int fd) {
        if (fd >= 0 && Close.H != null) {
            try {
                int ignored = (int) Close.H.invokeExact(fd);
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
        if (fd < 0 || Lseek.H == null) {
            return -2;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(Native.CAPTURE);
            long r = (long) Lseek.H.invokeExact(err, fd, offset, data ? SEEK_DATA : SEEK_HOLE);
            if (r >= 0) {
                return r;
            }
            return (int) Native.ERRNO.get(err, 0L) == ENXIO ? -1 : -2;
        } catch (Throwable t) {
            return -2;
        }
    }

    /**
     * Starts writing the file's dirty pages to the device without waiting for them (sync_file_range with
     * SYNC_FILE_RANGE_WRITE over the whole file), so that a later fsync finds most of the work done. No durability
     * promise on its own; false when unsupported or failed.
     */
    public static boolean startWriteback(int fd) {
        if (fd < 0 || SyncFileRange.H == null) {
            return false;
        }
        try {
            return (int) SyncFileRange.H.invokeExact(fd, 0L, 0L, SYNC_FILE_RANGE_WRITE) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** fallocate(2); true on success, false when unsupported or failed (the caller falls back). */
    public static boolean fallocate(int fd, int mode, long offset, long length) {
        if (fd < 0 || Fallocate.H == null || length <= 0) {
            return false;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(Native.CAPTURE);
            return (int) Fallocate.H.invokeExact(err, fd, mode, offset, length) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Bytes the file occupies on disk (st_blocks * 512), or its length when that cannot be determined. */
    public static long allocatedBytes(Path file) throws IOException {
        if (Stat.H != null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment err = a.allocate(Native.CAPTURE);
                MemorySegment st = a.allocate(STAT_SIZE, 16);
                int r = (int) Stat.H.invokeExact(err, a.allocateFrom(file.toAbsolutePath().toString()), st);
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
