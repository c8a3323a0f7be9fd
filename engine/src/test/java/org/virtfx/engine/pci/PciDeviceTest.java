package org.virtfx.engine.pci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.snapshot.StateReader;

class PciDeviceTest {
    static final class TestDevice extends PciDevice {
        TestDevice() {
            super("test", 0x1234, 0x5678, 0x020000, 1);
            declareIoBar(0, 0x20, new PortDevice() {
                @Override
                public int ioRead(int port, int size) {
                    return 0x42;
                }

                @Override
                public void ioWrite(int port, int size, int value) {
                }
            });
            declareMemoryBar(2, 0x1000, true, false, new MmioDevice() {
                @Override
                public long mmioRead(long offset, int size) {
                    return 0x99;
                }

                @Override
                public void mmioWrite(long offset, int size, long value) {
                }
            });
            declareRom(new byte[] {0x55, (byte) 0xAA, 1, 2});
            setInterruptPin(1);
            addCapability(0x09, new byte[14]);
        }

        void irq(boolean level) {
            setIrq(level);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final IoBus io = new IoBus(lock);
    private final MmioBus mmio = new MmioBus(lock);
    private final PciBus bus = new PciBus(io, mmio);

    @Test
    void headerAndAbsentFunctions() {
        bus.attach(3, 0, new TestDevice());
        assertEquals(0x56781234, bus.configRead(3, 0, 0, 4));
        assertEquals(0x02, bus.configRead(3, 0, 0x0B, 1));
        assertEquals(-1, bus.configRead(4, 0, 0, 4), "empty slot");
        assertEquals(0xFFFF, bus.configRead(3, 1, 0, 2), "function 1 of a single-function device");
        assertEquals(0x40, bus.configRead(3, 0, 0x34, 1), "capability list head");
        assertTrue((bus.configRead(3, 0, 0x06, 2) & 0x10) != 0);
    }

    @Test
    void barsSizeAndMapOnlyWhenDecodingIsEnabled() {
        TestDevice d = new TestDevice();
        bus.attach(3, 0, d);
        bus.configWrite(3, 0, 0x10, 4, -1);
        assertEquals(0xFFFFFFE1, bus.configRead(3, 0, 0x10, 4), "I/O BAR of 32 bytes sizes as ~31 | 1");
        bus.configWrite(3, 0, 0x18, 4, -1);
        bus.configWrite(3, 0, 0x1C, 4, -1);
        assertEquals(0xFFFFF004, bus.configRead(3, 0, 0x18, 4), "64-bit memory BAR of 4 KiB");
        assertEquals(0xFFFFFFFF, bus.configRead(3, 0, 0x1C, 4));
        bus.configWrite(3, 0, 0x30, 4, 0xFFFFFFFE);
        assertEquals(0xFFFFF800, bus.configRead(3, 0, 0x30, 4), "ROM BAR of 2 KiB (minimum)");

        bus.configWrite(3, 0, 0x10, 4, 0xC000);
        bus.configWrite(3, 0, 0x18, 4, 0xFEB00000);
        bus.configWrite(3, 0, 0x1C, 4, 0);
        bus.configWrite(3, 0, 0x30, 4, 0xFEB40000 | 1);
        assertEquals(0xFF, io.read(0xC000, 1), "not decoded before the command register enables it");
        assertNull(mmio.find(0xFEB00000L));
        bus.configWrite(3, 0, 0x04, 2, 0x3);
        assertEquals(0x42, io.read(0xC01F, 1));
        assertEquals(0x99, mmio.read(0xFEB00000L, 4));
        assertEquals(0xAA55, mmio.read(0xFEB40000L, 2), "ROM BAR serves the image");
        bus.configWrite(3, 0, 0x10, 4, 0xD000);
        assertEquals(0xFF, io.read(0xC000, 1), "moved away");
        assertEquals(0x42, io.read(0xD000, 1));
        bus.configWrite(3, 0, 0x04, 2, 0);
        assertEquals(0xFF, io.read(0xD000, 1));
        assertEquals(0xFFFFFFFFL, mmio.read(0xFEB00000L, 4));
    }

    @Test
    void interruptsFollowTheRouterAndTheDisableBit() {
        TestDevice d = new TestDevice();
        boolean[] line = new boolean[1];
        bus.setIrqRouter((slot, pin, level) -> {
            assertEquals(3, slot);
            assertEquals(1, pin);
            line[0] = level;
        });
        bus.attach(3, 0, d);
        d.irq(true);
        assertTrue(line[0]);
        assertTrue((bus.configRead(3, 0, 0x06, 2) & 0x08) != 0, "interrupt status bit");
        bus.configWrite(3, 0, 0x04, 2, 0x400);
        assertEquals(false, line[0], "interrupt disable masks INTx");
        bus.configWrite(3, 0, 0x04, 2, 0);
        assertTrue(line[0]);
    }

    @Test
    void configSpaceRoundTripsThroughSavedState() throws Exception {
        TestDevice a = new TestDevice();
        bus.attach(3, 0, a);
        bus.configWrite(3, 0, 0x10, 4, 0xC000);
        bus.configWrite(3, 0, 0x04, 2, 1);
        bus.configWrite(3, 0, 0x3C, 1, 11);
        byte[] state = a.saveState();
        PciBus other = new PciBus(new IoBus(new ReentrantLock()), new MmioBus(new ReentrantLock()));
        TestDevice b = new TestDevice();
        other.attach(3, 0, b);
        b.loadState(new StateReader(state, "pci-03.0", 1));
        for (int off = 0; off < 256; off += 4) {
            assertEquals(a.configRead(off, 4), b.configRead(off, 4), "config dword " + off);
        }
        assertEquals(0x42, other.io().read(0xC000, 1), "mappings are restored with the state");
        byte[] again = b.saveState();
        assertArrayEquals(state, again);
    }
}
