package org.virtfx.engine.cli.img;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.MapExtent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code virtfx img convert}: copies the guest-visible contents of any readable image into a new image of any
 * writable format. Ranges the source maps as holes or zeros are skipped, and zero runs inside data are not written,
 * so the target stays sparse. Windows of the disk are copied by several threads at once.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Convert an image to another format (or copy it), keeping holes and optionally compressing.")
final class ImgConvert implements java.util.concurrent.Callable<Integer> {
    /** Unit of parallel work. */
    static final int WINDOW = 8 << 20;
    /** Zero runs at least this long inside data are not written (qemu-img's default -S 4k). */
    static final int SPARSE_GRANULE = 4096;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Source format (default: probed).")
    String sourceFormat;

    @Option(names = "-O", paramLabel = "FMT", defaultValue = "raw", description = "Target format: raw, qcow2, vdi, vmdk, vpc.")
    String targetFormat;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Target format options, as for create (default: none).")
    String options;

    @Option(names = "-c", description = "Compress the target's clusters (formats with compression: qcow2) (default: off).")
    boolean compress;

    @CommandLine.Mixin
    ProgressOptions display;

    @Option(names = "-m", paramLabel = "N", defaultValue = "4", description = "Parallel copy threads (1-16).")
    int threads;


    @Option(names = "-S", paramLabel = "SIZE", defaultValue = "4k",
            description = "Zero runs at least this long are not written (kept as holes); 0 writes every byte.")
    String sparseSize;

    @Option(names = "-t", paramLabel = "CACHE", defaultValue = "writeback",
            description = "Target cache mode: writeback (one flush at the end: the target is durable when convert "
                    + "exits) or unsafe (no flush, like qemu-img convert's default).")
    String cacheMode;

