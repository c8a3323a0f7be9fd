package org.virtfx.engine.virtio;

import java.util.Objects;
import org.virtfx.engine.snapshot.Snapshottable;

/**
 * A virtio device type (network, block ...) as its transport sees it: feature bits, queues, configuration space and
 * what happens when the driver kicks a queue. The transport ({@link VirtioPci}) owns feature negotiation, device
 * status, the queues' registers and interrupts, so a new device type needs no transport change.
 *
 * <p>All methods run holding the machine's device lock.
 */
public abstract class VirtioDevice implements Snapshottable {
    /** What a device uses of its transport. */
    public interface Transport {
        Virtqueue queue(int index);

        /** Whether the driver finished setting up (DRIVER_OK) and the device has not failed since. */
        boolean running();

        /** Interrupts the driver if it wants to hear about the chains just used on {@code queue}. */
        void usedBuffers(Virtqueue queue);

        /** The device's configuration changed (link status ...): bumps the generation, interrupts the driver. */
        void configChanged();

        /** The guest broke the device's rules: DEVICE_NEEDS_RESET, a warning once, no more queue processing. */
        void fail(String reason);
    }

    private Transport transport;

    /** Called once by the transport that carries this device. */
    final void attach(Transport t) {
        if (transport != null) {
            throw new IllegalStateException("virtio device already attached");
        }
        transport = Objects.requireNonNull(t);
    }

    protected final Transport transport() {
        return transport;
    }

    /** Short name for thread, log and PCI region names ("virtio-net"). */
    public abstract String name();

    /** Virtio device ID (5: 1 network card, 2 block device ...). */
    public abstract int deviceId();

    /** PCI class code (class, subclass, programming interface) the transport shows. */
    public abstract int pciClass();

    /** Device-specific feature bits offered (0-23 and 50+; the transport adds the ring and version bits). */
    public abstract long features();

    public abstract int queueCount();

    public abstract int queueMaxSize(int index);

    /** The negotiated features (after FEATURES_OK), for the device to follow. */
    protected void featuresAccepted(long features) {
    }

    /** Reads {@code size} bytes of the device configuration space at {@code offset}, little-endian (virtio 1.x). */
    public final long readConfig(int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | configByte(offset + i);
        }
        return v;
    }

    /** One byte of the device configuration space (past its end: zero). */
    protected abstract int configByte(int offset);

    /** A driver write to the configuration space; read-only fields ignore it. */
    public void writeConfig(int offset, int size, long value) {
    }

    /** The driver kicked queue {@code index}, which is enabled and the device running. */
    protected abstract void queueNotified(int index) throws Virtqueue.BadRingException;

    /** The driver set DRIVER_OK: work queued before may start now. */
    protected void driverReady() throws Virtqueue.BadRingException {
    }

    /** Device reset (status 0 or platform reset): device-specific state back to power-on. */
    public abstract void reset();
}
