package org.virtfx.engine.devices.ide;

import static org.virtfx.engine.devices.ide.IdeDrive.ABRT;
import static org.virtfx.engine.devices.ide.IdeDrive.BSY;
import static org.virtfx.engine.devices.ide.IdeDrive.DRDY;
import static org.virtfx.engine.devices.ide.IdeDrive.DRQ;
import static org.virtfx.engine.devices.ide.IdeDrive.DSC;
import static org.virtfx.engine.devices.ide.IdeDrive.ERR;
import static org.virtfx.engine.devices.ide.IdeDrive.IDNF;
import static org.virtfx.engine.devices.ide.IdeDrive.UNC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.devices.ide.IdeDrive.DmaOp;
import org.virtfx.engine.devices.ide.IdeDrive.Transfer;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * One IDE channel (primary or secondary) of the PIIX: the task-file and control ports, two device positions, the
 * ATA command set (PIO single/multiple, DMA, LBA28/LBA48/CHS addressing), the ATAPI packet protocol (commands in
 * {@link Atapi}), and the channel's half of the bus-master DMA engine (PRD tables). Transfers complete synchronously
 * under the device lock: a DMA command finishes when the guest sets the start bit.
 */
final class IdeChannel {
    private static final int BM_START = 0x01, BM_TO_MEMORY = 0x08;
    private static final int BM_ACTIVE = 0x01, BM_ERROR = 0x02, BM_INTERRUPT = 0x04;
    private static final int SRST = 0x04, NIEN = 0x02, HOB = 0x80;

    private final MachineContext ctx;
    private final PhysicalMemory dma;
    private final IrqLine irq;
    private final BooleanSupplier busMaster;
    final IdeDrive[] drives = new IdeDrive[2];
    private final Atapi atapi;
    private final String name;
    private int selected;
    private int deviceControl;
    private boolean irqPending;
    int bmCommand;
    int bmStatus;
    int bmPrd;

    IdeChannel(String name, MachineContext ctx, PhysicalMemory dma, IrqLine irq, BooleanSupplier busMaster,
               IdeDrive master, IdeDrive slave) {
        this.name = name;
        this.ctx = ctx;
        this.dma = dma;
        this.irq = irq;
        this.busMaster = busMaster;
        drives[0] = master;
        drives[1] = slave;
        this.atapi = new Atapi(this, ctx);
        reset();
    }

    void reset() {
        selected = 0;
        deviceControl = 0;
        irqPending = false;
        bmCommand = 0;
        bmStatus = 0;
        bmPrd = 0;
        for (IdeDrive d : drives) {
            d.select = 0xA0;
            d.reset();
            d.unitAttention = false;
        }
        updateIrq();
    }

    private IdeDrive current() {
        return drives[selected];
    }

    private boolean anyPresent() {
        return drives[0].present || drives[1].present;
    }

    // ------------------------------------------------------------------ interrupts

    void raiseIrq() {
        irqPending = true;
        bmStatus |= BM_INTERRUPT;
        updateIrq();
    }

    private void updateIrq() {
        irq.set(irqPending && (deviceControl & NIEN) == 0);
    }

    // ------------------------------------------------------------------ ports

    /** Command-block register {@code reg} (0-7). */
    int read(int reg, int size) {
        IdeDrive d = current();
        if (reg == 0) {
            return readData(d, size);
        }
        boolean hob = (deviceControl & HOB) != 0;
        if (!anyPresent()) {
            return 0xFF; // floating bus: no devices on this cable
        }
        return switch (reg) {
            case 1 -> d.error;
            case 2 -> hob ? d.hobNsector : d.nsector;
            case 3 -> hob ? d.hobSector : d.sector;
            case 4 -> hob ? d.hobLcyl : d.lcyl;
            case 5 -> hob ? d.hobHcyl : d.hcyl;
            case 6 -> d.select;
            default -> {
                irqPending = false;
                updateIrq();
                yield statusOf(d);
            }
        };
    }

    private int statusOf(IdeDrive d) {
        // An absent slave next to a present master reads 0, which is how drivers see "no device" (QEMU does this too).
        return d.present ? d.status : 0;
    }

    int readAltStatus() {
        return anyPresent() ? statusOf(current()) : 0xFF;
    }

