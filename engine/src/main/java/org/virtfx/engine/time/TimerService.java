package org.virtfx.engine.time;

import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Device timers on the {@link VirtualClock}. One thread per machine sleeps until the earliest deadline and runs the
 * expired callbacks with the machine's device lock held (the same lock port and MMIO dispatch use), so device code is
 * never concurrent with itself. An idle guest thus costs one wake-up per armed deadline and nothing else.
 */
public final class TimerService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TimerService.class.getName());

    /** A re-armable one-shot timer. */
    public final class Timer {
        private final String name;
        private final Runnable callback;
        private long deadline = -1;
        private long sequence;

        private Timer(String name, Runnable callback) {
            this.name = name;
            this.callback = callback;
        }

        /** Fires once when virtual time reaches {@code virtualNanos}; replaces any earlier arming. */
        public void armAt(long virtualNanos) {
            lock.lock();
            try {
                if (deadline >= 0) {
                    queue.remove(this);
                }
                deadline = virtualNanos;
                sequence = nextSequence++;
                queue.add(this);
                if (queue.peek() == this) {
                    // only an earlier first deadline changes how long the timer thread sleeps; a guest re-arming its
                    // tick timer from the handler would otherwise wake the thread once more per tick for nothing
                    changed.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        public void armAfter(long delayNanos) {
            armAt(clock.nanos() + Math.max(0, delayNanos));
        }

        public void cancel() {
            lock.lock();
            try {
                if (deadline >= 0) {
                    queue.remove(this);
                    deadline = -1;
                }
            } finally {
                lock.unlock();
            }
        }

        public boolean armed() {
            lock.lock();
            try {
                return deadline >= 0;
            } finally {
                lock.unlock();
            }
        }

        /** The armed deadline, or -1. */
        public long deadline() {
            lock.lock();
            try {
                return deadline;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return "Timer[" + name + "]";
        }
    }

    private final VirtualClock clock;
    private final ReentrantLock lock;
    private final Condition changed;
    private final PriorityQueue<Timer> queue = new PriorityQueue<>((a, b) -> a.deadline != b.deadline
            ? Long.compare(a.deadline, b.deadline) : Long.compare(a.sequence, b.sequence));
    private long nextSequence;
    private Thread thread;
    private volatile boolean closed;

    /** {@code deviceLock} is the machine's device lock: callbacks run holding it. */
    public TimerService(VirtualClock clock, ReentrantLock deviceLock) {
        this.clock = Objects.requireNonNull(clock);
        this.lock = Objects.requireNonNull(deviceLock);
        this.changed = lock.newCondition();
    }

    public VirtualClock clock() {
        return clock;
    }

    public Timer newTimer(String name, Runnable callback) {
        return new Timer(name, Objects.requireNonNull(callback));
    }

    /** Starts the timer thread (idempotent). */
    public synchronized void start(String machineName) {
        if (thread != null) {
            return;
        }
        thread = Thread.ofPlatform().daemon().name("timers-" + machineName).start(this::loop);
    }

    /** Wakes the timer thread so it re-reads the clock (after resume). */
    public void poke() {
        lock.lock();
        try {
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        lock.lock();
        try {
            while (!closed) {
                Timer head = queue.peek();
                long wait = head == null ? Long.MAX_VALUE : clock.hostNanosUntil(head.deadline);
                if (wait > 0) {
                    try {
                        if (wait == Long.MAX_VALUE) {
                            changed.await();
                        } else {
                            changed.awaitNanos(wait);
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                queue.poll();
                head.deadline = -1;
                try {
                    head.callback.run();
                } catch (RuntimeException e) {
                    // A device bug must not stop every other timer of the machine.
                    LOG.log(System.Logger.Level.ERROR, "timer " + head.name + " failed", e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
