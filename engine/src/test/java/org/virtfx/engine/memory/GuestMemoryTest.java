package org.virtfx.engine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.bus.MmioDevice;

class GuestMemoryTest {
    @Test
    void manyGibibytesCostNothingUntilTouched() {
        try (GuestMemory m = GuestMemory.allocate(8L << 30)) {
            assertEquals(8L << 30, m.size());
            m.write64((8L << 30) - 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, m.read64((8L << 30) - 8));
            assertEquals(0x88, m.read8((8L << 30) - 8), "little-endian");
            assertEquals(0, m.read32(4L << 30), "fresh RAM reads zero");
        }
    }

    @Test
    void accessesAreBoundsChecked() {
        try (GuestMemory m = GuestMemory.allocate(1 << 20)) {
            assertThrows(GuestMemoryException.class, () -> m.read32((1 << 20) - 3));
            assertThrows(GuestMemoryException.class, () -> m.write8(-1, 0));
            assertThrows(GuestMemoryException.class, () -> m.read(1 << 19, new byte[(1 << 19) + 1], 0, (1 << 19) + 1));
            assertThrows(GuestMemoryException.class, () -> m.slice(Long.MAX_VALUE - 2, 4));
            assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(1000));
        }
    }

    @Test
    void dirtyPagesAreTrackedAndCleared() {
        try (GuestMemory m = GuestMemory.allocate(1 << 20)) {
            m.fetchAndClearDirty();
            m.write8(0x5000, 1);
            m.write(0x7FFF, new byte[2], 0, 2); // straddles pages 7 and 8
            long[] bits = m.fetchAndClearDirty();
            assertEquals((1L << 5) | (1L << 7) | (1L << 8), bits[0]);
            assertFalse(m.isDirty(5));
            m.markDirty(0x3000, 1);
            assertTrue(m.isDirty(3));
        }
    }

    @Test
    void dirtyPagesOfOneRangeAreFetchedAloneAndRelativeToIt() {
        try (GuestMemory m = GuestMemory.allocate(1 << 20)) {
            m.fetchAndClearDirty();
            for (long page : new long[] {69, 70, 133, 134, 139, 140}) {
                m.markDirty(page << GuestMemory.PAGE_SHIFT, 1);
            }
            long[] bits = m.fetchAndClearDirty(70L << GuestMemory.PAGE_SHIFT, 70L << GuestMemory.PAGE_SHIFT);
            assertEquals(2, bits.length);
            assertEquals(1L | 1L << 63, bits[0], "pages 70 and 133 are bits 0 and 63");
            assertEquals(1L | 1L << 5, bits[1], "pages 134 and 139 are bits 64 and 69");
            assertTrue(m.isDirty(69), "the page before the range keeps its bit");
            assertTrue(m.isDirty(140), "the page after the range keeps its bit");
            assertFalse(m.isDirty(133));
            assertEquals(0, m.fetchAndClearDirty(70L << GuestMemory.PAGE_SHIFT, 70L << GuestMemory.PAGE_SHIFT)[0]);
            assertThrows(IllegalArgumentException.class, () -> m.fetchAndClearDirty(100, 4096));
            assertThrows(GuestMemoryException.class, () -> m.fetchAndClearDirty(1 << 20, 4096));
        }
    }

    @Test
    void touchedPagesCountEachWrittenPageOnceEvenAfterTheDirtyBitsAreCleared() {
        try (GuestMemory m = GuestMemory.allocate(1 << 20)) {
            assertEquals(0, m.touchedPages(), "fresh RAM: nothing in use");
            m.read32(0x9000);
            assertEquals(0, m.touchedPages(), "reads do not count");
            m.write8(0x5000, 1);
            m.write(0x7FFF, new byte[2], 0, 2);   // pages 7 and 8
            m.markDirty(0x5004, 4);               // a vCPU store to page 5 again
            assertEquals(3, m.touchedPages());
            m.fetchAndClearDirty();
            m.write8(0x5001, 2);                  // dirty again, but touched already
            assertEquals(3, m.touchedPages());
            m.setDirtyTracking(false);
            m.markDirty(0x20000, 0x3000);         // pages 0x20..0x22: counted without dirty tracking too
            assertEquals(6, m.touchedPages());
            assertEquals(6L * GuestMemory.PAGE_SIZE, m.touchedBytes());
            assertFalse(m.isDirty(0x20));
        }
    }

    @Test
    void writeObserverSeesDeviceWrites() {
        try (GuestMemory m = GuestMemory.allocate(1 << 20)) {
            long[] seen = new long[2];
            m.setWriteObserver((off, len) -> {
                seen[0] = off;
                seen[1] = len;
            });
            m.write32(0x1234, 5);
            assertArrayEquals(new long[] {0x1234, 4}, seen);
        }
    }

    @Test
    void fileBackedMemoryPersists(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ram");
        try (GuestMemory m = GuestMemory.mapFile(f, 1 << 20)) {
            m.write32(100, 0xCAFEBABE);
        }
        assertEquals(1 << 20, Files.size(f));
        try (GuestMemory m = GuestMemory.mapFile(f, 1 << 20)) {
            assertEquals(0xCAFEBABE, m.read32(100));
        }
    }

    @Test
    void physicalMapRoutesRamRomAndMmioAndHonoursA20() {
        try (GuestMemory ram = GuestMemory.allocate(4 << 20)) {
            MmioBus mmio = new MmioBus(new ReentrantLock());
            mmio.register("dev", 0xFEC00000L, 0x1000, new MmioDevice() {
                @Override
                public long mmioRead(long offset, int size) {
                    return 0xAB;
                }

                @Override
                public void mmioWrite(long offset, int size, long value) {
                }
            });
            PhysicalMemory pm = new PhysicalMemory(ram, mmio);
            pm.mapRam(0, 4 << 20, 0);
            byte[] rom = new byte[0x10000];
            rom[0xFFF0] = (byte) 0xEA;
            pm.mapRom(0xFFFF0000L, rom);
            pm.write(0x1000, 4, 0x01020304);
            assertEquals(0x01020304, pm.read(0x1000, 4));
            assertEquals(0x1000, pm.ramOffset(0x1000));
            assertEquals(0xEA, pm.read(0xFFFFFFF0L, 1));
            pm.write(0xFFFFFFF0L, 1, 0);
            assertEquals(0xEA, pm.read(0xFFFFFFF0L, 1), "ROM ignores writes");
            assertEquals(-1, pm.ramOffset(0xFFFFFFF0L));
            assertEquals(0xAB, pm.read(0xFEC00000L, 4));
            assertEquals(PhysicalMemory.Kind.MMIO, pm.kindOf(0xFEC00000L));
            long gen = pm.generation();
            pm.setA20(false);
            assertEquals(~(1L << 20), pm.a20Mask());
            assertTrue(pm.generation() != gen);
            byte[] dma = {9, 8, 7};
            pm.write(0x3FFFFE, dma, 0, 3); // runs past the end of RAM into unassigned space
            byte[] back = new byte[3];
            pm.read(0x3FFFFE, back, 0, 3);
            assertEquals(9, back[0]);
            assertEquals(8, back[1]);
            assertEquals((byte) 0xFF, back[2]);
        }
    }
}