    void write(int reg, int size, int value) {
        if (reg == 0) {
            writeData(current(), size, value);
            return;
        }
        int v = value & 0xFF;
        if (reg >= 1 && reg <= 6) {
            deviceControl &= ~HOB;
        }
        for (IdeDrive d : drives) {
            switch (reg) {
                case 1 -> {
                    d.hobFeature = d.feature;
                    d.feature = v;
                }
                case 2 -> {
                    d.hobNsector = d.nsector;
                    d.nsector = v;
                }
                case 3 -> {
                    d.hobSector = d.sector;
                    d.sector = v;
                }
                case 4 -> {
                    d.hobLcyl = d.lcyl;
                    d.lcyl = v;
                }
                case 5 -> {
                    d.hobHcyl = d.hcyl;
                    d.hcyl = v;
                }
                case 6 -> d.select = v | 0xA0;
                default -> {
                }
            }
        }
        if (reg == 6) {
            selected = (v >>> 4) & 1;
        } else if (reg == 7) {
            command(v);
        }
    }

    void writeDeviceControl(int value) {
        boolean wasReset = (deviceControl & SRST) != 0;
        deviceControl = value & 0x86;
        if ((value & SRST) != 0 && !wasReset) {
            for (IdeDrive d : drives) {
                d.status = BSY | DSC;
                d.transfer = Transfer.NONE;
                d.dmaOp = DmaOp.NONE;
            }
        } else if ((value & SRST) == 0 && wasReset) {
            for (IdeDrive d : drives) {
                d.reset();
            }
            selected = 0;
        }
        updateIrq();
    }

    // ------------------------------------------------------------------ data register

    private int readData(IdeDrive d, int size) {
        boolean in = d.transfer == Transfer.PIO_IN_ONCE || d.transfer == Transfer.READ_SECTORS
                || d.transfer == Transfer.ATAPI_IN;
        if (!in || d.pos >= d.drqEnd) {
            return size == 4 ? -1 : (1 << (size * 8)) - 1;
        }
        int v = 0;
        int n = Math.min(size, d.drqEnd - d.pos);
        for (int i = 0; i < n; i++) {
            v |= (d.buffer[d.pos + i] & 0xFF) << (8 * i);
        }
        d.pos += n;
        if (d.pos >= d.drqEnd) {
            blockDone(d);
        }
        return v;
    }

    private void writeData(IdeDrive d, int size, int value) {
        boolean out = d.transfer == Transfer.WRITE_SECTORS || d.transfer == Transfer.PACKET;
        if (!out || d.pos >= d.drqEnd) {
            return;
        }
        int n = Math.min(size, d.drqEnd - d.pos);
        for (int i = 0; i < n; i++) {
            d.buffer[d.pos + i] = (byte) (value >>> (8 * i));
        }
        d.pos += n;
        if (d.pos >= d.drqEnd) {
            blockDone(d);
        }
    }

    /** The guest moved the last byte of a DRQ block. */
    private void blockDone(IdeDrive d) {
        switch (d.transfer) {
            case PIO_IN_ONCE -> finish(d);
            case READ_SECTORS -> {
                advance(d, d.blockSectors);
                if (d.sectorsLeft > 0) {
                    startReadBlock(d);
                } else {
                    finish(d);
                }
            }
            case WRITE_SECTORS -> {
                int n = d.blockSectors;
                if (!writeMedia(d, d.lba, d.buffer, n * 512)) {
                    return;
                }
                advance(d, n);
                if (d.sectorsLeft > 0) {
                    beginWriteBlock(d);
                    raiseIrq();
                } else {
                    finish(d);
                    raiseIrq();
                }
            }
            case PACKET -> {
                d.transfer = Transfer.NONE;
                atapi.execute(d, java.util.Arrays.copyOf(d.buffer, 12));
            }
            case ATAPI_IN -> atapi.pioBlockDone(d);
            default -> {
            }
        }
    }

    private void finish(IdeDrive d) {
        d.transfer = Transfer.NONE;
        d.pos = d.drqEnd = 0;
        d.status = DRDY | DSC;
    }

    // ------------------------------------------------------------------ ATA commands

