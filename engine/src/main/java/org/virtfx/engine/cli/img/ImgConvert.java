package org.virtfx.engine.cli.img;

import java.io.PrintWriter;
import java.nio.file.Path;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageCopier;
import org.virtfx.engine.storage.ImageFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code virtfx img convert}: copies the guest-visible contents of any readable image into a new image of any
 * writable format. Ranges the source maps as holes or zeros are skipped, and zero runs inside data are not written,
 * so the target stays sparse ({@link ImageCopier}, which full clones use too).
 */
@Command(name = "convert", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Convert an image to another format (or copy it), keeping holes and optionally compressing.")
final class ImgConvert implements java.util.concurrent.Callable<Integer> {
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

    @Option(names = "-m", paramLabel = "N",
            description = "Parallel copy threads, 1-16 (default: one per CPU core, at most 4).")
    Integer threads;


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
        boolean flush = cacheMode.equals("writeback");
        if (!flush && !cacheMode.equals("unsafe")) {
            throw new IllegalArgumentException("-t must be writeback or unsafe (got " + cacheMode + ")");
        }
        long sparse = org.virtfx.engine.cli.SizeParser.parse(sparseSize, 1);
        // the copier checks -m and -S (its messages name them); checked here, before anything is created
        ImageCopier.Options copy = new ImageCopier.Options(compress,
                threads != null ? threads : ImageCopier.defaultThreads(), (int) Math.min(sparse, Integer.MAX_VALUE),
                noCreate, flush);
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
        PrintWriter out = spec.commandLine().getOut();
        try (DiskImage src = DiskImages.open(source, sourceFormat, true, true)) {
            CreateOptions co = CreateOptions.parse(src.size(), options);
            if (co.backingFile() != null) {
                throw new IllegalArgumentException("convert writes a standalone image; backing_file is not supported here");
            }
            try (DiskImage dst = noCreate ? DiskImages.open(target, targetFormat, false, true)
                    : DiskImages.create(target, targetFormat, co)) {
                // like qemu-img convert (cache=unsafe): an interrupted convert leaves an unusable target anyway,
                // so allocations are not ordered by barriers; the single flush below makes the result durable
                dst.setWriteOrdering(false);
                PrintWriter progress = display.progressTo(out);
                ImageCopier.copy(src, dst, copy,
                        progress == null ? null : (done, total) -> ProgressOptions.show(progress, done, total));
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
}
