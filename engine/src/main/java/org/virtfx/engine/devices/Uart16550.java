package org.virtfx.engine.devices;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.machine.SerialHub;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * A 16550A UART connected to a {@link SerialHub}. Transmission is instantaneous (THR empties at once and the byte
 * goes to the hub); host input waits in a host-side queue and enters the 16-byte receive FIFO as the guest drains
 * it, as if the host honoured flow control, so a pasted line is never lost. Interrupt sources (line status,
 * received data / FIFO timeout, THR empty, modem status) are prioritised and reported in IIR; the IRQ reaches the PIC
 * only while MCR OUT2 is set, as on a PC. Loopback mode (MCR bit 4) wraps THR to RBR and MCR to MSR.
 */
public final class Uart16550 implements PortDevice, Snapshottable {
    /** COM1..COM4 base ports and IRQs on a PC. */
    public static final int[] BASES = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
    public static final int[] IRQS = {4, 3, 4, 3};

    private static final int FIFO_SIZE = 16;
    private static final int MAX_PENDING = 1 << 20;
    private static final int IER_RDA = 1, IER_THRE = 2, IER_RLS = 4, IER_MS = 8;
    private static final int LSR_DR = 0x01, LSR_OE = 0x02, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40;
    private static final int MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 0x10;

    private final MachineContext ctx;
    private final int index;
    private final int base;
    private final SerialHub hub;
    private final IrqLine irq;
    private final ArrayDeque<Integer> rxFifo = new ArrayDeque<>();
    private final ArrayDeque<Byte> hostPending = new ArrayDeque<>();
    private int ier;
    private int lcr;
    private int mcr;
    private int lsr;
    private int msr;
    private int scr;
    private int divisor;
    private int fcr;
    private boolean threPending;   // THR-empty interrupt pending (cleared by IIR read or THR write)
    private boolean irqLevel;

    public Uart16550(MachineContext ctx, int index, IrqLine irq) {
        this.ctx = Objects.requireNonNull(ctx);
        this.index = Objects.checkIndex(index, BASES.length);
        this.base = BASES[index];
        this.hub = ctx.serial(index);
        this.irq = Objects.requireNonNull(irq);
        hub.setInputSink(this::hostInput);
        reset();
    }

    public void attach(IoBus io) {
        io.register(base, 8, "com" + (index + 1), this);
    }

    public void reset() {
        ier = 0;
        lcr = 0;
        mcr = 0;   // all modem outputs low after reset
        lsr = LSR_THRE | LSR_TEMT;
        scr = 0;
        divisor = 12;   // 9600 baud
        fcr = 0;
        threPending = false;
        rxFifo.clear();
        msr = modemInputs();
        updateIrq();
    }

