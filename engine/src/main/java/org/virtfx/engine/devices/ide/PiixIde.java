package org.virtfx.engine.devices.ide;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.pci.PciDevice;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.storage.BlockDevice;

/**
 * The PIIX3 IDE function (8086:7010, 00:01.1): two channels in legacy mode (0x1F0-0x1F7 + 0x3F6 on IRQ14,
 * 0x170-0x177 + 0x376 on IRQ15) and the bus-master DMA registers in BAR4 (16 ports: command, status, PRD table
 * address per channel). Drives are ATA disks or ATAPI CD-ROMs on {@link BlockDevice}s; the images stay the caller's.
 */
public final class PiixIde extends PciDevice {
    private final IdeChannel[] channels = new IdeChannel[2];
    private final IdeDrive[] drives = new IdeDrive[4];

    /**
     * @param drives 4 positions: primary master, primary slave, secondary master, secondary slave (null = absent,
     *               except a CD-ROM position, which may be empty)
     * @param cdrom  which positions are ATAPI CD-ROMs
     */
    public PiixIde(MachineContext ctx, PhysicalMemory dma, IrqLine irq14, IrqLine irq15, BlockDevice[] drives,
                   boolean[] cdrom) {
        super("piix-ide", 0x8086, 0x7010, 0x010180, 0x00);
        Objects.requireNonNull(ctx);
        Objects.requireNonNull(dma);
        if (drives.length != 4 || cdrom.length != 4) {
            throw new IllegalArgumentException("PIIX IDE has 4 drive positions");
        }
        for (int i = 0; i < 4; i++) {
            this.drives[i] = new IdeDrive(i, drives[i], cdrom[i]);
        }
        channels[0] = new IdeChannel("primary", ctx, dma, irq14, this::busMasterEnabled, this.drives[0], this.drives[1]);
        channels[1] = new IdeChannel("secondary", ctx, dma, irq15, this::busMasterEnabled, this.drives[2], this.drives[3]);
        declareIoBar(4, 16, new BusMasterPorts());
        // IDETIM (0x40 primary, 0x42 secondary): bit 15 enables the legacy decode. Power on with it set so that a
        // directly booted kernel (no firmware to set it) finds the channels; SeaBIOS writes the same value.
        setWritable(0x40, 4, 0xFF);
        setWritable(0x44, 1, 0xFF);     // slave timing
        setWritable(0x48, 4, 0xFF);     // UDMA control/timing (PIIX4 layout; storage for drivers that probe it)
        resetIdeTiming();
    }

    private void resetIdeTiming() {
        set16(0x40, 0x8000);
        set16(0x42, 0x8000);
    }

    /** Registers the legacy command/control ports of both channels (the board calls this once). */
    public void mapLegacyPorts(IoBus io) {
        io.register(0x1F0, 8, "ide0", new CommandBlock(channels[0]));
        io.register(0x3F6, 1, "ide0 control", new ControlBlock(channels[0]));
        io.register(0x170, 8, "ide1", new CommandBlock(channels[1]));
        io.register(0x376, 1, "ide1 control", new ControlBlock(channels[1]));
    }

    /**
     * Inserts ({@code media} non-null) or removes the medium of CD-ROM position {@code drive} (0-3): the guest sees
     * UNIT ATTENTION and a media event, as after a real tray cycle. Call with the device lock held.
     */
    public void changeMedia(int drive, BlockDevice media) {
        Objects.checkIndex(drive, 4);
        IdeDrive d = drives[drive];
        if (!d.cdrom) {
            throw new IllegalArgumentException("drive " + drive + " is not a CD-ROM");
        }
        d.media = media;
        d.unitAttention = true;
        d.mediaEvent = media != null ? 2 : 3;
        d.senseKey = 6;
        d.asc = 0x28;
        d.ascq = 0;
    }

    /** The medium in position {@code drive} (null if none). */
    public BlockDevice media(int drive) {
        return drives[Objects.checkIndex(drive, 4)].media;
    }

    @Override
    public void reset() {
        super.reset();
        resetIdeTiming();
        channels[0].reset();
        channels[1].reset();
    }

    private final class CommandBlock implements PortDevice {
        private final IdeChannel channel;

        CommandBlock(IdeChannel channel) {
            this.channel = channel;
        }

        @Override
        public int ioRead(int port, int size) {
            return channel.read(port & 7, size);
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            channel.write(port & 7, size, value);
        }
    }

    private static final class ControlBlock implements PortDevice {
        private final IdeChannel channel;

        ControlBlock(IdeChannel channel) {
            this.channel = channel;
        }

        @Override
        public int ioRead(int port, int size) {
            return channel.readAltStatus();
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            channel.writeDeviceControl(value);
        }
    }

    /** BAR4: per channel (offset 0 primary, 8 secondary) command +0, status +2, PRD table address +4. */
    private final class BusMasterPorts implements PortDevice {
        @Override
        public int ioRead(int port, int size) {
            int off = (int) (port - barAddress(4)) & 0xF;
            int v = 0;
            for (int i = 0; i < size; i++) {
                v |= readByte(off + i) << (8 * i);
            }
            return v;
        }

        private int readByte(int off) {
            if (off >= 16) {
                return 0xFF;
            }
            IdeChannel c = channels[off >> 3];
            return switch (off & 7) {
                case 0 -> c.bmCommand;
                case 2 -> c.bmStatus;
                case 4, 5, 6, 7 -> (c.bmPrd >>> (8 * ((off & 7) - 4))) & 0xFF;
                default -> 0;
            };
        }

        @Override
        public void ioWrite(int port, int size, int value) {
            int off = (int) (port - barAddress(4)) & 0xF;
            IdeChannel c = channels[off >> 3];
            int reg = off & 7;
            if (reg >= 4) {
                // PRD table address: dword aligned; partial writes update the addressed bytes
                for (int i = 0; i < size && reg + i < 8; i++) {
                    int shift = 8 * (reg + i - 4);
                    c.bmPrd = (c.bmPrd & ~(0xFF << shift)) | ((value >>> (8 * i)) & 0xFF) << shift;
                }
                c.bmPrd &= ~3;
                return;
            }
            if (reg == 0) {
                c.writeBmCommand(value & 0xFF);
            } else if (reg == 2) {
                c.writeBmStatus(value & 0xFF);
            } else if (reg == 1 && size >= 2) {
                c.writeBmStatus((value >>> 8) & 0xFF);
            }
            if (reg == 0 && size >= 4) {
                c.writeBmStatus((value >>> 16) & 0xFF);
            }
        }
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "ide";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        channels[0].save(out);
        channels[1].save(out);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        channels[0].load(in);
        channels[1].load(in);
    }
}
