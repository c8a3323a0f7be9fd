package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DHCP as udhcpc, the kernel's ipconfig and dhclient use it, with BOOTP messages built byte by byte. */
class DhcpServerTest extends UserNetworkTestBase {

    @BeforeEach
    void start() throws IOException {
        start(List.of());
    }

    /** A client message: op 1, xid, flags, ciaddr, chaddr, cookie, then the options given as {code, bytes...}. */
    private void send(long mac, int type, boolean broadcast, int ciaddr, int[]... options) {
        byte[] b = new byte[300];
        b[0] = 1;
        b[1] = 1;
        b[2] = 6;
        put32(b, 4, 0xCAFE0000 | type);
        put16(b, 10, broadcast ? 0x8000 : 0);
        put32(b, 12, ciaddr);
        putMac(b, 28, mac);
        put32(b, 236, 0x63825363);
        int o = 240;
        b[o++] = 53;
        b[o++] = 1;
        b[o++] = (byte) type;
        for (int[] opt : options) {
            b[o++] = (byte) opt[0];
            b[o++] = (byte) (opt.length - 1);
            for (int i = 1; i < opt.length; i++) {
                b[o++] = (byte) opt[i];
            }
        }
        b[o] = (byte) 255;
        byte[] f = TestGuest.udp(ciaddr, 68, ciaddr == 0 ? -1 : UserNetwork.GATEWAY, 67, b,
                ciaddr == 0 ? UserNetwork.BROADCAST_MAC : UserNetwork.GATEWAY_MAC);
        putMac(f, 6, mac);
        network.transmit(f, 0, f.length);
    }

    private static int[] address(int code, int a) {
        return new int[] {code, a >>> 24, a >>> 16 & 0xFF, a >>> 8 & 0xFF, a & 0xFF};
    }

    private record Reply(byte[] frame, int type, int yiaddr, Map<Integer, Integer> options) {
    }

    private Reply reply() throws InterruptedException {
        byte[] f = guest.next(x -> TestGuest.isUdpTo(x, 68), 5000);
        assertEquals(67, u16(f, 34), "from the server port");
        assertEquals(UserNetwork.GATEWAY, i32(f, 26), "from 10.0.2.2");
        int b = 42;
        assertEquals(2, u8(f, b), "BOOTREPLY");
        assertTrue(f.length - b >= 300, "at least a BOOTP-sized message");
        assertEquals(0x63825363, i32(f, b + 236));
        Map<Integer, Integer> options = new HashMap<>();
        int o = b + 240;
        while (u8(f, o) != 255) {
            int n = u8(f, o + 1);
            options.put(u8(f, o), n == 1 ? u8(f, o + 2) : n == 4 ? i32(f, o + 2) : -1);
            o += 2 + n;
        }
        return new Reply(f, options.get(53), i32(f, b + 16), options);
    }

    @Test
    void discoverOfferRequestAckWithTheQemuAddresses() throws Exception {
        long mac = 0x525400000001L;
        send(mac, 1, true, 0, new int[] {55, 1, 3, 6, 15});
        Reply offer = reply();
        assertEquals(2, offer.type, "OFFER");
        assertEquals(ip(10, 0, 2, 15), offer.yiaddr);
        assertEquals(0xCAFE0001, i32(offer.frame, 42 + 4), "xid echoed");
        assertEquals(UserNetwork.BROADCAST_MAC, mac(offer.frame, 0), "broadcast flag: broadcast reply");
        assertEquals(-1, i32(offer.frame, 30));
        assertEquals(UserNetwork.GATEWAY, offer.options.get(54), "server identifier");
        assertEquals(ip(255, 255, 255, 0), offer.options.get(1), "subnet mask");
        assertEquals(UserNetwork.GATEWAY, offer.options.get(3), "router");
        assertEquals(UserNetwork.DNS, offer.options.get(6), "DNS server");
        assertEquals(DhcpServer.LEASE_SECONDS, offer.options.get(51), "lease time");
        assertEquals(ip(10, 0, 2, 255), offer.options.get(28), "broadcast address");

        send(mac, 3, true, 0, address(50, offer.yiaddr), address(54, UserNetwork.GATEWAY));
        Reply ack = reply();
        assertEquals(5, ack.type, "ACK");
        assertEquals(ip(10, 0, 2, 15), ack.yiaddr);
        assertEquals(ip(10, 0, 2, 15), network.guestIp(), "forwards now go to the lease");

        // Renewal (ciaddr set, no server id, no requested address): unicast ACK.
        send(mac, 3, false, ip(10, 0, 2, 15));
        Reply renew = reply();
        assertEquals(5, renew.type);
        assertEquals(ip(10, 0, 2, 15), i32(renew.frame, 30), "unicast to ciaddr");
        assertEquals(0x525400000001L, mac(renew.frame, 0));
    }