    @Option(names = "-n", description = "Do not create the target: write into an existing image of at least the source's size (default: off).")
    boolean noCreate;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "Source image.")
    Path source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "Target image (replaced if it exists).")
    Path target;

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || threads > 16) {
            throw new IllegalArgumentException("-m must be from 1 to 16 (got " + threads + ")");
        }
        ImageFormat tf = DiskImages.format(targetFormat);
        if (!tf.capabilities().contains(Capability.CREATE)) {
            throw new IllegalArgumentException("format '" + targetFormat + "' cannot be written by VirtFX");
        }
        if (compress && !tf.capabilities().contains(Capability.COMPRESSION)) {
            throw new IllegalArgumentException("format '" + targetFormat + "' does not support compression (-c)");
        }
        if (source.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("source and target are the same file: " + source);
        }
        if (!cacheMode.equals("writeback") && !cacheMode.equals("unsafe")) {
            throw new IllegalArgumentException("-t must be writeback or unsafe (got " + cacheMode + ")");
        }
        boolean flush = cacheMode.equals("writeback");
        PrintWriter out = spec.commandLine().getOut();
        try (DiskImage src = DiskImages.open(source, sourceFormat, true, true)) {
            CreateOptions co = CreateOptions.parse(src.size(), options);
            if (co.backingFile() != null) {
                throw new IllegalArgumentException("convert writes a standalone image; backing_file is not supported here");
            }
            long sparse = org.virtfx.engine.cli.SizeParser.parse(sparseSize, 1);
            if (sparse != 0 && (sparse < 512 || sparse > (64 << 20) || Long.bitCount(sparse) != 1)) {
                throw new IllegalArgumentException("-S must be 0 or a power of two from 512 to 64M (got " + sparseSize + ")");
            }
            try (DiskImage dst = noCreate ? DiskImages.open(target, targetFormat, false, true)
                    : DiskImages.create(target, targetFormat, co)) {
                if (dst.size() < src.size()) {
                    throw new IOException(target + ": the " + targetFormat + " image is smaller (" + dst.size()
                            + " bytes) than the source (" + src.size() + " bytes)");
                }
                // like qemu-img convert (cache=unsafe): an interrupted convert leaves an unusable target anyway,
                // so allocations are not ordered by barriers; the single flush below makes the result durable
                dst.setWriteOrdering(false);
                copy(src, dst, compress, threads, (int) sparse, noCreate, display.progressTo(out));
                if (flush) {
                    dst.flush();
                } else {
                    dst.skipFlushOnClose();
                }
            }
        }
        if (display.progressTo(out) != null) {
            out.println("    (100.00/100%)");
        }
        out.flush();
        return 0;
    }

    /** Copies every window of {@code src} holding data into the freshly created {@code dst}. */
    static void copy(DiskImage src, DiskImage dst, boolean compress, int threads, int sparse, boolean existingTarget,
                     PrintWriter progress) throws IOException, InterruptedException {
        long size = src.size();
        int cluster = Math.max(dst.info().clusterSize(), 512);
        int window = Math.max(WINDOW, compress ? cluster : 0);
        // whole clusters up to 64 KiB: a cluster is allocated anyway once any byte of it is written, and formats
        // written once (streamOptimized VMDK) get complete grains; raw and big-block formats keep 4 KiB holes
        // with -S 0 every byte is written, zeros included
        int granule = sparse == 0 && !compress ? window
                : compress || (cluster >= sparse && cluster <= 65536) ? cluster : sparse;
        // per window, the ranges to copy: {window start, window length, piece start, piece length, ...}; into a fresh
        // sparse target only what the source maps as data is read, so holes cost neither reads nor zero checks
        boolean dataOnly = !existingTarget && sparse != 0;
        List<long[]> windows = new ArrayList<>();
        List<Long> pieces = new ArrayList<>();
        long current = -1;
        for (MapExtent e : src.map(0, size)) {
            if (!e.data() && e.zero() && dataOnly) {
                continue; // a fresh target already reads zeros there
            }
            long end = e.start() + e.length();
            for (long w = e.start() / window * window; w < end; w += window) {
                if (w != current) {
                    addWindow(windows, current, size, window, pieces);
                    current = w;
                }
                long wEnd = Math.min(w + window, size);
                // whole granules, so that compressed writes get whole clusters and zero checks keep their grid
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
        addWindow(windows, current, size, window, pieces);
        AtomicLong done = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "img-convert");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(threads * 2);
        List<Future<?>> futures = new ArrayList<>();
        ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(window));
        try {
            for (long[] w : windows) {
                inFlight.acquire();
                futures.add(pool.submit(() -> {
                    try {
                        ByteBuffer whole = buffers.get();
                        for (int i = 2; i < w.length; i += 2) {
                            int at = (int) (w[i] - w[0]);
                            ByteBuffer buf = whole.clear().slice(at, (int) w[i + 1]);
                            src.read(w[i], buf);
                            buf.flip();
                            if (sparse == 0 && !compress) {
                                dst.write(w[i], buf);
                            } else if (existingTarget) {
                                writeWithZeroes(dst, w[i], buf, granule);
                            } else {
                                writeNonZero(dst, w[i], buf, granule, compress);
                            }
                        }
                        ProgressOptions.show(progress, done.incrementAndGet(), windows.size());
                        return null;
                    } finally {
                        inFlight.release();
                    }
                }));
                // fail fast on the first error instead of copying the rest
                if (futures.size() % 64 == 0) {
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
            pool.shutdownNow();
        }
    }

    /** Closes the window starting at {@code start} (none when negative) with the pieces collected for it. */
    private static void addWindow(List<long[]> windows, long start, long size, int window, List<Long> pieces) {
        if (start < 0) {
            return;
        }
        long[] w = new long[2 + pieces.size()];
        w[0] = start;
        w[1] = Math.min(window, size - start);
        for (int i = 0; i < pieces.size(); i++) {
            w[2 + i] = pieces.get(i);
        }
        windows.add(w);
        pieces.clear();
    }

    /** Into an existing target: data runs are written, zero runs become {@link DiskImage#writeZeroes}. */
    static void writeWithZeroes(DiskImage dst, long base, ByteBuffer buf, int granule) throws IOException {
        int n = buf.limit();
        int runStart = 0;
        boolean runZero = false;
        for (int p = 0; p < n; p += granule) {
            int end = Math.min(n, p + granule);
            boolean zero = org.virtfx.engine.storage.blockmap.BlockMappedImage.isAllZero(buf.slice(p, end - p));
            if (p > runStart && zero != runZero) {
                flushRun(dst, base, buf, runStart, p, runZero);
                runStart = p;
            }
            runZero = zero;
        }
        if (n > runStart) {
            flushRun(dst, base, buf, runStart, n, runZero);
        }
    }

    private static void flushRun(DiskImage dst, long base, ByteBuffer buf, int from, int to, boolean zero)
            throws IOException {
        if (zero) {
            dst.writeZeroes(base + from, to - from);
        } else {
            dst.write(base + from, buf.slice(from, to - from));
        }
    }

    /** Writes the runs of {@code buf} that are not all zeros (per granule); compressed: one cluster per call. */
    static void writeNonZero(DiskImage dst, long base, ByteBuffer buf, int granule, boolean compress) throws IOException {
        int n = buf.limit();
        int runStart = -1;
        for (int p = 0; p < n; p += granule) {
            int end = Math.min(n, p + granule);
            ByteBuffer g = buf.slice(p, end - p);
            boolean zero = org.virtfx.engine.storage.blockmap.BlockMappedImage.isAllZero(g);
            if (compress) {
                if (!zero) {
                    dst.writeCompressed(base + p, g);
                }
            } else if (!zero && runStart < 0) {
                runStart = p;
            } else if (zero && runStart >= 0) {
                dst.write(base + runStart, buf.slice(runStart, p - runStart));
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            dst.write(base + runStart, buf.slice(runStart, n - runStart));
        }
    }
}