    private void command(int cmd) {
        IdeDrive d = current();
        if (!d.present) {
            return; // commands to an absent device are not seen by anyone
        }
        if ((d.status & BSY) != 0 && cmd != 0x08) {
            return;
        }
        deviceControl &= ~HOB;
        d.error = 0;
        if (d.cdrom && !atapiAccepts(cmd)) {
            if (cmd == 0xEC) {
                d.setSignature(); // how drivers tell an ATAPI device from a disk
            }
            abort(d);
            return;
        }
        switch (cmd) {
            case 0xEC -> pioInOnce(d, d.identify());
            case 0xA1 -> pioInOnce(d, d.identify());
            case 0x20, 0x21 -> startRead(d, false, 1);
            case 0x24 -> startRead(d, true, 1);
            case 0xC4 -> startRead(d, false, d.multipleSectors);
            case 0x29 -> startRead(d, true, d.multipleSectors);
            case 0x30, 0x31 -> startWrite(d, false, 1);
            case 0x34 -> startWrite(d, true, 1);
            case 0xC5 -> startWrite(d, false, d.multipleSectors);
            case 0x39 -> startWrite(d, true, d.multipleSectors);
            case 0xC8, 0xC9 -> startDma(d, false, DmaOp.READ);
            case 0x25 -> startDma(d, true, DmaOp.READ);
            case 0xCA, 0xCB -> startDma(d, false, DmaOp.WRITE);
            case 0x35 -> startDma(d, true, DmaOp.WRITE);
            case 0x40, 0x41 -> verify(d, false);
            case 0x42 -> verify(d, true);
            case 0xC6 -> {
                int n = d.nsector;
                if (n > 16 || (n & (n - 1)) != 0) {
                    abort(d);
                } else {
                    d.multipleSectors = n;
                    done(d);
                }
            }
            case 0x91 -> {
                d.sectorsPerTrack = d.nsector == 0 ? 63 : d.nsector;
                d.heads = (d.select & 0xF) + 1;
                done(d);
            }
            case 0xEF -> setFeatures(d);
            case 0xE7, 0xEA -> {
                try {
                    if (d.media != null && !d.media.readOnly()) {
                        d.media.flush();
                    }
                    done(d);
                } catch (IOException e) {
                    ctx.warnOnce("IDE " + name + ": flush failed: " + e.getMessage());
                    abort(d);
                }
            }
            case 0x08 -> {
                // DEVICE RESET (ATAPI only; disks abort above or here)
                if (!d.cdrom) {
                    abort(d);
                    return;
                }
                d.reset();
            }
            case 0x90 -> {
                for (IdeDrive x : drives) {
                    x.setSignature();
                    x.error = 0x01;
                    x.status = x.cdrom ? 0 : DRDY | DSC;
                }
                raiseIrq();
            }
            case 0xA0 -> {
                // PACKET: the 12-byte command block comes through the data register without an interrupt
                d.byteCountLimit = d.lcyl | d.hcyl << 8;
                d.transfer = Transfer.PACKET;
                d.pos = 0;
                d.drqEnd = 12;
                d.nsector = 0x01;      // CoD=1, IO=0: host to device command
                d.status = DRDY | DSC | DRQ;
            }
            case 0xE5 -> {
                d.nsector = 0xFF;      // active / idle
                done(d);
            }
            case 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F,
                 0x70, 0xE0, 0xE1, 0xE2, 0xE3, 0xE6 -> done(d);
            default -> {
                ctx.warnOnce(String.format("IDE %s: unsupported ATA command 0x%02x aborted", name, cmd));
                abort(d);
            }
        }
    }

    private static boolean atapiAccepts(int cmd) {
        return switch (cmd) {
            case 0xA0, 0xA1, 0x08, 0x90, 0xEF, 0xE5, 0xE0, 0xE1, 0xE2, 0xE3, 0xE6 -> true;
            default -> false;
        };
    }

    private void setFeatures(IdeDrive d) {
        switch (d.feature) {
            case 0x03 -> {
                int mode = d.nsector;
                int kind = mode & 0xF8;
                int n = mode & 7;
                boolean ok = (kind == 0x00 || kind == 0x08) && n <= 4 || kind == 0x20 && n <= 2 || kind == 0x40 && n <= 5;
                if (!ok) {
                    abort(d);
                    return;
                }
                d.transferMode = mode;
            }
            case 0x02 -> d.writeCache = true;
            case 0x82 -> d.writeCache = false;
            case 0x55, 0xAA, 0x66, 0xCC, 0x05, 0x85, 0x42, 0xC2 -> {
                // look-ahead, defaults, APM, AAM: accepted, nothing to model
            }
            default -> {
                abort(d);
                return;
            }
        }
        done(d);
    }

