package org.virtfx.engine.devices;

import java.util.Objects;
import org.virtfx.engine.bus.IrqLine;

/**
 * An interrupt wire that can be cut off: the HPET's legacy replacement route disconnects the PIT from IRQ0 and the
 * RTC from IRQ8 while its own timers 0 and 1 drive those inputs. The gate remembers the source's level, so that the
 * input sees it again when the route is switched back. Called with the device lock held, like every IrqLine.
 */
public final class IrqGate implements IrqLine {
    private final IrqLine out;
    private boolean level;
    private boolean connected = true;

    public IrqGate(IrqLine out) {
        this.out = Objects.requireNonNull(out);
    }

    @Override
    public void set(boolean high) {
        level = high;
        if (connected) {
            out.set(high);
        }
    }

    /** Connects or disconnects the source; an asserted source level is dropped from or restored to the input. */
    public void setConnected(boolean on) {
        if (on == connected) {
            return;
        }
        connected = on;
        if (level) {
            out.set(on);
        }
    }

    public boolean connected() {
        return connected;
    }
}
