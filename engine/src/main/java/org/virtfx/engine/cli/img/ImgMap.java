package org.virtfx.engine.cli.img;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.virtfx.engine.cli.SizeParser;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.MapExtent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img map}: where the guest's data lies, through the backing chain (qemu-img map's layouts). */
@Command(name = "map", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Show which ranges of the disk hold data, zeros or nothing, and in which file and offset.")
final class ImgMap implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--output", paramLabel = "FMT", defaultValue = "human", description = "human or json.")
    String output;

    @Option(names = {"-s", "--start-offset"}, paramLabel = "OFFSET", defaultValue = "0", description = "First byte to map.")
    String start;

    @Option(names = {"-l", "--max-length"}, paramLabel = "LENGTH", description = "Bytes to map (default: to the end).")
    String maxLength;

    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        boolean json = ImgSupport.jsonOutput(output);
        PrintWriter out = spec.commandLine().getOut();
        try (DiskImage img = DiskImages.open(file, format, true, true)) {
            long from = Math.min(SizeParser.parse(start, 1), img.size());
            long len = img.size() - from;
            if (maxLength != null) {
                len = Math.min(len, SizeParser.parse(maxLength, 1));
            }
            List<MapExtent> map = img.map(from, len);
            if (json) {
                out.print("[");
                for (int i = 0; i < map.size(); i++) {
                    MapExtent e = map.get(i);
                    out.print((i == 0 ? "" : ",\n") + "{ \"start\": " + e.start() + ", \"length\": " + e.length()
                            + ", \"depth\": " + e.depth() + ", \"present\": " + e.present() + ", \"zero\": " + e.zero()
                            + ", \"data\": " + e.data() + (e.offset() >= 0 ? ", \"offset\": " + e.offset() : "") + "}");
                }
                out.println("]");
            } else {
                out.println(String.format("%-16s%-16s%-16s%s", "Offset", "Length", "Mapped to", "File"));
                for (MapExtent e : map) {
                    if (e.data() && e.offset() >= 0) {
                        out.println(String.format("%-16s%-16s%-16s%s", hex(e.start()), hex(e.length()), hex(e.offset()), e.file()));
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    /** C's %#x: "0" for zero, else 0x-prefixed. */
    private static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }
}
