package org.virtfx.engine.devices.net;

import static org.virtfx.engine.devices.net.E1000Registers.*;

import java.io.IOException;
import java.util.Arrays;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The e1000 transmit path: walks the descriptor ring from TDH to TDT, gathers each packet's buffers up to the
 * descriptor with EOP, applies the offloads and hands the frame to the card. Three descriptor kinds (8254x SDM 3.3):
 * legacy (optional checksum insertion at CSO from CSS), TCP/IP context (IP and TCP/UDP checksum offsets, TSO header
 * length and MSS) and data descriptors (POPTS: insert the IPv4 header checksum / the TCP-UDP checksum; TSE: segment).
 * Offsets taken from a context are checked against the gathered packet before use; a packet whose offsets do not fit
 * is dropped with a warning, never read or written out of bounds.
 */
final class E1000Transmitter {
    private static final int CMD_EOP = 0x01;
    private static final int CMD_IC = 0x04;     // legacy: insert checksum
    private static final int CMD_TSE = 0x04;    // data: TCP segmentation
    private static final int CMD_RS = 0x08;
    private static final int CMD_RPS = 0x10;    // legacy: report packet sent (written back like RS)
    private static final int CMD_DEXT = 0x20;
    private static final int CMD_VLE = 0x40;
    private static final int CMD_IDE = 0x80;
    private static final int TUCMD_TCP = 0x01;
    private static final int TUCMD_IPV4 = 0x02;
    private static final int POPTS_IXSM = 0x01;
    private static final int POPTS_TXSM = 0x02;
    /** Largest packet gathered (a 64 KiB TSO packet plus headers fits; more is a guest error). */
    private static final int MAX_PACKET = 0x40000;

    private final E1000 card;

    // the last TCP/IP context descriptor
    private int ipcss;
    private int ipcso;
    private int ipcse;
    private int tucss;
    private int tucso;
    private int tucse;
    private int tucmd;
    private int hdrLen;
    private int mss;

    // the packet being gathered (its descriptors may arrive over several TDT writes)
    private byte[] packet = new byte[2048];
    private int length;
    private boolean started;
    private boolean bad;
    private int popts;
    private boolean tse;

    E1000Transmitter(E1000 card) {
        this.card = card;
    }

    void reset() {
        ipcss = ipcso = ipcse = tucss = tucso = tucse = tucmd = hdrLen = mss = 0;
        length = 0;
        started = false;
        bad = false;
        popts = 0;
        tse = false;
    }

    /** Processes descriptors from TDH up to TDT (called on TDT and TCTL writes). */
    void run() {
        int[] regs = card.registers();
        if ((regs[TCTL >> 2] & TCTL_EN) == 0) {
            return;
        }
        int n = regs[TDLEN >> 2] >>> 4;
        int head = regs[TDH >> 2];
        int tail = regs[TDT >> 2];
        if (n == 0 || head == tail) {
            return;
        }
        if (head >= n || tail >= n) {
            card.warnOnce("transmit head " + head + " or tail " + tail + " beyond the " + n + "-descriptor ring");
            return;
        }
        long base = E1000.ringBase(regs, TDBAL);
        byte[] d = new byte[16];
        boolean report = false;
        boolean reportNow = false;
        while (head != tail) {
            long address = base + 16L * head;
            if (!card.dmaRead(address, d, 0, 16)) {
                break;      // the ring itself is unreachable: stop, as the card's DMA engine would hang
            }
            int cmd = d[11] & 0xFF;
            descriptor(d, cmd);
            if ((cmd & (CMD_RS | ((cmd & CMD_DEXT) == 0 ? CMD_RPS : 0))) != 0) {
                d[12] |= 0x01;  // DD
                card.dmaWrite(address + 12, d, 12, 1);
                report = true;
                reportNow |= (cmd & CMD_IDE) == 0;
            }
            head = (head + 1) % n;
            regs[TDH >> 2] = head;
        }
        if (report) {
            card.transmitWrittenBack(!reportNow);
        }
        if (head == tail) {
            card.raise(ICR_TXQE);
        }
    }

