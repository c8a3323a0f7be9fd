package org.virtfx.engine.cli.img;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code virtfx img}: disk image tools with qemu-img's verbs, options and exit statuses. */
@Command(name = "img", mixinStandardHelpOptions = true,
        description = "Create, inspect, check, convert and modify disk images (raw, qcow2, vdi, vmdk, vpc, vhdx).",
        subcommands = {ImgCreate.class, ImgInfo.class, ImgCheck.class, ImgConvert.class, ImgSnapshot.class,
                ImgResize.class, ImgCompare.class, ImgMap.class, ImgRebase.class, CommandLine.HelpCommand.class})
public final class ImgCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
