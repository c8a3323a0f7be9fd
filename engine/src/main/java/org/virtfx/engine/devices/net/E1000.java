package org.virtfx.engine.devices.net;

import static org.virtfx.engine.devices.net.E1000Registers.*;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.pci.PciDevice;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;

/**
 * The Intel 82540EM gigabit Ethernet controller (8086:100E), QEMU's {@code e1000}: BAR0 is the 128 KiB register file,
 * BAR1 the 64-byte I/O window (IOADDR at +0 selects a register, IODATA at +4 reads or writes it; Linux issues the
 * reset through it). Legacy receive descriptors ({@link E1000Receiver}), legacy and TCP/IP context/data transmit
 * descriptors ({@link E1000Transmitter}), the Microwire EEPROM ({@link E1000Eeprom}) and the M88 PHY
 * ({@link M88Phy}). The link is up at 1000 Mb/s full duplex whenever the card has a backend. Registers are kept in
 * one array indexed by offset/4; most are plain storage, those with side effects are handled in
 * {@link #writeRegister} and {@link #readRegister}.
 *
 * <p>Interrupt moderation: RDTR/RADV delay RXT0 and TIDV/TADV delay TXDW (descriptors with IDE) on the virtual clock,
 * and ITR spaces interrupt assertions at least ITR x 256 ns apart, as on the card.
 */
public final class E1000 extends PciDevice implements GuestPort {
    /** RDTR, RADV, TIDV and TADV count in units of 1.024 us. */
    private static final long DELAY_UNIT_NS = 1024;

    private final MachineContext ctx;
    private final PhysicalMemory dma;
    private final NetworkBackend backend;
    private final byte[] mac;
    private final NetCounters counters;
    private final E1000Eeprom eeprom;
    private final M88Phy phy;
    private final E1000Transmitter transmitter;
    private final E1000Receiver receiver;
    private final int[] regs = new int[MMIO_SIZE >> 2];
    private final TimerService.Timer rxDelayTimer;
    private final TimerService.Timer txDelayTimer;
    private final TimerService.Timer throttleTimer;
    private int ioAddress;
    /** The backend was refused (no room, receiver off) and not told since that room appeared. */
    private boolean backendWaiting = true;
    private boolean irqAsserted;
    private long lastAssertNs = Long.MIN_VALUE / 2;
    /** When the absolute (RADV / TADV) delay of the oldest pending cause runs out; -1 when none is pending. */
    private long rxAbsoluteDeadline = -1;
    private long txAbsoluteDeadline = -1;

    /**
     * @param mac      the address in the EEPROM (6 bytes, unicast)
     * @param backend  where transmitted frames go; the caller starts it with this card as its {@link GuestPort}. Null:
     *                 no cable, the link stays down and nothing is sent
     * @param counters where this card's traffic is counted (may be shared with other cards)
     */
    public E1000(MachineContext ctx, PhysicalMemory dma, byte[] mac, NetworkBackend backend, NetCounters counters) {
        super("e1000", VENDOR_ID, DEVICE_ID, 0x020000, 0x03);
        this.ctx = Objects.requireNonNull(ctx);
        this.dma = Objects.requireNonNull(dma);
        this.backend = backend;
        this.counters = Objects.requireNonNull(counters);
        this.phy = new M88Phy(backend != null);
        if (mac.length != 6 || (mac[0] & 1) != 0) {
            throw new IllegalArgumentException("e1000 needs a 6-byte unicast MAC address");
        }
        this.mac = mac.clone();
        this.eeprom = new E1000Eeprom(this.mac);
        this.transmitter = new E1000Transmitter(this);
        this.receiver = new E1000Receiver(this);
        setSubsystem(VENDOR_ID, SUBSYSTEM_ID);
        setInterruptPin(1);
        declareMemoryBar(0, MMIO_SIZE, false, false, new Registers());
        declareIoBar(1, IO_SIZE, new IoWindow());
        rxDelayTimer = ctx.timers().newTimer("e1000 rx delay", () -> {
            rxAbsoluteDeadline = -1;
            raise(ICR_RXT0);
        });
        txDelayTimer = ctx.timers().newTimer("e1000 tx delay", () -> {
            txAbsoluteDeadline = -1;
            raise(ICR_TXDW);
        });
        throttleTimer = ctx.timers().newTimer("e1000 itr", this::updateInterrupt);
        resetRegisters();
    }

