package org.virtfx.engine.net.user;

import static org.virtfx.engine.net.user.Packets.*;

import java.util.HashMap;
import java.util.Map;

/**
 * The DHCP server of the user network (RFC 2131, options of RFC 2132): leases 10.0.2.15 onward by client MAC, with
 * 10.0.2.2 as router and server identifier and 10.0.2.3 as DNS server. A MAC keeps its address for the life of the
 * network, so a rebooting guest gets the same one. Runs on the backend thread.
 */
final class DhcpServer {
    static final int SERVER_PORT = 67;
    static final int CLIENT_PORT = 68;
    static final int FIRST_ADDRESS = ip(10, 0, 2, 15);
    static final int POOL_SIZE = 16;
    static final int LEASE_SECONDS = 86400;
    private static final int MAGIC_COOKIE = 0x63825363;
    private static final int BOOTP_FIXED = 236;
    /** BOOTP replies are at least 300 bytes; some old clients ignore shorter ones. */
    private static final int MIN_PAYLOAD = 300;
    private static final int DISCOVER = 1;
    private static final int OFFER = 2;
    private static final int REQUEST = 3;
    private static final int DECLINE = 4;
    private static final int ACK = 5;
    private static final int NAK = 6;
    private static final int RELEASE = 7;
    private static final int INFORM = 8;

    private final UserNetwork network;
    private final Map<Long, Integer> leaseByMac = new HashMap<>();
    private final long[] macByIndex = new long[POOL_SIZE];
    /** Addresses a client declined (someone else answers ARP for them): never offered again. */
    private final boolean[] declined = new boolean[POOL_SIZE];

    DhcpServer(UserNetwork network) {
        this.network = network;
        java.util.Arrays.fill(macByIndex, -1);
    }

    /** One BOOTP message from UDP port 68 (payload at off, len bytes); {@code srcMac} the frame's sender. */
    void receive(byte[] f, int off, int len, long srcMac) {
        if (len < BOOTP_FIXED + 4 || u8(f, off) != 1 || u8(f, off + 1) != 1 || u8(f, off + 2) != 6
                || i32(f, off + BOOTP_FIXED) != MAGIC_COOKIE) {
            network.dropMalformed("DHCP");
            return;
        }
        long mac = mac(f, off + 28);
        int type = 0;
        int requested = 0;
        int serverId = 0;
        int o = off + BOOTP_FIXED + 4;
        int end = off + len;
        while (o < end) {
            int code = u8(f, o);
            if (code == 255) {
                break;
            }
            if (code == 0) {
                o++;
                continue;
            }
            if (o + 1 >= end || o + 2 + u8(f, o + 1) > end) {
                network.dropMalformed("DHCP options");
                return;
            }
            int n = u8(f, o + 1);
            if (code == 53 && n == 1) {
                type = u8(f, o + 2);
            } else if (code == 50 && n == 4) {
                requested = i32(f, o + 2);
            } else if (code == 54 && n == 4) {
                serverId = i32(f, o + 2);
            }
            o += 2 + n;
        }
        int ciaddr = i32(f, off + 12);
        switch (type) {
            case DISCOVER -> {
                int address = allocate(mac, requested);
                if (address == 0) {
                    network.warnOnce("dhcp pool", "user network: DHCP pool exhausted (" + POOL_SIZE + " addresses)");
                    return;
                }
                reply(f, off, OFFER, address, ciaddr);
            }
            case REQUEST -> {
                if (serverId != 0 && serverId != UserNetwork.GATEWAY) {
                    return; // the client took another server's offer
                }
                int wanted = requested != 0 ? requested : ciaddr;
                Integer lease = leaseByMac.get(mac);
                boolean ok = wanted != 0 && (lease != null ? lease == wanted : serverId == 0 && claim(mac, wanted));
                if (ok) {
                    network.leased(wanted);
                    reply(f, off, ACK, wanted, ciaddr);
                } else {
                    reply(f, off, NAK, 0, 0);
                }
            }
            case RELEASE -> {
                Integer lease = leaseByMac.get(mac);
                if (lease != null && lease == ciaddr) {
                    leaseByMac.remove(mac);
                    macByIndex[lease - FIRST_ADDRESS] = -1;
                }
            }
            case DECLINE -> {
                Integer lease = leaseByMac.remove(mac);
                if (lease != null) {
                    macByIndex[lease - FIRST_ADDRESS] = -1;
                    declined[lease - FIRST_ADDRESS] = true;
                }
            }
            case INFORM -> reply(f, off, ACK, 0, ciaddr);
            default -> network.dropMalformed("DHCP message type " + type);
        }
    }

