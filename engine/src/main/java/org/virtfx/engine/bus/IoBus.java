package org.virtfx.engine.bus;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The 64 KiB x86 port space. Devices register port ranges; a lookup is one array load. Accesses to a port nobody
 * decodes read as all ones and writes vanish, as on a PC. Accesses wider than one port are passed whole to the
 * device that owns the first port (devices decode their own 16/32-bit registers).
 *
 * <p>Every dispatch holds the machine's device lock, so device code never runs concurrently with other device code
 * (vCPUs, the timer thread, host I/O threads all go through it), as QEMU's big lock does.
 */
public final class IoBus {
    public static final int PORTS = 0x10000;

    private final PortDevice[] devices = new PortDevice[PORTS];
    private final String[] owners = new String[PORTS];
    private final ReentrantLock lock;

    public IoBus(ReentrantLock deviceLock) {
        this.lock = Objects.requireNonNull(deviceLock);
    }

    /** Claims {@code [base, base+count)} for {@code device}. Overlaps are a wiring bug and throw. */
    public void register(int base, int count, String name, PortDevice device) {
        Objects.requireNonNull(device);
        if (base < 0 || count <= 0 || base + count > PORTS) {
            throw new IllegalArgumentException(String.format("bad port range 0x%x+%d for %s", base, count, name));
        }
        lock.lock();
        try {
            for (int p = base; p < base + count; p++) {
                if (devices[p] != null) {
                    throw new IllegalStateException(String.format("port 0x%x of %s already belongs to %s", p, name, owners[p]));
                }
            }
            for (int p = base; p < base + count; p++) {
                devices[p] = device;
                owners[p] = name;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Releases {@code [base, base+count)} (used when a PCI I/O BAR moves). */
    public void unregister(int base, int count) {
        lock.lock();
        try {
            for (int p = Math.max(0, base); p < Math.min(PORTS, base + count); p++) {
                devices[p] = null;
                owners[p] = null;
            }
        } finally {
            lock.unlock();
        }
    }

    public String ownerOf(int port) {
        return owners[port & 0xFFFF];
    }

    public int read(int port, int size) {
        port &= 0xFFFF;
        PortDevice d = devices[port];
        if (d == null) {
            return size == 4 ? -1 : (1 << (size * 8)) - 1;
        }
        lock.lock();
        try {
            return d.ioRead(port, size);
        } finally {
            lock.unlock();
        }
    }

    public void write(int port, int size, int value) {
        port &= 0xFFFF;
        PortDevice d = devices[port];
        if (d == null) {
            return;
        }
        lock.lock();
        try {
            d.ioWrite(port, size, size == 4 ? value : value & ((1 << (size * 8)) - 1));
        } finally {
            lock.unlock();
        }
    }
}
