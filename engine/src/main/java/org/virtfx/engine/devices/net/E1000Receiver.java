package org.virtfx.engine.devices.net;

import static org.virtfx.engine.devices.net.E1000Registers.*;

import java.util.zip.CRC32;

/**
 * The e1000 receive path: the destination filter (promiscuous bits, broadcast, the 16 exact receive addresses, the
 * multicast hash table, the VLAN filter), VLAN tag stripping, padding to 60 bytes and the FCS (unless RCTL.SECRC),
 * then the frame spread over as many legacy receive descriptors as the buffer size needs, each written back with
 * its length and DD, the last with EOP. Head and tail are checked against the ring size on every use.
 */
final class E1000Receiver {
    private final E1000 card;
    private final int[] regs;
    private final CRC32 crc = new CRC32();

    E1000Receiver(E1000 card) {
        this.card = card;
        this.regs = card.registers();
    }

    int rxRingSize() {
        return regs[RDLEN >> 2] >>> 4;
    }

    /** Free receive descriptors (between head and tail); 0 when the ring is off or badly programmed. */
    int receiveRoom() {
        int n = rxRingSize();
        int head = regs[RDH >> 2];
        int tail = regs[RDT >> 2];
        if (n == 0 || head >= n || tail >= n) {
            if (n != 0) {
                card.warnOnce("receive head " + head + " or tail " + tail + " beyond the " + n + "-descriptor ring");
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

    /** Whether a frame could be taken now (receiver on, bus master, a free descriptor). Device lock held. */
    boolean canReceive() {
        return (regs[RCTL >> 2] & RCTL_EN) != 0 && card.busMaster() && receiveRoom() > 0;
    }

    /** One frame from the backend (device lock held); false when it was dropped for lack of room. */
    boolean receive(byte[] frame, int offset, int length) {
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
        boolean tagged = length >= 18 && ((frame[offset + 12] & 0xFF) << 8 | (frame[offset + 13] & 0xFF)) == (regs[VET >> 2] & 0xFFFF);
        if (tagged && (regs[CTRL >> 2] & CTRL_VME) != 0) {
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
            card.count(ROC, 1);
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
        if (!card.busMaster() || room < needed) {
            card.count(MPC, 1);
            card.count(RNBC, 1);
            card.counters().countDropped();
            card.raise(ICR_RXO);
            return false;
        }
        int n = rxRingSize();
        long base = E1000.ringBase(regs, RDBAL);
        int head = regs[RDH >> 2];
        byte[] desc = new byte[16];
        for (int done = 0; done < len; ) {
            int chunk = Math.min(bufferSize, len - done);
            long descAddress = base + 16L * head;
            if (!card.dmaRead(descAddress, desc, 0, 16)) {
                return false;
            }
            long buffer = E1000.le64(desc, 0);
            card.dmaWrite(buffer, data, done, chunk);
            done += chunk;
            E1000.put16(desc, 8, chunk);
            E1000.put16(desc, 10, 0);
            desc[12] = (byte) (done == len ? status | RXD_EOP : status);
            desc[13] = 0;
            E1000.put16(desc, 14, done == len ? special : 0);
            card.dmaWrite(descAddress + 8, desc, 8, 8);
            head = (head + 1) % n;
        }
        regs[RDH >> 2] = head;
        int wire = len + ((rctl & RCTL_SECRC) != 0 ? 4 : 0);
        card.count(GPRC, 1);
        card.count(TPR, 1);
        card.count64(GORCL, wire);
        card.count64(TORL, wire);
        card.count(E1000.sizeBucket(PRC64, wire), 1);
        if ((data[0] & 1) != 0) {
            card.count(E1000.isBroadcast(data, 0) ? BPRC : MPRC, 1);
        }
        card.counters().countReceived(length);
        int threshold = n >> (1 + ((rctl >>> 8) & 3));     // RDMTS: 1/2, 1/4, 1/8 of the ring
        if (receiveRoom() <= threshold) {
            card.raise(ICR_RXDMT0);
        }
        card.frameReceived();
        return true;
    }

    /** Destination filter: promiscuous modes, broadcast, the 16 exact addresses, then the multicast hash table. */
    private boolean accepts(byte[] f, int off, int rctl) {
        boolean multicast = (f[off] & 1) != 0;
        if (multicast && E1000.isBroadcast(f, off)) {
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
}
