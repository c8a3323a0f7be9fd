package org.virtfx.engine.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.bus.IrqLine;

/**
 * The 16 ISA interrupt lines of the PC. Several sources may drive one line (COM1 and COM3 on IRQ 4, a PCI PIRQ routed
 * onto an ISA IRQ): each gets its own {@link #input} and the line is high while any input is high (wired-OR, the way
 * PIIX routes shared PCI interrupts). Every level change goes to the line's sinks: the 8259 pair, and the I/O APIC
 * once one is wired in.
 */
public final class IsaIrqs {
    public static final int COUNT = 16;

    private final int[] highInputs = new int[COUNT];
    private final List<List<IrqLine>> sinks = new ArrayList<>();

    public IsaIrqs() {
        for (int i = 0; i < COUNT; i++) {
            sinks.add(new ArrayList<>());
        }
    }

    /** Adds a receiver of line {@code irq} (PIC input, IOAPIC pin). */
    public void addSink(int irq, IrqLine sink) {
        sinks.get(Objects.checkIndex(irq, COUNT)).add(Objects.requireNonNull(sink));
    }

    /** A new source on line {@code irq}. */
    public IrqLine input(int irq) {
        Objects.checkIndex(irq, COUNT);
        return new IrqLine() {
            private boolean level;

            @Override
            public void set(boolean high) {
                if (high == level) {
                    return;
                }
                level = high;
                int before = highInputs[irq];
                highInputs[irq] += high ? 1 : -1;
                if ((before == 0) != (highInputs[irq] == 0)) {
                    for (IrqLine s : sinks.get(irq)) {
                        s.set(high);
                    }
                }
            }
        };
    }

    /** Whether line {@code irq} is high. */
    public boolean level(int irq) {
        return highInputs[Objects.checkIndex(irq, COUNT)] > 0;
    }
}
