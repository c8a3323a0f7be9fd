package org.virtfx.engine.cli;

/** Exit statuses of `virtfx run` (and the other subcommands, which use OK and BAD_INPUT). */
public final class ExitStatus {
    /** The guest powered off, or an expectation matched. */
    public static final int OK = 0;
    /** A bad argument or file; the message names it. */
    public static final int BAD_INPUT = 1;
    /** --timeout expired before the guest ended or an expectation matched. */
    public static final int TIMEOUT = 2;
    /** The guest crashed (triple fault, or an engine error it caused); the register state is printed. */
    public static final int CRASHED = 3;
    /** Stopped by Ctrl+C (SIGINT), as shells report it. */
    public static final int INTERRUPTED = 130;

    private ExitStatus() {
    }
}