    public NetCounters counters() {
        return counters;
    }

    public byte[] mac() {
        return mac.clone();
    }

    // ------------------------------------------------------------------ reset

    @Override
    public void reset() {
        super.reset();
        phy.reset();
        resetRegisters();
    }

    /** CTRL.RST and power-on: every MAC register back to its default; the PHY keeps its state (it has its own reset). */
    private void resetRegisters() {
        Arrays.fill(regs, 0);
        regs[CTRL >> 2] = 0x1 | 0x40 | 0x200;     // full duplex, set link up, 1000 Mb/s
        regs[STATUS >> 2] = backend != null ? STATUS_LINK_1000_FD : STATUS_LINK_1000_FD & ~STATUS_LU;
        regs[PBA >> 2] = 0x0030;                   // 48 KiB of packet buffer for receive
        regs[VET >> 2] = 0x8100;
        regs[RXCSUM >> 2] = 0x0300;
        // receive address 0 comes from the EEPROM, marked valid
        regs[RAL0 >> 2] = eeprom.word(0) | eeprom.word(1) << 16;
        regs[(RAL0 + 4) >> 2] = eeprom.word(2) | 1 << 31;
        eeprom.reset();
        transmitter.reset();
        rxDelayTimer.cancel();
        txDelayTimer.cancel();
        throttleTimer.cancel();
        rxAbsoluteDeadline = -1;
        txAbsoluteDeadline = -1;
        ioAddress = 0;
        irqAsserted = false;
        setIrq(false);
    }

    // ------------------------------------------------------------------ register access

    int reg(int offset) {
        return regs[offset >> 2];
    }

    private final class Registers implements MmioDevice {
        @Override
        public long mmioRead(long offset, int size) {
            if (offset < 0 || offset + size > MMIO_SIZE) {
                return -1L;
            }
            int off = (int) offset;
            if (size == 8) {
                return (readRegister(off & ~3) & 0xFFFFFFFFL) | (long) readRegister((off & ~3) + 4) << 32;
            }
            long v = (readRegister(off & ~3) & 0xFFFFFFFFL) >>> (8 * (off & 3));
            return size == 4 ? v : v & ((1L << (8 * size)) - 1);
        }

        @Override
        public void mmioWrite(long offset, int size, long value) {
            if (offset < 0 || offset + size > MMIO_SIZE) {
                return;
            }
            int off = (int) offset;
            if (size == 8) {
                writeRegister(off & ~3, (int) value);
                writeRegister((off & ~3) + 4, (int) (value >>> 32));
            } else if (size == 4 && (off & 3) == 0) {
                writeRegister(off, (int) value);
            } else {
                // a narrow write updates its bytes of the stored value (no read side effects)
                int shift = 8 * (off & 3);
                int mask = (int) (((1L << (8 * size)) - 1) << shift);
                int merged = (regs[off >> 2] & ~mask) | ((int) value << shift & mask);
                writeRegister(off & ~3, merged);
            }
        }
    }

    /** BAR1: IOADDR at +0 (register offset), IODATA at +4 (the register it selects); the rest reads as zero. */
    private final class IoWindow implements PortDevice {
        @Override
        public int ioRead(int port, int size) {
            int off = (int) (port - barAddress(1)) & (IO_SIZE - 1);
            int v = switch (off & ~3) {
                case 0 -> ioAddress;
                case 4 -> ioAddress < MMIO_SIZE ? readRegister(ioAddress & ~3) : 0;
                default -> 0;
            };
            v >>>= 8 * (off & 3);
            return size == 4 ? v : v & ((1 << (8 * size)) - 1);
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            int off = (int) (port - barAddress(1)) & (IO_SIZE - 1);
            if (size != 4 || (off & 3) != 0) {
                ctx.warnOnce("e1000: I/O window accessed with " + size + "-byte access at +" + off + " (ignored)");
                return;
            }
            if (off == 0) {
                ioAddress = value & 0x1FFFC;
            } else if (off == 4) {
                writeRegister(ioAddress, value);
            }
        }
    }

