package org.virtfx.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `virtfx` command line. The desktop app is started by the launcher when no subcommand is given. */
@Command(name = "virtfx", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "VirtFX: virtual machines on your Linux desktop, with its own PC engine.")
// Subcommands are listed in Subcommands.TREE (registered lazily: see there).
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (used by tests). */
    public static int execute(String... args) {
        return commandLine(CommandLine.defaultFactory(), args).execute(args);
    }

    /** The whole command tree. */
    public static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** The command line with subcommand objects made by {@code factory} (tests hand in a RunCommand on another board). */
    public static CommandLine commandLine(CommandLine.IFactory factory) {
        return commandLine(factory, null);
    }

    /** The command line with the subcommands {@code args} name (all of them when null or when none is named). */
    private static CommandLine commandLine(CommandLine.IFactory factory, String[] args) {
        CommandLine cl = new CommandLine(new Main(), factory);
        Subcommands.add(cl, factory, args, 0);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("virtfx: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return ExitStatus.BAD_INPUT;
        });
        cl.setParameterExceptionHandler((ex, argsLeft) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("virtfx: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitStatus.BAD_INPUT;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"VirtFX " + version(), "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/org/virtfx/engine/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }
}
