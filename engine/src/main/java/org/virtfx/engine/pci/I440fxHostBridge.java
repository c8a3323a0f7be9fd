package org.virtfx.engine.pci;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The Intel 440FX host bridge (8086:1237 at 00:00.0) and PCI configuration mechanism #1: the address latch at 0xCF8
 * (part of the saved state: a snapshot taken between the two halves of a config access must keep it) and the data
 * window 0xCFC-0xCFF. The PAM registers 0x59-0x5F, which decide whether 0xC0000-0xFFFFF reads and writes go to RAM
 * or to ROM, are reported to a listener (the board remaps the shadow segments); SMRAM control 0x72 is plain storage
 * since there is no SMM.
 */
public final class I440fxHostBridge extends PciDevice implements PortDevice {
    public static final int ADDRESS_PORT = 0xCF8;
    public static final int DATA_PORT = 0xCFC;
    public static final int PAM0 = 0x59;
    public static final int PAM_COUNT = 7;
    public static final int SMRAM = 0x72;

    /** Told the new PAM register values (index 0 = config 0x59) after a guest write or a reset. */
    @FunctionalInterface
    public interface PamListener {
        void pamChanged(int[] pam);
    }

    private final PciBus bus;
    private int address;
    private PamListener pamListener = pam -> { };

    public I440fxHostBridge(PciBus bus) {
        super("i440fx", 0x8086, 0x1237, 0x060000, 0x02);
        this.bus = Objects.requireNonNull(bus);
        setWritable(0x50, 9, 0xFF);                     // 0x50-0x58: chipset configuration, kept as written
        setWritable(PAM0, PAM_COUNT, 0x33);
        setWritable(0x60, 8, 0xFF);                     // DRAM row boundaries
        setWritable(SMRAM, 1, 0x78);                    // D_OPEN, D_CLS, D_LCK, G_SMRAME (storage only)
        resetRegisters();
    }

    public void attach(IoBus io) {
        io.register(ADDRESS_PORT, 1, "pci-address", this);
        io.register(DATA_PORT, 4, "pci-data", this);
        bus.attach(0, 0, this);
    }

    public void setPamListener(PamListener listener) {
        this.pamListener = Objects.requireNonNull(listener);
        pamListener.pamChanged(pam());
    }

    public int[] pam() {
        int[] p = new int[PAM_COUNT];
        for (int i = 0; i < PAM_COUNT; i++) {
            p[i] = get8(PAM0 + i);
        }
        return p;
    }

    private void resetRegisters() {
        for (int i = 0; i < PAM_COUNT; i++) {
            set8(PAM0 + i, 0);
        }
        set8(SMRAM, 0x02);   // C_BASE_SEG: SMRAM at 0xA0000
        address = 0;
    }

    @Override
    public void reset() {
        super.reset();
        resetRegisters();
        pamListener.pamChanged(pam());
    }

    @Override
    protected void configWritten(int offset, int size) {
        if (offset < PAM0 + PAM_COUNT && offset + size > PAM0) {
            pamListener.pamChanged(pam());
        }
    }

    // ------------------------------------------------------------------ mechanism #1

    @Override
    public int ioRead(int port, int size) {
        if (port == ADDRESS_PORT) {
            return size == 4 ? address : 0xFF;   // only dword accesses hit the latch; 0xCF8 byte reads are ISA
        }
        if ((address & 0x80000000) == 0 || ((address >> 16) & 0xFF) != 0) {
            return size == 4 ? -1 : (1 << (8 * size)) - 1;   // disabled or a bus that does not exist
        }
        int offset = (address & 0xFC) + (port - DATA_PORT);
        if (offset + size > 256 || (offset & (size - 1)) != 0 && size > 1 && (offset & 3) + size > 4) {
            return size == 4 ? -1 : (1 << (8 * size)) - 1;
        }
        return bus.configRead((address >> 11) & 31, (address >> 8) & 7, offset, size);
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        if (port == ADDRESS_PORT) {
            if (size == 4) {
                address = value & 0x80FFFFFC;
            }
            return;
        }
        if ((address & 0x80000000) == 0 || ((address >> 16) & 0xFF) != 0) {
            return;
        }
        int offset = (address & 0xFC) + (port - DATA_PORT);
        if (offset + size > 256 || (offset & 3) + size > 4) {
            return;
        }
        bus.configWrite((address >> 11) & 31, (address >> 8) & 7, offset, size, value);
    }

    public int configAddress() {
        return address;
    }

    // ------------------------------------------------------------------ state

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        out.writeInt(address);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        address = in.readInt() & 0x80FFFFFC;
        pamListener.pamChanged(pam());
    }
}
