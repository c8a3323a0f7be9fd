package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

class FwCfgTest {
    private TestContext ctx;
    private PhysicalMemory memory;
    private FwCfg fw;

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        memory = new PhysicalMemory(GuestMemory.allocate(1 << 20), new MmioBus(ctx.lock));
        memory.mapRam(0, 1 << 20, 0);
        fw = new FwCfg(ctx, memory);
        fw.putLong(FwCfg.RAM_SIZE, 512L << 20);
        fw.putFile("etc/e820", new byte[20]);
        fw.putFile("bootorder", "/pci@i0cf8/ide@1,1/drive@1/disk@0\n".getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] readItem(int key, int n) {
        fw.ioWrite(FwCfg.SELECTOR_PORT, 2, key);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) fw.ioRead(FwCfg.DATA_PORT, 1);
        }
        return b;
    }

    @Test
    void signatureFeaturesAndLegacyItems() {
        assertEquals("QEMU", new String(readItem(FwCfg.SIGNATURE, 4), StandardCharsets.US_ASCII));
        assertEquals(3, readItem(FwCfg.ID, 4)[0], "traditional + DMA");
        assertEquals(512L << 20, ByteBuffer.wrap(readItem(FwCfg.RAM_SIZE, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong());
        byte[] past = readItem(FwCfg.SIGNATURE, 6);
        assertEquals(0, past[4], "reads past the end give 0");
        assertEquals(0, readItem(0x1234, 1)[0], "unknown key reads 0");
        assertEquals(0x554D4551, fw.ioRead(FwCfg.DMA_PORT, 4), "'QEMU' of 'QEMU CFG'");
        assertEquals(0x47464320, fw.ioRead(FwCfg.DMA_PORT + 4, 4));
    }

    @Test
    void fileDirectoryIsSortedBigEndian() {
        ByteBuffer dir = ByteBuffer.wrap(readItem(FwCfg.FILE_DIR, 4 + 2 * 64)).order(ByteOrder.BIG_ENDIAN);
        assertEquals(2, dir.getInt(0));
        assertEquals(34, dir.getInt(4));
        int bootorderKey = dir.getShort(8) & 0xFFFF;
        assertEquals("bootorder", new String(dir.array(), 12, 9, StandardCharsets.US_ASCII));
        assertEquals(20, dir.getInt(68));
        assertEquals("etc/e820", new String(dir.array(), 76, 8, StandardCharsets.US_ASCII));
        assertEquals('/', readItem(bootorderKey, 1)[0]);
        assertEquals(FwCfg.FILE_FIRST + 1, bootorderKey);
    }

    private void dma(long descAddr, int control, int length, long target) {
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putInt(control).putInt(length).putLong(target);
        memory.write(descAddr, d.array(), 0, 16);
        fw.ioWrite(FwCfg.DMA_PORT, 4, Integer.reverseBytes((int) (descAddr >>> 32)));
        fw.ioWrite(FwCfg.DMA_PORT + 4, 4, Integer.reverseBytes((int) descAddr));
    }

    @Test
    void dmaSelectReadSkipAndError() {
        dma(0x1000, FwCfg.RAM_SIZE << 16 | 0x08 | 0x02, 8, 0x2000);
        assertEquals(0, memory.read(0x1000, 4), "control cleared: done");
        assertEquals(512L << 20, memory.read(0x2000, 8));
        dma(0x1000, FwCfg.SIGNATURE << 16 | 0x08 | 0x04, 2, 0);
        dma(0x1000, 0x02, 4, 0x3000);
        assertEquals('M', memory.read(0x3000, 1));
        assertEquals('U', memory.read(0x3001, 1));
        assertEquals(0, memory.read(0x3002, 1), "zero fill past the end");
        dma(0x1000, FwCfg.SIGNATURE << 16 | 0x08 | 0x10, 4, 0x3000);
        assertEquals(1, Integer.reverseBytes((int) memory.read(0x1000, 4)), "writes are refused with the error bit");
        dma(0x1000, 0x02, -1, 0x3000);
        assertEquals(1, Integer.reverseBytes((int) memory.read(0x1000, 4)), "absurd length refused");
    }

    @Test
    void stateRoundTrip() throws Exception {
        fw.ioWrite(FwCfg.SELECTOR_PORT, 2, FwCfg.SIGNATURE);
        fw.ioRead(FwCfg.DATA_PORT, 1);
        byte[] saved = StateRoundTrip.save(fw);
        FwCfg copy = new FwCfg(ctx, memory);
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertEquals('E', copy.ioRead(FwCfg.DATA_PORT, 1));
    }
}
