package org.virtfx.engine.cli.img;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.virtfx.engine.cli.SizeParser;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img create}. */
@Command(name = "create", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Create a new disk image.",
                "Options (-o key=value,...): size, cluster_size, preallocation (off|metadata|falloc|full), compat, "
                        + "subformat, backing_file, backing_fmt, lazy_refcounts, extended_l2, refcount_bits, "
                        + "compression_type, and per format: vdi static; vpc force_size; vmdk adapter_type, "
                        + "zeroed_grain, hwversion, compat6."})
final class ImgCreate implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", defaultValue = "raw",
            description = "Image format: raw, qcow2, vdi, vmdk, vpc (vhdx is read-only).")
    String format;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Format options, key=value[,key=value...] (default: none).")
    String options;

    @Option(names = "-b", paramLabel = "BACKING", description = "Backing file (copy-on-write overlay; default: none).")
    String backing;

    @Option(names = "-F", paramLabel = "BACKING_FMT", description = "Format of the backing file (default: probed).")
    String backingFormat;

    @Option(names = "-u", description = "Do not open the backing file (the size must then be given) (default: off).")
    boolean unsafe;

    @Option(names = "-q", description = "Quiet: print nothing on success (default: off).")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE", description = "Image file to create.")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
            description = "Virtual size in bytes, or with suffix K, M, G, T (default: the backing file's size).")
    String size;

    @Override
    public Integer call() throws Exception {
        long sz = size == null ? -1 : SizeParser.parse(size, 1);
        String opts = options;
        if (backing != null) {
            opts = (opts == null || opts.isEmpty() ? "" : opts + ",") + "backing_file=" + backing.replace(",", ",,");
        }
        if (backingFormat != null) {
            opts = (opts == null || opts.isEmpty() ? "" : opts + ",") + "backing_fmt=" + backingFormat;
        }
        CreateOptions co = CreateOptions.parse(sz, opts);
        if (!quiet) {
            StringBuilder sb = new StringBuilder("Formatting '").append(file).append("', fmt=").append(format);
            if (co.size() >= 0) {
                sb.append(" size=").append(co.size());
            }
            if (co.backingFile() != null) {
                sb.append(" backing_file=").append(co.backingFile());
            }
            if (co.backingFormat() != null) {
                sb.append(" backing_fmt=").append(co.backingFormat());
            }
            if (co.subformat() != null) {
                sb.append(" subformat=").append(co.subformat());
            }
            if (co.clusterSize() != 0) {
                sb.append(" cluster_size=").append(co.clusterSize());
            }
            sb.append(" preallocation=").append(co.preallocation().qemuName());
            spec.commandLine().getOut().println(sb);
        }
        DiskImage img;
        if (unsafe && co.backingFile() != null) {
            if (co.size() < 0) {
                throw new IllegalArgumentException("with -u the image size must be given");
            }
            img = DiskImages.format(format).create(file, co);
        } else {
            img = DiskImages.create(file, format, co);
        }
        img.close();
        return 0;
    }
}