    /** Host bytes for the guest; called on any thread. */
    private void hostInput(byte[] bytes) {
        ctx.deviceLock().lock();
        try {
            for (byte b : bytes) {
                if (hostPending.size() >= MAX_PENDING) {
                    ctx.warnOnce("serial COM" + (index + 1) + ": host input dropped, the guest is not reading");
                    break;
                }
                hostPending.add(b);
            }
            fillFifo();
            updateIrq();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    private int fifoCapacity() {
        return (fcr & 1) != 0 ? FIFO_SIZE : 1;
    }

    private void fillFifo() {
        if ((mcr & MCR_LOOP) != 0) {
            return;   // loopback disconnects the receiver from the line
        }
        while (!hostPending.isEmpty() && rxFifo.size() < fifoCapacity()) {
            rxFifo.add(hostPending.poll() & 0xFF);
        }
        if (!rxFifo.isEmpty()) {
            lsr |= LSR_DR;
        }
    }

    private void receive(int b) {
        if (rxFifo.size() >= fifoCapacity()) {
            lsr |= LSR_OE;
        } else {
            rxFifo.add(b & 0xFF);
            lsr |= LSR_DR;
        }
    }

    /** Modem status inputs (bits 4-7) from the host side, or from MCR in loopback. */
    private int modemInputs() {
        if ((mcr & MCR_LOOP) != 0) {
            return ((mcr & MCR_RTS) != 0 ? 0x10 : 0) | ((mcr & MCR_DTR) != 0 ? 0x20 : 0)
                    | ((mcr & MCR_OUT1) != 0 ? 0x40 : 0) | ((mcr & MCR_OUT2) != 0 ? 0x80 : 0);
        }
        // A host end is always ready: CTS, DSR, and carrier while something is attached.
        return 0x10 | 0x20 | (hub.connected() ? 0x80 : 0);
    }

    private void updateModemStatus() {
        int now = modemInputs();
        int old = msr & 0xF0;
        int delta = 0;
        if (((now ^ old) & 0x10) != 0) {
            delta |= 0x01;
        }
        if (((now ^ old) & 0x20) != 0) {
            delta |= 0x02;
        }
        if ((old & 0x40) != 0 && (now & 0x40) == 0) {
            delta |= 0x04;   // trailing edge of RI
        }
        if (((now ^ old) & 0x80) != 0) {
            delta |= 0x08;
        }
        msr = now | ((msr | delta) & 0x0F);
    }

    /** IIR interrupt identification (bits 0-3), highest priority first. */
    private int interruptId() {
        if ((ier & IER_RLS) != 0 && (lsr & (LSR_OE | 0x0E | LSR_BI)) != 0) {
            return 0x06;
        }
        if ((ier & IER_RDA) != 0 && !rxFifo.isEmpty()) {
            int trigger = (fcr & 1) == 0 ? 1 : new int[] {1, 4, 8, 14}[(fcr >> 6) & 3];
            // Below the trigger level the character-timeout interrupt reports the data instead.
            return rxFifo.size() >= trigger ? 0x04 : 0x0C;
        }
        if ((ier & IER_THRE) != 0 && threPending) {
            return 0x02;
        }
        if ((ier & IER_MS) != 0 && (msr & 0x0F) != 0) {
            return 0x00;
        }
        return 0x01;
    }

    private void updateIrq() {
        boolean level = interruptId() != 0x01 && (mcr & MCR_OUT2) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    @Override
    public int ioRead(int port, int size) {
        int v = readRegister(port - base);
        updateIrq();
        return v;
    }

    private int readRegister(int reg) {
        boolean dlab = (lcr & 0x80) != 0;
        switch (reg) {
            case 0: {
                if (dlab) {
                    return divisor & 0xFF;
                }
                Integer b = rxFifo.poll();
                fillFifo();
                if (rxFifo.isEmpty()) {
                    lsr &= ~LSR_DR;
                }
                return b == null ? 0 : b;
            }
            case 1:
                return dlab ? divisor >> 8 : ier;
            case 2: {
                int id = interruptId();
                if (id == 0x02) {
                    threPending = false;   // reading IIR with THRE as the source clears it
                }
                return id | ((fcr & 1) != 0 ? 0xC0 : 0);
            }
            case 3:
                return lcr;
            case 4:
                return mcr;
            case 5: {
                int v = lsr;
                lsr &= ~(LSR_OE | 0x0E | LSR_BI);   // error bits clear on read
                return v;
            }
            case 6: {
                updateModemStatus();
                int v = msr;
                msr &= 0xF0;
                return v;
            }
            default:
                return scr;
        }
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        writeRegister(port - base, value & 0xFF);
        updateIrq();
    }

    private void writeRegister(int reg, int value) {
        boolean dlab = (lcr & 0x80) != 0;
        switch (reg) {
            case 0 -> {
                if (dlab) {
                    divisor = (divisor & 0xFF00) | value;
                    return;
                }
                if ((mcr & MCR_LOOP) != 0) {
                    receive(value);
                } else {
                    hub.guestOutput(value);
                }
                // The byte leaves at once: THR is empty again and the THRE interrupt is re-armed.
                lsr |= LSR_THRE | LSR_TEMT;
                threPending = true;
            }
            case 1 -> {
                if (dlab) {
                    divisor = (divisor & 0x00FF) | value << 8;
                    return;
                }
                int old = ier;
                ier = value & 0x0F;
                if ((ier & IER_THRE) != 0 && (old & IER_THRE) == 0 && (lsr & LSR_THRE) != 0) {
                    threPending = true;   // enabling THRE with an empty THR interrupts at once
                }
            }
            case 2 -> {
                if ((value & 0x02) != 0) {
                    rxFifo.clear();
                    lsr &= ~LSR_DR;
                }
                if (((value ^ fcr) & 1) != 0) {
                    rxFifo.clear();   // switching FIFO mode empties both FIFOs
                    lsr &= ~LSR_DR;
                }
                fcr = value & 0xC9;
                fillFifo();
            }
            case 3 -> lcr = value;
            case 4 -> {
                mcr = value & 0x1F;
                updateModemStatus();
                fillFifo();
            }
            case 5, 6 -> {
                // LSR and MSR are read-only (factory test writes are ignored)
            }
            default -> scr = value;
        }
    }

    /** The programmed baud rate (115200 / divisor), for diagnostics. */
    public int baudRate() {
        return divisor == 0 ? 0 : 115200 / divisor;
    }

    @Override
    public String stateId() {
        return "uart" + index;
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(ier).writeInt(lcr).writeInt(mcr).writeInt(lsr).writeInt(msr).writeInt(scr).writeInt(divisor)
                .writeInt(fcr).writeBoolean(threPending).writeBoolean(irqLevel);
        int[] fifo = rxFifo.stream().mapToInt(Integer::intValue).toArray();
        out.writeInts(fifo);
        byte[] pending = new byte[hostPending.size()];
        int i = 0;
        for (byte b : hostPending) {
            pending[i++] = b;
        }
        out.writeBytes(pending);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        ier = in.readInt() & 0x0F;
        lcr = in.readInt() & 0xFF;
        mcr = in.readInt() & 0x1F;
        lsr = in.readInt() & 0xFF;
        msr = in.readInt() & 0xFF;
        scr = in.readInt() & 0xFF;
        divisor = in.readInt() & 0xFFFF;
        fcr = in.readInt() & 0xC9;
        threPending = in.readBoolean();
        boolean level = in.readBoolean();
        rxFifo.clear();
        int[] fifo = in.readInts();
        for (int k = 0; k < Math.min(fifo.length, FIFO_SIZE); k++) {
            rxFifo.add(fifo[k] & 0xFF);
        }
        hostPending.clear();
        for (byte b : in.readBytes()) {
            hostPending.add(b);
        }
        irqLevel = level;
        irq.set(level);
        updateIrq();
    }
}
