package org.virtfx.engine.devices.ide;

import static org.virtfx.engine.devices.ide.IdeDrive.DRDY;
import static org.virtfx.engine.devices.ide.IdeDrive.DRQ;
import static org.virtfx.engine.devices.ide.IdeDrive.DSC;
import static org.virtfx.engine.devices.ide.IdeDrive.ERR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.virtfx.engine.devices.ide.IdeDrive.Transfer;
import org.virtfx.engine.machine.MachineContext;

/**
 * The ATAPI CD-ROM (MMC) command set behind the PACKET command: what SeaBIOS's El Torito boot and Linux's
 * ata_piix + sr + cdrom drivers send. Data goes to the host in DRQ chunks no larger than the byte count limit the
 * driver put in the cylinder registers, or by bus-master DMA when the PACKET features register asked for it.
 * Errors are CHECK CONDITION with sense data (REQUEST SENSE), as MMC specifies.
 */
final class Atapi {
    private static final int NOT_READY = 2, MEDIUM_ERROR = 3, ILLEGAL_REQUEST = 5, UNIT_ATTENTION = 6;
    private static final int SECTOR = 2048;
    private static final int READ_CHUNK_SECTORS = IdeDrive.BUFFER / SECTOR;
    private static final long CD_MAX_SECTORS = 333_000;   // above this the medium is reported as a DVD

    /** Where DMA data goes: returns false when the PRD table or RAM ended. */
    interface DmaSink {
        boolean accept(byte[] buffer, int length);
    }

    private final IdeChannel channel;
    private final MachineContext ctx;

    Atapi(IdeChannel channel, MachineContext ctx) {
        this.channel = channel;
        this.ctx = ctx;
    }

    void execute(IdeDrive d, byte[] cdb) {
        int op = cdb[0] & 0xFF;
        boolean attentionExempt = op == 0x12 || op == 0x03 || op == 0x46 || op == 0x4A;
        if (op != 0x03) {
            setSense(d, 0, 0, 0);
        }
        if (d.unitAttention && !attentionExempt) {
            d.unitAttention = false;
            checkCondition(d, UNIT_ATTENTION, 0x28, 0); // not ready to ready change, medium may have changed
            return;
        }
        switch (op) {
            case 0x00 -> {
                if (needMedia(d)) {
                    complete(d);
                }
            }
            case 0x03 -> {
                byte[] r = new byte[18];
                r[0] = (byte) 0x70;
                r[2] = (byte) d.senseKey;
                r[7] = 10;
                r[12] = (byte) d.asc;
                r[13] = (byte) d.ascq;
                setSense(d, 0, 0, 0);
                reply(d, r, cdb[4] & 0xFF);
            }
            case 0x12 -> inquiry(d, cdb);
            case 0x1A -> modeSense(d, cdb, false);
            case 0x5A -> modeSense(d, cdb, true);
            case 0x1B -> {
                boolean loadEject = (cdb[4] & 2) != 0;
                boolean start = (cdb[4] & 1) != 0;
                if (loadEject && !start && d.locked) {
                    checkCondition(d, ILLEGAL_REQUEST, 0x53, 0x02); // medium removal prevented
                } else {
                    complete(d); // the tray is the host's to open: ejects are acknowledged, media stays
                }
            }
            case 0x1E -> {
                d.locked = (cdb[4] & 1) != 0;
                complete(d);
            }
            case 0x25 -> {
                if (needMedia(d)) {
                    byte[] r = new byte[8];
                    putBe32(r, 0, (int) (d.sectors() - 1));
                    putBe32(r, 4, SECTOR);
                    reply(d, r, 8);
                }
            }
            case 0x28 -> read(d, be32(cdb, 2), be16(cdb, 7));
            case 0xA8 -> read(d, be32(cdb, 2), be32(cdb, 6));
            case 0x2B, 0xBB, 0xA5 -> complete(d);   // SEEK, SET CD SPEED: nothing to move
            case 0x43 -> readToc(d, cdb);
            case 0x46 -> getConfiguration(d, cdb);
            case 0x4A -> eventStatus(d, cdb);
            case 0x51 -> discInformation(d, cdb);
            case 0x52 -> trackInformation(d, cdb);
            case 0xBD -> {
                byte[] r = new byte[8];
                reply(d, r, be16(cdb, 8));
            }
            default -> {
                ctx.warnOnce(String.format("ATAPI: unsupported packet command 0x%02x", op));
                checkCondition(d, ILLEGAL_REQUEST, 0x20, 0); // invalid command operation code
            }
        }
    }