    int readRegister(int off) {
        if (off >= STATS_START && off < STATS_END) {
            int v = regs[off >> 2];
            regs[off >> 2] = 0;
            // the high half of a 64-bit counter (GORCH, GOTCH, TORH, TOTH) clears the low half too
            if (off == GORCL + 4 || off == GOTCL + 4 || off == TORL + 4 || off == TOTL + 4) {
                regs[(off - 4) >> 2] = 0;
            }
            return v;
        }
        return switch (off) {
            case EECD -> eeprom.readEecd();
            case ICR -> {
                int v = regs[ICR >> 2];
                regs[ICR >> 2] = 0;
                updateInterrupt();
                yield v;
            }
            case ICS, IMC -> 0;     // write-only
            default -> regs[off >> 2];
        };
    }

    void writeRegister(int off, int value) {
        if (off < 0 || off >= MMIO_SIZE) {
            return;
        }
        switch (off) {
            case CTRL -> writeControl(value);
            case STATUS -> { }      // read-only
            case EECD -> eeprom.writeEecd(value);
            case EERD -> regs[EERD >> 2] = eeprom.eerdAfterWrite(value);
            case MDIC -> writeMdic(value);
            case ICR -> {
                regs[ICR >> 2] &= ~value;   // write 1 to clear
                updateInterrupt();
            }
            case ICS -> raise(value);
            case IMS -> {
                regs[IMS >> 2] |= value & 0x1FFFF;
                updateInterrupt();
            }
            case IMC -> {
                regs[IMS >> 2] &= ~value;
                updateInterrupt();
            }
            case ITR -> {
                regs[ITR >> 2] = value & 0xFFFF;
                updateInterrupt();
            }
            case RCTL -> {
                regs[RCTL >> 2] = value;
                wakeBackend();
            }
            case RDBAL, TDBAL -> regs[off >> 2] = value & ~0xF;      // 16-byte aligned rings
            case RDLEN, TDLEN -> regs[off >> 2] = value & 0xFFF80;   // multiples of 128 bytes, at most 1 MiB
            case RDH, TDH -> regs[off >> 2] = value & 0xFFFF;
            case RDT -> {
                regs[RDT >> 2] = value & 0xFFFF;
                wakeBackend();
            }
            case TDT -> {
                regs[TDT >> 2] = value & 0xFFFF;
                transmitter.run();
            }
            case TCTL -> {
                regs[TCTL >> 2] = value;
                transmitter.run();
            }
            case RDTR -> {
                regs[RDTR >> 2] = value & 0xFFFF;
                if (value < 0 && rxDelayTimer.armed()) {  // FPD: flush the pending receive interrupt now
                    rxDelayTimer.cancel();
                    rxAbsoluteDeadline = -1;
                    raise(ICR_RXT0);
                }
            }
            case TIDV -> {
                regs[TIDV >> 2] = value & 0xFFFF;
                if (value < 0 && txDelayTimer.armed()) {
                    txDelayTimer.cancel();
                    txAbsoluteDeadline = -1;
                    raise(ICR_TXDW);
                }
            }
            case RADV, TADV -> regs[off >> 2] = value & 0xFFFF;
            default -> {
                if (off >= STATS_START && off < STATS_END) {
                    return;     // statistics are read-only
                }
                regs[off >> 2] = value;
            }
        }
    }

    private void writeControl(int value) {
        if ((value & CTRL_RST) != 0) {
            // a global reset: all MAC registers back to their defaults, RST clears itself when done
            resetRegisters();
            return;
        }
        if ((value & CTRL_PHY_RST) != 0) {
            phy.reset();
        }
        regs[CTRL >> 2] = value & ~CTRL_RST;
    }

    private void writeMdic(int value) {
        int phyAddress = (value >>> 21) & 31;
        int reg = (value >>> 16) & 31;
        int op = (value >>> 26) & 3;
        int result = value & ~(MDIC_READY | MDIC_ERROR);
        if (phyAddress != M88Phy.ADDRESS) {
            result |= MDIC_ERROR;   // no PHY answers at that address
        } else if (op == 1) {
            phy.write(reg, value & 0xFFFF);
        } else if (op == 2) {
            result = (result & ~0xFFFF) | phy.read(reg);
        } else {
            result |= MDIC_ERROR;
        }
        regs[MDIC >> 2] = result | MDIC_READY;
        if ((value & MDIC_INT_EN) != 0) {
            raise(ICR_MDAC);
        }
    }

