package org.virtfx.engine.cli.img;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code virtfx img}: disk image tools with qemu-img's verbs, options and exit statuses. */
@Command(name = "img", mixinStandardHelpOptions = true,
        description = "Create, inspect, check, convert and modify disk images (raw, qcow2, vdi, vmdk, vpc, vhdx).")
public final class ImgCommand implements Runnable {
    /** The verbs, registered by cli.Subcommands (only the one a command line names). */
    public static final List<Class<?>> SUBCOMMANDS = List.of(ImgCreate.class, ImgInfo.class, ImgCheck.class,
            ImgConvert.class, ImgSnapshot.class, ImgResize.class, ImgCompare.class, ImgMap.class, ImgRebase.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
