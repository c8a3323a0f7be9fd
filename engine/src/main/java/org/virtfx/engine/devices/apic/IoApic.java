package org.virtfx.engine.devices.apic;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The 82093AA-style I/O APIC at 0xFEC00000 (version 0x20, as QEMU's, with the EOI register at 0x40): 24 inputs with
 * redirection entries (vector, delivery mode, logical/physical destination, edge/level, mask, Remote IRR). Edge inputs
 * latch a rising edge and deliver it when unmasked; level inputs deliver while asserted and wait for the local APIC's
 * EOI broadcast (Remote IRR). Like QEMU, inputs are "asserted" booleans and the polarity bit is storage: devices
 * model the logical level, not the wire.
 */
public final class IoApic implements MmioDevice, Snapshottable {
    public static final long DEFAULT_BASE = 0xFEC0_0000L;
    public static final int SIZE = 0x1000;
    public static final int PINS = 24;
    private static final int VERSION = 0x20 | (PINS - 1) << 16;
    private static final long MASK = 1L << 16, LEVEL = 1L << 15, REMOTE_IRR = 1L << 14, DELIVERY_STATUS = 1L << 12;
    private static final long WRITABLE = 0xFF00_0000_0000_0000L | MASK | LEVEL | (1L << 13) | 0xFFF;

    private final MachineContext ctx;
    private final ApicBus bus;
    private final long[] redirection = new long[PINS];
    private int levels;       // current input levels, bit per pin
    private int latched;      // edge inputs that rose while masked / not yet delivered
    private int id;
    private int index;

    public IoApic(MachineContext ctx, ApicBus bus) {
        this.ctx = Objects.requireNonNull(ctx);
        this.bus = Objects.requireNonNull(bus);
        bus.setIoApic(this);
        reset();
    }

    public void reset() {
        java.util.Arrays.fill(redirection, MASK);
        levels = 0;
        latched = 0;
        id = 0;
        index = 0;
    }

    /** The wire into input {@code pin} (0..23). */
    public IrqLine line(int pin) {
        Objects.checkIndex(pin, PINS);
        return level -> setInput(pin, level);
    }

    /** Sets input {@code pin}'s level (device lock held). */
    public void setInput(int pin, boolean level) {
        int bit = 1 << pin;
        boolean was = (levels & bit) != 0;
        levels = level ? levels | bit : levels & ~bit;
        if ((redirection[pin] & LEVEL) != 0) {
            if (level) {
                service(pin);
            }
        } else if (level && !was) {
            latched |= bit;
            service(pin);
        }
    }

    private void service(int pin) {
        long e = redirection[pin];
        if ((e & MASK) != 0) {
            return;
        }
        int bit = 1 << pin;
        boolean levelTriggered = (e & LEVEL) != 0;
        if (levelTriggered) {
            if ((levels & bit) == 0 || (e & REMOTE_IRR) != 0) {
                return;
            }
            redirection[pin] = e | REMOTE_IRR;
        } else {
            if ((latched & bit) == 0) {
                return;
            }
            latched &= ~bit;
        }
        int mode = (int) (e >>> 8) & 7;
        if (mode == 3 || mode == 6) {
            ctx.warnOnce("I/O APIC pin " + pin + " programmed with reserved delivery mode " + mode);
            return;
        }
        bus.deliver(null, 0, (int) (e >>> 56), (e & (1L << 11)) != 0, mode, (int) e & 0xFF, levelTriggered);
    }

    /** EOI for {@code vector} from a local APIC: re-arms level entries with that vector. */
    public void endOfInterrupt(int vector) {
        for (int pin = 0; pin < PINS; pin++) {
            long e = redirection[pin];
            if ((e & REMOTE_IRR) != 0 && (e & 0xFF) == vector) {
                redirection[pin] = e & ~REMOTE_IRR;
                service(pin); // still asserted: deliver again
            }
        }
    }

    @Override
    public long mmioRead(long offset, int size) {
        long v = switch ((int) offset) {
            case 0x00 -> index;
            case 0x10 -> readRegister(index) & 0xFFFF_FFFFL;
            default -> 0;
        };
        return size >= 4 ? v : v & ((1L << (size * 8)) - 1);
    }

    private int readRegister(int reg) {
        if (reg == 0x00) {
            return id << 24;
        }
        if (reg == 0x01) {
            return VERSION;
        }
        if (reg == 0x02) {
            return id << 24; // arbitration ID
        }
        if (reg >= 0x10 && reg < 0x10 + 2 * PINS) {
            long e = redirection[(reg - 0x10) >> 1];
            return (int) ((reg & 1) == 0 ? e : e >>> 32);
        }
        return 0;
    }

    @Override
    public void mmioWrite(long offset, int size, long value) {
        int v = (int) value;
        switch ((int) offset) {
            case 0x00 -> index = v & 0xFF;
            case 0x10 -> writeRegister(index, v);
            case 0x40 -> endOfInterrupt(v & 0xFF);
            default -> {
                // unassigned: ignored
            }
        }
    }

    private void writeRegister(int reg, int v) {
        if (reg == 0x00) {
            id = (v >>> 24) & 0xF;
            return;
        }
        if (reg < 0x10 || reg >= 0x10 + 2 * PINS) {
            return;
        }
        int pin = (reg - 0x10) >> 1;
        long e = redirection[pin];
        long nv = (reg & 1) == 0 ? (e & 0xFFFF_FFFF_0000_0000L) | (v & 0xFFFF_FFFFL)
                : (e & 0xFFFF_FFFFL) | ((long) v << 32);
        nv = (nv & WRITABLE) | (e & (REMOTE_IRR | DELIVERY_STATUS));
        if ((nv & LEVEL) == 0) {
            nv &= ~REMOTE_IRR;
        }
        redirection[pin] = nv;
        if ((nv & LEVEL) != 0 && (levels & (1 << pin)) != 0) {
            service(pin);
        } else if ((nv & LEVEL) == 0) {
            service(pin); // an edge that arrived while masked is delivered on unmask
        }
    }

    /** The redirection entry of {@code pin} (for tests and diagnostics). */
    public long redirectionEntry(int pin) {
        return redirection[pin];
    }

    @Override
    public String stateId() {
        return "ioapic";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeLongs(redirection.clone()).writeInt(levels).writeInt(latched).writeInt(id).writeInt(index);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        long[] r = in.readLongs();
        if (r.length != PINS) {
            throw new SnapshotFormatException("I/O APIC state has " + r.length + " redirection entries, expected " + PINS);
        }
        System.arraycopy(r, 0, redirection, 0, PINS);
        levels = in.readInt();
        latched = in.readInt();
        id = in.readInt() & 0xF;
        index = in.readInt() & 0xFF;
    }
}
