package org.virtfx.engine.pci;

import java.io.IOException;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * A PCI function with a type-0 configuration header. Subclasses declare BARs (with the port or MMIO handler behind
 * each), an optional expansion ROM, capabilities and their own config registers; this class implements BAR sizing,
 * mapping on command-register and BAR writes, the ROM BAR, INTx with the interrupt-disable bit, and save/restore of
 * the configuration space.
 */
public abstract class PciDevice implements Snapshottable {
    public enum BarKind { IO, MEM32, MEM64 }

    private record Bar(BarKind kind, long size, boolean prefetchable, PortDevice io, MmioDevice mmio) {
    }

    protected final byte[] config = new byte[256];
    private final byte[] writeMask = new byte[256];
    private final Bar[] bars = new Bar[6];
    private final long[] mappedBase = {-1, -1, -1, -1, -1, -1};
    private final MmioBus.Region[] mmioRegions = new MmioBus.Region[6];
    private byte[] rom;
    private MmioBus.Region romRegion;
    private int capTail = -1;
    private int nextCap = 0x40;
    private boolean irqLevel;
    private PciBus bus;
    private int slot;
    private int function;
    private final String name;

    protected PciDevice(String name, int vendor, int device, int classCode, int revision) {
        this.name = name;
        set16(0x00, vendor);
        set16(0x02, device);
        config[0x08] = (byte) revision;
        config[0x09] = (byte) classCode;
        config[0x0A] = (byte) (classCode >> 8);
        config[0x0B] = (byte) (classCode >> 16);
        writeMask[0x04] = (byte) 0x07;      // I/O, memory, bus master
        writeMask[0x05] = (byte) 0x04;      // interrupt disable
        writeMask[0x0C] = (byte) 0xFF;      // cache line size
        writeMask[0x0D] = (byte) 0xFF;      // latency timer
        writeMask[0x3C] = (byte) 0xFF;      // interrupt line (scratch for the OS)
    }

    public String name() {
        return name;
    }

    public int slot() {
        return slot;
    }

    public int function() {
        return function;
    }

    protected PciBus bus() {
        return bus;
    }

    void attached(PciBus bus, int slot, int function) {
        this.bus = bus;
        this.slot = slot;
        this.function = function;
    }

    // ------------------------------------------------------------------ declaration helpers for subclasses

    protected final void set8(int off, int v) {
        config[off] = (byte) v;
    }

    protected final void set16(int off, int v) {
        config[off] = (byte) v;
        config[off + 1] = (byte) (v >> 8);
    }

    protected final void set32(int off, int v) {
        set16(off, v);
        set16(off + 2, v >>> 16);
    }

    protected final int get8(int off) {
        return config[off] & 0xFF;
    }

    protected final int get16(int off) {
        return get8(off) | get8(off + 1) << 8;
    }

    protected final int get32(int off) {
        return get16(off) | get16(off + 2) << 16;
    }

    /** Makes config bytes {@code [off, off+len)} guest-writable with {@code mask} per byte. */
    protected final void setWritable(int off, int len, int mask) {
        for (int i = 0; i < len; i++) {
            writeMask[off + i] = (byte) mask;
        }
    }

    protected final void setSubsystem(int vendor, int device) {
        set16(0x2C, vendor);
        set16(0x2E, device);
    }

    /** Sets the interrupt pin (1 = INTA .. 4 = INTD). */
    protected final void setInterruptPin(int pin) {
        config[0x3D] = (byte) pin;
    }

    protected final void setMultiFunction(boolean on) {
        config[0x0E] = (byte) (on ? config[0x0E] | 0x80 : config[0x0E] & 0x7F);
    }

    public boolean isMultiFunction() {
        return (config[0x0E] & 0x80) != 0;
    }

    /** Declares BAR {@code index} ({@code size} a power of two; MEM64 uses index and index+1). */
    protected final void declareIoBar(int index, int size, PortDevice handler) {
        declare(index, new Bar(BarKind.IO, size, false, handler, null));
        set32(0x10 + 4 * index, 1);
    }

    protected final void declareMemoryBar(int index, long size, boolean mem64, boolean prefetchable, MmioDevice handler) {
        if (Long.bitCount(size) != 1 || size < 16) {
            throw new IllegalArgumentException("BAR size must be a power of two >= 16: " + size);
        }
        declare(index, new Bar(mem64 ? BarKind.MEM64 : BarKind.MEM32, size, prefetchable, null, handler));
        set32(0x10 + 4 * index, (mem64 ? 0x4 : 0) | (prefetchable ? 0x8 : 0));
    }

    private void declare(int index, Bar bar) {
        if (index < 0 || index > 5 || (bar.kind == BarKind.MEM64 && index == 5)) {
            throw new IllegalArgumentException("bad BAR index " + index);
        }
        bars[index] = bar;
    }