    private void descriptor(byte[] d, int cmd) {
        if ((cmd & CMD_DEXT) == 0) {
            gather(E1000.le64(d, 0), (d[8] & 0xFF) | (d[9] & 0xFF) << 8);
            if ((cmd & CMD_EOP) != 0) {
                finishLegacy(cmd, d[10] & 0xFF, d[13] & 0xFF, special(d));
            }
            return;
        }
        int type = (d[10] >>> 4) & 0xF;
        if (type == 0) {
            ipcss = d[0] & 0xFF;
            ipcso = d[1] & 0xFF;
            ipcse = (d[2] & 0xFF) | (d[3] & 0xFF) << 8;
            tucss = d[4] & 0xFF;
            tucso = d[5] & 0xFF;
            tucse = (d[6] & 0xFF) | (d[7] & 0xFF) << 8;
            tucmd = cmd;
            hdrLen = d[13] & 0xFF;
            mss = (d[14] & 0xFF) | (d[15] & 0xFF) << 8;
            return;
        }
        if (type != 1) {
            card.warnOnce("transmit descriptor of unknown type " + type + " skipped");
            return;
        }
        if (!started) {
            // the offload options of a packet are those of its first data descriptor
            popts = d[13] & 0xFF;
            tse = (cmd & CMD_TSE) != 0;
        }
        gather(E1000.le64(d, 0), (d[8] & 0xFF) | (d[9] & 0xFF) << 8 | (d[10] & 0x0F) << 16);
        if ((cmd & CMD_EOP) != 0) {
            finishData(cmd, special(d));
        }
    }

    private static int special(byte[] d) {
        return (d[14] & 0xFF) | (d[15] & 0xFF) << 8;
    }

    private void gather(long address, int len) {
        started = true;
        if (len == 0 || bad) {
            return;
        }
        if (length + len > MAX_PACKET) {
            card.warnOnce("transmit packet larger than " + MAX_PACKET + " bytes dropped");
            bad = true;
            return;
        }
        if (length + len > packet.length) {
            packet = Arrays.copyOf(packet, Math.max(length + len, packet.length * 2));
        }
        if (!card.dmaRead(address, packet, length, len)) {
            bad = true;
            return;
        }
        length += len;
    }

    private void finishLegacy(int cmd, int cso, int css, int special) {
        if (usable()) {
            if ((cmd & CMD_IC) != 0) {
                insertChecksum(packet, length, css, cso, 0, 0);
            }
            emit(packet, length, cmd, special);
        }
        endPacket();
    }

    private void finishData(int cmd, int special) {
        if (usable()) {
            if (tse && (tucmd & CMD_TSE) != 0) {
                segment(cmd, special);
            } else {
                if ((popts & POPTS_IXSM) != 0) {
                    insertChecksum(packet, length, ipcss, ipcso, ipcse, 0);
                }
                if ((popts & POPTS_TXSM) != 0) {
                    insertChecksum(packet, length, tucss, tucso, tucse, 0);
                }
                emit(packet, length, cmd, special);
            }
        }
        endPacket();
    }

    private boolean usable() {
        if (bad) {
            return false;
        }
        if (length < 14) {
            card.warnOnce("transmit packet of " + length + " bytes (shorter than an Ethernet header) dropped");
            return false;
        }
        return true;
    }

    private void endPacket() {
        length = 0;
        started = false;
        bad = false;
        if (packet.length > 65536) {
            packet = new byte[2048];    // do not keep a TSO-sized buffer for small frames
        }
    }

    /**
     * TCP segmentation: the first {@code hdrLen} bytes (Ethernet, IP, TCP/UDP headers) are repeated in front of
     * every MSS-sized piece of the payload; per segment the IPv4 total length and identification (IPv6 payload
     * length), the TCP sequence number and flags (FIN and PSH only on the last) or the UDP length are fixed up, and
     * the checksums recomputed. The driver leaves the pseudo-header sum without the length in the TCP/UDP checksum
     * field, so the segment's L4 length is added here.
     */
    private void segment(int cmd, int special) {
        boolean ipv4 = (tucmd & TUCMD_IPV4) != 0;
        boolean tcp = (tucmd & TUCMD_TCP) != 0;
        int hdr = hdrLen;
        if (mss == 0 || hdr > length || ipcss + (ipv4 ? 20 : 40) > tucss || tucss + (tcp ? 20 : 8) > hdr
                || tucso + 2 > hdr || ipv4 && ipcso + 2 > hdr) {
            card.warnOnce("TSO context does not fit the packet (header " + hdr + ", MSS " + mss + ", IP at " + ipcss
                    + ", L4 at " + tucss + "): packet dropped");
            return;
        }
        long seq = tcp ? be32(packet, tucss + 4) : 0;
        int ipId = ipv4 ? be16(packet, ipcss + 4) : 0;
        int pos = hdr;
        int index = 0;
        do {
            int chunk = Math.min(mss, length - pos);
            int segLen = hdr + chunk;
            byte[] seg = new byte[segLen];
            System.arraycopy(packet, 0, seg, 0, hdr);
            System.arraycopy(packet, pos, seg, hdr, chunk);
            boolean last = pos + chunk >= length;
            if (ipv4) {
                putBe16(seg, ipcss + 2, segLen - ipcss);
                putBe16(seg, ipcss + 4, ipId + index);
            } else {
                putBe16(seg, ipcss + 4, segLen - ipcss - 40);
            }
            if (tcp) {
                putBe32(seg, tucss + 4, seq + (pos - hdr));
                if (!last) {
                    seg[tucss + 13] &= ~0x09;   // FIN and PSH belong to the last segment only
                }
            } else {
                putBe16(seg, tucss + 4, segLen - tucss);
            }
            if (ipv4 && (popts & POPTS_IXSM) != 0) {
                insertChecksum(seg, segLen, ipcss, ipcso, ipcse, 0);
            }
            if ((popts & POPTS_TXSM) != 0) {
                insertChecksum(seg, segLen, tucss, tucso, tucse, segLen - tucss);
            }
            emit(seg, segLen, cmd, special);
            pos += chunk;
            index++;
        } while (pos < length);
        card.count(TSCTC, 1);
    }

