package org.virtfx.engine.bus;

/**
 * A device's view of memory-mapped I/O. {@code offset} is relative to the start of the registered region;
 * {@code size} is 1, 2, 4 or 8. Called with the machine's device lock held; never throws for guest-chosen values.
 */
public interface MmioDevice {
    long mmioRead(long offset, int size);

    void mmioWrite(long offset, int size, long value);
}