    // ------------------------------------------------------------------ interrupts

    void raise(int causes) {
        regs[ICR >> 2] |= causes;
        updateInterrupt();
    }

    private void updateInterrupt() {
        boolean level = (regs[ICR >> 2] & regs[IMS >> 2]) != 0;
        if (level && !irqAsserted) {
            long gap = (regs[ITR >> 2] & 0xFFFFL) * 256;
            long now = ctx.clock().nanos();
            if (gap > 0 && now - lastAssertNs < gap) {
                if (!throttleTimer.armed()) {
                    throttleTimer.armAt(lastAssertNs + gap);
                }
                return;
            }
            lastAssertNs = now;
        }
        if (level != irqAsserted) {
            irqAsserted = level;
            setIrq(level);
        }
    }

    /** A transmit descriptor with RS was written back: TXDW now, or after TIDV/TADV when the descriptor had IDE. */
    void transmitWrittenBack(boolean delayed) {
        int tidv = regs[TIDV >> 2] & 0xFFFF;
        if (!delayed || tidv == 0) {
            raise(ICR_TXDW);
            return;
        }
        txAbsoluteDeadline = delayDeadline(tidv, regs[TADV >> 2] & 0xFFFF, txAbsoluteDeadline);
        txDelayTimer.armAt(Math.min(txAbsoluteDeadline, ctx.clock().nanos() + tidv * DELAY_UNIT_NS));
    }

    /** A frame was written back: RXT0 now, or after RDTR of quiet (at most RADV after the first). */
    void frameReceived() {
        int rdtr = regs[RDTR >> 2] & 0xFFFF;
        if (rdtr == 0) {
            raise(ICR_RXT0);
            return;
        }
        rxAbsoluteDeadline = delayDeadline(rdtr, regs[RADV >> 2] & 0xFFFF, rxAbsoluteDeadline);
        rxDelayTimer.armAt(Math.min(rxAbsoluteDeadline, ctx.clock().nanos() + rdtr * DELAY_UNIT_NS));
    }

    /** The absolute deadline of a delayed cause: set by the first event of a burst, unlimited without RADV/TADV. */
    private long delayDeadline(int delay, int absolute, long current) {
        if (current >= 0) {
            return current;
        }
        return absolute == 0 ? Long.MAX_VALUE : ctx.clock().nanos() + absolute * DELAY_UNIT_NS;
    }

    // ------------------------------------------------------------------ DMA and helpers for the transmitter

    /** Bus-master DMA into RAM only: a descriptor or buffer elsewhere is a guest error, reported once. */
    boolean dmaRead(long address, byte[] dst, int off, int len) {
        if (!dmaAllowed(address, len)) {
            return false;
        }
        dma.read(address, dst, off, len);
        return true;
    }

    boolean dmaWrite(long address, byte[] src, int off, int len) {
        if (!dmaAllowed(address, len)) {
            return false;
        }
        dma.write(address, src, off, len);
        return true;
    }

    private boolean dmaAllowed(long address, int len) {
        if (!busMasterEnabled()) {
            ctx.warnOnce("e1000: DMA with bus mastering disabled (dropped)");
            return false;
        }
        long end = address + len - 1;
        if (len <= 0 || address < 0 || end < address || dma.kindOf(address) != PhysicalMemory.Kind.RAM
                || dma.kindOf(end) != PhysicalMemory.Kind.RAM) {
            ctx.warnOnce(String.format("e1000: DMA to %#x+%d outside RAM (dropped)", address, len));
            return false;
        }
        return true;
    }

    void warnOnce(String message) {
        ctx.warnOnce("e1000: " + message);
    }

    /** Hands a finished frame to the backend and counts it (as the card's statistics count it, with the FCS). */
    void send(byte[] frame, int length) {
        if (backend == null) {
            return;     // no cable: the frame leaves the card and goes nowhere
        }
        if ((regs[TCTL >> 2] & TCTL_PSP) != 0 && length < 60) {
            frame = Arrays.copyOf(frame, 60);
            length = 60;
        }
        backend.transmit(frame, 0, length);
        counters.countTransmitted(length);
        int wire = length + 4;
        count(GPTC, 1);
        count(TPT, 1);
        count64(GOTCL, wire);
        count64(TOTL, wire);
        count(sizeBucket(PTC64, wire), 1);
        if ((frame[0] & 1) != 0) {
            count(isBroadcast(frame, 0) ? BPTC : MPTC, 1);
        }
    }

