package org.virtfx.engine.cli.img;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.SnapshotInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img info}: what qemu-img info shows, in its human layout or its JSON key names. */
@Command(name = "info", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Show the format, sizes, backing file, snapshots and format details of an image.")
final class ImgInfo implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--output", paramLabel = "FMT", defaultValue = "human", description = "human or json.")
    String output;

    @Option(names = "--backing-chain", description = "Also show every image of the backing chain (default: off).")
    boolean chain;

    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        boolean json = ImgSupport.jsonOutput(output);
        List<ImageInfo> infos = new ArrayList<>();
        try (DiskImage img = DiskImages.open(file, format, true, chain)) {
            for (DiskImage l = img; l != null; l = chain ? l.backing() : null) {
                infos.add(l.info());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            if (chain) {
                List<Object> all = new ArrayList<>();
                for (ImageInfo i : infos) {
                    all.add(toJson(i));
                }
                out.println(ImgOutput.json(all));
            } else {
                out.println(ImgOutput.json(toJson(infos.getFirst())));
            }
        } else {
            for (int i = 0; i < infos.size(); i++) {
                if (i > 0) {
                    out.println();
                }
                printHuman(out, infos.get(i));
            }
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> toJson(ImageInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!i.snapshots().isEmpty()) {
            m.put("snapshots", snapshotsJson(i.snapshots()));
        }
        if (i.backingFormat() != null) {
            m.put("backing-filename-format", i.backingFormat());
        }
        m.put("virtual-size", i.virtualSize());
        m.put("filename", i.file().toString());
        if (i.clusterSize() > 0) {
            m.put("cluster-size", i.clusterSize());
        }
        m.put("format", i.format());
        m.put("actual-size", i.actualSize());
        if (!i.formatSpecific().isEmpty()) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", i.format());
            fs.put("data", i.formatSpecific());
            m.put("format-specific", fs);
        }
        if (i.backingFile() != null) {
            m.put("full-backing-filename", fullBacking(i));
            m.put("backing-filename", i.backingFile());
        }
        m.put("dirty-flag", i.dirty());
        return m;
    }

    /** As qemu: the backing name joined to the image's directory as the user spelled it (not made absolute). */
    static String fullBacking(ImageInfo i) {
        Path b = Path.of(i.backingFile());
        Path dir = i.file().getParent();
        return b.isAbsolute() || dir == null ? i.backingFile() : dir.resolve(b).toString();
    }

    static List<Object> snapshotsJson(List<SnapshotInfo> snaps) {
        List<Object> l = new ArrayList<>();
        for (SnapshotInfo s : snaps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("icount", Math.max(0, s.icount()));
            m.put("vm-clock-nsec", s.vmClockNanos() % 1_000_000_000L);
            m.put("name", s.name());
            m.put("date-sec", s.date().getEpochSecond());
            m.put("date-nsec", (long) s.date().getNano());
            m.put("vm-clock-sec", s.vmClockNanos() / 1_000_000_000L);
            m.put("id", s.id());
            m.put("vm-state-size", s.vmStateSize());
            l.add(m);
        }
        return l;
    }

    static void printHuman(PrintWriter out, ImageInfo i) {
        out.println("image: " + i.file());
        out.println("file format: " + i.format());
        out.println("virtual size: " + ImgOutput.humanSize(i.virtualSize()) + " (" + i.virtualSize() + " bytes)");
        out.println("disk size: " + ImgOutput.humanSize(i.actualSize()));
        if (i.clusterSize() > 0) {
            out.println("cluster_size: " + i.clusterSize());
        }
        if (i.backingFile() != null) {
            String full = fullBacking(i);
            out.println("backing file: " + i.backingFile() + (full.equals(i.backingFile()) ? "" : " (actual path: " + full + ")"));
            if (i.backingFormat() != null) {
                out.println("backing file format: " + i.backingFormat());
            }
        }
        if (i.dirty()) {
            out.println("dirty flag: true");
        }
        if (!i.snapshots().isEmpty()) {
            ImgSnapshot.printList(out, i.snapshots());
        }
        if (!i.formatSpecific().isEmpty()) {
            out.println("Format specific information:");
            printSpecific(out, i.formatSpecific(), 1);
        }
    }

    private static void printSpecific(PrintWriter out, Map<?, ?> m, int depth) {
        String ind = "    ".repeat(depth);
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey()).replace('-', ' ');
            printValue(out, ind, key, e.getValue(), depth);
        }
    }

    private static void printValue(PrintWriter out, String ind, String key, Object v, int depth) {
        if (v instanceof Map<?, ?> sub) {
            out.println(ind + key + ":");
            printSpecific(out, sub, depth + 1);
        } else if (v instanceof List<?> list) {
            out.println(ind + key + ":");
            String ind2 = "    ".repeat(depth + 1);
            for (int k = 0; k < list.size(); k++) {
                printValue(out, ind2, "[" + k + "]", list.get(k), depth + 1);
            }
        } else {
            out.println(ind + key + ": " + v);
        }
    }
}
