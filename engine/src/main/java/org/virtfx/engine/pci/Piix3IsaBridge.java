package org.virtfx.engine.pci;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The PIIX3 PCI-to-ISA bridge (8086:7000 at 00:01.0, multi-function). It owns the PCI interrupt routing: a device's
 * INTx pin at slot s reaches PIRQ (pin - 1 + s - 1) mod 4, and PIRQ n is wired to the ISA IRQ the guest wrote into
 * config register 0x60 + n (bit 7 = not routed). Several devices may share a PIRQ; the ISA line is high while any of
 * them asserts. It also implements the reset control register at 0xCF9 (bit 2 pulses a reset; Linux
 * {@code reboot=pci} writes 0x06).
 */
public final class Piix3IsaBridge extends PciDevice {
    public static final int PIRQ_ROUTE = 0x60;
    public static final int RESET_CONTROL_PORT = 0xCF9;

    private final MachineContext ctx;
    private final IrqLine[] isaIrqs;
    private final boolean[][] pinLevels = new boolean[32][4];   // [slot][pin-1]
    private final boolean[] driven = new boolean[16];            // ISA levels this bridge currently drives
    private int resetControl;
    private final PortDevice resetPort = new PortDevice() {
        @Override
        public int ioRead(int port, int size) {
            return resetControl;
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            resetControl = value & 0x0A;   // bit 1 hard reset, bit 3 full reset are kept; bit 2 is the trigger
            if ((value & 0x04) != 0) {
                ctx.guestReset();
            }
        }
    };

    /** @param isaIrqs the 16 ISA interrupt inputs (PIC and, when present, IOAPIC) */
    public Piix3IsaBridge(MachineContext ctx, IrqLine[] isaIrqs) {
        super("piix3", 0x8086, 0x7000, 0x060100, 0x00);
        this.ctx = Objects.requireNonNull(ctx);
        if (isaIrqs.length != 16) {
            throw new IllegalArgumentException("need 16 ISA IRQ lines");
        }
        this.isaIrqs = isaIrqs.clone();
        setMultiFunction(true);
        setSubsystem(0x1AF4, 0x1100);
        setWritable(0x4C, 1, 0xFF);                   // ISA recovery timer
        setWritable(0x4E, 2, 0xFF);                   // X-bus chip select
        setWritable(PIRQ_ROUTE, 4, 0x8F);             // PIRQ A-D route control
        setWritable(0x69, 1, 0xFE);                   // top of memory
        setWritable(0x6A, 1, 0xFF);
        setWritable(0x70, 2, 0xEF);                   // motherboard IRQ route
        setWritable(0x76, 2, 0x8F);                   // motherboard DMA
        setWritable(0x78, 2, 0xFF);                   // programmable chip select
        setWritable(0x80, 1, 0xFF);                   // APIC base address relocation
        setWritable(0x82, 1, 0xFF);                   // deterministic latency
        setWritable(0xA0, 0x10, 0xFF);                // SMI control and power management
        resetRegisters();
    }

    public void attach(PciBus bus, IoBus io) {
        bus.attach(1, 0, this);
        bus.setIrqRouter(this::setPciIrq);
        io.register(RESET_CONTROL_PORT, 1, "reset-control", resetPort);
    }

    private void resetRegisters() {
        for (int i = 0; i < 4; i++) {
            set8(PIRQ_ROUTE + i, 0x80);
        }
        set8(0x4C, 0x4D);
        set16(0x4E, 0x0003);
        set8(0x69, 0x02);
        set8(0x70, 0x80);
        set8(0x71, 0x80);
        set8(0x76, 0x0C);
        set8(0x77, 0x0C);
        set8(0x78, 0x02);
        set8(0x80, 0x00);
        set8(0x82, 0x00);
        resetControl = 0;
    }

    @Override
    public void reset() {
        super.reset();
        resetRegisters();
        updateRouting();
    }

    /** PIRQ index (0 = A) that INTx {@code pin} (1 = INTA) of a device at {@code slot} is wired to. */
    public static int pirqOf(int slot, int pin) {
        return (pin - 1 + slot - 1) & 3;
    }

    /** The ISA IRQ PIRQ {@code n} is routed to, or -1. */
    public int routedIrq(int n) {
        int v = get8(PIRQ_ROUTE + n);
        return (v & 0x80) != 0 ? -1 : v & 0x0F;
    }

    private void setPciIrq(int slot, int pin, boolean level) {
        if (slot < 0 || slot >= 32 || pin < 1 || pin > 4) {
            return;
        }
        pinLevels[slot][pin - 1] = level;
        updateRouting();
    }

    private void updateRouting() {
        boolean[] pirq = new boolean[4];
        for (int s = 0; s < 32; s++) {
            for (int p = 0; p < 4; p++) {
                if (pinLevels[s][p]) {
                    pirq[pirqOf(s, p + 1)] = true;
                }
            }
        }
        boolean[] want = new boolean[16];
        for (int n = 0; n < 4; n++) {
            int irq = routedIrq(n);
            if (pirq[n] && irq >= 3 && irq != 8 && irq != 13) {   // 0-2, 8 and 13 are reserved routings
                want[irq] = true;
            }
        }
        for (int i = 0; i < 16; i++) {
            if (want[i] != driven[i]) {
                driven[i] = want[i];
                isaIrqs[i].set(want[i]);
            }
        }
    }

    @Override
    protected void configWritten(int offset, int size) {
        if (offset < PIRQ_ROUTE + 4 && offset + size > PIRQ_ROUTE) {
            updateRouting();
        }
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        out.writeInt(resetControl);
        for (boolean[] slot : pinLevels) {
            for (boolean b : slot) {
                out.writeBoolean(b);
            }
        }
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        resetControl = in.readInt() & 0x0A;
        for (boolean[] slot : pinLevels) {
            for (int p = 0; p < 4; p++) {
                slot[p] = in.readBoolean();
            }
        }
        updateRouting();
    }
}
