package org.virtfx.engine.machine;

/** Observes a machine. Called on engine threads: a GUI must hop to its own thread. Must not block. */
public interface MachineListener {
    default void stateChanged(Machine machine, MachineState oldState, MachineState newState) {
    }

    default void event(Machine machine, MachineEvent event) {
    }
}
