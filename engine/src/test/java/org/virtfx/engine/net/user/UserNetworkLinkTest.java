package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ethernet, ARP, IPv4 checks and ICMP echo of the user network, with frames built byte by byte. */
class UserNetworkLinkTest extends UserNetworkTestBase {

    @BeforeEach
    void start() throws IOException {
        start(List.of());
    }

    @Test
    void internetChecksumOfTheRfc1071Example() {
        byte[] b = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertEquals(0x220d, checksum(b, 0, b.length));
    }

    private byte[] arpRequest(int senderIp, int targetIp) {
        byte[] r = new byte[42];
        putMac(r, 0, UserNetwork.BROADCAST_MAC);
        putMac(r, 6, TestGuest.MAC);
        put16(r, 12, ETHERTYPE_ARP);
        put16(r, 14, 1);
        put16(r, 16, ETHERTYPE_IPV4);
        r[18] = 6;
        r[19] = 4;
        put16(r, 20, 1);
        putMac(r, 22, TestGuest.MAC);
        put32(r, 28, senderIp);
        put32(r, 38, targetIp);
        return r;
    }

    @Test
    void arpIsAnsweredForTheGatewayAndTheDnsServerOnly() throws Exception {
        for (int target : new int[] {UserNetwork.GATEWAY, UserNetwork.DNS}) {
            byte[] req = arpRequest(TestGuest.IP, target);
            network.transmit(req, 0, req.length);
            byte[] r = guest.next(f -> u16(f, 12) == ETHERTYPE_ARP, 5000);
            assertEquals(TestGuest.MAC, mac(r, 0));
            assertEquals(UserNetwork.GATEWAY_MAC, mac(r, 6));
            assertEquals(2, u16(r, 20), "ARP reply");
            assertEquals(UserNetwork.GATEWAY_MAC, mac(r, 22), "52:55:0a:00:02:02 is at " + ip(target));
            assertEquals(target, i32(r, 28));
            assertEquals(TestGuest.MAC, mac(r, 32));
            assertEquals(TestGuest.IP, i32(r, 38));
        }
        byte[] other = arpRequest(TestGuest.IP, ip(10, 0, 2, 99));
        network.transmit(other, 0, other.length);
        assertNull(guest.poll(300), "no answer for an address nobody has");
    }

    private static byte[] echoRequest(int id, int seq, byte[] data) {
        byte[] icmp = new byte[8 + data.length];
        icmp[0] = 8;
        put16(icmp, 4, id);
        put16(icmp, 6, seq);
        System.arraycopy(data, 0, icmp, 8, data.length);
        put16(icmp, 2, checksum(icmp, 0, icmp.length));
        return icmp;
    }

    @Test
    void pingOfTheGatewayAndDnsIsAnsweredWithTheSameData() throws Exception {
        byte[] data = "abcdefghijklmnopqrstuvwxyz012345".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int target : new int[] {UserNetwork.GATEWAY, UserNetwork.DNS}) {
            byte[] f = TestGuest.ipv4(PROTO_ICMP, TestGuest.IP, target, echoRequest(0x77, 3, data));
            network.transmit(f, 0, f.length);
            byte[] r = guest.next(x -> TestGuest.isIpv4(x, PROTO_ICMP), 5000);
            assertEquals(target, i32(r, 26), "reply from the pinged address");
            assertEquals(TestGuest.IP, i32(r, 30));
            assertEquals(0, u8(r, 34), "echo reply");
            assertEquals(0x77, u16(r, 38));
            assertEquals(3, u16(r, 40));
            assertArrayEquals(data, java.util.Arrays.copyOfRange(r, 42, r.length));
        }
        byte[] away = TestGuest.ipv4(PROTO_ICMP, TestGuest.IP, ip(192, 0, 2, 1), echoRequest(1, 1, data));
        network.transmit(away, 0, away.length);
        assertNull(guest.poll(300), "ping beyond the gateway needs raw sockets: no answer");
    }

    @Test
    void malformedFramesAreCountedAndDroppedWithoutHarm() throws Exception {
        byte[] good = TestGuest.ipv4(PROTO_ICMP, TestGuest.IP, UserNetwork.GATEWAY, echoRequest(1, 1, new byte[4]));
        byte[] badChecksum = good.clone();
        badChecksum[24] ^= 1;
        byte[] badLength = good.clone();
        put16(badLength, 16, 4000);
        put16(badLength, 24, 0);
        put16(badLength, 24, checksum(badLength, 14, 20));
        byte[] badTcp = TestGuest.tcp(TestGuest.IP, 1000, UserNetwork.GATEWAY, 80, 1, 0, TcpNat.SYN, 1000, 0,
                new byte[0], 0, 0);
        badTcp[50] ^= 0x55; // TCP checksum
        byte[][] bad = {new byte[5], badChecksum, badLength, badTcp, java.util.Arrays.copyOf(good, 20)};
        for (byte[] b : bad) {
            network.transmit(b, 0, b.length);
        }
        network.transmit(good, 0, good.length);
        guest.next(x -> TestGuest.isIpv4(x, PROTO_ICMP), 5000); // still working after the bad ones
        assertEquals(bad.length, network.malformedFrames());
        assertNull(guest.poll(200));
    }

    @Test
    void fragmentsAreDropped() throws Exception {
        byte[] f = TestGuest.ipv4(PROTO_ICMP, TestGuest.IP, UserNetwork.GATEWAY, echoRequest(1, 1, new byte[8]));
        put16(f, 20, 0x2000); // more fragments
        put16(f, 24, 0);
        put16(f, 24, checksum(f, 14, 20));
        network.transmit(f, 0, f.length);
        assertNull(guest.poll(300), "fragments are not reassembled");
    }

    @Test
    void startTwiceIsRefusedAndCloseIsIdempotent() {
        assertThrows(IllegalStateException.class, () -> network.start(guest));
        network.close();
        network.close();
        network.transmit(new byte[5], 0, 5); // after close: ignored, not even counted
        assertEquals(0, network.malformedFrames());
    }
}
