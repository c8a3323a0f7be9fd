package org.virtfx.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.virtfx.engine.guests.FixtureFetcher;
import org.virtfx.engine.guests.GuestFixtures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `virtfx guests fetch|list`: the Debian-built guest fixtures used by the demo, the tests and CI. */
@Command(name = "guests", mixinStandardHelpOptions = true,
        description = {"Fetch and list the guest fixtures (firmware, Debian kernels, busybox initramfs, GRUB ISOs, "
                + "memtest86+), built from Debian packages into $VIRTFX_GUESTS (default ~/.cache/virtfx/guests)."})
// Subcommands: see Subcommands.TREE.
public final class GuestsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download the Debian packages (apt-get download) and build the fixtures. Idempotent.")
    static final class Fetch implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            try {
                new FixtureFetcher(GuestFixtures.cacheDir(), System.out).fetchAll();
                return ExitStatus.OK;
            } catch (java.io.IOException e) {
                err.println("virtfx guests fetch: " + e.getMessage());
                return ExitStatus.BAD_INPUT;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show which fixtures are present.")
    static final class ListFixtures implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.println("guest cache: " + GuestFixtures.cacheDir());
            List<Object[]> rows = new ArrayList<>();
            rows.add(new Object[] {"seabios", GuestFixtures.seabios()});
            rows.add(new Object[] {"vgabios", GuestFixtures.vgaBios()});
            for (GuestFixtures.Arch a : GuestFixtures.Arch.values()) {
                rows.add(new Object[] {a.dir() + " kernel", GuestFixtures.kernel(a)});
                rows.add(new Object[] {a.dir() + " initramfs", GuestFixtures.initramfs(a)});
                rows.add(new Object[] {a.dir() + " grub iso", GuestFixtures.grubIso(a)});
                rows.add(new Object[] {a.dir() + " memtest86+", GuestFixtures.memtest(a)});
            }
            boolean all = true;
            for (Object[] r : rows) {
                Path p = (Path) r[1];
                boolean ok = Files.isRegularFile(p);
                all &= ok;
                out.printf("  %-20s %-8s %s%n", r[0], ok ? Files.size(p) / 1024 + "K" : "missing", p);
            }
            if (!all) {
                out.println("run 'virtfx guests fetch' to build the missing fixtures");
            }
            return ExitStatus.OK;
        }
    }
}
