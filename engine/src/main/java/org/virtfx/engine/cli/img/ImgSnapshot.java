package org.virtfx.engine.cli.img;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.SnapshotInfo;
import org.virtfx.engine.storage.SnapshotSupport;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code virtfx img snapshot}: internal snapshots (qcow2). */
@Command(name = "snapshot", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "List, create, apply or delete internal snapshots (formats with snapshot support: qcow2).")
final class ImgSnapshot implements Callable<Integer> {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final class Action {
        @Option(names = "-l", description = "List snapshots (the default action).")
        boolean list;
        @Option(names = "-c", paramLabel = "NAME", description = "Create a snapshot.")
        String create;
        @Option(names = "-a", paramLabel = "SNAPSHOT", description = "Apply (revert to) a snapshot, by id or name.")
        String apply;
        @Option(names = "-d", paramLabel = "SNAPSHOT", description = "Delete a snapshot, by id or name.")
        String delete;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Action action;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--output", paramLabel = "FMT", defaultValue = "human", description = "human or json (for -l).")
    String output;

    @Option(names = "-q", description = "Quiet (default: off).")
    boolean quiet;

    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        boolean json = ImgSupport.jsonOutput(output);
        boolean list = action == null || action.list;
        PrintWriter out = spec.commandLine().getOut();
        try (DiskImage img = DiskImages.open(file, format, list, false)) {
            SnapshotSupport s = img.snapshots().orElseThrow(() -> new IllegalArgumentException(
                    file + ": format '" + img.format().name() + "' does not support internal snapshots"));
            if (list) {
                List<SnapshotInfo> snaps = s.list();
                if (json) {
                    out.println(ImgOutput.json(ImgInfo.snapshotsJson(snaps)));
                } else if (!snaps.isEmpty()) {
                    printList(out, snaps);
                }
            } else if (action.create != null) {
                s.create(action.create);
            } else if (action.apply != null) {
                s.apply(action.apply);
            } else {
                s.delete(action.delete);
            }
            img.flush();
        }
        out.flush();
        return 0;
    }

    static void printList(PrintWriter out, List<SnapshotInfo> snaps) {
        out.println("Snapshot list:");
        out.println(String.format("%-9s %-17s %7s%20s%13s%11s", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT"));
        for (SnapshotInfo s : snaps) {
            long ms = s.vmClockNanos() / 1_000_000;
            String clock = String.format("%02d:%02d:%02d.%03d", ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
            out.println(String.format("%-9s %-17s %7s%20s%13s%11s", s.id(), s.name(), ImgOutput.humanSize(s.vmStateSize()),
                    DATE.format(s.date()), clock, s.icount() < 0 ? "" : Long.toString(s.icount())));
        }
    }
}
