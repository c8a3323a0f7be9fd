package org.virtfx.engine.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;

/**
 * PCI bus 0: 32 slots of 8 functions. The host bridge turns configuration cycles (mechanism #1 on ports
 * 0xCF8/0xCFC) into {@link #configRead}/{@link #configWrite}; the ISA bridge installs the {@link IrqRouter} that maps
 * a device's INTx pin to an ISA/IOAPIC interrupt line (PIIX3 PIRQ routing). Devices map their BARs on the buses given
 * here.
 */
public final class PciBus {
    /** Routes a device's interrupt pin (1 = INTA .. 4 = INTD) at {@code slot} to an interrupt line level. */
    @FunctionalInterface
    public interface IrqRouter {
        void setIrq(int slot, int pin, boolean level);
    }

    private final IoBus io;
    private final MmioBus mmio;
    private final PciDevice[][] slots = new PciDevice[32][8];
    private volatile IrqRouter router = (slot, pin, level) -> { };

    public PciBus(IoBus io, MmioBus mmio) {
        this.io = Objects.requireNonNull(io);
        this.mmio = Objects.requireNonNull(mmio);
    }

    public IoBus io() {
        return io;
    }

    public MmioBus mmio() {
        return mmio;
    }

    /** The router installed now (a board may chain another one after it, e.g. to feed the I/O APIC as well). */
    public IrqRouter irqRouter() {
        return router;
    }

    public void setIrqRouter(IrqRouter router) {
        this.router = Objects.requireNonNull(router);
    }

    /** Plugs {@code device} in at slot:function. */
    public void attach(int slot, int function, PciDevice device) {
        if (slot < 0 || slot >= 32 || function < 0 || function >= 8) {
            throw new IllegalArgumentException("bad PCI address " + slot + "." + function);
        }
        if (slots[slot][function] != null) {
            throw new IllegalStateException(String.format("PCI slot %02x.%d is taken", slot, function));
        }
        slots[slot][function] = device;
        device.attached(this, slot, function);
    }

    public PciDevice device(int slot, int function) {
        return slots[slot & 31][function & 7];
    }

    public List<PciDevice> devices() {
        List<PciDevice> l = new ArrayList<>();
        for (PciDevice[] s : slots) {
            for (PciDevice d : s) {
                if (d != null) {
                    l.add(d);
                }
            }
        }
        return l;
    }

    /** Config read of {@code size} bytes at {@code offset} (0..255). Absent functions read all ones. */
    public int configRead(int slot, int function, int offset, int size) {
        PciDevice d = slots[slot & 31][function & 7];
        // Function 0 must exist for other functions to be seen, and multi-function must be advertised.
        if (d == null || (function != 0 && (slots[slot & 31][0] == null || !slots[slot & 31][0].isMultiFunction()))) {
            return size == 4 ? -1 : (1 << (size * 8)) - 1;
        }
        return d.configRead(offset, size);
    }

    public void configWrite(int slot, int function, int offset, int size, int value) {
        PciDevice d = slots[slot & 31][function & 7];
        if (d != null) {
            d.configWrite(offset, size, value);
        }
    }

    void raiseIrq(int slot, int pin, boolean level) {
        router.setIrq(slot, pin, level);
    }

    /** Resets every device (platform reset). */
    public void reset() {
        for (PciDevice d : devices()) {
            d.reset();
        }
    }
}
