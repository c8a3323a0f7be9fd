package org.virtfx.engine.pci;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/**
 * PIIX4 power management (8086:7113 at 00:01.3), what ACPI guests use to power off and to hear the power button:
 * the PM I/O block at PMBASE (config 0x40, decoded while PMREGMISC 0x80 bit 0 is set) with PM1a status/enable
 * (timer overflow, power button), PM1a control (SCI_EN, SLP_TYP/SLP_EN: sleep type 0 is soft-off in the SeaBIOS and
 * QEMU DSDT), and the 24-bit ACPI PM timer at base+8 running at 3.579545 MHz from the virtual clock. The SCI is ISA
 * IRQ 9. APM ports 0xB2/0xB3 are here too: there is no SMM, so DEVACTB (0x58) reports APMC_EN already set (SeaBIOS
 * then skips its SMM set-up) and a write to 0xB2 acknowledges at once by clearing 0xB3, so no firmware loop waits.
 */
public final class Piix4Pm extends PciDevice {
    public static final long PM_TIMER_HZ = 3_579_545L;
    public static final int PMBASE = 0x40, DEVACTB = 0x58, PMREGMISC = 0x80, SMBBASE = 0x90;
    public static final int APMC_EN = 1 << 25;
    public static final int PM1_TMR = 0x0001, PM1_GBL = 0x0020, PM1_PWRBTN = 0x0100, PM1_RTC = 0x0400,
            PM1_WAK = 0x8000;
    private static final int CNT_SCI_EN = 0x0001, CNT_SLP_EN = 0x2000;
    /** GPE0 block (status, enable) and PCI hotplug registers (up, down, eject, removable, bus) of SeaBIOS's tables. */
    static final int GPE0_BLOCK = 0xAFE0, PCI_HOTPLUG = 0xAE00;
    private static final PortDevice NOTHING_PENDING = new PortDevice() {
        @Override
        public int ioRead(int port, int size) {
            return 0;
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            // enables and eject requests: there are no hot-plug events to enable or slots to eject
        }
    };
    /** SMI command values of SeaBIOS's FADT (and QEMU's). */
    static final int ACPI_ENABLE = 0xF1, ACPI_DISABLE = 0xF0;
    private static final int PM_BLOCK_SIZE = 64;
    private static final long NS = 1_000_000_000L;

    private final MachineContext ctx;
    private final VirtualClock clock;
    private final IrqLine sci;
    private final TimerService.Timer overflowTimer;
    private IoBus io;
    private int mappedBase = -1;
    private int pm1Status;
    private int pm1Enable;
    private int pm1Control;
    private int gpeStatus;
    private int gpeEnable;
    private int apmControl;
    private int apmStatus;
    private long timerOverflowsSeen;
    private boolean sciLevel;

    private final PortDevice pmBlock = new PortDevice() {
        @Override
        public int ioRead(int port, int size) {
            return readPm(port - mappedBase, size);
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            writePm(port - mappedBase, size, value);
        }
    };

    private final PortDevice apmPorts = new PortDevice() {
        @Override
        public int ioRead(int port, int size) {
            return port == 0xB2 ? apmControl : apmStatus;
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            if (port == 0xB2) {
                apmControl = value & 0xFF;
                apmStatus = 0;   // no SMI handler: the "SMI" completes immediately
                // The FADT SeaBIOS builds names 0xB2 as SMI_CMD with ACPI_ENABLE 0xF1 / ACPI_DISABLE 0xF0. What its SMI
                // handler would do, done here as QEMU's PIIX4 does: toggle SCI_EN. Without it Linux finds "Hardware did
                // not enter ACPI mode", disables the interpreter and has no _PRT to route PCI interrupts with.
                if (apmControl == ACPI_ENABLE) {
                    writeControl(pm1Control | CNT_SCI_EN);
                } else if (apmControl == ACPI_DISABLE) {
                    writeControl(pm1Control & ~CNT_SCI_EN);
                }
            } else {
                apmStatus = value & 0xFF;
            }
        }
    };

    public Piix4Pm(MachineContext ctx, IrqLine sci) {
        super("piix4-pm", 0x8086, 0x7113, 0x068000, 0x03);
        this.ctx = Objects.requireNonNull(ctx);
        this.clock = ctx.clock();
        this.sci = Objects.requireNonNull(sci);
        this.overflowTimer = ctx.timers().newTimer("pm-timer", this::onOverflow);
        setSubsystem(0x1AF4, 0x1100);
        setInterruptPin(1);
        setWritable(PMBASE, 2, 0xFF);
        set8(0x40, 0x01);
        setWritable(DEVACTB, 4, 0xFF);
        setWritable(0x5C, 4, 0xFF);                 // DEVRESB..: device resources, kept as written
        setWritable(PMREGMISC, 1, 0x01);
        setWritable(SMBBASE, 2, 0xFF);
        setWritable(0xD2, 1, 0x0F);                 // SMBus host configuration
        resetRegisters();
    }

