package org.virtfx.engine.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.virtfx.engine.debug.QemuTraceParser;
import org.virtfx.engine.debug.TraceDiff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `virtfx trace-diff`: first instruction where two register traces (QEMU `-d cpu` format) disagree. */
@Command(name = "trace-diff", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Compare two CPU traces in QEMU's '-d cpu' format (e.g. qemu-system-i386 -accel tcg -d cpu "
                + "-singlestep -D qemu.log, and VirtFX's own trace) and print the first instruction where they differ.",
                "Exit status: 0 when they agree, 4 when they differ, 1 on bad input. Files may be gzip-compressed."})
public final class TraceDiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPECTED", description = "Reference trace (e.g. QEMU's).")
    Path expected;

    @Parameters(index = "1", paramLabel = "ACTUAL", description = "Trace to check (e.g. VirtFX's).")
    Path actual;

    @Option(names = "--ignore", split = ",", paramLabel = "REG", description = "More registers not to compare (e.g. CR2,EFL).")
    List<String> ignore = List.of();

    @Option(names = "--eflags-mask", paramLabel = "HEX", defaultValue = "ffffffff",
            description = "EFLAGS bits compared (clear the undefined flags of the instructions involved).")
    String eflagsMask;

    @Override
    public Integer call() throws Exception {
        for (Path p : List.of(expected, actual)) {
            if (!Files.isRegularFile(p)) {
                System.err.println("virtfx trace-diff: no such trace file: " + p);
                return ExitStatus.BAD_INPUT;
            }
        }
        Set<String> ignored = new HashSet<>(TraceDiff.DEFAULT_IGNORED);
        ignored.addAll(ignore);
        long mask;
        try {
            mask = Long.parseUnsignedLong(eflagsMask.replaceFirst("^0[xX]", ""), 16);
        } catch (NumberFormatException e) {
            System.err.println("virtfx trace-diff: --eflags-mask: not a hex number: " + eflagsMask);
            return ExitStatus.BAD_INPUT;
        }
        try (BufferedReader a = open(expected); BufferedReader b = open(actual)) {
            TraceDiff.Result r = new TraceDiff(ignored, mask).compare(new QemuTraceParser(a), new QemuTraceParser(b));
            System.out.print(r.describe(expected.getFileName().toString(), actual.getFileName().toString()));
            if (r.agrees()) {
                System.out.println();
            }
            return r.agrees() ? ExitStatus.OK : 4;
        }
    }

    private static BufferedReader open(Path p) throws java.io.IOException {
        var in = Files.newInputStream(p);
        if (p.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1), 1 << 20);
    }
}
