package org.virtfx.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * Copies the guest-visible contents of one image into another of any writable format: what {@code virtfx img convert}
 * and a full clone do. Ranges the source maps as holes or zeros are skipped, zero runs inside data are not written
 * (per granule, qemu-img's {@code -S}), so the target stays sparse; windows of the disk are handled by several threads.
 *
 * <p>Each thread reads 2 MiB at a time into its own buffer, checks it for zeros and writes it at once, while the
 * bytes are still in its core's cache; writes to the target are taken one at a time. Measured on the 2-core test
 * machine (1 GiB from the page cache to a new file): the write itself takes 0.20 s from a cache-warm buffer and
 * 0.37 s from a read-only mapping of the source (whose bytes then come from memory), and the kernel serialises
 * buffered writes to one file anyway (threads spinning on its inode lock took a fifth of a convert's CPU time), so
 * the best a copy can do is to keep one writer busy with warm data while the other threads read.
 */
public final class ImageCopier {
    /** Unit of parallel work. */
    public static final int WINDOW = 8 << 20;
    /**
     * With write-behind, the target's dirty pages are sent to the device after every this many bytes written (of 8,
     * 32 and 128 MiB, 8 gave the shortest durable converts of 2 GiB on the test machine).
     */
    private static final long WRITE_BEHIND_STEP = 8 << 20;
    /** Bytes read, checked and written in one go: small enough to stay in a core's cache in between. */
    static final int CHUNK = 2 << 20;

    /**
     * @param compress       write clusters compressed (the target must support it)
     * @param threads        worker threads, 1-16
     * @param sparse         zero runs at least this long are not written; 0 writes every byte (a power of two, 512-64M)
     * @param existingTarget the target already holds data: everything is written and zero runs become write-zeroes
     * @param writeBehind    the caller flushes the target at the end: start writing it to the device along the way
     */
    public record Options(boolean compress, int threads, int sparse, boolean existingTarget, boolean writeBehind) {
        public Options {
            if (threads < 1 || threads > 16) {
                throw new IllegalArgumentException("copy threads (-m) must be from 1 to 16 (got " + threads + ")");
            }
            if (sparse != 0 && (sparse < 512 || sparse > (64 << 20) || Integer.bitCount(sparse) != 1)) {
                throw new IllegalArgumentException("the zero-run size (-S) must be 0 or a power of two from 512 to 64M"
                        + " (got " + sparse + ")");
            }
        }

        /** A fresh sparse copy with 4 KiB zero detection (as {@code qemu-img convert} makes), flushed at the end. */
        public static Options sparseCopy(int threads) {
            return new Options(false, threads, 4096, false, true);
        }
    }

    /** Called on the copying thread as windows complete; may throw (a {@code CancellationException}) to stop. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total) -> { };

        void copied(long done, long total);
    }

    /** A window of the disk: the ranges to copy in it, as {start, length} pairs. */
    private record Window(long[] pieces) {
    }

    private final DiskImage src;
    private final DiskImage dst;
    private final Options options;
    private final int window;
    private final int chunk;
    private final int granule;
    private final ReentrantLock writeGate = new ReentrantLock();
    private final AtomicLong written = new AtomicLong();
    /** Set when the copy ends early (an error, a cancel): workers stop at their next chunk. */
    private volatile boolean stopped;
    /** A descriptor of the target file for write-behind, or -1. */
    private int writeBehindFd = -1;

    private ImageCopier(DiskImage src, DiskImage dst, Options options) throws IOException {
        this.src = src;
        this.dst = dst;
        this.options = options;
        int cluster = Math.max(dst.info().clusterSize(), 512);
        this.window = Math.max(WINDOW, options.compress() ? cluster : 0);
        // whole clusters up to 64 KiB: a cluster is allocated anyway once any byte of it is written, and formats
        // written once (streamOptimized VMDK) get complete grains; raw and big-block formats keep 4 KiB holes;
        // with -S 0 every byte is written, zeros included
        int sparse = options.sparse();
        this.granule = sparse == 0 && !options.compress() ? CHUNK
                : options.compress() || (cluster >= sparse && cluster <= 65536) ? cluster : sparse;
        this.chunk = Math.max(CHUNK, granule);
    }

    /**
     * One thread per core, at most 4: with one writer at a time, more threads than cores only add hand-overs
     * (measured on 2 cores: a raw to qcow2 copy of 1 GiB of data took 0.33 s with 2 threads, 0.37 s with 4).
     */
    public static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Copies {@code src} into {@code dst} (at least as large) and returns the bytes read from the source.
     * The target is not flushed: the caller decides (convert {@code -t unsafe} does not).
     */
    public static long copy(DiskImage src, DiskImage dst, Options options, Progress progress)
            throws IOException, InterruptedException {
        if (options.compress() && !dst.format().capabilities().contains(Capability.COMPRESSION)) {
            throw new IllegalArgumentException("format '" + dst.format().name() + "' does not support compression");
        }
        if (dst.size() < src.size()) {
            throw new IOException(dst.file() + ": the image is smaller (" + dst.size() + " bytes) than the source ("
                    + src.size() + " bytes)");
        }
        ImageCopier c = new ImageCopier(src, dst, options);
        if (options.writeBehind()) {
            // The flush at the end would otherwise write everything after the copy; started along the way, the
            // device writes overlap the copy. (Formats whose data lives in other files than dst.file() just get none.)
            c.writeBehindFd = NativeFiles.open(dst.file(), false);
        }
        try {
            return c.run(progress == null ? Progress.NONE : progress);
        } finally {
            NativeFiles.close(c.writeBehindFd);
        }
    }

    private long run(Progress progress) throws IOException, InterruptedException {
        List<Window> windows = plan();
        long total = 0;
        for (Window w : windows) {
            for (int i = 1; i < w.pieces.length; i += 2) {
                total += w.pieces[i];
            }
        }
        AtomicLong done = new AtomicLong();
        int threads = options.threads();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "image-copy");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(threads * 2);
        List<Future<?>> futures = new ArrayList<>();
        ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(chunk));
        try {
            for (Window w : windows) {
                inFlight.acquire();
                progress.copied(done.get(), total);
                futures.add(pool.submit(() -> {
                    try {
                        copyWindow(w, buffers.get(), done);
                        return null;
                    } finally {
                        inFlight.release();
                    }
                }));
                // fail fast on the first error instead of copying the rest
                if (futures.size() % 16 == 0) {
                    for (Future<?> f : futures) {
                        if (f.isDone()) {
                            f.get();
                        }
                    }
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
            progress.copied(done.get(), total);
            return done.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        } finally {
            // Never interrupt the workers: an interrupt during FileChannel I/O closes the channel, i.e. the image.
            // Queued windows are dropped, running ones stop at their next chunk.
            stopped = true;
            for (Future<?> f : futures) {
                f.cancel(false);
            }
            pool.shutdown();
            awaitWorkers(pool);
        }
    }

    /**
     * Waits for every worker to stop, even if this thread is interrupted meanwhile (a cancelled GUI task is): the
     * caller closes the images next, and no worker may still be writing then. The interrupt is kept for the caller.
     * (A worker finishes its current chunk, at most a few milliseconds.)
     */
    private static void awaitWorkers(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Per window, the ranges to copy. Into a fresh sparse target only what the source maps as data is read, so holes
     * cost neither reads nor zero checks; ranges are widened to whole granules so that compressed writes get whole
     * clusters and zero checks keep their grid.
     */
    private List<Window> plan() throws IOException {
        long size = src.size();
        boolean dataOnly = !options.existingTarget() && options.sparse() != 0;
        List<Window> windows = new ArrayList<>();
        List<Long> pieces = new ArrayList<>();
        long current = -1;
        for (MapExtent e : src.map(0, size)) {
            if (!e.data() && e.zero() && dataOnly) {
                continue; // a fresh target already reads zeros there
            }
            long end = e.start() + e.length();
            for (long w = e.start() / window * window; w < end; w += window) {
                if (w != current) {
                    addWindow(windows, pieces);
                    current = w;
                }
                long wEnd = Math.min(w + window, size);
                long from = dataOnly ? Math.max(w, e.start()) / granule * granule : w;
                long to = dataOnly ? Math.min(wEnd, (Math.min(wEnd, end) + granule - 1) / granule * granule) : wEnd;
                int last = pieces.size();
                long prevEnd = last >= 2 ? pieces.get(last - 2) + pieces.get(last - 1) : -1;
                if (from <= prevEnd) {
                    pieces.set(last - 1, Math.max(prevEnd, to) - pieces.get(last - 2)); // overlaps or touches
                } else {
                    pieces.add(from);
                    pieces.add(to - from);
                }
            }
        }
        addWindow(windows, pieces);
        return windows;
    }

    /** Closes the current window (none yet when {@code pieces} is empty) with the pieces collected for it. */
    private static void addWindow(List<Window> windows, List<Long> pieces) {
        if (pieces.isEmpty()) {
            return;
        }
        windows.add(new Window(pieces.stream().mapToLong(Long::longValue).toArray()));
        pieces.clear();
    }

    private void copyWindow(Window w, ByteBuffer buf, AtomicLong done) throws IOException {
        for (int i = 0; i < w.pieces.length; i += 2) {
            long end = w.pieces[i] + w.pieces[i + 1];
            // chunks are whole granules (both powers of two, pieces start on the granule grid)
            for (long at = w.pieces[i]; at < end; at += chunk) {
                if (stopped) {
                    return;
                }
                int len = (int) Math.min(chunk, end - at);
                buf.clear().limit(len);
                src.read(at, buf);
                buf.flip();
                if (options.sparse() == 0 && !options.compress()) {
                    write(at, buf);
                } else if (options.existingTarget()) {
                    writeWithZeroes(at, buf);
                } else {
                    writeNonZero(at, buf);
                }
                done.addAndGet(len);
            }
        }
    }

    private void write(long offset, ByteBuffer data) throws IOException {
        int n = data.remaining();
        writeGate.lock();
        try {
            dst.write(offset, data);
        } finally {
            writeGate.unlock();
        }
        long after = written.addAndGet(n);
        if (writeBehindFd >= 0 && after / WRITE_BEHIND_STEP != (after - n) / WRITE_BEHIND_STEP) {
            NativeFiles.startWriteback(writeBehindFd); // outside the gate: the next writer need not wait for it
        }
    }

    /** Into an existing target: data runs are written, zero runs become {@link DiskImage#writeZeroes}. */
    private void writeWithZeroes(long base, ByteBuffer buf) throws IOException {
        int n = buf.limit();
        int runStart = 0;
        boolean runZero = false;
        for (int p = 0; p < n; p += granule) {
            int end = Math.min(n, p + granule);
            boolean zero = BlockMappedImage.isAllZero(buf.slice(p, end - p));
            if (p > runStart && zero != runZero) {
                writeRun(base, buf, runStart, p, runZero);
                runStart = p;
            }
            runZero = zero;
        }
        if (n > runStart) {
            writeRun(base, buf, runStart, n, runZero);
        }
    }

    private void writeRun(long base, ByteBuffer buf, int from, int to, boolean zero) throws IOException {
        if (zero) {
            writeGate.lock();
            try {
                dst.writeZeroes(base + from, to - from);
            } finally {
                writeGate.unlock();
            }
        } else {
            write(base + from, buf.slice(from, to - from));
        }
    }

    /** Writes the runs of {@code buf} that are not all zeros (per granule); compressed: one cluster per call. */
    private void writeNonZero(long base, ByteBuffer buf) throws IOException {
        int n = buf.limit();
        int runStart = -1;
        for (int p = 0; p < n; p += granule) {
            int end = Math.min(n, p + granule);
            ByteBuffer g = buf.slice(p, end - p);
            boolean zero = BlockMappedImage.isAllZero(g);
            if (options.compress()) {
                if (!zero) {
                    // compression runs in this thread, in parallel; the image serialises its own allocation
                    dst.writeCompressed(base + p, g);
                }
            } else if (!zero && runStart < 0) {
                runStart = p;
            } else if (zero && runStart >= 0) {
                write(base + runStart, buf.slice(runStart, p - runStart));
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            write(base + runStart, buf.slice(runStart, n - runStart));
        }
    }
}
