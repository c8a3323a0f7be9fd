package org.virtfx.engine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class BusTest {
    /** A port device that stores what was written per port and answers it back. */
    static final class Latch implements PortDevice {
        final int[] values = new int[0x10000];
        boolean lockHeld;
        final ReentrantLock lock;

        Latch(ReentrantLock lock) {
            this.lock = lock;
        }

        @Override
        public int ioRead(int port, int size) {
            lockHeld = lock.isHeldByCurrentThread();
            return values[port];
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            values[port] = value;
        }
    }

    @Test
    void portsDispatchToTheirOwnerUnderTheDeviceLock() {
        ReentrantLock lock = new ReentrantLock();
        IoBus bus = new IoBus(lock);
        Latch d = new Latch(lock);
        bus.register(0x3F8, 8, "uart", d);
        bus.write(0x3F9, 1, 0x1FF);
        assertEquals(0xFF, d.values[0x3F9], "a byte write is truncated to 8 bits");
        assertEquals(0xFF, bus.read(0x3F9, 1));
        assertTrue(d.lockHeld);
        assertEquals("uart", bus.ownerOf(0x3FF));
        bus.write(0x3FC, 4, 0xDEADBEEF);
        assertEquals(0xDEADBEEF, d.values[0x3FC]);
    }

    @Test
    void unclaimedPortsFloatHigh() {
        IoBus bus = new IoBus(new ReentrantLock());
        assertEquals(0xFF, bus.read(0x80, 1));
        assertEquals(0xFFFF, bus.read(0x80, 2));
        assertEquals(-1, bus.read(0x80, 4));
        bus.write(0x80, 1, 5); // vanishes, no exception
    }

    @Test
    void overlappingPortRangesAreAWiringBug() {
        IoBus bus = new IoBus(new ReentrantLock());
        bus.register(0x60, 1, "kbd", new Latch(new ReentrantLock()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> bus.register(0x5F, 2, "other", new Latch(new ReentrantLock())));
        assertTrue(e.getMessage().contains("kbd"));
        bus.unregister(0x60, 1);
        bus.register(0x5F, 2, "other", new Latch(new ReentrantLock()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0xFFFF, 2, "x", new Latch(new ReentrantLock())));
    }

    @Test
    void mmioRegionsRouteMoveAndDisappear() {
        MmioBus bus = new MmioBus(new ReentrantLock());
        long[] last = new long[2];
        MmioDevice dev = new MmioDevice() {
            @Override
            public long mmioRead(long offset, int size) {
                return offset * 10 + size;
            }

            @Override
            public void mmioWrite(long offset, int size, long value) {
                last[0] = offset;
                last[1] = value;
            }
        };
        MmioBus.Region r = bus.register("bar", 0xFEB00000L, 0x1000, dev);
        bus.register("lapic", 0xFEE00000L, 0x1000, dev);
        assertEquals(0x10 * 10 + 4, bus.read(0xFEB00010L, 4));
        assertTrue(bus.write(0xFEE00020L, 4, 77));
        assertEquals(0x20, last[0]);
        assertEquals(77, last[1]);
        long gen = bus.generation();
        r.moveTo(0xC0000000L, true);
        assertTrue(bus.generation() != gen);
        assertEquals(0xFFFFFFFFL, bus.read(0xFEB00010L, 4), "old address no longer decodes");
        assertEquals(4, bus.read(0xC0000000L, 4));
        r.moveTo(0xC0000000L, false);
        assertFalse(bus.write(0xC0000000L, 4, 1));
        assertEquals(-1L, bus.read(0xD0000000L, 8));
        r.remove();
        assertEquals(0x20 * 10 + 1, bus.read(0xFEE00020L, 1));
    }
}
