package org.virtfx.engine.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

class SmallDevicesTest {
    private final TestContext ctx = new TestContext();

    @Test
    void port92DrivesA20AndResets() throws Exception {
        PhysicalMemory memory = new PhysicalMemory(GuestMemory.allocate(1 << 20), new MmioBus(ctx.lock));
        SystemControlPorts p = new SystemControlPorts(ctx, memory);
        p.ioWrite(0x92, 1, 0x00);
        assertFalse(memory.a20Enabled());
        assertEquals(0, p.ioRead(0x92, 1) & 2);
        p.ioWrite(0x92, 1, 0x02);
        assertTrue(memory.a20Enabled());
        assertEquals(0, ctx.resets);
        p.ioWrite(0x92, 1, 0x03);
        assertEquals(1, ctx.resets);
        p.ioWrite(0x92, 1, 0x03);
        assertEquals(1, ctx.resets, "only a 0->1 transition resets");
        byte[] saved = StateRoundTrip.save(p);
        PhysicalMemory other = new PhysicalMemory(GuestMemory.allocate(1 << 20), new MmioBus(ctx.lock));
        other.setA20(false);
        SystemControlPorts copy = new SystemControlPorts(ctx, other);
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertTrue(other.a20Enabled());
    }

    @Test
    void debugConReadsE9AndCollectsLines() {
        DebugCon d = new DebugCon();
        List<String> lines = new ArrayList<>();
        d.setLineListener(lines::add);
        assertEquals(0xE9, d.ioRead(DebugCon.PORT, 1));
        for (char c : "SeaBIOS (version x)\r\nok\n".toCharArray()) {
            d.ioWrite(DebugCon.PORT, 1, c);
        }
        assertEquals(List.of("SeaBIOS (version x)", "ok"), lines);
    }

    @Test
    void postPortKeepsLastCode() throws Exception {
        PostPort p = new PostPort();
        p.ioWrite(0x80, 1, 0x1234);
        assertEquals(0x34, p.lastCode());
        assertEquals(0x34, p.ioRead(0x80, 1));
        PostPort copy = new PostPort();
        StateRoundTrip.load(copy, StateRoundTrip.save(p));
        assertEquals(0x34, copy.lastCode());
    }

    @Test
    void isaDebugExitStatus() {
        IsaDebugExit e = new IsaDebugExit(ctx);
        e.ioWrite(IsaDebugExit.PORT, 1, 0x10);
        e.ioWrite(IsaDebugExit.PORT, 4, 0);
        assertEquals(List.of(0x21, 1), ctx.powerOffs);
    }
}
