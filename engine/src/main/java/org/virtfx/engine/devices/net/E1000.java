package org.virtfx.engine.devices.net;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32;
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
 * reset through it). Legacy receive descriptors, legacy and TCP/IP context/data transmit descriptors (see
 * {@link E1000Transmitter}), the Microwire EEPROM ({@link E1000Eeprom}) and the M88 PHY ({@link M88Phy}). The link is
 * always up at 1000 Mb/s full duplex. Registers are kept in one array indexed by offset/4; most are plain storage,
 * those with side effects are handled in {@link #writeRegister} and {@link #readRegister}.
 *
 * <p>Interrupt moderation: RDTR/RADV delay RXT0 and TIDV/TADV delay TXDW (descriptors with IDE) on the virtual clock,
 * and ITR spaces interrupt assertions at least ITR x 256 ns apart, as on the card.
 */
public final class E1000 extends PciDevice implements GuestPort {
    static final int VENDOR_ID = 0x8086;
    static final int DEVICE_ID = 0x100E;
    static final int SUBSYSTEM_ID = 0x001E;     // Intel PRO/1000 MT Desktop Adapter
    static final int MMIO_SIZE = 0x20000;
    static final int IO_SIZE = 0x40;

    // register offsets (8254x SDM table 13-2)
    static final int CTRL = 0x0000;
    static final int STATUS = 0x0008;
    static final int EECD = 0x0010;
    static final int EERD = 0x0014;
    static final int MDIC = 0x0020;
    static final int VET = 0x0038;
    static final int ICR = 0x00C0;
    static final int ITR = 0x00C4;
    static final int ICS = 0x00C8;
    static final int IMS = 0x00D0;
    static final int IMC = 0x00D8;
    static final int RCTL = 0x0100;
    static final int TCTL = 0x0400;
    static final int PBA = 0x1000;
    static final int RDBAL = 0x2800;
    static final int RDBAH = 0x2804;
    static final int RDLEN = 0x2808;
    static final int RDH = 0x2810;
    static final int RDT = 0x2818;
    static final int RDTR = 0x2820;
    static final int RADV = 0x282C;
    static final int TDBAL = 0x3800;
    static final int TDBAH = 0x3804;
    static final int TDLEN = 0x3808;
    static final int TDH = 0x3810;
    static final int TDT = 0x3818;
    static final int TIDV = 0x3820;
    static final int TADV = 0x382C;
    static final int STATS_START = 0x4000;
    static final int STATS_END = 0x4100;
    static final int RXCSUM = 0x5000;
    static final int MTA = 0x5200;
    static final int RAL0 = 0x5400;
    static final int VFTA = 0x5600;
    static final int MANC = 0x5820;

    // statistics registers the card counts (read-to-clear)
    static final int MPC = 0x4010;
    static final int PRC64 = 0x405C;
    static final int GPRC = 0x4074;
    static final int BPRC = 0x4078;
    static final int MPRC = 0x407C;
    static final int GPTC = 0x4080;
    static final int GORCL = 0x4088;
    static final int GOTCL = 0x4090;
    static final int RNBC = 0x40A0;
    static final int ROC = 0x40AC;
    static final int TORL = 0x40C0;
    static final int TOTL = 0x40C8;
    static final int TPR = 0x40D0;
    static final int TPT = 0x40D4;
    static final int PTC64 = 0x40D8;
    static final int MPTC = 0x40F0;
    static final int BPTC = 0x40F4;
    static final int TSCTC = 0x40F8;

    static final int CTRL_VME = 1 << 30;
    private static final int CTRL_RST = 1 << 26;
    private static final int CTRL_PHY_RST = 1 << 31;
    private static final int STATUS_LU = 0x2;
    private static final int STATUS_LINK_1000_FD = 0x1 | STATUS_LU | 0x80 | 0x200;   // FD, LU, speed 1000, ASDV 1000

    // interrupt causes
    static final int ICR_TXDW = 1 << 0;
    static final int ICR_TXQE = 1 << 1;
    private static final int ICR_RXDMT0 = 1 << 4;
    private static final int ICR_RXO = 1 << 6;
    private static final int ICR_RXT0 = 1 << 7;
    private static final int ICR_MDAC = 1 << 9;

    private static final int RCTL_EN = 1 << 1;
    private static final int RCTL_UPE = 1 << 3;
    private static final int RCTL_MPE = 1 << 4;
    private static final int RCTL_LPE = 1 << 5;
    private static final int RCTL_BAM = 1 << 15;
    private static final int RCTL_VFE = 1 << 18;
    private static final int RCTL_BSEX = 1 << 25;
    private static final int RCTL_SECRC = 1 << 26;
    static final int TCTL_EN = 1 << 1;
    static final int TCTL_PSP = 1 << 3;

    private static final int MDIC_READY = 1 << 28;
    private static final int MDIC_INT_EN = 1 << 29;
    private static final int MDIC_ERROR = 1 << 30;

    private static final int RXD_DD = 0x01;
    private static final int RXD_EOP = 0x02;
    private static final int RXD_IXSM = 0x04;  // "ignore checksum indication": the guest's stack verifies checksums
    private static final int RXD_VP = 0x08;
    private static final long DELAY_UNIT_NS = 1024;
    private static final int MAX_GATHER = 0x40000;

    private final MachineContext ctx;
    private final PhysicalMemory dma;
    private final NetworkBackend backend;
    private final byte[] mac;
    private final NetCounters counters;
    private final E1000Eeprom eeprom;
    private final M88Phy phy;
    private final E1000Transmitter transmitter;
    private final int[] regs = new int[MMIO_SIZE >> 2];
    private final TimerService.Timer rxDelayTimer;
    private final TimerService.Timer txDelayTimer;
    private final TimerService.Timer throttleTimer;
    private final CRC32 crc = new CRC32();
    private int ioAddress;
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
                boolean wasOn = (regs[RCTL >> 2] & RCTL_EN) != 0;
                regs[RCTL >> 2] = value;
                if (!wasOn && (value & RCTL_EN) != 0 && backend != null) {
                    backend.guestCanReceive();
                }
            }
            case RDBAL, TDBAL -> regs[off >> 2] = value & ~0xF;      // 16-byte aligned rings
            case RDLEN, TDLEN -> regs[off >> 2] = value & 0xFFF80;   // multiples of 128 bytes, at most 1 MiB
            case RDH, TDH -> regs[off >> 2] = value & 0xFFFF;
            case RDT -> {
                regs[RDT >> 2] = value & 0xFFFF;
                if (backend != null && receiveRoom() > 0) {
                    backend.guestCanReceive();
                }
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

    private void frameReceived() {
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

    void count(int off, long n) {
        long v = (regs[off >> 2] & 0xFFFFFFFFL) + n;
        regs[off >> 2] = (int) Math.min(v, 0xFFFFFFFFL);     // statistics saturate
    }

    private void count64(int lowOff, long n) {
        long v = (regs[lowOff >> 2] & 0xFFFFFFFFL) | (long) regs[(lowOff + 4) >> 2] << 32;
        v += n;
        regs[lowOff >> 2] = (int) v;
        regs[(lowOff + 4) >> 2] = (int) (v >>> 32);
    }

    /** PRC64/PTC64 and the five size buckets after them: 64, 65-127, 128-255, 256-511, 512-1023, 1024-max. */
    private static int sizeBucket(int base64, int wireLength) {
        int bucket = wireLength <= 64 ? 0 : wireLength <= 127 ? 1 : wireLength <= 255 ? 2 : wireLength <= 511 ? 3
                : wireLength <= 1023 ? 4 : 5;
        return base64 + 4 * bucket;
    }

    private static boolean isBroadcast(byte[] f, int off) {
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

    // ------------------------------------------------------------------ receive

    private int rxRingSize() {
        return regs[RDLEN >> 2] >>> 4;
    }

    /** Free receive descriptors (between head and tail); 0 when the ring is off or badly programmed. */
    private int receiveRoom() {
        int n = rxRingSize();
        int head = regs[RDH >> 2];
        int tail = regs[RDT >> 2];
        if (n == 0 || head >= n || tail >= n) {
            if (n != 0) {
                warnOnce("receive head " + head + " or tail " + tail + " beyond the " + n + "-descriptor ring");
            }
            return 0;
        }
        return (tail - head + n) % n;
    }

    private int receiveBufferSize() {
        int rctl = regs[RCTL >> 2];
        int bsize = (rctl >>> 16) & 3;
        if ((rctl & RCTL_BSEX) != 0 && bsize != 0) {
            return 32768 >> bsize;      // 16384, 8192, 4096
        }
        return 2048 >> bsize;           // 2048, 1024, 512, 256
    }

    @Override
    public boolean canReceive() {
        ctx.deviceLock().lock();
        try {
            return (regs[RCTL >> 2] & RCTL_EN) != 0 && busMasterEnabled() && receiveRoom() > 0;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public boolean receive(byte[] frame, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, frame.length);
        ctx.deviceLock().lock();
        try {
            return receiveLocked(frame, offset, length);
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    private boolean receiveLocked(byte[] frame, int offset, int length) {
        int rctl = regs[RCTL >> 2];
        if (length < 14) {
            return true;    // a runt: discarded by the MAC
        }
        if ((rctl & RCTL_EN) == 0) {
            return false;   // receiver off: nowhere to put it
        }
        if (!accepts(frame, offset, rctl)) {
            return true;    // filtered out, as the card discards it
        }
        int special = 0;
        int status = RXD_DD | RXD_IXSM;
        byte[] data;
        int len;
        boolean tagged = ((frame[offset + 12] & 0xFF) << 8 | (frame[offset + 13] & 0xFF)) == (regs[VET >> 2] & 0xFFFF);
        if (tagged && length >= 18 && (regs[CTRL >> 2] & CTRL_VME) != 0) {
            special = (frame[offset + 14] & 0xFF) << 8 | (frame[offset + 15] & 0xFF);
            status |= RXD_VP;
            len = length - 4;
            data = new byte[Math.max(60, len) + 4];
            System.arraycopy(frame, offset, data, 0, 12);
            System.arraycopy(frame, offset + 16, data, 12, length - 16);
        } else {
            len = length;
            data = new byte[Math.max(60, len) + 4];
            System.arraycopy(frame, offset, data, 0, length);
        }
        if (tagged && (rctl & RCTL_VFE) != 0) {
            int vid = ((frame[offset + 14] & 0x0F) << 8) | (frame[offset + 15] & 0xFF);
            if ((regs[(VFTA >> 2) + (vid >>> 5)] >>> (vid & 31) & 1) == 0) {
                return true;    // VLAN not in the filter table
            }
        }
        int limit = (rctl & RCTL_LPE) != 0 ? 16384 : tagged ? 1522 : 1518;
        if (len > limit) {
            count(ROC, 1);
            return true;
        }
        len = Math.max(60, len);    // the wire pads short frames; guests see at least 60 bytes
        if ((rctl & RCTL_SECRC) == 0) {
            crc.reset();
            crc.update(data, 0, len);
            int fcs = (int) crc.getValue();
            for (int i = 0; i < 4; i++) {
                data[len + i] = (byte) (fcs >>> (8 * i));
            }
            len += 4;
        }
        int bufferSize = receiveBufferSize();
        int needed = (len + bufferSize - 1) / bufferSize;
        int room = receiveRoom();
        if (!busMasterEnabled() || room < needed) {
            count(MPC, 1);
            count(RNBC, 1);
            counters.countDropped();
            raise(ICR_RXO);
            return false;
        }
        int n = rxRingSize();
        long base = ringBase(regs, RDBAL);
        int head = regs[RDH >> 2];
        byte[] desc = new byte[16];
        for (int done = 0; done < len; ) {
            int chunk = Math.min(bufferSize, len - done);
            long descAddress = base + 16L * head;
            if (!dmaRead(descAddress, desc, 0, 16)) {
                return false;
            }
            long buffer = le64(desc, 0);
            dmaWrite(buffer, data, done, chunk);
            done += chunk;
            put16(desc, 8, chunk);
            put16(desc, 10, 0);
            desc[12] = (byte) (done == len ? status | RXD_EOP : status);
            desc[13] = 0;
            put16(desc, 14, done == len ? special : 0);
            dmaWrite(descAddress + 8, desc, 8, 8);
            head = (head + 1) % n;
        }
        regs[RDH >> 2] = head;
        int wire = len + ((rctl & RCTL_SECRC) != 0 ? 4 : 0);
        count(GPRC, 1);
        count(TPR, 1);
        count64(GORCL, wire);
        count64(TORL, wire);
        count(sizeBucket(PRC64, wire), 1);
        if ((data[0] & 1) != 0) {
            count(isBroadcast(data, 0) ? BPRC : MPRC, 1);
        }
        counters.countReceived(length);
        int threshold = n >> (1 + ((rctl >>> 8) & 3));     // RDMTS: 1/2, 1/4, 1/8 of the ring
        if (receiveRoom() <= threshold) {
            raise(ICR_RXDMT0);
        }
        frameReceived();
        return true;
    }

    /** Destination filter: promiscuous modes, broadcast, the 16 exact addresses, then the multicast hash table. */
    private boolean accepts(byte[] f, int off, int rctl) {
        boolean multicast = (f[off] & 1) != 0;
        if (multicast && isBroadcast(f, off)) {
            return (rctl & RCTL_BAM) != 0 || (rctl & RCTL_MPE) != 0;
        }
        if (!multicast && (rctl & RCTL_UPE) != 0 || multicast && (rctl & RCTL_MPE) != 0) {
            return true;
        }
        int low = (f[off] & 0xFF) | (f[off + 1] & 0xFF) << 8 | (f[off + 2] & 0xFF) << 16 | (f[off + 3] & 0xFF) << 24;
        int high = (f[off + 4] & 0xFF) | (f[off + 5] & 0xFF) << 8;
        for (int i = 0; i < 16; i++) {
            int rah = regs[(RAL0 >> 2) + 2 * i + 1];
            if (rah < 0 && regs[(RAL0 >> 2) + 2 * i] == low && (rah & 0xFFFF) == high) {
                return true;
            }
        }
        if (!multicast) {
            return false;
        }
        int b4 = f[off + 4] & 0xFF;
        int b5 = f[off + 5] & 0xFF;
        int hash = switch ((rctl >>> 12) & 3) {    // MO: which 12 of the last 16 address bits index the table
            case 0 -> b4 >>> 4 | b5 << 4;
            case 1 -> b4 >>> 3 | b5 << 5;
            case 2 -> b4 >>> 2 | b5 << 6;
            default -> b4 | b5 << 8;
        } & 0xFFF;
        return (regs[(MTA >> 2) + (hash >>> 5)] >>> (hash & 31) & 1) != 0;
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
