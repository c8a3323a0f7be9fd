package org.virtfx.engine.bus;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Guest-physical MMIO regions (LAPIC, IOAPIC, HPET, PCI BARs, the VGA window, ROMs). Regions may be added, moved and
 * removed while the machine runs (PCI BAR programming); lookups read an immutable sorted snapshot and never lock.
 * Unclaimed addresses read as all ones. Dispatch holds the machine's device lock, as {@link IoBus} does.
 */
public final class MmioBus {
    /** A registered region; {@link #moveTo} relocates it (PCI BAR writes). */
    public final class Region {
        private final String name;
        private final MmioDevice device;
        private volatile long base;
        private final long length;
        private volatile boolean mapped;

        private Region(String name, long base, long length, MmioDevice device) {
            this.name = name;
            this.base = base;
            this.length = length;
            this.device = device;
        }

        public String name() {
            return name;
        }

        public long base() {
            return base;
        }

        public long length() {
            return length;
        }

        public boolean mapped() {
            return mapped;
        }

        public MmioDevice device() {
            return device;
        }

        /** Maps the region at {@code newBase} (or unmaps it when {@code enabled} is false). */
        public void moveTo(long newBase, boolean enabled) {
            synchronized (MmioBus.this) {
                base = newBase;
                mapped = enabled;
                rebuild();
            }
        }

        public void remove() {
            synchronized (MmioBus.this) {
                all = Arrays.stream(all).filter(r -> r != this).toArray(Region[]::new);
                rebuild();
            }
        }

        @Override
        public String toString() {
            return String.format("%s[0x%x+0x%x%s]", name, base, length, mapped ? "" : ", unmapped");
        }
    }

    private final ReentrantLock lock;
    private Region[] all = new Region[0];
    private volatile Region[] active = new Region[0];
    private volatile long generation;

    public MmioBus(ReentrantLock deviceLock) {
        this.lock = Objects.requireNonNull(deviceLock);
    }

    public synchronized Region register(String name, long base, long length, MmioDevice device) {
        if (length <= 0 || base < 0) {
            throw new IllegalArgumentException(String.format("bad MMIO range 0x%x+0x%x for %s", base, length, name));
        }
        Region r = new Region(name, base, length, Objects.requireNonNull(device));
        r.mapped = true;
        all = Arrays.copyOf(all, all.length + 1);
        all[all.length - 1] = r;
        rebuild();
        return r;
    }

    /**
     * Bumped whenever the map changes, so that caches of "this page is RAM / this page is MMIO" (the vCPU TLB) can
     * tell they are stale.
     */
    public long generation() {
        return generation;
    }

    private void rebuild() {
        // Earlier registrations win on overlap (as with PCI, a BAR programmed on top of another is shadowed).
        Region[] sorted = Arrays.stream(all).filter(r -> r.mapped).sorted((a, b) -> Long.compareUnsigned(a.base, b.base))
                .toArray(Region[]::new);
        active = sorted;
        generation++;
    }

    /** The region containing {@code address}, or null. */
    public Region find(long address) {
        Region[] regions = active;
        int lo = 0;
        int hi = regions.length - 1;
        Region hit = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region r = regions[mid];
            if (Long.compareUnsigned(r.base, address) <= 0) {
                if (Long.compareUnsigned(address - r.base, r.length) < 0) {
                    hit = r;
                }
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hit == null) {
            // Overlapping regions: fall back to a linear scan so nothing is missed.
            for (Region r : regions) {
                if (Long.compareUnsigned(address - r.base, r.length) < 0) {
                    return r;
                }
            }
        }
        return hit;
    }

    public long read(long address, int size) {
        Region r = find(address);
        if (r == null) {
            return size == 8 ? -1L : (1L << (size * 8)) - 1;
        }
        lock.lock();
        try {
            return r.device.mmioRead(address - r.base, size);
        } finally {
            lock.unlock();
        }
    }

    /** Returns false when no region claims {@code address}. */
    public boolean write(long address, int size, long value) {
        Region r = find(address);
        if (r == null) {
            return false;
        }
        lock.lock();
        try {
            r.device.mmioWrite(address - r.base, size, value);
        } finally {
            lock.unlock();
        }
        return true;
    }
}
