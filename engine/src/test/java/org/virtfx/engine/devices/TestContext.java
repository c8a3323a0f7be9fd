package org.virtfx.engine.devices;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.machine.SerialHub;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/**
 * A machine context for device tests: a stopped virtual clock the test moves by hand (timers never fire on their own,
 * tests call the device's timer callback), and records of what the guest asked the machine to do.
 */
public final class TestContext implements MachineContext {
    public final ReentrantLock lock = new ReentrantLock();
    public final VirtualClock clock = new VirtualClock();
    public final TimerService timers = new TimerService(clock, lock);
    public final SerialHub[] serial = {new SerialHub("COM1"), new SerialHub("COM2"), new SerialHub("COM3"), new SerialHub("COM4")};
    public final List<Integer> powerOffs = new ArrayList<>();
    public final List<String> warnings = new ArrayList<>();
    public int resets;
    public String crash;

    /** Moves virtual time to {@code ns} since power-on. */
    public void at(long ns) {
        clock.set(ns);
    }

    public void advance(long ns) {
        clock.set(clock.nanos() + ns);
    }

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
        powerOffs.add(exitCode);
    }

    @Override
    public void guestReset() {
        resets++;
    }

    @Override
    public void guestCrash(String reason) {
        crash = reason;
    }

    @Override
    public void warnOnce(String message) {
        warnings.add(message);
    }
}
