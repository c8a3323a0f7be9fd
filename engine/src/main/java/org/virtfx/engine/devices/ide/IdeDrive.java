package org.virtfx.engine.devices.ide;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.storage.BlockDevice;

/**
 * One IDE device position (master or slave): its copy of the task-file registers (each device latches every write,
 * as on a real cable), the transfer in progress, and what the device is: ATA disk, ATAPI CD-ROM, or absent.
 * The {@link IdeChannel} drives the protocol; this class holds state and builds the IDENTIFY data.
 */
final class IdeDrive {
    static final int ERR = 0x01, DRQ = 0x08, DSC = 0x10, DRDY = 0x40, BSY = 0x80;
    static final int ABRT = 0x04, IDNF = 0x10, UNC = 0x40;
    static final int BUFFER = 64 * 1024;

    /** What the data register is moving and what happens when a DRQ block is done. */
    enum Transfer { NONE, PIO_IN_ONCE, READ_SECTORS, WRITE_SECTORS, PACKET, ATAPI_IN }

    /** A DMA command waiting for the bus-master engine to start. */
    enum DmaOp { NONE, READ, WRITE, ATAPI }

    final int position;
    final boolean cdrom;
    final boolean present;
    BlockDevice media;

    // task file
    int feature, hobFeature, nsector, hobNsector, sector, hobSector, lcyl, hobLcyl, hcyl, hobHcyl;
    int select = 0xA0;
    int status;
    int error;

    // configuration the guest set
    int multipleSectors = 16;
    int heads;
    int sectorsPerTrack;
    int transferMode = 0x08 | 4;   // SET FEATURES 03h value: PIO mode 4 until the driver picks a DMA mode
    boolean writeCache = true;

    // transfer state
    Transfer transfer = Transfer.NONE;
    final byte[] buffer = new byte[BUFFER];
    int pos;
    int drqEnd;
    int bufferLength;
    long lba;
    long sectorsLeft;
    int blockSectors;
    boolean lba48;
    DmaOp dmaOp = DmaOp.NONE;

    // ATAPI
    int senseKey, asc, ascq;
    boolean unitAttention;
    int mediaEvent;          // GET EVENT STATUS media event code to report once (2 new media, 3 removal)
    boolean locked;
    int byteCountLimit;

    IdeDrive(int position, BlockDevice media, boolean cdrom) {
        this.position = position;
        this.cdrom = cdrom;
        this.present = media != null || cdrom;
        this.media = media;
        resetGeometry();
    }

    void resetGeometry() {
        heads = 16;
        sectorsPerTrack = 63;
    }

    int sectorSize() {
        return cdrom ? 2048 : 512;
    }

    /** Capacity in device sectors (0 without media). */
    long sectors() {
        return media == null ? 0 : media.size() / sectorSize();
    }

    /** Power-on / reset signature in the task file (ATA 1,1,0,0; ATAPI 1,1,14h,EBh) and device status. */
    void setSignature() {
        nsector = sector = 1;
        hobNsector = hobSector = hobLcyl = hobHcyl = hobFeature = 0;
        select = 0xA0 | (select & 0x10);
        if (cdrom) {
            lcyl = 0x14;
            hcyl = 0xEB;
        } else {
            lcyl = hcyl = 0;
        }
    }

    void reset() {
        setSignature();
        error = 0x01; // diagnostics passed
        status = cdrom ? 0 : DRDY | DSC;
        transfer = Transfer.NONE;
        dmaOp = DmaOp.NONE;
        pos = drqEnd = bufferLength = 0;
        sectorsLeft = 0;
        multipleSectors = 16;
        resetGeometry();
    }

    // ------------------------------------------------------------------ IDENTIFY

    byte[] identify() {
        int[] w = new int[256];
        long total = sectors();
        if (cdrom) {
            w[0] = 0x85C0;          // ATAPI, CD-ROM, removable, 50 us DRQ, 12-byte packets
            ascii(w, 10, 20, "VFXCD0000" + position);
            ascii(w, 23, 8, "1.0");
            ascii(w, 27, 40, "VirtFX DVD-ROM");
            w[49] = 0x0300;         // LBA, DMA
            w[53] = 0x0007;
            w[63] = 0x0007 | mwdmaSelected();
            w[64] = 0x0003;
            w[65] = w[66] = w[67] = w[68] = 120;
            w[71] = 30;
            w[72] = 30;
            w[80] = 0x001E;         // ATA/ATAPI-4..7
            w[82] = 1 << 14 | 1 << 4;   // packet feature set
            w[83] = 1 << 14;
            w[84] = 1 << 14;
            w[85] = 1 << 4;
            w[86] = 0;
            w[87] = 1 << 14;
            w[88] = 0x003F | udmaSelected();
            w[93] = 1 << 14 | 1 << 13 | 1;  // 80-wire cable detected
        } else {
            long chsSectors = Math.min(total, 16383L * 16 * 63);
            int cyls = (int) Math.max(1, chsSectors / (16 * 63));
            w[0] = 0x0040;          // fixed disk
            w[1] = cyls;
            w[3] = 16;
            w[6] = 63;
            ascii(w, 10, 20, "VFXHD0000" + position);
            ascii(w, 23, 8, "1.0");
            ascii(w, 27, 40, "VirtFX HARDDISK");
            w[47] = 0x8000 | 16;    // READ/WRITE MULTIPLE up to 16 sectors
            w[49] = 0x0300;
            w[50] = 0x4000;
            w[51] = 0x0200;
            w[53] = 0x0007;
            int curCyls = (int) Math.min(0xFFFF, Math.max(1, chsSectors / ((long) heads * sectorsPerTrack)));
            w[54] = curCyls;
            w[55] = heads;
            w[56] = sectorsPerTrack;
            long cur = (long) curCyls * heads * sectorsPerTrack;
            w[57] = (int) cur & 0xFFFF;
            w[58] = (int) (cur >>> 16) & 0xFFFF;
            w[59] = multipleSectors == 0 ? 0 : 0x100 | multipleSectors;
            long lba28 = Math.min(total, 0x0FFF_FFFFL);
            w[60] = (int) lba28 & 0xFFFF;
            w[61] = (int) (lba28 >>> 16);
            w[63] = 0x0007 | mwdmaSelected();
            w[64] = 0x0003;
            w[65] = w[66] = w[67] = w[68] = 120;
            w[80] = 0x00F0;         // ATA-4..7
            w[81] = 0x0016;
            w[82] = 1 << 14 | 1 << 5;               // NOP, write cache
            w[83] = 1 << 14 | 1 << 13 | 1 << 12 | 1 << 10;   // FLUSH CACHE EXT, FLUSH CACHE, LBA48
            w[84] = 1 << 14;
            w[85] = 1 << 14 | (writeCache ? 1 << 5 : 0);
            w[86] = 1 << 13 | 1 << 12 | 1 << 10;
            w[87] = 1 << 14;
            w[88] = 0x003F | udmaSelected();
            w[93] = 1 << 14 | 1 << 13 | 1;
            w[100] = (int) total & 0xFFFF;
            w[101] = (int) (total >>> 16) & 0xFFFF;
            w[102] = (int) (total >>> 32) & 0xFFFF;
            w[103] = (int) (total >>> 48) & 0xFFFF;
        }
        byte[] out = new byte[512];
        for (int i = 0; i < 256; i++) {
            out[2 * i] = (byte) w[i];
            out[2 * i + 1] = (byte) (w[i] >>> 8);
        }
        return out;
    }