    /**
     * Stores the Internet checksum of bytes {@code start}..{@code end} (inclusive; 0 = to the end of the frame) plus
     * {@code extra} at {@code offset}, big-endian, as the card does: the field's current content is part of the sum.
     */
    private void insertChecksum(byte[] b, int len, int start, int offset, int end, int extra) {
        int stop = end == 0 ? len : Math.min(end + 1, len);
        if (start >= stop || offset + 2 > len) {
            card.warnOnce("checksum offsets (start " + start + ", offset " + offset + ", end " + end
                    + ") outside a " + len + "-byte frame: checksum not inserted");
            return;
        }
        long sum = extra;
        int i = start;
        for (; i + 1 < stop; i += 2) {
            sum += (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
        }
        if (i < stop) {
            sum += (b[i] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        putBe16(b, offset, ~(int) sum);
    }

    /** Inserts the VLAN tag (VLE with CTRL.VME) after the MAC addresses and sends. */
    private void emit(byte[] frame, int len, int cmd, int special) {
        if ((cmd & CMD_VLE) != 0 && (card.reg(CTRL) & CTRL_VME) != 0) {
            byte[] tagged = new byte[len + 4];
            System.arraycopy(frame, 0, tagged, 0, 12);
            putBe16(tagged, 12, card.reg(VET));
            putBe16(tagged, 14, special);
            System.arraycopy(frame, 12, tagged, 16, len - 12);
            card.send(tagged, len + 4);
        } else {
            card.send(len == frame.length ? frame : Arrays.copyOf(frame, len), len);
        }
    }

    private static int be16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    private static long be32(byte[] b, int off) {
        return (long) be16(b, off) << 16 | be16(b, off + 2);
    }

    private static void putBe16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    private static void putBe32(byte[] b, int off, long v) {
        putBe16(b, off, (int) (v >>> 16));
        putBe16(b, off + 2, (int) v);
    }

    void save(StateWriter out) throws IOException {
        out.writeInts(new int[] {ipcss, ipcso, ipcse, tucss, tucso, tucse, tucmd, hdrLen, mss, popts});
        out.writeBoolean(started).writeBoolean(bad).writeBoolean(tse);
        out.writeBytes(Arrays.copyOf(packet, length));
    }

    void load(StateReader in) throws IOException {
        int[] c = in.readInts();
        if (c.length != 10) {
            throw new SnapshotFormatException("e1000 transmit context: expected 10 values, found " + c.length);
        }
        ipcss = c[0] & 0xFF;
        ipcso = c[1] & 0xFF;
        ipcse = c[2] & 0xFFFF;
        tucss = c[3] & 0xFF;
        tucso = c[4] & 0xFF;
        tucse = c[5] & 0xFFFF;
        tucmd = c[6] & 0xFF;
        hdrLen = c[7] & 0xFF;
        mss = c[8] & 0xFFFF;
        popts = c[9] & 0xFF;
        started = in.readBoolean();
        bad = in.readBoolean();
        tse = in.readBoolean();
        byte[] p = in.readBytes();
        if (p.length > MAX_PACKET) {
            throw new SnapshotFormatException("e1000 transmit packet of " + p.length + " bytes in saved state");
        }
        packet = Arrays.copyOf(p, Math.max(2048, p.length));
        length = p.length;
    }
}
