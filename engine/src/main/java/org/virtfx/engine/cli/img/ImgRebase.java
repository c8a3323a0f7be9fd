package org.virtfx.engine.cli.img;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.MapExtent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img rebase}: point an overlay at another backing file, keeping the guest view unless -u. */
@Command(name = "rebase", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Change the backing file of an image.",
                "Safe mode (default) copies into the image every range where the old and new backing files differ, "
                        + "so the guest sees the same disk; -u only rewrites the backing file name."})
final class ImgRebase implements Callable<Integer> {
    private static final int CHUNK = 64 * 1024;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "-b", paramLabel = "BACKING", required = true,
            description = "New backing file, relative to the image's directory; \"\" removes the backing file.")
    String backing;

    @Option(names = "-F", paramLabel = "BACKING_FMT", description = "Format of the new backing file (default: probed).")
    String backingFormat;

    @Option(names = "-u", description = "Unsafe: only change the name, copy nothing (the new file must have the same contents) (default: off).")
    boolean unsafe;

    @CommandLine.Mixin
    ProgressOptions display;

    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        String name = backing.isEmpty() ? null : backing;
        PrintWriter out = spec.commandLine().getOut();
        try (DiskImage img = DiskImages.open(file, format, false, !unsafe)) {
            if (img.getClass().getMethod("changeBackingFile", String.class, String.class).getDeclaringClass()
                    == DiskImage.class) {
                // refuse before copying anything
                throw new IllegalArgumentException(file + ": format '" + img.format().name()
                        + "' cannot change its backing file");
            }
            String fmt = backingFormat;
            if (!unsafe) {
                DiskImage next = null;
                try {
                    if (name != null) {
                        next = DiskImages.open(DiskImages.resolveBacking(file, name), backingFormat, true, true);
                        if (fmt == null) {
                            fmt = next.format().name();
                        }
                    }
                    copyDifferences(img, next, display.progressTo(out));
                } finally {
                    if (next != null) {
                        next.close();
                    }
                }
            } else if (name != null && fmt == null) {
                try (DiskImage probe = DiskImages.open(DiskImages.resolveBacking(file, name), null, true, false)) {
                    fmt = probe.format().name();
                } catch (java.io.IOException e) {
                    // -u works even when the new backing file is not there yet; the format stays unrecorded
                }
            }
            img.changeBackingFile(name, name == null ? null : fmt);
            img.flush();
        }
        out.flush();
        return 0;
    }

    /** Writes into {@code img} the old view of every range it does not allocate itself and the new backing shows differently. */
    static void copyDifferences(DiskImage img, DiskImage next, PrintWriter progress) throws java.io.IOException {
        ByteBuffer oldView = ByteBuffer.allocate(CHUNK);
        ByteBuffer newView = ByteBuffer.allocate(CHUNK);
        long size = img.size();
        for (MapExtent e : img.mapLayer(0, size)) {
            if (e.present()) {
                continue;
            }
            for (long p = e.start(); p < e.start() + e.length(); p += CHUNK) {
                int n = (int) Math.min(CHUNK, e.start() + e.length() - p);
                oldView.clear().limit(n);
                img.read(p, oldView);
                newView.clear().limit(n);
                if (next != null && p < next.size()) {
                    int inNext = (int) Math.min(n, next.size() - p);
                    newView.limit(inNext);
                    next.read(p, newView);
                    newView.limit(n);
                }
                while (newView.hasRemaining()) {
                    newView.put((byte) 0);
                }
                if (oldView.flip().mismatch(newView.flip()) >= 0) {
                    img.write(p, oldView.rewind());
                }
                ProgressOptions.show(progress, p, size);
            }
        }
    }
}