    /** Bus-master enable, for the card's parts (DMA only with it). */
    boolean busMaster() {
        return busMasterEnabled();
    }

    void count(int off, long n) {
        long v = (regs[off >> 2] & 0xFFFFFFFFL) + n;
        regs[off >> 2] = (int) Math.min(v, 0xFFFFFFFFL);     // statistics saturate
    }

    void count64(int lowOff, long n) {
        long v = (regs[lowOff >> 2] & 0xFFFFFFFFL) | (long) regs[(lowOff + 4) >> 2] << 32;
        v += n;
        regs[lowOff >> 2] = (int) v;
        regs[(lowOff + 4) >> 2] = (int) (v >>> 32);
    }

    /** PRC64/PTC64 and the five size buckets after them: 64, 65-127, 128-255, 256-511, 512-1023, 1024-max. */
    static int sizeBucket(int base64, int wireLength) {
        int bucket = wireLength <= 64 ? 0 : wireLength <= 127 ? 1 : wireLength <= 255 ? 2 : wireLength <= 511 ? 3
                : wireLength <= 1023 ? 4 : 5;
        return base64 + 4 * bucket;
    }

    static boolean isBroadcast(byte[] f, int off) {
        for (int i = 0; i < 6; i++) {
            if (f[off + i] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    static long ringBase(int[] regs, int low) {
        return (regs[low >> 2] & 0xFFFFFFFFL) | (long) regs[(low + 4) >> 2] << 32;
    }

    int[] registers() {
        return regs;
    }

    // ------------------------------------------------------------------ the backend's side

    @Override
    public boolean canReceive() {
        ctx.deviceLock().lock();
        try {
            boolean room = receiver.canReceive();
            backendWaiting |= !room;
            return room;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public boolean receive(byte[] frame, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, frame.length);
        ctx.deviceLock().lock();
        try {
            boolean taken = receiver.receive(frame, offset, length);
            backendWaiting |= !taken;
            return taken;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /**
     * Tells the backend that frames it held back may come now: only after it found no room (a wake-up costs the
     * backend thread a system call, and Linux moves RDT every few frames).
     */
    private void wakeBackend() {
        if (backend != null && backendWaiting && receiver.canReceive()) {
            backendWaiting = false;
            backend.guestCanReceive();
        }
    }

    static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xFF);
        }
        return v;
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }


    // ------------------------------------------------------------------ state

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        out.writeInts(regs);
        out.writeInt(ioAddress).writeBoolean(irqAsserted).writeLong(lastAssertNs);
        out.writeLong(rxAbsoluteDeadline).writeLong(txAbsoluteDeadline);
        out.writeLong(rxDelayTimer.armed() ? rxDelayTimer.deadline() : -1);
        out.writeLong(txDelayTimer.armed() ? txDelayTimer.deadline() : -1);
        out.writeLong(throttleTimer.armed() ? throttleTimer.deadline() : -1);
        eeprom.save(out);
        phy.save(out);
        transmitter.save(out);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        int[] r = in.readInts();
        if (r.length != regs.length) {
            throw new SnapshotFormatException("e1000: expected " + regs.length + " registers, found " + r.length);
        }
        System.arraycopy(r, 0, regs, 0, regs.length);
        ioAddress = in.readInt() & 0x1FFFC;
        irqAsserted = in.readBoolean();
        lastAssertNs = in.readLong();
        rxAbsoluteDeadline = in.readLong();
        txAbsoluteDeadline = in.readLong();
        rearm(rxDelayTimer, in.readLong());
        rearm(txDelayTimer, in.readLong());
        rearm(throttleTimer, in.readLong());
        eeprom.load(in);
        phy.load(in);
        transmitter.load(in);
        setIrq(irqAsserted);
    }

    private static void rearm(TimerService.Timer timer, long deadline) {
        if (deadline >= 0) {
            timer.armAt(deadline);
        } else {
            timer.cancel();
        }
    }
}
