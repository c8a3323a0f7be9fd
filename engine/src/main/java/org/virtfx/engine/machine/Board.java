package org.virtfx.engine.machine;

import java.util.List;
import java.util.Optional;
import org.virtfx.engine.cpu.Vcpu;

/**
 * The hardware of one machine (a PC: chipset, devices, vCPUs), built by a {@link BoardFactory} when the machine
 * starts and closed when it stops. The {@link Machine} owns the lifecycle and the vCPU threads; the board owns
 * everything else.
 */
public interface Board extends AutoCloseable {
    /** The vCPUs, index 0 first (the bootstrap processor). */
    List<? extends Vcpu> vcpus();

    /**
     * Called on a vCPU's thread when {@link Vcpu#run} returned {@link Vcpu.Exit#WAIT_FOR_SIPI}; blocks until the vCPU
     * has something to run or {@code Vcpu.requestExit} was called. The default sleeps briefly.
     */
    default void awaitStartup(Vcpu vcpu) throws InterruptedException {
        Thread.sleep(10);
    }

    /** Platform reset (0xCF9, keyboard controller, triple fault with reset policy): devices and vCPUs. vCPUs are stopped. */
    void reset();

    /** Presses the ACPI power button (a polite shutdown request). Returns false when the guest cannot be asked. */
    boolean pressPowerButton();

    /** Finds a device or facility of the board by type (display, keyboard, block devices ...). */
    default <T> Optional<T> lookup(Class<T> type) {
        return Optional.empty();
    }

    @Override
    void close();
}
