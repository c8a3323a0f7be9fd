package org.virtfx.engine.devices;

import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;

/**
 * QEMU's {@code isa-debug-exit} at 0xf4 (present only with {@code --exit-device}): a write of value v ends the
 * machine with exit status {@code (v << 1) | 1}, which test kernels use to report their result. 8-, 16- and 32-bit
 * writes are accepted. It has no state to save.
 */
public final class IsaDebugExit implements PortDevice {
    public static final int PORT = 0xF4;

    private final MachineContext ctx;

    public IsaDebugExit(MachineContext ctx) {
        this.ctx = Objects.requireNonNull(ctx);
    }

    public void attach(IoBus io) {
        io.register(PORT, 4, "isa-debug-exit", this);
    }

    @Override
    public int ioRead(int port, int size) {
        return size == 4 ? -1 : (1 << (8 * size)) - 1;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        ctx.guestPowerOff((value << 1) | 1);
    }
}
