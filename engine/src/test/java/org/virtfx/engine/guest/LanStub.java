package org.virtfx.engine.guest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetworkBackend;

/**
 * A stand-in for the user network in guest tests of network cards: plays 10.0.2.2 (MAC 52:55:0a:00:02:02) on the
 * guest's link and answers ARP for it, DHCP (10.0.2.15 leased, as QEMU's slirp does), ICMP echo, and DNS queries to
 * 10.0.2.2 (only those whose UDP checksum is right, so a card's checksum offload is checked by the guest seeing the
 * answer).
 * Answers go to the guest from the stub's own thread, as a real backend's do.
 */
final class LanStub implements NetworkBackend {
    private static final byte[] HOST_MAC = {0x52, 0x55, 0x0A, 0x00, 0x02, 0x02};
    private static final byte[] HOST_IP = {10, 0, 2, 2};
    private static final byte[] LEASE_IP = {10, 0, 2, 15};
    private static final byte[] BROADCAST_MAC = {-1, -1, -1, -1, -1, -1};
    /** The address every DNS name has on this LAN. */
    static final byte[] DNS_ANSWER = {10, 0, 2, 99};

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lan-stub");
        t.setDaemon(true);
        return t;
    });
    private final List<String> events = new ArrayList<>();
    private volatile GuestPort guest;

    @Override
    public void start(GuestPort port) {
        this.guest = port;
    }

    /** What the stub answered, in order ("arp", "dhcp-offer", "dhcp-ack", "icmp", "dns-a", "dns-other", "udp-bad-checksum"). */
    synchronized List<String> events() {
        return List.copyOf(events);
    }

    private synchronized void event(String e) {
        events.add(e);
    }

    @Override
    public void transmit(byte[] frame, int offset, int length) {
        byte[] f = Arrays.copyOfRange(frame, offset, offset + length);
        thread.execute(() -> answer(f));
    }

    @Override
    public void guestCanReceive() {
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    private void answer(byte[] f) {
        if (f.length < 42) {
            return;
        }
        int type = u16(f, 12);
        if (type == 0x0806 && u16(f, 20) == 1 && Arrays.equals(f, 38, 42, HOST_IP, 0, 4)) {
            byte[] r = new byte[42];
            ether(r, Arrays.copyOfRange(f, 6, 12), 0x0806);
            System.arraycopy(f, 14, r, 14, 6);      // htype, ptype, hlen, plen
            put16(r, 20, 2);
            System.arraycopy(HOST_MAC, 0, r, 22, 6);
            System.arraycopy(HOST_IP, 0, r, 28, 4);
            System.arraycopy(f, 22, r, 32, 10);     // the asker's MAC and IP
            deliver(r, "arp");
            return;
        }
        if (type != 0x0800 || (f[14] & 0xF0) != 0x40) {
            return;
        }
        int ihl = (f[14] & 0x0F) * 4;
        int l4 = 14 + ihl;
        int proto = f[23] & 0xFF;
        if (proto == 17 && u16(f, l4 + 2) == 67 && f.length >= l4 + 8 + 240) {
            dhcp(f, l4 + 8);
        } else if (proto == 1 && Arrays.equals(f, 30, 34, HOST_IP, 0, 4) && (f[l4] & 0xFF) == 8) {
            byte[] r = f.clone();
            swapAddresses(r);
            r[l4] = 0;
            put16(r, l4 + 2, 0);
            put16(r, l4 + 2, ~checksum(r, l4, u16(f, 16) + 14, 0));
            ipChecksum(r);
            deliver(r, "icmp");
        } else if (proto == 17 && Arrays.equals(f, 30, 34, HOST_IP, 0, 4) && u16(f, l4 + 2) == 53) {
            int udpLength = u16(f, l4 + 4);
            long pseudo = sum(f, 26, 34) + 17 + udpLength;
            if (u16(f, l4 + 6) != 0 && checksum(f, l4, l4 + udpLength, pseudo) != 0xFFFF) {
                event("udp-bad-checksum");
                return;
            }
            dns(f, l4, l4 + udpLength);
        }
    }

    /** Answers an A query for any name with {@link #DNS_ANSWER}, other types with no records. */
    private void dns(byte[] f, int l4, int end) {
        int q = l4 + 8 + 12;
        while (q < end && f[q] != 0) {
            q += (f[q] & 0xFF) + 1;
        }
        if (q + 5 > end) {
            return;
        }
        boolean a = u16(f, q + 1) == 1;
        int questionEnd = q + 5;
        byte[] r = Arrays.copyOf(f, questionEnd + (a ? 16 : 0));
        swapAddresses(r);
        put16(r, 16, r.length - 14);
        ipChecksum(r);
        put16(r, l4, 53);
        put16(r, l4 + 2, u16(f, l4));
        put16(r, l4 + 4, r.length - l4);
        put16(r, l4 + 6, 0);
        put16(r, l4 + 8 + 2, 0x8180);           // response, recursion desired and available, no error
        put16(r, l4 + 8 + 6, a ? 1 : 0);         // answers
        put16(r, l4 + 8 + 8, 0);
        put16(r, l4 + 8 + 10, 0);
        if (a) {
            byte[] rr = {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, DNS_ANSWER[0], DNS_ANSWER[1], DNS_ANSWER[2],
                DNS_ANSWER[3]};
            System.arraycopy(rr, 0, r, questionEnd, 16);
        }
        deliver(r, a ? "dns-a" : "dns-other");
    }

    private void dhcp(byte[] f, int bootp) {
        int messageType = 0;
        for (int o = bootp + 240; o + 1 < f.length && (f[o] & 0xFF) != 255; o += (f[o] & 0xFF) == 0 ? 1 : 2 + (f[o + 1] & 0xFF)) {
            if ((f[o] & 0xFF) == 53) {
                messageType = f[o + 2];
            }
        }
        if (messageType != 1 && messageType != 3) {
            return;
        }
        int answer = messageType == 1 ? 2 : 5;   // DISCOVER -> OFFER, REQUEST -> ACK
        byte[] options = {
            53, 1, (byte) answer, 54, 4, 10, 0, 2, 2, 51, 4, 0, 1, 0x51, (byte) 0x80, 1, 4, -1, -1, -1, 0,
            3, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 3, (byte) 255};
        int l4 = 34;
        byte[] r = new byte[l4 + 8 + 240 + options.length];
        ether(r, BROADCAST_MAC, 0x0800);
        r[14] = 0x45;
        put16(r, 16, r.length - 14);
        r[22] = 64;
        r[23] = 17;
        System.arraycopy(HOST_IP, 0, r, 26, 4);
        Arrays.fill(r, 30, 34, (byte) -1);
        ipChecksum(r);
        put16(r, l4, 67);
        put16(r, l4 + 2, 68);
        put16(r, l4 + 4, r.length - l4);
        int b = l4 + 8;
        r[b] = 2;
        r[b + 1] = 1;
        r[b + 2] = 6;
        System.arraycopy(f, bootp + 4, r, b + 4, 4);     // xid
        System.arraycopy(LEASE_IP, 0, r, b + 16, 4);     // yiaddr
        System.arraycopy(HOST_IP, 0, r, b + 20, 4);      // siaddr
        System.arraycopy(f, bootp + 28, r, b + 28, 16);  // chaddr
        r[b + 236] = 99;
        r[b + 237] = (byte) 130;
        r[b + 238] = 83;
        r[b + 239] = 99;
        System.arraycopy(options, 0, r, b + 240, options.length);
        deliver(r, answer == 2 ? "dhcp-offer" : "dhcp-ack");
    }

    private void deliver(byte[] frame, String what) {
        event(what);
        GuestPort g = guest;
        if (g != null) {
            g.receive(frame, 0, frame.length);
        }
    }

    private static void ether(byte[] r, byte[] to, int type) {
        System.arraycopy(to, 0, r, 0, 6);
        System.arraycopy(HOST_MAC, 0, r, 6, 6);
        put16(r, 12, type);
    }

    private static void swapAddresses(byte[] r) {
        byte[] guestMac = Arrays.copyOfRange(r, 6, 12);
        ether(r, guestMac, 0x0800);
        byte[] src = Arrays.copyOfRange(r, 26, 30);
        System.arraycopy(r, 30, r, 26, 4);
        System.arraycopy(src, 0, r, 30, 4);
    }

    private static void ipChecksum(byte[] r) {
        put16(r, 24, 0);
        put16(r, 24, ~checksum(r, 14, 14 + (r[14] & 0x0F) * 4, 0));
    }

    private static long sum(byte[] b, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            s += (b[i] & 0xFF) << 8 | (i + 1 < to ? b[i + 1] & 0xFF : 0);
        }
        return s;
    }

    private static int checksum(byte[] b, int from, int to, long initial) {
        long s = initial + sum(b, from, to);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    private static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }
}
