package org.virtfx.engine.machine;

import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/**
 * What a {@link Board} gets from its {@link Machine}: the device lock, the clock and timers, the serial hubs, and the
 * callbacks through which the guest ends or resets the machine. All callbacks are safe from any engine thread.
 */
public interface MachineContext {
    String name();

    /** The lock that serialises all device code (port/MMIO dispatch, timers, host-side I/O completions). */
    ReentrantLock deviceLock();

    VirtualClock clock();

    TimerService timers();

    /** COM1..COM4 host ends (index 0..3). */
    SerialHub serial(int index);

    /** The guest powered off (ACPI S5, exit device). {@code exitCode} is what `virtfx run` exits with. */
    void guestPowerOff(int exitCode);

    /** The guest asked for a platform reset (0xCF9, i8042 0xFE, triple fault with reset policy). */
    void guestReset();

    /** The guest did something that stops the machine (triple fault with crash policy, engine error it caused). */
    void guestCrash(String reason);

    /** A device reports a guest programming error; shown once per distinct message. */
    void warnOnce(String message);
}