    @Test
    void withoutTheBroadcastFlagTheOfferIsUnicastToTheClientsMac() throws Exception {
        long mac = 0x525400000002L;
        send(mac, 1, false, 0);
        Reply offer = reply();
        assertEquals(mac, mac(offer.frame, 0));
        assertEquals(offer.yiaddr, i32(offer.frame, 30));
    }

    @Test
    void leasesAreByMacAndReleasedAddressesComeBack() throws Exception {
        long a = 0x525400000003L;
        long b = 0x525400000004L;
        send(a, 1, true, 0);
        assertEquals(ip(10, 0, 2, 15), reply().yiaddr);
        send(b, 1, true, 0);
        assertEquals(ip(10, 0, 2, 16), reply().yiaddr, "a second MAC gets the next address");
        send(a, 1, true, 0);
        assertEquals(ip(10, 0, 2, 15), reply().yiaddr, "the same MAC keeps its address");
        send(a, 7, false, ip(10, 0, 2, 15), address(54, UserNetwork.GATEWAY)); // RELEASE
        long c = 0x525400000005L;
        send(c, 1, true, 0);
        assertEquals(ip(10, 0, 2, 15), reply().yiaddr, "a released address is offered again");
    }

    @Test
    void requestForAnotherClientsOrAForeignAddressIsNaked() throws Exception {
        long a = 0x525400000006L;
        long b = 0x525400000007L;
        send(a, 1, true, 0);
        reply();
        // INIT-REBOOT of b asking for a's address, then for an address outside the pool.
        send(b, 3, true, 0, address(50, ip(10, 0, 2, 15)));
        Reply nak = reply();
        assertEquals(6, nak.type, "NAK");
        assertEquals(UserNetwork.BROADCAST_MAC, mac(nak.frame, 0));
        assertEquals(0, nak.yiaddr);
        send(b, 3, true, 0, address(50, ip(192, 168, 1, 50)));
        assertEquals(6, reply().type);
        // INIT-REBOOT asking for a free pool address is granted.
        send(b, 3, true, 0, address(50, ip(10, 0, 2, 20)));
        Reply ack = reply();
        assertEquals(5, ack.type);
        assertEquals(ip(10, 0, 2, 20), ack.yiaddr);
    }

    @Test
    void requestNamingAnotherServerIsIgnored() throws Exception {
        long a = 0x525400000008L;
        send(a, 1, true, 0);
        reply();
        send(a, 3, true, 0, address(50, ip(10, 0, 2, 15)), address(54, ip(10, 0, 2, 4)));
        assertEquals(null, guest.poll(300));
    }

    @Test
    void truncatedMessageIsDroppedAsMalformed() throws Exception {
        byte[] f = TestGuest.udp(0, 68, -1, 67, new byte[100], UserNetwork.BROADCAST_MAC);
        network.transmit(f, 0, f.length);
        assertEquals(null, guest.poll(300));
        assertEquals(1, network.malformedFrames());
    }
}
