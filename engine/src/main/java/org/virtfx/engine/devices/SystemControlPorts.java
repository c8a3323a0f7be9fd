package org.virtfx.engine.devices;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * System control port A (0x92, "fast A20"): bit 1 drives the A20 gate, a 0-to-1 transition of bit 0 resets the
 * machine. Port B (0x61) belongs to {@link Pit8254}, whose channel 2 it gates.
 */
public final class SystemControlPorts implements PortDevice, Snapshottable {
    private final MachineContext ctx;
    private final PhysicalMemory memory;
    private int value;

    public SystemControlPorts(MachineContext ctx, PhysicalMemory memory) {
        this.ctx = Objects.requireNonNull(ctx);
        this.memory = Objects.requireNonNull(memory);
    }

    public void attach(IoBus io) {
        io.register(0x92, 1, "port-a", this);
    }

    public void reset() {
        value = 0;
        memory.setA20(true);
    }

    @Override
    public int ioRead(int port, int size) {
        // Bit 1 reflects the A20 gate wherever it was last set (here or by the keyboard controller).
        return (value & ~0x03) | (memory.a20Enabled() ? 0x02 : 0);
    }

    @Override
    public void ioWrite(int port, int size, int v) {
        v &= 0xFF;
        boolean resetEdge = (v & 1) != 0 && (value & 1) == 0;
        value = v;
        memory.setA20((v & 0x02) != 0);
        if (resetEdge) {
            ctx.guestReset();
        }
    }

    @Override
    public String stateId() {
        return "port-a";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(value).writeBoolean(memory.a20Enabled());
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        value = in.readInt() & 0xFF;
        memory.setA20(in.readBoolean());
    }
}