    private void done(IdeDrive d) {
        d.status = DRDY | DSC;
        raiseIrq();
    }

    void abort(IdeDrive d) {
        d.transfer = Transfer.NONE;
        d.dmaOp = DmaOp.NONE;
        d.error = ABRT;
        d.status = DRDY | DSC | ERR;
        raiseIrq();
    }

    private void fail(IdeDrive d, int error) {
        abort(d);
        d.error = error;
    }

    private void pioInOnce(IdeDrive d, byte[] data) {
        System.arraycopy(data, 0, d.buffer, 0, data.length);
        d.transfer = Transfer.PIO_IN_ONCE;
        d.pos = 0;
        d.drqEnd = data.length;
        d.status = DRDY | DSC | DRQ;
        raiseIrq();
    }

    /** Reads the address and count from the task file; false (and the command failed) when out of range. */
    private boolean setupRange(IdeDrive d, boolean lba48) {
        d.lba48 = lba48;
        long count;
        if (lba48) {
            d.lba = (long) d.hobHcyl << 40 | (long) d.hobLcyl << 32 | (long) d.hobSector << 24
                    | (long) d.hcyl << 16 | d.lcyl << 8 | d.sector;
            count = d.hobNsector << 8 | d.nsector;
            if (count == 0) {
                count = 65536;
            }
        } else {
            if ((d.select & 0x40) != 0) {
                d.lba = (long) (d.select & 0xF) << 24 | (long) d.hcyl << 16 | d.lcyl << 8 | d.sector;
            } else {
                int cyl = d.hcyl << 8 | d.lcyl;
                int head = d.select & 0xF;
                if (d.sector == 0 || d.sector > d.sectorsPerTrack || head >= d.heads) {
                    fail(d, IDNF);
                    return false;
                }
                d.lba = ((long) cyl * d.heads + head) * d.sectorsPerTrack + d.sector - 1;
            }
            count = d.nsector == 0 ? 256 : d.nsector;
        }
        if (d.lba + count > d.sectors()) {
            ctx.warnOnce(String.format("IDE %s: guest accessed sectors %d+%d beyond the end of the disk (%d sectors)",
                    name, d.lba, count, d.sectors()));
            fail(d, IDNF);
            return false;
        }
        d.sectorsLeft = count;
        return true;
    }

    /** After {@code n} sectors: next address into the task file (drivers read it back on errors). */
    private void advance(IdeDrive d, int n) {
        d.lba += n;
        d.sectorsLeft -= n;
        long a = d.lba - (d.sectorsLeft > 0 ? 0 : 1);
        if (d.lba48) {
            d.sector = (int) a & 0xFF;
            d.lcyl = (int) (a >>> 8) & 0xFF;
            d.hcyl = (int) (a >>> 16) & 0xFF;
            d.hobSector = (int) (a >>> 24) & 0xFF;
            d.hobLcyl = (int) (a >>> 32) & 0xFF;
            d.hobHcyl = (int) (a >>> 40) & 0xFF;
        } else if ((d.select & 0x40) != 0) {
            d.sector = (int) a & 0xFF;
            d.lcyl = (int) (a >>> 8) & 0xFF;
            d.hcyl = (int) (a >>> 16) & 0xFF;
            d.select = (d.select & 0xF0) | (int) (a >>> 24) & 0xF;
        } else {
            long track = a / d.sectorsPerTrack;
            int cyl = (int) (track / d.heads);
            d.sector = (int) (a % d.sectorsPerTrack) + 1;
            d.select = (d.select & 0xF0) | (int) (track % d.heads);
            d.lcyl = cyl & 0xFF;
            d.hcyl = (cyl >>> 8) & 0xFF;
        }
    }

    private void startRead(IdeDrive d, boolean lba48, int block) {
        if (block == 0) {
            abort(d); // READ MULTIPLE before SET MULTIPLE MODE
            return;
        }
        if (!setupRange(d, lba48)) {
            return;
        }
        d.blockSectors = block;
        startReadBlock(d);
    }

