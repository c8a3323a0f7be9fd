package org.virtfx.engine.cpu;

/**
 * One virtual CPU, as the machine drives it: the software interpreter implements it now, a KVM backend later.
 *
 * <p>{@link #run} is called on the vCPU's own platform thread and executes guest code until something outside the
 * guest needs the thread back. A halted vCPU does not spin: it parks inside {@code run} until an interrupt is
 * delivered to it, {@link #requestExit} is called, or its timer fires, so an idle guest costs no host CPU.
 */
public interface Vcpu {
    /** Why {@link #run} returned. */
    enum Exit {
        /** {@link #requestExit} was called (pause, stop, snapshot, reset). */
        EXIT_REQUESTED,
        /** Triple fault or shutdown cycle: the board decides between reset and crash. */
        SHUTDOWN,
        /** The CPU is in a wait-for-SIPI state (an application processor before start-up); nothing to run. */
        WAIT_FOR_SIPI
    }

    int index();

    /** Runs guest code on the calling thread until an {@link Exit}. Exceptions mean an engine error: the VM crashes. */
    Exit run();

    /** Thread-safe: makes {@link #run} return {@link Exit#EXIT_REQUESTED} soon (also wakes a halted vCPU). */
    void requestExit();

    /** Architectural reset (power-on or INIT for an AP). Only while not running. */
    void reset();

    /** Register state in human-readable form (crash reports, `virtfx run` exit status 3). */
    String describeState();

    /** Guest instructions retired so far (for MIPS figures and graphs). */
    long instructionsRetired();
}
