package org.virtfx.engine.machine;

import java.util.EnumSet;
import java.util.Set;

/** Lifecycle of a {@link Machine}, after libvirt's domain states. */
public enum MachineState {
    DEFINED, RUNNING, PAUSED, SHUTTING_DOWN, SHUT_OFF, CRASHED;

    /** States from which {@code next} may be entered. */
    public boolean canGoTo(MachineState next) {
        return allowedNext().contains(next);
    }

    public Set<MachineState> allowedNext() {
        return switch (this) {
            case DEFINED, SHUT_OFF -> EnumSet.of(RUNNING);
            case RUNNING -> EnumSet.of(PAUSED, SHUTTING_DOWN, SHUT_OFF, CRASHED);
            case PAUSED -> EnumSet.of(RUNNING, SHUT_OFF, CRASHED);
            case SHUTTING_DOWN -> EnumSet.of(SHUT_OFF, CRASHED, PAUSED, RUNNING);
            case CRASHED -> EnumSet.of(RUNNING, SHUT_OFF);
        };
    }

    /** True while vCPU threads exist (running or paused). */
    public boolean isActive() {
        return this == RUNNING || this == PAUSED || this == SHUTTING_DOWN;
    }
}
