package org.virtfx.engine.cli.img;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.MapExtent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img compare}: guest-visible contents of two images, whatever their formats. */
@Command(name = "compare", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Compare the contents two images present to a guest.",
                "Exit status: 0 identical, 1 different (the first differing offset is printed), 2 an image could "
                        + "not be opened, 4 a read failed."})
final class ImgCompare implements Callable<Integer> {
    static final int DIFFERENT = 1;
    static final int OPEN_ERROR = 2;
    static final int READ_ERROR = 4;
    private static final int CHUNK = 1 << 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Format of the first image (default: probed).")
    String format1;

    @Option(names = "-F", paramLabel = "FMT", description = "Format of the second image (default: probed).")
    String format2;

    @Option(names = "-s", description = "Strict: images of different sizes are different (default: off).")
    boolean strict;

    @CommandLine.Mixin
    ProgressOptions display;

    @Parameters(index = "0", paramLabel = "FILE1")
    Path file1;

    @Parameters(index = "1", paramLabel = "FILE2")
    Path file2;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DiskImage a;
        DiskImage b;
        try {
            a = DiskImages.open(file1, format1, true, true);
        } catch (IOException | RuntimeException e) {
            err.println("virtfx: Could not open '" + file1 + "': " + e.getMessage());
            return OPEN_ERROR;
        }
        try {
            b = DiskImages.open(file2, format2, true, true);
        } catch (IOException | RuntimeException e) {
            err.println("virtfx: Could not open '" + file2 + "': " + e.getMessage());
            closeQuietly(a);
            return OPEN_ERROR;
        }
        try {
            long diff = firstDifference(a, b, strict, display.progressTo(out));
            if (diff == -2) {
                if (!display.quiet) {
                    out.println("Strict mode: Image size mismatch!");
                }
                return DIFFERENT;
            }
            if (a.size() != b.size() && !display.quiet) {
                out.println("Warning: Image size mismatch!");
            }
            if (diff >= 0) {
                if (!display.quiet) {
                    out.println("Content mismatch at offset " + diff + "!");
                }
                return DIFFERENT;
            }
            if (!display.quiet) {
                out.println("Images are identical.");
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("virtfx: error while comparing: " + e.getMessage());
            return READ_ERROR;
        } finally {
            out.flush();
            closeQuietly(a);
            closeQuietly(b);
        }
    }

    /** First differing offset (512-byte aligned, as qemu-img reports it), -1 if identical, -2 strict size mismatch. */
    static long firstDifference(DiskImage a, DiskImage b, boolean strict, PrintWriter progress) throws IOException {
        if (strict && a.size() != b.size()) {
            return -2;
        }
        long common = Math.min(a.size(), b.size());
        ByteBuffer ba = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer bb = ByteBuffer.allocateDirect(CHUNK);
        List<MapExtent> ma = a.map(0, common);
        List<MapExtent> mb = b.map(0, common);
        int ia = 0;
        int ib = 0;
        long pos = 0;
        while (pos < common) {
            while (ma.get(ia).start() + ma.get(ia).length() <= pos) {
                ia++;
            }
            while (mb.get(ib).start() + mb.get(ib).length() <= pos) {
                ib++;
            }
            MapExtent ea = ma.get(ia);
            MapExtent eb = mb.get(ib);
            long end = Math.min(ea.start() + ea.length(), eb.start() + eb.length());
            if (!(ea.zero() && !ea.data() && eb.zero() && !eb.data())) {
                for (long p = pos; p < end; p += CHUNK) {
                    int n = (int) Math.min(CHUNK, end - p);
                    ba.clear().limit(n);
                    bb.clear().limit(n);
                    a.read(p, ba);
                    b.read(p, bb);
                    int m = ba.flip().mismatch(bb.flip());
                    if (m >= 0) {
                        return (p + m) & ~511L;
                    }
                }
            }
            pos = end;
            ProgressOptions.show(progress, pos, common);
        }
        DiskImage longer = a.size() > b.size() ? a : b;
        for (long p = common; p < longer.size(); p += CHUNK) {
            int n = (int) Math.min(CHUNK, longer.size() - p);
            ba.clear().limit(n);
            longer.read(p, ba);
            ba.flip();
            for (int i = 0; i < n; i++) {
                if (ba.get(i) != 0) {
                    return (p + i) & ~511L;
                }
            }
        }
        return -1;
    }

    private static void closeQuietly(DiskImage i) {
        try {
            i.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
