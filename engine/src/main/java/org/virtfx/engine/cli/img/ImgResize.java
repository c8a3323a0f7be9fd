package org.virtfx.engine.cli.img;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.virtfx.engine.cli.SizeParser;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img resize}. */
@Command(name = "resize", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Change the virtual size of an image (raw, qcow2). Shrinking loses data and needs --shrink.")
final class ImgResize implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--shrink", description = "Allow making the image smaller (data past the new end is lost) (default: off).")
    boolean shrink;

    @Option(names = "-q", description = "Quiet (default: off).")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE", description = "Image file.")
    Path file;

    @Parameters(index = "1", paramLabel = "[+|-]SIZE", description = "New size, or a change with + or - (K, M, G, T suffixes).")
    String size;

    @Override
    public Integer call() throws Exception {
        try (DiskImage img = DiskImages.open(file, format, false, true)) {
            long cur = img.size();
            long target;
            if (size.startsWith("+")) {
                target = cur + SizeParser.parse(size.substring(1), 1);
            } else if (size.startsWith("-")) {
                target = cur - SizeParser.parse(size.substring(1), 1);
            } else {
                target = SizeParser.parse(size, 1);
            }
            if (target < 0) {
                throw new IllegalArgumentException("new size would be negative");
            }
            if (target < cur && !shrink) {
                throw new IllegalArgumentException(file + ": use the --shrink option to perform a shrink operation "
                        + "(data past " + target + " bytes would be lost)");
            }
            img.resize(target, shrink);
            img.flush();
        }
        if (!quiet) {
            spec.commandLine().getOut().println("Image resized.");
        }
        return 0;
    }
}