    public void attach(PciBus bus, IoBus io) {
        this.io = io;
        bus.attach(1, 3, this);
        io.register(0xB2, 2, "apm", apmPorts);
        // The GPE0 block and QEMU's PCI hotplug registers that SeaBIOS's ACPI tables name. Nothing is ever hot-plugged,
        // so they read as zero: unclaimed ports would read all ones, every GPE would look pending, and the _E01
        // handler would read "every slot went down" and have Linux eject every PCI device.
        io.register(GPE0_BLOCK, 4, "acpi-gpe0", NOTHING_PENDING);
        io.register(PCI_HOTPLUG, 0x14, "pci-hotplug", NOTHING_PENDING);
    }

    private void resetRegisters() {
        set32(PMBASE, 1);
        set32(DEVACTB, APMC_EN);
        set8(PMREGMISC, 0);
        set32(SMBBASE, 1);
        set8(0xD2, 0);
        set8(0x3C, 9);
        pm1Status = 0;
        pm1Enable = 0;
        pm1Control = 0;
        gpeStatus = 0;
        gpeEnable = 0;
        apmControl = 0;
        apmStatus = 0;
        overflowTimer.cancel();
        updateSci();
        remap();
    }

    @Override
    public void reset() {
        super.reset();
        resetRegisters();
    }

    @Override
    protected int readConfigRegister(int offset, int size) {
        int v = super.readConfigRegister(offset, size);
        // APMC_EN (DEVACTB bit 25) always reads as set: there is no SMM for SeaBIOS to configure.
        if (offset <= DEVACTB + 3 && offset + size > DEVACTB + 3) {
            v |= 0x02 << (8 * (DEVACTB + 3 - offset));
        }
        // PMBASE and SMBBASE bit 0: I/O space indicator, read-only 1.
        if (offset <= PMBASE && offset + size > PMBASE) {
            v |= 1 << (8 * (PMBASE - offset));
        }
        if (offset <= SMBBASE && offset + size > SMBBASE) {
            v |= 1 << (8 * (SMBBASE - offset));
        }
        return v;
    }

    @Override
    protected void configWritten(int offset, int size) {
        if ((offset < PMBASE + 2 && offset + size > PMBASE) || (offset <= PMREGMISC && offset + size > PMREGMISC)) {
            remap();
        }
    }

    /** The PM I/O base the guest programmed, or -1 while PM I/O is disabled. */
    public int pmBase() {
        return mappedBase;
    }

    private void remap() {
        int base = (get16(PMBASE) & 0xFFC0);
        boolean on = (get8(PMREGMISC) & 1) != 0 && base != 0;
        int want = on ? base : -1;
        if (want == mappedBase || io == null) {
            return;
        }
        if (mappedBase >= 0) {
            io.unregister(mappedBase, PM_BLOCK_SIZE);
        }
        mappedBase = -1;
        if (want >= 0) {
            try {
                io.register(want, PM_BLOCK_SIZE, "piix4-pm", pmBlock);
                mappedBase = want;
            } catch (IllegalStateException clash) {
                ctx.warnOnce(String.format("PIIX4 PM: PMBASE 0x%x overlaps another device; PM I/O disabled", want));
            }
        }
    }

    // ------------------------------------------------------------------ PM timer

    private long timerTicks() {
        long ns = clock.nanos();
        return ns / NS * PM_TIMER_HZ + (ns % NS) * PM_TIMER_HZ / NS;
    }

    /** The 24-bit ACPI PM timer value. */
    public int pmTimer() {
        return (int) (timerTicks() & 0xFFFFFF);
    }

    /** TMR_STS is set each time bit 23 of the timer changes. */
    private void latchTimerStatus() {
        long overflows = timerTicks() >> 23;
        if (overflows > timerOverflowsSeen) {
            timerOverflowsSeen = overflows;
            pm1Status |= PM1_TMR;
        }
    }

    private void armOverflowTimer() {
        overflowTimer.cancel();
        if ((pm1Enable & PM1_TMR) != 0) {
            long nextTick = ((timerTicks() >> 23) + 1) << 23;
            long ns = nextTick / PM_TIMER_HZ * NS + ((nextTick % PM_TIMER_HZ) * NS + PM_TIMER_HZ - 1) / PM_TIMER_HZ;
            overflowTimer.armAt(ns);
        }
    }

    void onOverflow() {
        latchTimerStatus();
        updateSci();
        armOverflowTimer();
    }

    // ------------------------------------------------------------------ PM registers

