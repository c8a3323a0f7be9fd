package org.virtfx.engine.bus;

/**
 * A device's view of port I/O: all a device sees of the CPU side. Called with the machine's device lock held.
 * {@code size} is 1, 2 or 4 bytes; {@code port} is the absolute port number within the range the device registered.
 * A device must never throw for guest-chosen values: it answers as hardware would (usually all ones) instead.
 */
public interface PortDevice {
    int ioRead(int port, int size);

    void ioWrite(int port, int size, int value);
}
