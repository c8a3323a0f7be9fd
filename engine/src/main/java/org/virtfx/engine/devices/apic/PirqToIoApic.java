package org.virtfx.engine.devices.apic;

import java.util.Objects;
import org.virtfx.engine.pci.PciBus;

/**
 * Feeds PCI INTx into I/O APIC inputs 16-19 (PIRQA-D, with the PIIX slot rotation) in addition to the ISA router
 * it wraps, which keeps steering the same PIRQs to 8259 IRQs through the PIIX3 route registers. An OS in APIC mode
 * uses the inputs its tables name (VirtFX's _PRT: 16-19; SeaBIOS's tables: the routed ISA IRQ) and masks the rest.
 */
public final class PirqToIoApic implements PciBus.IrqRouter {
    public static final int FIRST_PIN = 16;
    private final IoApic ioApic;
    private final PciBus.IrqRouter isa;
    private final boolean[][] levels = new boolean[32][4];
    private final boolean[] driven = new boolean[4];

    public PirqToIoApic(IoApic ioApic, PciBus.IrqRouter isa) {
        this.ioApic = Objects.requireNonNull(ioApic);
        this.isa = Objects.requireNonNull(isa);
    }

    /** PIRQ (0 = A) of INTx {@code pin} (1 = INTA) at {@code slot}: the PIIX rotation. */
    public static int pirqOf(int slot, int pin) {
        return (pin - 1 + slot - 1) & 3;
    }

    @Override
    public void setIrq(int slot, int pin, boolean level) {
        isa.setIrq(slot, pin, level);
        if (slot < 0 || slot >= 32 || pin < 1 || pin > 4) {
            return;
        }
        levels[slot][pin - 1] = level;
        boolean[] want = new boolean[4];
        for (int s = 0; s < 32; s++) {
            for (int p = 0; p < 4; p++) {
                if (levels[s][p]) {
                    want[pirqOf(s, p + 1)] = true;
                }
            }
        }
        for (int n = 0; n < 4; n++) {
            if (want[n] != driven[n]) {
                driven[n] = want[n];
                ioApic.setInput(FIRST_PIN + n, want[n]);
            }
        }
    }
}
