package org.virtfx.engine.machine;

/**
 * Something that happened to a machine, for listeners (GUI notification bars, the headless runner, logs).
 *
 * @param kind    what happened
 * @param message human-readable detail naming the cause
 */
public record MachineEvent(Kind kind, String message) {
    public enum Kind {
        /** The guest powered itself off (ACPI S5, exit device) or the user forced it off. */
        POWERED_OFF,
        /** The guest or user reset the machine. */
        RESET,
        /** A triple fault or an engine error caused by the guest; {@code message} holds the reason and registers. */
        CRASHED,
        /** The guest wrote to the exit device; see {@link Machine#exitCode()}. */
        EXIT_DEVICE,
        /** Informational: a device logged a guest programming error, once. */
        WARNING
    }
}
