package org.virtfx.engine.cli.img;

import java.io.PrintWriter;

import picocli.CommandLine.Option;

/** {@code -p} and {@code -q} of the commands that go over a whole disk (convert, compare, rebase), as in qemu-img. */
final class ProgressOptions {
    @Option(names = "-p", description = "Show progress (default: off).")
    boolean progress;

    @Option(names = "-q", description = "Quiet: print nothing but errors; only the exit status tells (default: off).")
    boolean quiet;

    /** Where progress lines go: {@code out} with -p (unless -q), else null. */
    PrintWriter progressTo(PrintWriter out) {
        return progress && !quiet ? out : null;
    }

    /** Rewrites the progress line ({@code progress} may be null: nothing to show). Safe from several threads. */
    static void show(PrintWriter progress, double done, double total) {
        if (progress == null) {
            return;
        }
        synchronized (progress) {
            progress.printf("    (%.2f/100%%)\r", done * 100.0 / Math.max(1, total));
            progress.flush();
        }
    }
}