    /** Declares the expansion ROM (config 0x30), served read-only at the address the guest programs. */
    protected final void declareRom(byte[] image) {
        int size = Integer.highestOneBit(Math.max(2048, image.length));
        if (size < image.length) {
            size <<= 1;
        }
        rom = java.util.Arrays.copyOf(image, size);
    }

    /**
     * Appends a capability with {@code id} and body {@code data} (bytes after the id/next pair) to the list; returns
     * its config offset. Sets the capabilities bit in the status register.
     */
    protected final int addCapability(int id, byte[] data) {
        int off = nextCap;
        if (off + 2 + data.length > 256) {
            throw new IllegalStateException("no room for PCI capability " + id);
        }
        config[off] = (byte) id;
        config[off + 1] = 0;
        System.arraycopy(data, 0, config, off + 2, data.length);
        if (capTail < 0) {
            config[0x34] = (byte) off;
        } else {
            config[capTail + 1] = (byte) off;
        }
        capTail = off;
        nextCap = (off + 2 + data.length + 3) & ~3;
        config[0x06] |= 0x10;
        return off;
    }

    // ------------------------------------------------------------------ config access

    /** Device-specific read hook for registers beyond the standard header; default reads the array. */
    protected int readConfigRegister(int offset, int size) {
        int v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (config[offset + i] & 0xFF);
        }
        return v;
    }

    /** Called after a guest write changed config bytes {@code [offset, offset+size)} (after masking). */
    protected void configWritten(int offset, int size) {
    }

    public final int configRead(int offset, int size) {
        if (offset < 0 || offset + size > 256 || (size != 1 && size != 2 && size != 4)) {
            return size == 4 ? -1 : (1 << (size * 8)) - 1;
        }
        return readConfigRegister(offset, size);
    }

    public final void configWrite(int offset, int size, int value) {
        if (offset < 0 || offset + size > 256 || (size != 1 && size != 2 && size != 4)) {
            return;
        }
        boolean barsTouched = false;
        boolean commandTouched = false;
        for (int i = 0; i < size; i++) {
            int off = offset + i;
            int b = (value >>> (8 * i)) & 0xFF;
            if (off >= 0x10 && off < 0x28) {
                writeBarByte(off, b);
                barsTouched = true;
            } else if (off >= 0x30 && off < 0x34) {
                writeRomByte(off, b);
                barsTouched = true;
            } else if (off == 0x06 || off == 0x07) {
                // Status: write-1-to-clear bits (error flags); nothing we set, so just clear.
                config[off] &= (byte) ~(b & (off == 0x07 ? 0xF9 : 0x00));
            } else {
                int m = writeMask[off] & 0xFF;
                config[off] = (byte) ((config[off] & ~m) | (b & m));
                if (off == 0x04 || off == 0x05) {
                    commandTouched = true;
                }
            }
        }
        if (barsTouched || commandTouched) {
            updateMappings();
        }
        if (commandTouched) {
            updateIrq();
        }
        configWritten(offset, size);
    }

    private void writeBarByte(int off, int b) {
        int index = (off - 0x10) / 4;
        int byteInBar = (off - 0x10) % 4;
        Bar bar = bars[index];
        Bar lower = index > 0 ? bars[index - 1] : null;
        long size;
        int lowBits;
        if (bar != null) {
            size = bar.size;
            lowBits = bar.kind == BarKind.IO ? 0x3 : 0xF;
        } else if (lower != null && lower.kind == BarKind.MEM64) {
            // Upper half of a 64-bit BAR.
            long mask = ~(lower.size - 1);
            int m = (int) ((mask >>> 32) >>> (8 * byteInBar)) & 0xFF;
            config[off] = (byte) (b & m);
            return;
        } else {
            return; // unimplemented BAR: reads as zero
        }
        long mask = ~(size - 1) & ~lowBits & 0xFFFFFFFFL;
        int m = (int) (mask >>> (8 * byteInBar)) & 0xFF;
        config[off] = (byte) ((config[off] & ~m) | (b & m));
    }

    private void writeRomByte(int off, int b) {
        if (rom == null) {
            return;
        }
        int byteInBar = off - 0x30;
        long mask = (~((long) rom.length - 1) & 0xFFFFF800L) | 1;
        int m = (int) (mask >>> (8 * byteInBar)) & 0xFF;
        config[off] = (byte) ((config[off] & ~m) | (b & m));
    }

    /** The address BAR {@code index} is programmed to (without flag bits). */
    public final long barAddress(int index) {
        Bar bar = bars[index];
        if (bar == null) {
            return 0;
        }
        long lo = get32(0x10 + 4 * index) & 0xFFFFFFFFL;
        if (bar.kind == BarKind.IO) {
            return lo & ~0x3L;
        }
        long addr = lo & ~0xFL;
        if (bar.kind == BarKind.MEM64) {
            addr |= (get32(0x14 + 4 * index) & 0xFFFFFFFFL) << 32;
        }
        return addr;
    }

    private void updateMappings() {
        if (bus == null) {
            return;
        }
        int command = get16(0x04);
        boolean ioOn = (command & 1) != 0;
        boolean memOn = (command & 2) != 0;
        for (int i = 0; i < 6; i++) {
            Bar bar = bars[i];
            if (bar == null) {
                continue;
            }
            long addr = barAddress(i);
            boolean on = bar.kind == BarKind.IO ? ioOn : memOn;
            // An all-ones (sizing) or zero address is not a decode window.
            if (addr == 0 || (bar.kind == BarKind.IO && addr + bar.size > 0x10000)) {
                on = false;
            }
            long want = on ? addr : -1;
            if (want == mappedBase[i]) {
                continue;
            }
            if (bar.kind == BarKind.IO) {
                if (mappedBase[i] >= 0) {
                    bus.io().unregister((int) mappedBase[i], (int) bar.size);
                }
                if (want >= 0) {
                    try {
                        bus.io().register((int) want, (int) bar.size, name + " BAR" + i, bar.io);
                    } catch (IllegalStateException clash) {
                        want = -1; // overlaps another device's ports: leave it undecoded, like a conflicting card
                    }
                }
            } else {
                if (mmioRegions[i] == null) {
                    mmioRegions[i] = bus.mmio().register(name + " BAR" + i, Math.max(0, want), bar.size, bar.mmio);
                }
                mmioRegions[i].moveTo(Math.max(0, want), want >= 0);
            }
            mappedBase[i] = want;
            barMoved(i, want);
        }
        if (rom != null) {
            int romBar = get32(0x30);
            long addr = romBar & 0xFFFFF800L;
            boolean on = memOn && (romBar & 1) != 0 && addr != 0;
            if (romRegion == null) {
                byte[] image = rom;
                romRegion = bus.mmio().register(name + " ROM", addr, image.length, new MmioDevice() {
                    @Override
                    public long mmioRead(long offset, int size) {
                        long v = 0;
                        for (int k = size - 1; k >= 0; k--) {
                            long o = offset + k;
                            v = (v << 8) | (o < image.length ? image[(int) o] & 0xFF : 0xFF);
                        }
                        return v;
                    }

                    @Override
                    public void mmioWrite(long offset, int size, long value) {
                        // read-only
                    }
                });
            }
            romRegion.moveTo(addr, on);
        }
    }

    /** Called when BAR {@code index} was mapped at {@code base} (-1: unmapped). */
    protected void barMoved(int index, long base) {
    }

    // ------------------------------------------------------------------ interrupts

    /** Sets the device's INTx level; delivered unless the command register's interrupt-disable bit is set. */
    protected final void setIrq(boolean level) {
        irqLevel = level;
        config[0x06] = (byte) (level ? config[0x06] | 0x08 : config[0x06] & ~0x08);
        updateIrq();
    }

    private void updateIrq() {
        int pin = get8(0x3D);
        if (bus == null || pin == 0) {
            return;
        }
        boolean disabled = (get16(0x04) & 0x400) != 0;
        bus.raiseIrq(slot, pin, irqLevel && !disabled);
    }

    /** Bus-master enable (command bit 2): a device must not DMA without it. */
    protected final boolean busMasterEnabled() {
        return (get16(0x04) & 4) != 0;
    }

    /** Platform reset: clears command, BARs and ROM BAR, unmapping everything. Subclasses reset their own state too. */
    public void reset() {
        set16(0x04, 0);
        for (int i = 0; i < 6; i++) {
            if (bars[i] != null) {
                int flags = bars[i].kind == BarKind.IO ? 1 : ((bars[i].kind == BarKind.MEM64 ? 4 : 0) | (bars[i].prefetchable ? 8 : 0));
                set32(0x10 + 4 * i, flags);
                if (bars[i].kind == BarKind.MEM64) {
                    set32(0x14 + 4 * i, 0);
                }
            }
        }
        set32(0x30, 0);
        set8(0x3C, 0);
        irqLevel = false;
        config[0x06] &= ~0x08;
        updateMappings();
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return String.format("pci-%02x.%d", slot, function);
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeBytes(config.clone());
        out.writeBoolean(irqLevel);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        byte[] c = in.readBytes(256);
        System.arraycopy(c, 0, config, 0, 256);
        irqLevel = in.readBoolean();
        updateMappings();
        updateIrq();
    }

    /** Writes this device's state under its id and version 1 (subclasses with more state override both methods). */
    public byte[] saveState() throws IOException {
        StateWriter w = new StateWriter(stateId(), 1);
        saveState(w);
        return w.toByteArray();
    }
}
