package org.virtfx.engine.bus;

/**
 * An interrupt wire from a device to an interrupt controller input (PIC, IOAPIC). Level-triggered sources call
 * {@link #set}; edge sources {@link #pulse}. Safe to call from device code (device lock held).
 */
@FunctionalInterface
public interface IrqLine {
    IrqLine NONE = level -> { };

    void set(boolean level);

    default void raise() {
        set(true);
    }

    default void lower() {
        set(false);
    }

    default void pulse() {
        set(true);
        set(false);
    }
}