    private void startReadBlock(IdeDrive d) {
        int n = (int) Math.min(d.sectorsLeft, d.blockSectors);
        if (!readMedia(d, d.lba, d.buffer, n * 512)) {
            return;
        }
        d.blockSectors = n;
        d.transfer = Transfer.READ_SECTORS;
        d.pos = 0;
        d.drqEnd = n * 512;
        d.status = DRDY | DSC | DRQ;
        raiseIrq();
    }

    private void startWrite(IdeDrive d, boolean lba48, int block) {
        if (block == 0) {
            abort(d);
            return;
        }
        if (d.media == null || d.media.readOnly()) {
            ctx.warnOnce("IDE " + name + ": write to a read-only disk refused");
            abort(d);
            return;
        }
        if (!setupRange(d, lba48)) {
            return;
        }
        d.blockSectors = block;
        beginWriteBlock(d);
    }

    private void beginWriteBlock(IdeDrive d) {
        d.blockSectors = (int) Math.min(d.sectorsLeft, d.blockSectors);
        d.transfer = Transfer.WRITE_SECTORS;
        d.pos = 0;
        d.drqEnd = d.blockSectors * 512;
        d.status = DRDY | DSC | DRQ;
    }

    private void verify(IdeDrive d, boolean lba48) {
        if (setupRange(d, lba48)) {
            advance(d, (int) d.sectorsLeft);
            done(d);
        }
    }

    boolean readMedia(IdeDrive d, long sector, byte[] dst, int length) {
        try {
            d.media.read(sector * d.sectorSize(), ByteBuffer.wrap(dst, 0, length));
            return true;
        } catch (IOException | RuntimeException e) {
            ctx.warnOnce("IDE " + name + ": read error: " + e.getMessage());
            fail(d, UNC | ABRT);
            return false;
        }
    }

    private boolean writeMedia(IdeDrive d, long sector, byte[] src, int length) {
        try {
            d.media.write(sector * d.sectorSize(), ByteBuffer.wrap(src, 0, length));
            return true;
        } catch (IOException | RuntimeException e) {
            ctx.warnOnce("IDE " + name + ": write error: " + e.getMessage());
            fail(d, ABRT);
            return false;
        }
    }

    // ------------------------------------------------------------------ DMA

    private void startDma(IdeDrive d, boolean lba48, DmaOp op) {
        if (op == DmaOp.WRITE && (d.media == null || d.media.readOnly())) {
            ctx.warnOnce("IDE " + name + ": write to a read-only disk refused");
            abort(d);
            return;
        }
        if (!setupRange(d, lba48)) {
            return;
        }
        d.dmaOp = op;
        d.status = DRDY | DSC | DRQ;
        if ((bmCommand & BM_START) != 0) {
            runDma();
        }
    }

    /** ATAPI asks for its data phase over DMA: waits for (or uses) the bus-master start bit. */
    void startAtapiDma(IdeDrive d) {
        d.dmaOp = DmaOp.ATAPI;
        d.status = DRDY | DSC | DRQ;
        if ((bmCommand & BM_START) != 0) {
            runDma();
        }
    }

    void writeBmCommand(int value) {
        int old = bmCommand;
        bmCommand = value & (BM_START | BM_TO_MEMORY);
        if ((value & BM_START) != 0 && (old & BM_START) == 0) {
            bmStatus |= BM_ACTIVE;
            runDma();
        } else if ((value & BM_START) == 0) {
            bmStatus &= ~BM_ACTIVE; // stopping the engine aborts a transfer in progress
        }
    }

    void writeBmStatus(int value) {
        bmStatus = (bmStatus & BM_ACTIVE) | (bmStatus & ~value & (BM_ERROR | BM_INTERRUPT)) | (value & 0x60);
    }

    /** Walks the PRD table: physical region descriptors {u32 address; u16 bytes (0 = 64K); u16 bit 15 = last}. */
    private final class Prd {
        long table = bmPrd & 0xFFFF_FFFCL;
        long addr;
        int left;
        boolean last;
        int entries;

