package org.virtfx.engine.devices.apic;

import java.util.ArrayList;
import java.util.List;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.bus.MmioDevice;

/**
 * The APIC bus between the local APICs of all vCPUs and the I/O APIC: interrupt messages (IPIs from an ICR write,
 * redirection-table deliveries, MSIs) are matched against every local APIC's destination registers here, and level
 * EOIs are broadcast back to the I/O APIC. It also owns the one xAPIC MMIO page that all local APICs share: each vCPU
 * sees its own APIC behind it, so the page dispatches to the local APIC bound to the calling vCPU thread.
 * All methods run with the machine's device lock held.
 */
public final class ApicBus implements MmioDevice {
    public static final long DEFAULT_BASE = 0xFEE0_0000L;
    public static final int PAGE = 0x1000;

    /** Delivery modes (ICR and redirection-entry bits 8-10). */
    public static final int FIXED = 0, LOWEST = 1, SMI = 2, NMI = 4, INIT = 5, STARTUP = 6, EXTINT = 7;

    private final List<LocalApic> apics = new ArrayList<>();
    private IoApic ioApic;
    private MmioBus.Region region;

    /** Maps the shared local-APIC page at its reset address on {@code mmio}. */
    public void mapOn(MmioBus mmio) {
        region = mmio.register("local APIC", DEFAULT_BASE, PAGE, this);
    }

    void add(LocalApic apic) {
        apics.add(apic);
    }

    public List<LocalApic> localApics() {
        return List.copyOf(apics);
    }

    public void setIoApic(IoApic ioApic) {
        this.ioApic = ioApic;
    }

    /** A local APIC's base MSR moved the page; all CPUs share one page, as every OS keeps them equal. */
    void baseChanged(long base, boolean enabled) {
        if (region != null) {
            region.moveTo(base, enabled || anyEnabled());
        }
    }

    private boolean anyEnabled() {
        for (LocalApic a : apics) {
            if (a.hardwareEnabled()) {
                return true;
            }
        }
        return false;
    }

    /** The local APIC of the calling vCPU thread (the BSP's when the thread is not a vCPU, e.g. in tests). */
    LocalApic current() {
        Thread t = Thread.currentThread();
        for (LocalApic a : apics) {
            if (a.boundThread() == t) {
                return a;
            }
        }
        return apics.isEmpty() ? null : apics.getFirst();
    }

    @Override
    public long mmioRead(long offset, int size) {
        LocalApic a = current();
        return a == null ? 0 : a.mmioRead(offset, size);
    }

    @Override
    public void mmioWrite(long offset, int size, long value) {
        LocalApic a = current();
        if (a != null) {
            a.mmioWrite(offset, size, value);
        }
    }

    /**
     * Delivers an interrupt message. {@code shorthand} is the ICR's destination shorthand (0 none, 1 self, 2 all
     * including self, 3 all excluding self); {@code source} the sending APIC (null for the I/O APIC or an MSI).
     */
    public void deliver(LocalApic source, int shorthand, int destination, boolean logical, int mode, int vector,
                        boolean levelTriggered) {
        List<LocalApic> targets = new ArrayList<>(apics.size());
        for (LocalApic a : apics) {
            if (!a.hardwareEnabled()) {
                continue;
            }
            boolean hit = switch (shorthand) {
                case 1 -> a == source;
                case 2 -> true;
                case 3 -> a != source;
                default -> logical ? a.matchesLogical(destination) : a.matchesPhysical(destination);
            };
            if (hit) {
                targets.add(a);
            }
        }
        if (targets.isEmpty()) {
            return; // IPIs to absent CPUs are dropped, as on hardware with an unpopulated socket
        }
        if (mode == LOWEST && targets.size() > 1 && shorthand == 0) {
            LocalApic best = targets.getFirst();
            for (LocalApic a : targets) {
                if (a.arbitrationPriority() < best.arbitrationPriority()) {
                    best = a;
                }
            }
            targets = List.of(best);
        }
        for (LocalApic a : targets) {
            a.accept(mode, vector, levelTriggered);
        }
    }

    /** An MSI write (address 0xFEExxxxx, data) as PCI devices send it. */
    public void deliverMsi(long address, int data) {
        int dest = (int) (address >>> 12) & 0xFF;
        boolean logical = (address & 0x4) != 0;
        int mode = (data >>> 8) & 7;
        deliver(null, 0, dest, logical, mode, data & 0xFF, (data & 0x8000) != 0);
    }

    /** A local APIC took EOI for a level-triggered vector: the I/O APIC clears Remote IRR of matching entries. */
    void broadcastEoi(int vector) {
        if (ioApic != null) {
            ioApic.endOfInterrupt(vector);
        }
    }
}
