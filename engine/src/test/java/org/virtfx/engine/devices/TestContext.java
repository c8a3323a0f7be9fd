package org.virtfx.engine.devices;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.machine.SerialHub;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/** A machine context for device unit tests: paused clock the test moves, timer service, recorded warnings. */
public final class TestContext implements MachineContext, AutoCloseable {
    public final ReentrantLock lock = new ReentrantLock();
    public final VirtualClock clock = new VirtualClock();
    public final TimerService timers = new TimerService(clock, lock);
    public final List<String> warnings = new ArrayList<>();
    private final SerialHub[] serial = {new SerialHub("com1"), new SerialHub("com2"), new SerialHub("com3"),
            new SerialHub("com4")};

    @Override
    public String name() {
        return "test";
    }

    @Override
    public ReentrantLock deviceLock() {
        return lock;
    }

    @Override
    public VirtualClock clock() {
        return clock;
    }

    @Override
    public TimerService timers() {
        return timers;
    }

    @Override
    public SerialHub serial(int index) {
        return serial[index];
    }

    @Override
    public void guestPowerOff(int exitCode) {
    }

    @Override
    public void guestReset() {
    }

    @Override
    public void guestCrash(String reason) {
    }

    @Override
    public synchronized void warnOnce(String message) {
        if (!warnings.contains(message)) {
            warnings.add(message);
        }
    }

    @Override
    public void close() {
        timers.close();
    }
}