    private int udmaSelected() {
        return (transferMode & 0xF8) == 0x40 ? 0x100 << (transferMode & 7) : 0;
    }

    private int mwdmaSelected() {
        return (transferMode & 0xF8) == 0x20 ? 0x100 << (transferMode & 7) : 0;
    }

    /** ATA strings: space padded, two characters per word with the first in the high byte. */
    private static void ascii(int[] w, int word, int length, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            int c = i < b.length ? b[i] : ' ';
            int idx = word + i / 2;
            w[idx] = (i & 1) == 0 ? (w[idx] & 0xFF) | c << 8 : (w[idx] & 0xFF00) | c;
        }
    }

    // ------------------------------------------------------------------ state

    void save(StateWriter out) throws IOException {
        out.writeInts(new int[] {feature, hobFeature, nsector, hobNsector, sector, hobSector, lcyl, hobLcyl, hcyl,
                hobHcyl, select, status, error, multipleSectors, heads, sectorsPerTrack, transferMode,
                writeCache ? 1 : 0, transfer.ordinal(), pos, drqEnd, bufferLength, blockSectors, lba48 ? 1 : 0,
                dmaOp.ordinal(), senseKey, asc, ascq, unitAttention ? 1 : 0, mediaEvent, locked ? 1 : 0,
                byteCountLimit});
        out.writeLong(lba).writeLong(sectorsLeft);
        out.writeBytes(java.util.Arrays.copyOf(buffer, Math.max(bufferLength, drqEnd)));
    }

    void load(StateReader in) throws IOException {
        int[] v = in.readInts();
        if (v.length != 32) {
            throw new SnapshotFormatException("IDE drive state has " + v.length + " fields, expected 32");
        }
        int i = 0;
        feature = v[i++] & 0xFF;
        hobFeature = v[i++] & 0xFF;
        nsector = v[i++] & 0xFF;
        hobNsector = v[i++] & 0xFF;
        sector = v[i++] & 0xFF;
        hobSector = v[i++] & 0xFF;
        lcyl = v[i++] & 0xFF;
        hobLcyl = v[i++] & 0xFF;
        hcyl = v[i++] & 0xFF;
        hobHcyl = v[i++] & 0xFF;
        select = v[i++] & 0xFF;
        status = v[i++] & 0xFF;
        error = v[i++] & 0xFF;
        multipleSectors = v[i++];
        heads = v[i++];
        sectorsPerTrack = v[i++];
        transferMode = v[i++] & 0xFF;
        writeCache = v[i++] != 0;
        int t = v[i++];
        pos = v[i++];
        drqEnd = v[i++];
        bufferLength = v[i++];
        blockSectors = v[i++];
        lba48 = v[i++] != 0;
        int d = v[i++];
        senseKey = v[i++];
        asc = v[i++];
        ascq = v[i++];
        unitAttention = v[i++] != 0;
        mediaEvent = v[i++];
        locked = v[i++] != 0;
        byteCountLimit = v[i];
        if (t < 0 || t >= Transfer.values().length || d < 0 || d >= DmaOp.values().length
                || pos < 0 || drqEnd < pos || drqEnd > BUFFER || bufferLength < 0 || bufferLength > BUFFER
                || multipleSectors < 0 || multipleSectors > 16 || heads < 1 || heads > 16
                || sectorsPerTrack < 1 || sectorsPerTrack > 255 || blockSectors < 0 || blockSectors > 128) {
            throw new SnapshotFormatException("IDE drive state is out of range");
        }
        transfer = Transfer.values()[t];
        dmaOp = DmaOp.values()[d];
        lba = in.readLong();
        sectorsLeft = in.readLong();
        byte[] b = in.readBytes();
        if (b.length > BUFFER) {
            throw new SnapshotFormatException("IDE drive buffer too large in saved state");
        }
        System.arraycopy(b, 0, buffer, 0, b.length);
    }
}