    private int readPm(int off, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= readPmByte(off + i) << (8 * i);
        }
        return v;
    }

    private int readPmByte(int off) {
        return switch (off) {
            case 0x00 -> {
                latchTimerStatus();
                yield pm1Status & 0xFF;
            }
            case 0x01 -> pm1Status >> 8 & 0xFF;
            case 0x02 -> pm1Enable & 0xFF;
            case 0x03 -> pm1Enable >> 8 & 0xFF;
            case 0x04 -> pm1Control & 0xFF;
            case 0x05 -> pm1Control >> 8 & 0xDF;   // SLP_EN reads as 0
            case 0x08, 0x09, 0x0A, 0x0B -> pmTimer() >> (8 * (off - 8)) & 0xFF;
            case 0x0C -> gpeStatus & 0xFF;
            case 0x0D -> gpeStatus >> 8 & 0xFF;
            case 0x0E -> gpeEnable & 0xFF;
            case 0x0F -> gpeEnable >> 8 & 0xFF;
            default -> 0;
        };
    }

    private void writePm(int off, int size, int value) {
        if (off == 0x00 && size >= 2) {
            clearStatus(value & 0xFFFF);
            if (size == 4) {
                writePm(0x02, 2, value >>> 16);
            }
            return;
        }
        if (off == 0x04 && size >= 2) {
            writeControl(value & 0xFFFF);
            return;
        }
        for (int i = 0; i < size; i++) {
            int b = value >>> (8 * i) & 0xFF;
            switch (off + i) {
                case 0x00 -> clearStatus(b);
                case 0x01 -> clearStatus(b << 8);
                case 0x02 -> setEnable((pm1Enable & 0xFF00) | b);
                case 0x03 -> setEnable((pm1Enable & 0x00FF) | b << 8);
                case 0x04 -> writeControl((pm1Control & 0xFF00) | b);
                case 0x05 -> writeControl((pm1Control & 0x00FF) | b << 8);
                case 0x0C -> gpeStatus &= ~b;
                case 0x0D -> gpeStatus &= ~(b << 8);
                case 0x0E -> gpeEnable = (gpeEnable & 0xFF00) | b;
                case 0x0F -> gpeEnable = (gpeEnable & 0x00FF) | b << 8;
                default -> {
                    // other PIIX4 PM registers (processor control, GPIO, SMI) are accepted and ignored
                }
            }
        }
        updateSci();
    }

    private void clearStatus(int bits) {
        latchTimerStatus();
        pm1Status &= ~bits;
        updateSci();
    }

    private void setEnable(int v) {
        pm1Enable = v & (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC);
        armOverflowTimer();
        updateSci();
    }

    private void writeControl(int v) {
        pm1Control = v & ~CNT_SLP_EN;
        if ((v & CNT_SLP_EN) != 0) {
            int type = (v >> 10) & 7;
            if (type == 0) {
                ctx.guestPowerOff(0);   // S5 soft-off in the DSDT SeaBIOS builds
            } else {
                ctx.warnOnce("ACPI: sleep type " + type + " is not supported (only soft-off)");
                pm1Status |= PM1_WAK;
            }
        }
        updateSci();
    }

    private void updateSci() {
        boolean level = ((pm1Status & pm1Enable & (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC)) != 0)
                || (gpeStatus & gpeEnable) != 0;
        if (level != sciLevel) {
            sciLevel = level;
            sci.set(level);
        }
    }

    /**
     * Presses the ACPI power button: sets PWRBTN_STS (raising the SCI when enabled). Returns whether an ACPI guest is
     * listening (SCI_EN and PWRBTN_EN set), i.e. whether the press will be seen.
     */
    public boolean pressPowerButton() {
        pm1Status |= PM1_PWRBTN;
        updateSci();
        return (pm1Control & CNT_SCI_EN) != 0 && (pm1Enable & PM1_PWRBTN) != 0;
    }

    public int pm1Status() {
        return pm1Status;
    }

    // ------------------------------------------------------------------ state

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        out.writeInt(pm1Status).writeInt(pm1Enable).writeInt(pm1Control).writeInt(gpeStatus).writeInt(gpeEnable)
                .writeInt(apmControl).writeInt(apmStatus).writeLong(timerOverflowsSeen);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        pm1Status = in.readInt() & 0xFFFF;
        pm1Enable = in.readInt() & (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC);
        pm1Control = in.readInt() & 0xFFFF & ~CNT_SLP_EN;
        gpeStatus = in.readInt() & 0xFFFF;
        gpeEnable = in.readInt() & 0xFFFF;
        apmControl = in.readInt() & 0xFF;
        apmStatus = in.readInt() & 0xFF;
        timerOverflowsSeen = in.readLong();
        remap();
        armOverflowTimer();
        sciLevel = !sciLevel;   // force the line to be driven
        updateSci();
    }
}
