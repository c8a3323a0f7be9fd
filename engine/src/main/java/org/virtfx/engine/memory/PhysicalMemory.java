package org.virtfx.engine.memory;

import java.util.Arrays;
import java.util.Objects;
import org.virtfx.engine.bus.MmioBus;

/**
 * The guest-physical address space as a CPU or a DMA-capable device sees it: RAM ranges mapped onto
 * {@link GuestMemory}, read-only ROM ranges (firmware), and everything else routed to the {@link MmioBus}.
 *
 * <p>Precedence: RAM and ROM mappings win over MMIO regions, later {@code map*} calls win over earlier ones (so the
 * board can map the BIOS alias over low RAM). The A20 gate is modelled here: while it is off, bit 20 of every CPU
 * address is cleared, as on a PC. {@link #generation()} changes whenever the layout or A20 changes, so that caches of
 * translations (a vCPU TLB) can notice.
 */
public final class PhysicalMemory {
    /** What an address resolves to. */
    public enum Kind { RAM, ROM, MMIO }

    private record Mapping(long base, long length, Kind kind, long ramOffset, byte[] rom) {
        boolean contains(long addr) {
            return Long.compareUnsigned(addr - base, length) < 0;
        }
    }

    private final GuestMemory ram;
    private final MmioBus mmio;
    private volatile Mapping[] mappings = new Mapping[0];   // newest last
    private volatile boolean a20 = true;
    private volatile long generation;

    public PhysicalMemory(GuestMemory ram, MmioBus mmio) {
        this.ram = Objects.requireNonNull(ram);
        this.mmio = Objects.requireNonNull(mmio);
    }

    public GuestMemory ram() {
        return ram;
    }

    public MmioBus mmio() {
        return mmio;
    }

    /** Maps {@code [base, base+length)} to RAM offsets {@code [ramOffset, ...)}. */
    public synchronized void mapRam(long base, long length, long ramOffset) {
        if (!ram.contains(ramOffset, length)) {
            throw new IllegalArgumentException(String.format("RAM mapping 0x%x+0x%x past the end of guest RAM", ramOffset, length));
        }
        add(new Mapping(base, length, Kind.RAM, ramOffset, null));
    }

    /** Maps a read-only image at {@code base}; guest writes there are ignored, as on a flash chip without a write cycle. */
    public synchronized void mapRom(long base, byte[] image) {
        add(new Mapping(base, image.length, Kind.ROM, 0, image.clone()));
    }

    /** Removes every RAM/ROM mapping that starts at {@code base} (PAM reprogramming, ROM BAR disable). */
    public synchronized void unmap(long base) {
        mappings = Arrays.stream(mappings).filter(m -> m.base != base).toArray(Mapping[]::new);
        generation++;
    }

    private void add(Mapping m) {
        Mapping[] n = Arrays.copyOf(mappings, mappings.length + 1);
        n[n.length - 1] = m;
        mappings = n;
        generation++;
    }

    public long generation() {
        return generation + mmio.generation();
    }

    public boolean a20Enabled() {
        return a20;
    }

    public void setA20(boolean enabled) {
        if (a20 != enabled) {
            a20 = enabled;
            generation++;
        }
    }

    /** The mask a CPU applies to every physical address (bit 20 cleared while A20 is off). */
    public long a20Mask() {
        return a20 ? -1L : ~(1L << 20);
    }

    private Mapping find(long addr) {
        Mapping[] ms = mappings;
        for (int i = ms.length - 1; i >= 0; i--) {
            if (ms[i].contains(addr)) {
                return ms[i];
            }
        }
        return null;
    }

    public Kind kindOf(long addr) {
        Mapping m = find(addr);
        return m == null ? Kind.MMIO : m.kind;
    }

    /**
     * The RAM offset of {@code addr} when it is RAM, else -1. With {@code forWrite}, ROM also gives -1. The answer
     * holds for the whole 4 KiB page as long as {@link #generation()} is unchanged, provided mappings are page-aligned
     * (the board keeps them so).
     */
    public long ramOffset(long addr) {
        Mapping m = find(addr);
        return m != null && m.kind == Kind.RAM ? m.ramOffset + (addr - m.base) : -1;
    }

    /** Reads {@code size} (1, 2, 4, 8) bytes little-endian from any kind of address. */
    public long read(long addr, int size) {
        Mapping m = find(addr);
        if (m != null && m.contains(addr + size - 1)) {
            if (m.kind == Kind.RAM) {
                long off = m.ramOffset + (addr - m.base);
                return switch (size) {
                    case 1 -> ram.read8(off);
                    case 2 -> ram.read16(off);
                    case 4 -> ram.read32(off) & 0xFFFFFFFFL;
                    default -> ram.read64(off);
                };
            }
            long v = 0;
            int off = (int) (addr - m.base);
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | (m.rom[off + i] & 0xFF);
            }
            return v;
        }
        if (m != null) {
            // straddles a mapping edge: byte by byte
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | read(addr + i, 1);
            }
            return v;
        }
        return mmio.read(addr, size);
    }

    /** Writes {@code size} bytes little-endian; ROM ignores writes, unclaimed addresses drop them. */
    public void write(long addr, int size, long value) {
        Mapping m = find(addr);
        if (m != null && m.contains(addr + size - 1)) {
            if (m.kind == Kind.RAM) {
                long off = m.ramOffset + (addr - m.base);
                switch (size) {
                    case 1 -> ram.write8(off, (int) value);
                    case 2 -> ram.write16(off, (int) value);
                    case 4 -> ram.write32(off, (int) value);
                    default -> ram.write64(off, value);
                }
            }
            return;
        }
        if (m != null) {
            for (int i = 0; i < size; i++) {
                write(addr + i, 1, value >>> (8 * i));
            }
            return;
        }
        mmio.write(addr, size, value);
    }

    /** DMA read of guest memory into {@code dst}; non-RAM bytes read through the slow path. */
    public void read(long addr, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        int done = 0;
        while (done < len) {
            long a = addr + done;
            Mapping m = find(a);
            if (m != null && m.kind == Kind.RAM) {
                int n = (int) Math.min(len - done, m.base + m.length - a);
                ram.read(m.ramOffset + (a - m.base), dst, off + done, n);
                done += n;
            } else {
                dst[off + done] = (byte) read(a, 1);
                done++;
            }
        }
    }

    /** DMA write of {@code src} into guest memory. */
    public void write(long addr, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        int done = 0;
        while (done < len) {
            long a = addr + done;
            Mapping m = find(a);
            if (m != null && m.kind == Kind.RAM) {
                int n = (int) Math.min(len - done, m.base + m.length - a);
                ram.write(m.ramOffset + (a - m.base), src, off + done, n);
                done += n;
            } else {
                write(a, 1, src[off + done]);
                done++;
            }
        }
    }
}