    private boolean needMedia(IdeDrive d) {
        if (d.media == null) {
            checkCondition(d, NOT_READY, 0x3A, 0); // medium not present
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ commands

    private void inquiry(IdeDrive d, byte[] cdb) {
        if ((cdb[1] & 1) != 0) {
            checkCondition(d, ILLEGAL_REQUEST, 0x24, 0); // no vital product data pages
            return;
        }
        byte[] r = new byte[36];
        r[0] = 0x05;            // CD/DVD device
        r[1] = (byte) 0x80;     // removable
        r[2] = 0x00;
        r[3] = 0x21;            // ATAPI, response data format 1
        r[4] = 31;
        ascii(r, 8, 8, "VirtFX");
        ascii(r, 16, 16, "DVD-ROM");
        ascii(r, 32, 4, "1.0");
        reply(d, r, cdb[4] & 0xFF);
    }

    private void modeSense(IdeDrive d, byte[] cdb, boolean ten) {
        int page = cdb[2] & 0x3F;
        int alloc = ten ? be16(cdb, 7) : cdb[4] & 0xFF;
        byte[] error = {0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0};
        byte[] caps = new byte[20];
        caps[0] = 0x2A;
        caps[1] = 0x12;
        caps[2] = 0x3B;         // reads CD-R, CD-RW, method 2, DVD-ROM
        caps[4] = 0x71;         // audio play, composite, multi-session
        caps[5] = 0x60;         // CD-DA commands, accurate stream
        caps[6] = (byte) (0x29 | (d.locked ? 0x02 : 0));   // lock, eject, tray loader (+ lock state)
        putBe16(caps, 8, 706 * 8);  // max speed kB/s
        putBe16(caps, 10, 2);       // volume levels
        putBe16(caps, 12, 512);     // buffer KiB
        putBe16(caps, 14, 706 * 8); // current speed
        byte[] body = switch (page) {
            case 0x01 -> error;
            case 0x2A -> caps;
            case 0x3F -> concat(error, caps);
            default -> null;
        };
        if (body == null) {
            checkCondition(d, ILLEGAL_REQUEST, 0x24, 0); // invalid field in CDB
            return;
        }
        int header = ten ? 8 : 4;
        byte[] r = new byte[header + body.length];
        System.arraycopy(body, 0, r, header, body.length);
        int mediumType = d.media == null ? 0x70 : 0x01;   // no disc / 120 mm data
        if (ten) {
            putBe16(r, 0, r.length - 2);
            r[2] = (byte) mediumType;
        } else {
            r[0] = (byte) (r.length - 1);
            r[1] = (byte) mediumType;
        }
        reply(d, r, alloc);
    }

    private void readToc(IdeDrive d, byte[] cdb) {
        if (!needMedia(d)) {
            return;
        }
        boolean msf = (cdb[1] & 2) != 0;
        int format = cdb[2] & 0xF;
        if (format == 0 && (cdb[9] & 0xC0) != 0) {
            format = (cdb[9] & 0xFF) >>> 6; // old-style format in the control byte
        }
        int start = cdb[6] & 0xFF;
        int alloc = be16(cdb, 7);
        long leadOut = d.sectors();
        byte[] r;
        switch (format) {
            case 0 -> {
                if (start > 1 && start != 0xAA) {
                    checkCondition(d, ILLEGAL_REQUEST, 0x24, 0);
                    return;
                }
                boolean track1 = start <= 1;
                r = new byte[4 + (track1 ? 8 : 0) + 8];
                int o = 4;
                if (track1) {
                    r[o + 1] = 0x14;        // ADR 1, data track
                    r[o + 2] = 1;
                    putAddress(r, o + 4, 0, msf);
                    o += 8;
                }
                r[o + 1] = 0x16;
                r[o + 2] = (byte) 0xAA;     // lead-out
                putAddress(r, o + 4, leadOut, msf);
            }
            case 1 -> {
                r = new byte[12];
                r[5] = 0x14;
                r[6] = 1;
                putAddress(r, 8, 0, msf);
            }
            case 2 -> {
                r = new byte[4 + 4 * 11];
                int[] points = {0xA0, 0xA1, 0xA2, 0x01};
                for (int i = 0; i < 4; i++) {
                    int o = 4 + 11 * i;
                    r[o] = 1;               // session
                    r[o + 1] = 0x14;
                    r[o + 3] = (byte) points[i];
                    switch (points[i]) {
                        case 0xA0 -> r[o + 8] = 1;          // first track, disc type CD-ROM
                        case 0xA1 -> r[o + 8] = 1;          // last track
                        case 0xA2 -> putMsf(r, o + 8, leadOut);
                        default -> putMsf(r, o + 8, 0);
                    }
                }
            }
            default -> {
                checkCondition(d, ILLEGAL_REQUEST, 0x24, 0);
                return;
            }
        }
        putBe16(r, 0, r.length - 2);
        r[2] = 1;
        r[3] = 1;
        reply(d, r, alloc);
    }

    private void getConfiguration(IdeDrive d, byte[] cdb) {
        int rt = cdb[1] & 3;
        int startFeature = be16(cdb, 2);
        boolean dvd = d.sectors() > CD_MAX_SECTORS;
        int profile = d.media == null ? 0 : dvd ? 0x0010 : 0x0008;
        byte[][] features = {
                {0x00, 0x00, 0x03, 0x08, 0x00, 0x10, (byte) (profile == 0x10 ? 1 : 0), 0,
                        0x00, 0x08, (byte) (profile == 0x08 ? 1 : 0), 0},                       // profile list
                {0x00, 0x01, 0x0B, 0x08, 0, 0, 0, 0x02, 0x01, 0, 0, 0},                            // core: ATAPI
                {0x00, 0x02, 0x07, 0x04, 0x02, 0, 0, 0},                                           // morphing
                {0x00, 0x03, 0x03, 0x04, (byte) (0x29 | (d.locked ? 0x01 : 0)), 0, 0, 0},         // removable
                {0x00, 0x10, (byte) (d.media != null ? 0x01 : 0x00), 0x08, 0, 0, 0x08, 0, 0,
                        (byte) (dvd ? 0x10 : 0x01), 0, 0},                                      // random readable
        };
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[8]);
        for (byte[] f : features) {
            int number = be16(f, 0);
            boolean current = (f[2] & 1) != 0;
            boolean wanted = switch (rt) {
                case 0 -> number >= startFeature;
                case 1 -> number >= startFeature && current;
                case 2 -> number == startFeature;
                default -> false;
            };
            if (wanted) {
                out.writeBytes(f);
            }
        }
        byte[] r = out.toByteArray();
        putBe32(r, 0, r.length - 4);
        putBe16(r, 6, profile);
        reply(d, r, be16(cdb, 7));
    }

    private void eventStatus(IdeDrive d, byte[] cdb) {
        if ((cdb[1] & 1) == 0) {
            checkCondition(d, ILLEGAL_REQUEST, 0x24, 0); // only polled operation
            return;
        }
        boolean media = (cdb[4] & 0x10) != 0;
        byte[] r;
        if (media) {
            r = new byte[8];
            putBe16(r, 0, 6);
            r[2] = 0x04;                // media class
            r[4] = (byte) d.mediaEvent;
            r[5] = (byte) (d.media != null ? 0x02 : 0x00);
            d.mediaEvent = 0;
        } else {
            r = new byte[4];
            putBe16(r, 0, 2);
            r[2] = (byte) 0x80;         // no event available
        }
        r[3] = 0x10;                    // supported: media class
        reply(d, r, be16(cdb, 7));
    }

    private void discInformation(IdeDrive d, byte[] cdb) {
        if (!needMedia(d)) {
            return;
        }
        if ((cdb[1] & 7) != 0) {
            checkCondition(d, ILLEGAL_REQUEST, 0x24, 0);
            return;
        }
        byte[] r = new byte[34];
        putBe16(r, 0, 32);
        r[2] = 0x0E;                    // complete disc, complete last session
        r[3] = 1;                       // first track
        r[4] = 1;                       // sessions
        r[5] = 1;
        r[6] = 1;
        reply(d, r, be16(cdb, 7));
    }

    /** READ TRACK INFORMATION for the one data track (address type 1: track number 1, or 0 with an LBA in it). */
    private void trackInformation(IdeDrive d, byte[] cdb) {
        if (!needMedia(d)) {
            return;
        }
        int type = cdb[1] & 3;
        long number = be32(cdb, 2);
        boolean ok = type == 1 ? number == 1 : type == 0 && number < d.sectors();
        if (!ok) {
            checkCondition(d, ILLEGAL_REQUEST, 0x24, 0);
            return;
        }
        byte[] r = new byte[36];
        putBe16(r, 0, 34);
        r[2] = 1;                       // track number
        r[3] = 1;                       // session number
        r[5] = 0x04;                    // data track, recorded uninterrupted
        r[6] = 0x01;                    // data mode 1
        putBe32(r, 8, 0);               // start address
        putBe32(r, 24, (int) d.sectors());   // track size
        reply(d, r, be16(cdb, 7));
    }

    private void read(IdeDrive d, long lba, long count) {
        if (!needMedia(d)) {
            return;
        }
        lba &= 0xFFFF_FFFFL;
        count &= 0xFFFF_FFFFL;
        if (lba + count > d.sectors()) {
            ctx.warnOnce("ATAPI: read beyond the end of the disc (LBA " + lba + "+" + count + ")");
            checkCondition(d, ILLEGAL_REQUEST, 0x21, 0); // logical block address out of range
            return;
        }
        if (count == 0) {
            complete(d);
            return;
        }
        d.lba = lba;
        d.sectorsLeft = count;
        if (refill(d)) {
            startDataIn(d);
        }
    }

    /** Loads the next sectors of a READ into the buffer. */
    private boolean refill(IdeDrive d) {
        int n = (int) Math.min(d.sectorsLeft, READ_CHUNK_SECTORS);
        try {
            d.media.read(d.lba * SECTOR, ByteBuffer.wrap(d.buffer, 0, n * SECTOR));
        } catch (IOException | RuntimeException e) {
            ctx.warnOnce("ATAPI: read error: " + e.getMessage());
            checkCondition(d, MEDIUM_ERROR, 0x11, 0); // unrecovered read error
            return false;
        }
        d.lba += n;
        d.sectorsLeft -= n;
        d.bufferLength = n * SECTOR;
        d.pos = 0;
        return true;
    }

    // ------------------------------------------------------------------ data phase

    private void reply(IdeDrive d, byte[] data, int allocationLength) {
        int n = Math.min(data.length, allocationLength);
        if (n == 0) {
            complete(d);
            return;
        }
        System.arraycopy(data, 0, d.buffer, 0, n);
        d.bufferLength = n;
        d.pos = 0;
        d.sectorsLeft = 0;
        startDataIn(d);
    }

    private void startDataIn(IdeDrive d) {
        if ((d.feature & 1) != 0) {
            channel.startAtapiDma(d);
        } else {
            nextPioChunk(d);
        }
    }

    private void nextPioChunk(IdeDrive d) {
        int limit = d.byteCountLimit;
        if (limit == 0 || limit == 0xFFFF) {
            limit = 0xFFFE;  // 0 is not a valid limit; drivers that send it get the largest even one
        }
        limit &= ~1;
        int chunk = Math.min(limit, d.bufferLength - d.pos);
        d.transfer = Transfer.ATAPI_IN;
        d.drqEnd = d.pos + chunk;
        d.lcyl = chunk & 0xFF;
        d.hcyl = (chunk >>> 8) & 0xFF;
        d.nsector = 0x02;           // IO=1 (to host), CoD=0
        d.status = DRDY | DSC | DRQ;
        channel.raiseIrq();
    }

    void pioBlockDone(IdeDrive d) {
        if (d.pos < d.bufferLength) {
            nextPioChunk(d);
        } else if (d.sectorsLeft > 0) {
            if (refill(d)) {
                nextPioChunk(d);
            }
        } else {
            complete(d);
        }
    }

    boolean dmaTransfer(IdeDrive d, DmaSink sink) {
        while (true) {
            if (!sink.accept(d.buffer, d.bufferLength)) {
                return false;
            }
            if (d.sectorsLeft == 0) {
                return true;
            }
            if (!refill(d)) {
                return true; // the read error is already reported as CHECK CONDITION
            }
        }
    }

    void complete(IdeDrive d) {
        if ((d.status & ERR) != 0 && d.transfer == Transfer.NONE && d.senseKey != 0) {
            return; // an error already ended the command
        }
        d.transfer = Transfer.NONE;
        d.pos = d.drqEnd = 0;
        d.nsector = 0x03;           // IO=1, CoD=1: status phase
        d.status = DRDY | DSC;
        channel.raiseIrq();
    }

    void checkCondition(IdeDrive d, int key, int asc, int ascq) {
        setSense(d, key, asc, ascq);
        d.transfer = Transfer.NONE;
        d.dmaOp = IdeDrive.DmaOp.NONE;
        d.pos = d.drqEnd = 0;
        d.error = key << 4;
        d.nsector = 0x03;
        d.status = DRDY | ERR;
        channel.raiseIrq();
    }

    private static void setSense(IdeDrive d, int key, int asc, int ascq) {
        d.senseKey = key;
        d.asc = asc;
        d.ascq = ascq;
    }

    // ------------------------------------------------------------------ helpers

    private static void putAddress(byte[] r, int o, long lba, boolean msf) {
        if (msf) {
            r[o] = 0;
            putMsf(r, o + 1, lba);
        } else {
            putBe32(r, o, (int) lba);
        }
    }

    private static void putMsf(byte[] r, int o, long lba) {
        long f = lba + 150;
        r[o] = (byte) (f / (75 * 60));
        r[o + 1] = (byte) (f / 75 % 60);
        r[o + 2] = (byte) (f % 75);
    }

    private static int be16(byte[] b, int o) {
        return (b[o] & 0xFF) << 8 | b[o + 1] & 0xFF;
    }

    private static long be32(byte[] b, int o) {
        return ((long) be16(b, o) << 16 | be16(b, o + 2)) & 0xFFFF_FFFFL;
    }

    private static void putBe16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    private static void putBe32(byte[] b, int o, int v) {
        putBe16(b, o, v >>> 16);
        putBe16(b, o + 2, v);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static void ascii(byte[] r, int o, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < len; i++) {
            r[o + i] = i < b.length ? b[i] : (byte) ' ';
        }
    }
}
