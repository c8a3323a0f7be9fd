package org.virtfx.engine.cli.img;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.virtfx.engine.storage.Capability;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormat;
import org.virtfx.engine.storage.RepairMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img check}: consistency check with qemu-img's messages and exit statuses. */
@Command(name = "check", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Check an image's metadata for consistency (and optionally repair it).",
                "Exit status: 0 no errors, 1 the check itself failed, 2 corruptions, 3 leaked clusters only, "
                        + "63 the format does not support checks."})
final class ImgCheck implements Callable<Integer> {
    static final int NOT_SUPPORTED = 63;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--output", paramLabel = "FMT", defaultValue = "human", description = "human or json.")
    String output;

    @Option(names = "-r", paramLabel = "leaks|all", description = "Repair leaked clusters, or all repairable errors (default: only check).")
    String repair;

    @Option(names = "-q", description = "Quiet: print nothing, only set the exit status (default: off).")
    boolean quiet;

    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        boolean json = ImgSupport.jsonOutput(output);
        RepairMode mode = repair == null ? RepairMode.NONE : switch (repair) {
            case "leaks" -> RepairMode.LEAKS;
            case "all" -> RepairMode.ALL;
            default -> throw new IllegalArgumentException("-r must be leaks or all (got '" + repair + "')");
        };
        PrintWriter out = spec.commandLine().getOut();
        ImageFormat f = format == null ? DiskImages.probe(file) : DiskImages.format(format);
        if (!f.capabilities().contains(Capability.CHECK)) {
            spec.commandLine().getErr().println("virtfx: " + file + ": format '" + f.name() + "' does not support checks");
            return NOT_SUPPORTED;
        }
        CheckResult r;
        try (DiskImage img = DiskImages.open(file, f.name(), mode == RepairMode.NONE, false)) {
            r = img.check(mode);
        }
        if (quiet) {
            return r.exitStatus();
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (r.imageEndOffset() > 0) {
                m.put("image-end-offset", r.imageEndOffset());
            }
            if (r.totalClusters() > 0) {
                m.put("total-clusters", r.totalClusters());
            }
            m.put("check-errors", r.checkErrors());
            if (r.leaks() > 0) {
                m.put("leaks", r.leaks());
            }
            if (r.corruptions() > 0) {
                m.put("corruptions", r.corruptions());
            }
            if (r.leaksFixed() > 0) {
                m.put("leaks-fixed", r.leaksFixed());
            }
            if (r.corruptionsFixed() > 0) {
                m.put("corruptions-fixed", r.corruptionsFixed());
            }
            if (r.allocatedClusters() > 0) {
                m.put("allocated-clusters", r.allocatedClusters());
            }
            if (r.fragmentedClusters() > 0) {
                m.put("fragmented-clusters", r.fragmentedClusters());
            }
            if (r.compressedClusters() > 0) {
                m.put("compressed-clusters", r.compressedClusters());
            }
            m.put("filename", file.toString());
            m.put("format", f.name());
            out.println(ImgOutput.json(m));
        } else {
            for (String msg : r.messages()) {
                out.println(msg);
            }
            if (r.leaksFixed() > 0 || r.corruptionsFixed() > 0) {
                out.printf("The following inconsistencies were found and repaired:%n%n    %d leaked clusters%n    %d corruptions%n%n",
                        r.leaksFixed(), r.corruptionsFixed());
            }
            long corr = r.corruptions() - r.corruptionsFixed();
            long leaks = r.leaks() - r.leaksFixed();
            if (corr == 0 && leaks == 0 && r.checkErrors() == 0) {
                out.println("No errors were found on the image.");
            } else {
                if (corr > 0) {
                    out.printf("%n%d errors were found on the image.%nData may be corrupted, or further writes to the image may corrupt it.%n", corr);
                }
                if (leaks > 0) {
                    out.printf("%n%d leaked clusters were found on the image.%nThis means waste of disk space, but no harm to data.%n", leaks);
                }
                if (r.checkErrors() > 0) {
                    out.printf("%n%d internal errors have occurred during the check.%n", r.checkErrors());
                }
            }
            if (r.totalClusters() > 0 && r.allocatedClusters() > 0) {
                double t = r.totalClusters();
                out.println(String.format(Locale.ROOT, "%d/%d = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters",
                        r.allocatedClusters(), r.totalClusters(), r.allocatedClusters() * 100.0 / t,
                        r.fragmentedClusters() * 100.0 / r.allocatedClusters(),
                        r.compressedClusters() * 100.0 / r.allocatedClusters()));
            }
            if (r.imageEndOffset() > 0) {
                out.println("Image end offset: " + r.imageEndOffset());
            }
        }
        out.flush();
        return r.exitStatus();
    }
}
