package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtfx.engine.net.HostForward;

/** UDP NAT (10.0.2.2 = the host's loopback), UDP host forwards with ARP, and the DNS server at 10.0.2.3. */
class UdpDnsTest extends UserNetworkTestBase {

    @Test
    void udpEchoThroughAHostSocketComesBackFromTheGateway() throws Exception {
        start(List.of());
        try (DatagramSocket echo = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().start(() -> {
                try {
                    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                    echo.receive(p);
                    echo.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    DatagramPacket big = new DatagramPacket(new byte[4000], 4000, p.getSocketAddress());
                    java.util.Arrays.fill(big.getData(), (byte) 7);
                    echo.send(big);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] data = "udp hello".getBytes(StandardCharsets.US_ASCII);
            byte[] f = TestGuest.udp(TestGuest.IP, 5555, UserNetwork.GATEWAY, echo.getLocalPort(), data);
            network.transmit(f, 0, f.length);
            byte[] r = guest.next(x -> TestGuest.isUdpTo(x, 5555), 5000);
            assertEquals(UserNetwork.GATEWAY, i32(r, 26));
            assertEquals(TestGuest.IP, i32(r, 30));
            assertEquals(echo.getLocalPort(), u16(r, 34));
            assertArrayEquals(data, java.util.Arrays.copyOfRange(r, 42, r.length));
            // 4000 bytes do not fit one Ethernet frame: three fragments, sizes 1480, 1480, 1048 (8 + 4000 total).
            byte[] f1 = guest.next(x -> TestGuest.isIpv4(x, PROTO_UDP), 5000);
            byte[] f2 = guest.next(x -> TestGuest.isIpv4(x, PROTO_UDP), 5000);
            byte[] f3 = guest.next(x -> TestGuest.isIpv4(x, PROTO_UDP), 5000);
            assertEquals(0x2000, u16(f1, 20));
            assertEquals(0x2000 | 185, u16(f2, 20));
            assertEquals(370, u16(f3, 20));
            assertEquals(u16(f1, 18), u16(f3, 18), "one identification for all fragments");
            assertEquals(4008, (u16(f1, 16) - 20) + (u16(f2, 16) - 20) + (u16(f3, 16) - 20));
            server.join();
        }
    }

    private static byte[] dnsQuery(int id, String name, int type) {
        byte[] q = new byte[12 + name.length() + 2 + 4];
        put16(q, 0, id);
        q[2] = 1; // RD
        put16(q, 4, 1);
        int o = 12;
        for (String label : name.split("\\.")) {
            q[o++] = (byte) label.length();
            for (char c : label.toCharArray()) {
                q[o++] = (byte) c;
            }
        }
        q[o++] = 0;
        put16(q, o, type);
        put16(q, o + 2, 1);
        return java.util.Arrays.copyOf(q, o + 4);
    }

    @Test
    void dnsAQueryForLocalhostIsAnsweredThroughTheHostResolver() throws Exception {
        start(List.of());
        byte[] q = dnsQuery(0x4242, "localhost", 1);
        byte[] f = TestGuest.udp(TestGuest.IP, 33333, UserNetwork.DNS, 53, q);
        network.transmit(f, 0, f.length);
        byte[] r = guest.next(x -> TestGuest.isUdpTo(x, 33333), 10_000);
        assertEquals(UserNetwork.DNS, i32(r, 26), "from 10.0.2.3");
        assertEquals(53, u16(r, 34));
        int d = 42;
        assertEquals(0x4242, u16(r, d));
        assertEquals(0x80, u8(r, d + 2) & 0x80, "a response");
        assertEquals(0, u8(r, d + 3) & 0xF, "NOERROR");
        assertEquals(1, u16(r, d + 4));
        int answers = u16(r, d + 6);
        boolean loopback = false;
        int o = d + q.length;
        for (int i = 0; i < answers; i++) {
            assertEquals(0xC00C, u16(r, o));
            assertEquals(1, u16(r, o + 2), "type A");
            assertEquals(4, u16(r, o + 10));
            loopback |= i32(r, o + 12) == LOOPBACK_ADDRESS;
            o += 16;
        }
        assertEquals(true, loopback, "localhost is 127.0.0.1");
        assertEquals(r.length, o);
    }

    private static final int LOOPBACK_ADDRESS = ip(127, 0, 0, 1);

    @Test
    void dnsAaaaGetsAnEmptyAnswerAndUnknownNamesNxdomain() throws Exception {
        start(List.of());
        byte[] q = dnsQuery(7, "localhost", 28);
        byte[] f = TestGuest.udp(TestGuest.IP, 33334, UserNetwork.DNS, 53, q);
        network.transmit(f, 0, f.length);
        byte[] r = guest.next(x -> TestGuest.isUdpTo(x, 33334), 10_000);
        assertEquals(0, u8(r, 45) & 0xF);
        assertEquals(0, u16(r, 48), "no IPv6 answers on an IPv4-only network");
        byte[] nx = dnsQuery(8, "no-such-host.invalid", 1);
        f = TestGuest.udp(TestGuest.IP, 33335, UserNetwork.DNS, 53, nx);
        network.transmit(f, 0, f.length);
        r = guest.next(x -> TestGuest.isUdpTo(x, 33335), 20_000);
        assertEquals(3, u8(r, 45) & 0xF, "NXDOMAIN");
    }

    @Test
    void otherQueryTypesAreForwardedUnchangedToTheHostsNameserver() throws Exception {
        network = new UserNetwork(List.of());
        try (DatagramSocket resolver = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            network.dns.useUpstream(LOOPBACK_ADDRESS, resolver.getLocalPort());
            network.start(guest);
            byte[] q = dnsQuery(0x5151, "example.org", 16); // TXT
            byte[] f = TestGuest.udp(TestGuest.IP, 33337, UserNetwork.DNS, 53, q);
            network.transmit(f, 0, f.length);
            DatagramPacket p = new DatagramPacket(new byte[600], 600);
            resolver.setSoTimeout(5000);
            resolver.receive(p);
            assertArrayEquals(q, java.util.Arrays.copyOf(p.getData(), p.getLength()), "the query as the guest sent it");
            byte[] answer = q.clone();
            answer[2] |= (byte) 0x80;
            resolver.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
            byte[] r = guest.next(x -> TestGuest.isUdpTo(x, 33337), 5000);
            assertEquals(UserNetwork.DNS, i32(r, 26), "the answer comes from 10.0.2.3");
            assertEquals(53, u16(r, 34));
            assertArrayEquals(answer, java.util.Arrays.copyOfRange(r, 42, r.length));
        }
    }

    @Test
    void framesHeldForAFullGuestAreDeliveredOnceItHasRoomEvenWithoutASignal() throws Exception {
        start(List.of());
        guest.full = true;
        byte[] q = dnsQuery(9, "localhost", 28); // answered at once, on the backend thread
        byte[] f = TestGuest.udp(TestGuest.IP, 33336, UserNetwork.DNS, 53, q);
        network.transmit(f, 0, f.length);
        long end = System.nanoTime() + 5_000_000_000L;
        while (guest.refused == 0 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(true, guest.refused > 0, "the answer met a full guest");
        guest.full = false; // and the card does not call guestCanReceive()
        byte[] r = guest.next(x -> TestGuest.isUdpTo(x, 33336), 5000);
        assertEquals(9, u16(r, 42));
    }

    @Test
    void udpHostForwardAsksByArpThenDeliversAndCarriesTheReplyBack() throws Exception {
        HostForward fwd = HostForward.parse("udp:127.0.0.1:0-10.0.2.16:7");
        start(List.of(fwd));
        int guestIp = ip(10, 0, 2, 16);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            byte[] data = "to the guest".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(data, data.length, InetAddress.getLoopbackAddress(),
                    network.boundPort(fwd)));
            byte[] arp = guest.next(x -> u16(x, 12) == ETHERTYPE_ARP, 5000);
            assertEquals(UserNetwork.BROADCAST_MAC, mac(arp, 0));
            assertEquals(1, u16(arp, 20), "ARP request");
            assertEquals(UserNetwork.GATEWAY, i32(arp, 28));
            assertEquals(guestIp, i32(arp, 38), "who has 10.0.2.16");
            byte[] reply = TestGuest.arpReply(guestIp, UserNetwork.GATEWAY, UserNetwork.GATEWAY_MAC);
            network.transmit(reply, 0, reply.length);
            byte[] d = guest.next(x -> TestGuest.isUdpTo(x, 7), 5000);
            assertEquals(TestGuest.MAC, mac(d, 0));
            assertEquals(UserNetwork.GATEWAY, i32(d, 26));
            assertArrayEquals(data, java.util.Arrays.copyOfRange(d, 42, d.length));
            byte[] back = "from the guest".getBytes(StandardCharsets.US_ASCII);
            byte[] f = TestGuest.udp(guestIp, 7, UserNetwork.GATEWAY, u16(d, 34), back);
            network.transmit(f, 0, f.length);
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            client.setSoTimeout(5000);
            client.receive(p);
            assertEquals("from the guest", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        }
    }
}
