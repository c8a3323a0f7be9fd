package org.virtfx.engine.devices;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.cpu.InterruptController;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The two cascaded 8259A interrupt controllers of a PC (master at 0x20, slave at 0xA0 on the master's IR2) plus the
 * PIIX edge/level control registers (ELCR, 0x4D0/0x4D1). Behaviour follows the Intel 8259A data sheet: ICW1-4
 * initialisation, OCW1 mask, OCW2 EOI/rotation, OCW3 register read/poll/special mask, auto-EOI, special fully nested
 * mode, and spurious IRQ 7/15 when a request disappears before the INTA cycle.
 *
 * <p>The CPU (or a local APIC in virtual-wire mode) polls {@link #hasInterrupt()} without the device lock, so the
 * INTR output is kept in a volatile field; {@link #acknowledge()} takes the lock itself.
 */
public final class Pic8259Pair implements PortDevice, InterruptController, Snapshottable {
    /** One 8259A. */
    private static final class Chip {
        int irr;             // interrupt request register
        int imr;             // interrupt mask register
        int isr;             // in-service register
        int pins;            // current input pin levels (edge detection)
        int elcr;            // 1 = level triggered (PIIX ELCR)
        int elcrMask;        // which ELCR bits exist
        int vectorBase;
        int priorityAdd;     // lowest-priority rotation: priority 0 belongs to IR priorityAdd
        int initStep;        // 0 = operational, 1..3 = expecting ICW2..ICW4
        boolean icw4Needed;
        boolean singleMode;
        boolean autoEoi;
        boolean rotateOnAutoEoi;
        boolean readIsr;
        boolean poll;
        boolean specialMask;
        boolean specialFullyNested;

        void reset() {
            irr = 0;
            imr = 0;
            isr = 0;
            pins = 0;
            vectorBase = 0;
            priorityAdd = 0;
            initStep = 0;
            icw4Needed = false;
            singleMode = false;
            autoEoi = false;
            rotateOnAutoEoi = false;
            readIsr = false;
            poll = false;
            specialMask = false;
            specialFullyNested = false;
        }

        void setPin(int irq, boolean level) {
            int mask = 1 << irq;
            if ((elcr & mask) != 0) {
                if (level) {
                    irr |= mask;
                    pins |= mask;
                } else {
                    irr &= ~mask;
                    pins &= ~mask;
                }
            } else if (level) {
                if ((pins & mask) == 0) {
                    irr |= mask;
                }
                pins |= mask;
            } else {
                pins &= ~mask;
            }
        }

        /** Priority (0 = highest) of the best request in {@code mask}, or 8 when none. */
        int priority(int mask) {
            if (mask == 0) {
                return 8;
            }
            int p = 0;
            while ((mask & (1 << ((p + priorityAdd) & 7))) == 0) {
                p++;
            }
            return p;
        }

        /** The IR line that would be delivered now, or -1. */
        int pendingIrq(boolean isMaster) {
            int p = priority(irr & ~imr);
            if (p == 8) {
                return -1;
            }
            int inService = isr;
            if (specialMask) {
                inService &= ~imr;
            }
            if (isMaster && specialFullyNested) {
                // The slave may interrupt its own in-service request (SFNM): ignore IR2 in service.
                inService &= ~(1 << 2);
            }
            int current = priority(inService);
            return p < current ? (p + priorityAdd) & 7 : -1;
        }

        void acknowledgeIrq(int irq) {
            int mask = 1 << irq;
            if (autoEoi) {
                if (rotateOnAutoEoi) {
                    priorityAdd = (irq + 1) & 7;
                }
            } else {
                isr |= mask;
            }
            // A level-triggered request stays in the IRR while its line is high.
            if ((elcr & mask) == 0) {
                irr &= ~mask;
            }
        }

        void save(StateWriter out) throws IOException {
            out.writeInt(irr).writeInt(imr).writeInt(isr).writeInt(pins).writeInt(elcr).writeInt(vectorBase)
                    .writeInt(priorityAdd).writeInt(initStep);
            out.writeBoolean(icw4Needed).writeBoolean(singleMode).writeBoolean(autoEoi).writeBoolean(rotateOnAutoEoi)
                    .writeBoolean(readIsr).writeBoolean(poll).writeBoolean(specialMask).writeBoolean(specialFullyNested);
        }

        void load(StateReader in) throws IOException {
            irr = in.readInt() & 0xFF;
            imr = in.readInt() & 0xFF;
            isr = in.readInt() & 0xFF;
            pins = in.readInt() & 0xFF;
            elcr = in.readInt() & elcrMask;
            vectorBase = in.readInt() & 0xF8;
            priorityAdd = in.readInt() & 7;
            initStep = Math.floorMod(in.readInt(), 4);
            icw4Needed = in.readBoolean();
            singleMode = in.readBoolean();
            autoEoi = in.readBoolean();
            rotateOnAutoEoi = in.readBoolean();
            readIsr = in.readBoolean();
            poll = in.readBoolean();
            specialMask = in.readBoolean();
            specialFullyNested = in.readBoolean();
        }
    }

    public static final int MASTER_PORT = 0x20;
    public static final int SLAVE_PORT = 0xA0;
    public static final int ELCR_PORT = 0x4D0;

    private final MachineContext ctx;
    private final Chip master = new Chip();
    private final Chip slave = new Chip();
    private final IrqLine[] lines = new IrqLine[16];
    private volatile boolean output;
    private volatile Runnable outputListener = () -> { };

    public Pic8259Pair(MachineContext ctx) {
        this.ctx = Objects.requireNonNull(ctx);
        master.elcrMask = 0xF8;   // IRQ 0, 1, 2 are always edge triggered
        slave.elcrMask = 0xDE;    // IRQ 8 and 13 too
        for (int i = 0; i < 16; i++) {
            int irq = i;
            lines[i] = level -> setIrq(irq, level);
        }
        reset();
    }

    /** Registers 0x20/0x21, 0xA0/0xA1 and the ELCR at 0x4D0/0x4D1. */
    public void attach(IoBus io) {
        io.register(MASTER_PORT, 2, "pic-master", this);
        io.register(SLAVE_PORT, 2, "pic-slave", this);
        io.register(ELCR_PORT, 2, "elcr", this);
    }

    /** The input wire for ISA {@code irq} (0-15); IRQ 2 is the cascade and not wired on a PC. */
    public IrqLine line(int irq) {
        return lines[Objects.checkIndex(irq, 16)];
    }

    /** Called (device lock held) whenever the INTR output may have changed. */
    public void setOutputListener(Runnable listener) {
        this.outputListener = Objects.requireNonNull(listener);
    }

    /** Power-on / platform reset: both chips uninitialised, everything edge triggered. */
    public void reset() {
        master.reset();
        slave.reset();
        master.elcr = 0;
        slave.elcr = 0;
        update();
    }

    private void setIrq(int irq, boolean level) {
        if (irq < 8) {
            master.setPin(irq, level);
        } else {
            slave.setPin(irq - 8, level);
        }
        update();
    }

    private void update() {
        master.setPin(2, slave.pendingIrq(false) >= 0);
        boolean out = master.pendingIrq(true) >= 0;
        output = out;
        outputListener.run();
    }

    @Override
    public boolean hasInterrupt() {
        return output;
    }

    /** The INTA cycle: the vector of the best pending request (spurious IRQ 7 / 15 if it vanished). */
    @Override
    public int acknowledge() {
        ctx.deviceLock().lock();
        try {
            int vector;
            int irq = master.pendingIrq(true);
            if (irq < 0) {
                vector = master.vectorBase + 7;
            } else {
                master.acknowledgeIrq(irq);
                if (irq == 2 && !master.singleMode) {
                    int slaveIrq = slave.pendingIrq(false);
                    if (slaveIrq >= 0) {
                        slave.acknowledgeIrq(slaveIrq);
                    } else {
                        slaveIrq = 7;
                    }
                    vector = slave.vectorBase + slaveIrq;
                } else {
                    vector = master.vectorBase + irq;
                }
            }
            update();
            return vector;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    // ------------------------------------------------------------------ ports

    @Override
    public int ioRead(int port, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= readByte(port + i) << (8 * i);
        }
        return v;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        for (int i = 0; i < size; i++) {
            writeByte(port + i, (value >>> (8 * i)) & 0xFF);
        }
    }

    private int readByte(int port) {
        switch (port) {
            case ELCR_PORT:
                return master.elcr;
            case ELCR_PORT + 1:
                return slave.elcr;
            case MASTER_PORT, MASTER_PORT + 1, SLAVE_PORT, SLAVE_PORT + 1: {
                Chip c = (port & 0xF0) == MASTER_PORT ? master : slave;
                if (c.poll) {
                    return pollRead(c);
                }
                if ((port & 1) != 0) {
                    return c.imr;
                }
                return c.readIsr ? c.isr : c.irr;
            }
            default:
                return 0xFF;
        }
    }

    /** OCW3 poll: acknowledges the best request without an INTA cycle; bit 7 = something was pending. */
    private int pollRead(Chip c) {
        c.poll = false;
        int irq = c.pendingIrq(c == master);
        if (irq < 0) {
            return 0;
        }
        c.acknowledgeIrq(irq);
        if (c == master && irq == 2) {
            // Polling through the cascade acknowledges nothing on the slave; software polls the slave itself.
            update();
            return 0x80 | 2;
        }
        update();
        return 0x80 | irq;
    }

    private void writeByte(int port, int value) {
        switch (port) {
            case ELCR_PORT -> {
                master.elcr = value & master.elcrMask;
                update();
            }
            case ELCR_PORT + 1 -> {
                slave.elcr = value & slave.elcrMask;
                update();
            }
            case MASTER_PORT, SLAVE_PORT -> writeCommand((port & 0xF0) == MASTER_PORT ? master : slave, value);
            case MASTER_PORT + 1, SLAVE_PORT + 1 -> writeData((port & 0xF0) == MASTER_PORT ? master : slave, value);
            default -> {
            }
        }
    }

    private void writeCommand(Chip c, int value) {
        if ((value & 0x10) != 0) {
            // ICW1: start initialisation; clears mask, in-service and pending edges.
            int elcr = c.elcr;
            c.reset();
            c.elcr = elcr;
            c.initStep = 1;
            c.icw4Needed = (value & 1) != 0;
            c.singleMode = (value & 2) != 0;
            if ((value & 0x08) != 0) {
                ctx.warnOnce("8259: level-triggered mode via ICW1 is not supported on a PC (use the ELCR)");
            }
        } else if ((value & 0x08) != 0) {
            // OCW3
            if ((value & 0x04) != 0) {
                c.poll = true;
            }
            if ((value & 0x02) != 0) {
                c.readIsr = (value & 1) != 0;
            }
            if ((value & 0x40) != 0) {
                c.specialMask = (value & 0x20) != 0;
            }
        } else {
            // OCW2
            int cmd = value >> 5;
            switch (cmd) {
                case 0, 4 -> c.rotateOnAutoEoi = cmd == 4;
                case 1, 5 -> {
                    int p = c.priority(c.isr);
                    if (p != 8) {
                        int irq = (p + c.priorityAdd) & 7;
                        c.isr &= ~(1 << irq);
                        if (cmd == 5) {
                            c.priorityAdd = (irq + 1) & 7;
                        }
                    }
                }
                case 3 -> c.isr &= ~(1 << (value & 7));
                case 6 -> c.priorityAdd = ((value & 7) + 1) & 7;
                case 7 -> {
                    int irq = value & 7;
                    c.isr &= ~(1 << irq);
                    c.priorityAdd = (irq + 1) & 7;
                }
                default -> {
                    // 2: no operation
                }
            }
        }
        update();
    }

    private void writeData(Chip c, int value) {
        switch (c.initStep) {
            case 0 -> c.imr = value;
            case 1 -> {
                c.vectorBase = value & 0xF8;
                c.initStep = c.singleMode ? (c.icw4Needed ? 3 : 0) : 2;
            }
            case 2 -> c.initStep = c.icw4Needed ? 3 : 0;   // ICW3: cascade wiring is fixed on a PC
            default -> {
                c.autoEoi = (value & 0x02) != 0;
                c.specialFullyNested = (value & 0x10) != 0;
                if ((value & 0x01) == 0) {
                    ctx.warnOnce("8259: MCS-80/85 mode (ICW4 bit 0 clear) is not supported; using 8086 mode");
                }
                c.initStep = 0;
            }
        }
        update();
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "pic";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        master.save(out);
        slave.save(out);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        master.load(in);
        slave.load(in);
        update();
    }
}
