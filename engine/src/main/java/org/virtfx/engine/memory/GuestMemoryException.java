package org.virtfx.engine.memory;

/** A guest-supplied address or length fell outside guest RAM. Devices turn this into a hardware-like error. */
public final class GuestMemoryException extends RuntimeException {
    private final long offset;
    private final long length;

    public GuestMemoryException(long offset, long length, long ramSize) {
        super(String.format("guest memory access [0x%x, +0x%x) outside RAM of 0x%x bytes", offset, length, ramSize));
        this.offset = offset;
        this.length = length;
    }

    public long offset() {
        return offset;
    }

    public long length() {
        return length;
    }
}
