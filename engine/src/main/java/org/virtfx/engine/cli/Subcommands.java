package org.virtfx.engine.cli;

import java.util.List;
import java.util.Map;
import org.virtfx.engine.cli.img.ImgCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The tree of `virtfx` subcommands, registered only as far as the arguments need it. Picocli builds the model of
 * every registered command (reflection over all its options, mixins and converters) when it is added; with the whole
 * tree that was 40 % of the start of a short command such as `virtfx img info`. A command line that names its
 * subcommand gets just that branch; anything else (no subcommand, an option first, `help`, an unknown name) gets the
 * whole level, so usage texts and error messages list every choice.
 */
final class Subcommands {
    private static final Map<Class<?>, List<Class<?>>> TREE = Map.of(
            Main.class, List.of(RunCommand.class, GuestsCommand.class, DemoCommand.class, VmCommand.class,
                    TraceDiffCommand.class, CpuTestCommand.class, ImgCommand.class, CommandLine.HelpCommand.class),
            VmCommand.class, List.of(VmCommand.ListCmd.class, VmCommand.Create.class, VmCommand.Clone.class,
                    VmCommand.AddDisk.class, VmCommand.Delete.class),
            GuestsCommand.class, List.of(GuestsCommand.Fetch.class, GuestsCommand.ListFixtures.class),
            ImgCommand.class, ImgCommand.SUBCOMMANDS);

    private Subcommands() {
    }

    /** Adds the subcommands of {@code parent}'s command that {@code args[index...]} need (null args: all of them). */
    static void add(CommandLine parent, CommandLine.IFactory factory, String[] args, int index) {
        List<Class<?>> children = TREE.get(parent.getCommandSpec().userObject().getClass());
        if (children == null) {
            return;
        }
        Class<?> named = args == null || index >= args.length ? null : named(children, args[index]);
        for (Class<?> child : children) {
            if (named == null || child == named) {
                CommandLine sub = new CommandLine(child, factory);
                add(sub, factory, named == null ? null : args, index + 1);
                parent.addSubcommand(sub);
            }
        }
    }

    /** The child the argument names, unless it is `help` (which needs its siblings to describe them). */
    private static Class<?> named(List<Class<?>> children, String arg) {
        for (Class<?> child : children) {
            Command c = child.getAnnotation(Command.class);
            if (c != null && !c.helpCommand() && (c.name().equals(arg) || List.of(c.aliases()).contains(arg))) {
                return child;
            }
        }
        return null;
    }
}
