package org.virtfx.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.virtfx.engine.library.LibraryEntry;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsDetector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `virtfx vm`: the machine library from the command line — what the New VM, Clone, Add Hardware and Delete wizards do. */
@Command(name = "vm", mixinStandardHelpOptions = true,
        description = "List, create, clone, extend and delete the machines of the VirtFX library.")
// Subcommands: see Subcommands.TREE.
public final class VmCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code --library DIR}, shared by every subcommand. */
    static final class LibraryOption {
        @Option(names = "--library", paramLabel = "DIR",
                description = "Library folder (default: $XDG_DATA_HOME/virtfx/machines).")
        Path dir;

        VmOperations operations() {
            return new VmOperations(dir == null ? VmLibrary.standard() : new VmLibrary(dir));
        }
    }

    /** What every subcommand has: its spec (for the output stream) and {@code --library}. */
    abstract static class LibraryCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        LibraryOption lib;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Prints the command's one-line result and returns the success status. */
        int report(String line) {
            out().println(line);
            out().flush();
            return 0;
        }
    }

    /** A subcommand about one machine of the library, named by its first parameter. */
    abstract static class MachineCommand extends LibraryCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
    }

    /** {@code -p}, for the subcommands that copy or create disks. */
    static final class ProgressOption {
        @Option(names = "-p", description = "Show progress.")
        boolean show;

        OperationProgress printer(PrintWriter out) {
            return VmCommand.printer(out, show);
        }
    }

    /**
     * A new disk image for {@code machine}: an unused name in {@code diskDir} (default: the library's image folder).
     */
    static VmOperations.NewDisk newDisk(VmOperations ops, Path diskDir, String machine, String format, String size) {
        Path dir = diskDir != null ? diskDir : ops.defaultImageFolder();
        return new VmOperations.NewDisk(VmOperations.unusedImagePath(dir, machine, format, List.of()), format,
                SizeParser.parse(size, 1));
    }

    /** Prints steps and whole percentages on one line. */
    static OperationProgress printer(PrintWriter out, boolean show) {
        return !show ? OperationProgress.NONE : new OperationProgress() {
            private long lastPercent = -1;

            @Override
            public void step(String description) {
                out.println(description);
                out.flush();
            }

            @Override
            public void progress(long done, long total) {
                long pct = total <= 0 ? 100 : done * 100 / total;
                if (pct != lastPercent) {
                    lastPercent = pct;
                    out.printf("    (%d/100%%)\r", pct);
                    out.flush();
                }
            }
        };
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the machines, one per line: name, memory, CPUs, disks.")
    static final class ListCmd extends LibraryCommand {

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            for (LibraryEntry e : lib.operations().library().list()) {
                if (e.broken()) {
                    out.println(e.displayName() + "\tBROKEN\t" + e.error());
                } else {
                    VmDefinition d = e.definition();
                    out.println(d.name() + "\t" + d.memoryMiB() + " MiB\t" + d.cpus() + " CPU\t" + String.join(",", d.disks()));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Define a new machine, optionally with a new disk; the OS is detected from --cdrom or --kernel unless --os is given.")
    static final class Create extends MachineCommand {
        @Option(names = {"-m", "--memory"}, defaultValue = "1G", description = "Guest RAM.")
        String memory;
        @Option(names = {"-c", "--cpus"}, defaultValue = "1")
        int cpus;
        @Option(names = "--os", description = "OS short id (debian12, win11, linux...).")
        String os;
        @Option(names = "--cdrom", paramLabel = "ISO")
        Path cdrom;
        @Option(names = "--kernel")
        Path kernel;
        @Option(names = "--initrd")
        Path initrd;
        @Option(names = "--append", defaultValue = "")
        String append;
        @Option(names = "--disk", paramLabel = "IMAGE", description = "Attach an existing image (repeatable).")
        List<Path> disks = new ArrayList<>();
        @Option(names = "--disk-size", paramLabel = "SIZE", description = "Create a new disk of this size (e.g. 20G).")
        String diskSize;
        @Option(names = "--disk-format", defaultValue = "qcow2", description = "qcow2 or raw.")
        String diskFormat;
        @Option(names = "--disk-dir", paramLabel = "DIR", description = "Folder of the new disk (default: images/ beside the library).")
        Path diskDir;
        @Mixin
        ProgressOption progress;

        @Override
        public Integer call() throws Exception {
            VmOperations ops = lib.operations();
            String osId = os;
            if (osId == null && (cdrom != null || kernel != null)) {
                osId = new OsDetector(OsCatalog.load()).detect(cdrom != null ? cdrom : kernel).map(d -> d.os().shortId()).orElse("");
            }
            VmDefinition def = VmDefinition.create(name, osId, SizeParser.parse(memory, 1 << 20) >> 20, cpus)
                    .withCdrom(cdrom == null ? null : cdrom.toAbsolutePath().toString())
                    .withBoot(null, kernel == null ? null : kernel.toAbsolutePath().toString(),
                            initrd == null ? null : initrd.toAbsolutePath().toString(), append)
                    .withDisks(disks.stream().map(p -> p.toAbsolutePath().toString()).toList());
            def.toMachineConfig();
            VmOperations.NewDisk disk = diskSize == null ? null : newDisk(ops, diskDir, name, diskFormat, diskSize);
            VmDefinition saved = ops.create(def, disk, progress.printer(out()));
            return report("created '" + saved.name() + "' (os " + (saved.os().isEmpty() ? "unknown" : saved.os())
                    + ")" + (disk != null ? " with disk " + disk.file() : ""));
        }
    }

    @Command(name = "clone", mixinStandardHelpOptions = true,
            description = "Clone a machine: every disk copied (or, with --linked, a qcow2 overlay on the original), new MAC addresses.")
    static final class Clone extends LibraryCommand {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;
        @Parameters(index = "1", paramLabel = "NEW_NAME")
        String newName;
        @Option(names = "--linked", description = "Linked clone: the original disks become read-only backing files; do not change them afterwards.")
        boolean linked;
        @Option(names = "--disk-dir", paramLabel = "DIR", description = "Folder for the new disks (default: beside each original).")
        Path diskDir;
        @Mixin
        ProgressOption progress;

        @Override
        public Integer call() throws Exception {
            VmDefinition c = lib.operations().cloneMachine(source, newName,
                    linked ? VmOperations.CloneMode.LINKED : VmOperations.CloneMode.FULL, diskDir,
                    progress.printer(out()));
            return report("cloned '" + source + "' as '" + c.name() + "'" + (c.disks().isEmpty() ? ""
                    : ", disks: " + String.join(", ", c.disks())));
        }
    }

    @Command(name = "add-disk", mixinStandardHelpOptions = true,
            description = "Attach an existing image (--image) or a new one (--size) to a machine.")
    static final class AddDisk extends MachineCommand {
        @Option(names = "--image", paramLabel = "FILE")
        Path image;
        @Option(names = "--size", paramLabel = "SIZE")
        String size;
        @Option(names = "--format", defaultValue = "qcow2", description = "Format of a new disk: qcow2 or raw.")
        String format;
        @Option(names = "--disk-dir", paramLabel = "DIR")
        Path diskDir;

        @Override
        public Integer call() throws Exception {
            VmOperations ops = lib.operations();
            if ((image == null) == (size == null)) {
                throw new IllegalArgumentException("give either --image FILE or --size SIZE");
            }
            VmDefinition d;
            if (image != null) {
                d = ops.attachDisk(name, image);
            } else {
                d = ops.addNewDisk(name, newDisk(ops, diskDir, name, format, size), OperationProgress.NONE);
            }
            return report("'" + name + "' now has disks: " + String.join(", ", d.disks()));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Remove a machine from the library; with --delete-storage also its disk images that no other machine uses.")
    static final class Delete extends MachineCommand {
        @Option(names = "--delete-storage", description = "Also delete the disk images (never one another machine uses).")
        boolean deleteStorage;

        @Override
        public Integer call() throws Exception {
            VmOperations ops = lib.operations();
            List<Path> disks = deleteStorage ? ops.storageOf(name).stream().map(VmOperations.Storage::file).toList() : List.of();
            VmOperations.DeleteResult r = ops.delete(name, disks);
            PrintWriter out = out();
            out.println("deleted '" + name + "'");
            r.deleted().forEach(p -> out.println("deleted " + p));
            r.kept().forEach((p, why) -> out.println("kept " + p + ": " + why));
            out.flush();
            return 0;
        }
    }
}
