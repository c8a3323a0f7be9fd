package org.virtfx.engine.cli;

import java.util.concurrent.Callable;
import org.virtfx.engine.guests.FixtureFetcher;
import org.virtfx.engine.guests.GuestFixtures;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `virtfx demo`: fetches the fixtures when missing, then boots the demo Linux guest with its console here. */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Boot the demo Linux guest (Debian kernel + busybox) headless, with its serial console on this "
                + "terminal. Fetches the guest fixtures first if they are missing. Type 'poweroff' in the guest or press "
                + "Ctrl+C to stop."})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--arch", defaultValue = "i386", description = "Which demo kernel: i386 or amd64.")
    String arch;

    @Option(names = {"-m", "--memory"}, defaultValue = "256M", description = "Guest RAM.")
    String memory;

    @Option(names = {"-c", "--cpus"}, defaultValue = "1", description = "Number of vCPUs.")
    int cpus;

    @Override
    public Integer call() throws Exception {
        GuestFixtures.Arch a = switch (arch) {
            case "i386" -> GuestFixtures.Arch.I386;
            case "amd64" -> GuestFixtures.Arch.AMD64;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--arch: expected i386 or amd64, got '" + arch + "'");
        };
        if (!GuestFixtures.present(GuestFixtures.kernel(a)) || !GuestFixtures.present(GuestFixtures.initramfs(a))) {
            try {
                new FixtureFetcher(GuestFixtures.cacheDir(), System.out).fetchAll();
            } catch (java.io.IOException e) {
                spec.commandLine().getErr().println("virtfx demo: " + e.getMessage());
                return ExitStatus.BAD_INPUT;
            }
        }
        CommandLine run = new CommandLine(new RunCommand());
        run.setOut(spec.commandLine().getOut());
        run.setErr(spec.commandLine().getErr());
        return run.execute("--memory", memory, "--cpus", Integer.toString(cpus),
                "--kernel", GuestFixtures.kernel(a).toString(), "--initrd", GuestFixtures.initramfs(a).toString(),
                "--append", "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS, "--serial", "stdio");
    }
}