    /** The MAC's lease, else the requested address when free, else the first free one; 0 when none is left. */
    private int allocate(long mac, int requested) {
        Integer lease = leaseByMac.get(mac);
        if (lease != null) {
            return lease;
        }
        if (requested != 0 && claim(mac, requested)) {
            return requested;
        }
        for (int i = 0; i < POOL_SIZE; i++) {
            if (claim(mac, FIRST_ADDRESS + i)) {
                return FIRST_ADDRESS + i;
            }
        }
        return 0;
    }

    /** Leases the address to the MAC if it is in the pool and free (or already this MAC's). */
    private boolean claim(long mac, int address) {
        int i = address - FIRST_ADDRESS;
        if (i < 0 || i >= POOL_SIZE || declined[i] || (macByIndex[i] != -1 && macByIndex[i] != mac)) {
            return false;
        }
        Integer old = leaseByMac.put(mac, address);
        if (old != null && old != address) {
            macByIndex[old - FIRST_ADDRESS] = -1;
        }
        macByIndex[i] = mac;
        return true;
    }

    private void reply(byte[] req, int off, int type, int yiaddr, int ciaddr) {
        byte[] p = new byte[MIN_PAYLOAD + 8];
        int b = 8; // after the UDP header
        p[b] = 2; // BOOTREPLY
        p[b + 1] = 1;
        p[b + 2] = 6;
        System.arraycopy(req, off + 4, p, b + 4, 4); // xid
        System.arraycopy(req, off + 10, p, b + 10, 2); // flags (the broadcast bit is echoed)
        if (type != NAK) {
            put32(p, b + 12, ciaddr);
            put32(p, b + 16, yiaddr);
            put32(p, b + 20, UserNetwork.GATEWAY); // siaddr: next server
        }
        System.arraycopy(req, off + 24, p, b + 24, 4); // giaddr
        System.arraycopy(req, off + 28, p, b + 28, 16); // chaddr
        put32(p, b + BOOTP_FIXED, MAGIC_COOKIE);
        int o = b + BOOTP_FIXED + 4;
        o = option(p, o, 53, 1, type);
        o = option(p, o, 54, 4, UserNetwork.GATEWAY);
        if (type != NAK) {
            if (type != ACK || yiaddr != 0) {
                o = option(p, o, 51, 4, LEASE_SECONDS);
            }
            o = option(p, o, 1, 4, UserNetwork.NETMASK);
            o = option(p, o, 3, 4, UserNetwork.GATEWAY);
            o = option(p, o, 6, 4, UserNetwork.DNS);
            o = option(p, o, 28, 4, UserNetwork.BROADCAST);
        }
        p[o] = (byte) 255;
        put16(p, 0, SERVER_PORT);
        put16(p, 2, CLIENT_PORT);
        put16(p, 4, p.length);
        // RFC 2131 4.1: to ciaddr when the client has one; broadcast when it asks for it (or for a NAK); else
        // unicast to the offered address at the client's hardware address (no ARP: it has no address yet).
        long chaddr = mac(req, off + 28);
        int dst;
        if (ciaddr != 0 && type != NAK) {
            dst = ciaddr;
        } else if ((u16(req, off + 10) & 0x8000) != 0 || type == NAK || yiaddr == 0) {
            dst = -1;
        } else {
            dst = yiaddr;
        }
        if (dst != -1) {
            network.learn(dst, chaddr);
        }
        put16(p, 6, transportChecksum(UserNetwork.GATEWAY, dst, PROTO_UDP, p, 0, p.length));
        if (u16(p, 6) == 0) {
            put16(p, 6, 0xFFFF);
        }
        network.sendDatagram(PROTO_UDP, UserNetwork.GATEWAY, dst, p, p.length);
    }

    private static int option(byte[] p, int o, int code, int length, int value) {
        p[o] = (byte) code;
        p[o + 1] = (byte) length;
        if (length == 1) {
            p[o + 2] = (byte) value;
        } else {
            put32(p, o + 2, value);
        }
        return o + 2 + length;
    }
}