        /** Next region with room; false at the end of the table. */
        boolean next() {
            while (left == 0) {
                if (last || entries >= 8192) {
                    return false;
                }
                long a = dma.read(table, 4) & 0xFFFF_FFFEL;
                long c = dma.read(table + 4, 4);
                table += 8;
                entries++;
                addr = a;
                left = (int) (c & 0xFFFE);
                if (left == 0) {
                    left = 0x10000;
                }
                last = (c & 0x8000_0000L) != 0;
            }
            return true;
        }

        /** Moves {@code len} bytes between {@code buf} and the regions; false when the table or RAM ended first. */
        boolean transfer(byte[] buf, int len, boolean toMemory) {
            int off = 0;
            while (off < len) {
                if (!next()) {
                    return false;
                }
                int n = Math.min(left, len - off);
                if (dma.ramOffset(addr) < 0 || dma.ramOffset(addr + n - 1) < 0) {
                    ctx.warnOnce(String.format("IDE %s: DMA region 0x%x+%d is not RAM", name, addr, n));
                    return false;
                }
                if (toMemory) {
                    dma.write(addr, buf, off, n);
                } else {
                    dma.read(addr, buf, off, n);
                }
                addr += n;
                left -= n;
                off += n;
            }
            return true;
        }
    }

    private void runDma() {
        IdeDrive d = current();
        if (d.dmaOp == DmaOp.NONE) {
            return; // started before the command: the command will run it
        }
        if (!busMaster.getAsBoolean()) {
            ctx.warnOnce("IDE " + name + ": DMA started with bus mastering disabled in the PCI command register");
            return;
        }
        boolean toMemory = d.dmaOp != DmaOp.WRITE;
        if (((bmCommand & BM_TO_MEMORY) != 0) != toMemory) {
            ctx.warnOnce("IDE " + name + ": bus-master direction does not match the DMA command");
        }
        Prd prd = new Prd();
        boolean ok = true;
        DmaOp op = d.dmaOp;
        d.dmaOp = DmaOp.NONE;
        if (op == DmaOp.ATAPI) {
            ok = atapi.dmaTransfer(d, (buf, len) -> prd.transfer(buf, len, true));
        } else {
            while (ok && d.sectorsLeft > 0) {
                int n = (int) Math.min(d.sectorsLeft, IdeDrive.BUFFER / 512);
                if (op == DmaOp.READ) {
                    if (!readMedia(d, d.lba, d.buffer, n * 512)) {
                        bmStatus &= ~BM_ACTIVE;
                        return;
                    }
                    ok = prd.transfer(d.buffer, n * 512, true);
                } else {
                    ok = prd.transfer(d.buffer, n * 512, false);
                    if (ok && !writeMedia(d, d.lba, d.buffer, n * 512)) {
                        bmStatus &= ~BM_ACTIVE;
                        return;
                    }
                }
                if (ok) {
                    advance(d, n);
                }
            }
        }
        if (!ok) {
            // PRD table shorter than the transfer, or pointing outside RAM: the transfer ends in error
            bmStatus = (bmStatus & ~BM_ACTIVE) | BM_ERROR;
            if (op == DmaOp.ATAPI) {
                atapi.checkCondition(d, 0x04, 0x44, 0); // hardware error: internal target failure
            } else {
                fail(d, ABRT);
            }
            return;
        }
        // The table had room left: the engine stays active (bit 0) with the interrupt bit set, as on the PIIX.
        if (!prd.next()) {
            bmStatus &= ~BM_ACTIVE;
        }
        if (op == DmaOp.ATAPI) {
            atapi.complete(d);
        } else {
            d.status = DRDY | DSC;
            raiseIrq();
        }
    }

    // ------------------------------------------------------------------ state

    void save(StateWriter out) throws IOException {
        out.writeInt(selected).writeInt(deviceControl).writeBoolean(irqPending);
        out.writeInt(bmCommand).writeInt(bmStatus).writeInt(bmPrd);
        drives[0].save(out);
        drives[1].save(out);
    }

    void load(StateReader in) throws IOException {
        selected = in.readInt() & 1;
        deviceControl = in.readInt() & 0x86;
        irqPending = in.readBoolean();
        bmCommand = in.readInt() & (BM_START | BM_TO_MEMORY);
        bmStatus = in.readInt() & 0x67;
        bmPrd = in.readInt();
        drives[0].load(in);
        drives[1].load(in);
        updateIrq();
    }
}
