package org.virtfx.engine.time;

/**
 * The machine's notion of time in nanoseconds since power-on. It follows the host's monotonic clock while the
 * machine runs and stands still while it is paused, so that every timer device (PIT, RTC, HPET, LAPIC, TSC, ACPI PM
 * timer) derives its counters from one source and they agree with each other.
 */
public final class VirtualClock {
    private final Object lock = new Object();
    private long offset;           // virtual = host - offset while running
    private long frozenAt;         // virtual time at pause
    private boolean running;

    public VirtualClock() {
        offset = System.nanoTime();
        running = false;
        frozenAt = 0;
    }

    /** Current virtual time (ns since power-on). */
    public long nanos() {
        synchronized (lock) {
            return running ? System.nanoTime() - offset : frozenAt;
        }
    }

    public void start() {
        synchronized (lock) {
            if (!running) {
                offset = System.nanoTime() - frozenAt;
                running = true;
            }
        }
    }

    public void pause() {
        synchronized (lock) {
            if (running) {
                frozenAt = System.nanoTime() - offset;
                running = false;
            }
        }
    }

    public boolean running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Host nanoseconds until virtual time reaches {@code virtualDeadline} (0 if past; max while paused). */
    public long hostNanosUntil(long virtualDeadline) {
        synchronized (lock) {
            if (!running) {
                return Long.MAX_VALUE;
            }
            return Math.max(0, virtualDeadline - (System.nanoTime() - offset));
        }
    }

    /** Restores the clock to {@code virtualNanos} (snapshot load); keeps the running/paused state. */
    public void set(long virtualNanos) {
        synchronized (lock) {
            if (running) {
                offset = System.nanoTime() - virtualNanos;
            } else {
                frozenAt = virtualNanos;
            }
        }
    }
}
