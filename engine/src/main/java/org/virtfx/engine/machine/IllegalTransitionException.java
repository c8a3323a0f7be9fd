package org.virtfx.engine.machine;

/** An operation asked for a state change the lifecycle does not allow (e.g. pause a shut-off machine). */
public final class IllegalTransitionException extends IllegalStateException {
    public IllegalTransitionException(String machine, String operation, MachineState from) {
        super("cannot " + operation + " machine '" + machine + "' while it is " + from.name().toLowerCase().replace('_', ' '));
    }
}
