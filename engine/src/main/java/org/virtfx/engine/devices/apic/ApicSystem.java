package org.virtfx.engine.devices.apic;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.devices.Pic8259Pair;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.pci.PciBus;
import org.virtfx.engine.snapshot.Snapshottable;

/**
 * The APIC side of a PC board in one place, so the board wires it with a few calls: one local APIC per vCPU (each
 * vCPU's {@code InterruptController}, with the 8259 on LINT0), the I/O APIC at 0xFEC00000, the shared local-APIC
 * page, ISA interrupt lines that reach both the 8259 and the I/O APIC (IRQ0 on pin 2, as on QEMU), and PCI INTx on
 * I/O APIC pins 16-19.
 */
public final class ApicSystem {
    private final ApicBus bus = new ApicBus();
    private final IoApic ioApic;
    private final List<LocalApic> localApics = new ArrayList<>();
    private final Pic8259Pair pic;

    public ApicSystem(MachineContext ctx, MmioBus mmio, Pic8259Pair pic, int cpus, long tscHz) {
        this.pic = Objects.requireNonNull(pic);
        ioApic = new IoApic(ctx, bus);
        mmio.register("ioapic", IoApic.DEFAULT_BASE, IoApic.SIZE, ioApic);
        bus.mapOn(mmio);
        for (int i = 0; i < cpus; i++) {
            LocalApic apic = new LocalApic(ctx, bus, i, i == 0, tscHz);
            apic.connectPic(pic);
            localApics.add(apic);
        }
        pic.setOutputListener(() -> {
            for (LocalApic a : localApics) {
                a.picOutputChanged();
            }
        });
    }

    /** The interrupt controller for vCPU {@code index} (goes into its CpuHost). */
    public LocalApic localApic(int index) {
        return localApics.get(index);
    }

    /** Connects vCPU {@code index} once it is built (INIT/SIPI and wake-ups go to it). */
    public void attachCpu(int index, X86Cpu cpu) {
        localApics.get(index).attachCpu(cpu);
    }

    public IoApic ioApic() {
        return ioApic;
    }

    public ApicBus bus() {
        return bus;
    }

    /** ISA IRQ {@code irq} as devices drive it: the 8259 input and the I/O APIC pin (IRQ0 -> pin 2). */
    public IrqLine isaIrq(int irq) {
        Objects.checkIndex(irq, 16);
        IrqLine picLine = pic.line(irq);
        int pin = irq == 0 ? 2 : irq;
        return level -> {
            picLine.set(level);
            ioApic.setInput(pin, level);
        };
    }

    /** All 16 ISA lines, for the PIIX3 bridge's PIRQ routing and the ISA devices. */
    public IrqLine[] isaIrqs() {
        IrqLine[] lines = new IrqLine[16];
        for (int i = 0; i < 16; i++) {
            lines[i] = isaIrq(i);
        }
        return lines;
    }

    /** Call after the ISA bridge installed its PIRQ router: PCI INTx then also reaches I/O APIC pins 16-19. */
    public void chainPciRouting(PciBus pci) {
        pci.setIrqRouter(new PirqToIoApic(ioApic, pci.irqRouter()));
    }

    /** Called on a vCPU's thread when it waits for SIPI (Board.awaitStartup): MMIO from that thread is its APIC's. */
    public void bindCurrentThread(int index) {
        localApics.get(index).bindToCurrentThread();
    }

    public void reset() {
        ioApic.reset();
        for (LocalApic a : localApics) {
            a.powerOn();
        }
    }

    /** Everything with saved state. */
    public List<Snapshottable> parts() {
        List<Snapshottable> l = new ArrayList<>(localApics);
        l.add(ioApic);
        return l;
    }
}
