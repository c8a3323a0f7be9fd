package org.virtfx.engine.devices;

import java.io.IOException;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The POST code port 0x80. Firmware writes progress codes here and Linux writes to it as an I/O delay; the last code
 * is kept (and read back, as on chipsets that latch it) for diagnostics.
 */
public final class PostPort implements PortDevice, Snapshottable {
    private int lastCode;

    public void attach(IoBus io) {
        io.register(0x80, 1, "post", this);
    }

    public int lastCode() {
        return lastCode;
    }

    @Override
    public int ioRead(int port, int size) {
        return lastCode;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        lastCode = value & 0xFF;
    }

    @Override
    public String stateId() {
        return "post";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(lastCode);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        lastCode = in.readInt() & 0xFF;
    }
}
