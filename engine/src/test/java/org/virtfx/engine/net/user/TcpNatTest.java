package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.net.HostForward;

class TcpNatTest {
    private final TestGuest guest = new TestGuest();
    private UserNetwork network;

    private UserNetwork start(List<HostForward> forwards) throws IOException {
        network = new UserNetwork(forwards);
        network.start(guest);
        return network;
    }

    @AfterEach
    void close() {
        if (network != null) {
            network.close();
        }
    }

    @Test
    void guestConnectsThroughTheGatewayToAHostServer() throws Exception {
        start(List.of());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    s.getOutputStream().write(("got " + text).getBytes(StandardCharsets.US_ASCII));
                    return text;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            TestTcp tcp = new TestTcp(guest, network, 40000, UserNetwork.GATEWAY, server.getLocalPort());
            byte[] synAck = tcp.connect();
            assertEquals(TcpConnection.OUR_MSS, tcp.synAckMss, "MSS option of the SYN-ACK");
            assertEquals(UserNetwork.GATEWAY_MAC, mac(synAck, 6));
            assertEquals(TestGuest.MAC, mac(synAck, 0), "the stack learned the guest's MAC");
            tcp.outgoing = "hello".getBytes(StandardCharsets.US_ASCII);
            tcp.closeAfterSending = true; // half-close: the host reads EOF, then answers
            tcp.run(() -> tcp.peerFin && tcp.finAcked, 10_000);
            assertEquals("hello", got.get(5, TimeUnit.SECONDS));
            tcp.assertReceived("got hello".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void refusedConnectionGetsRstAcknowledgingTheSyn() throws Exception {
        start(List.of());
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        TestTcp tcp = new TestTcp(guest, network, 40001, UserNetwork.GATEWAY, port);
        byte[] rst = tcp.connect();
        assertTrue(tcp.reset, "RST for a refused connection");
        assertEquals(TestTcp.RST | TestTcp.ACK, u8(rst, 47));
        assertEquals(tcp.iss + 1, i32(rst, 42), "the RST acknowledges the SYN");
        assertEquals(0, i32(rst, 38));
    }

    @Test
    void strayAckIsAnsweredWithRstAtItsAckNumber() throws Exception {
        start(List.of());
        network.transmit(TestGuest.tcp(TestGuest.IP, 40002, UserNetwork.GATEWAY, 9, 5, 777, TestTcp.ACK, 1000, 0,
                new byte[0], 0, 0), 0, 54);
        byte[] rst = guest.next(f -> TestGuest.isIpv4(f, PROTO_TCP), 5000);
        assertEquals(TestTcp.RST, u8(rst, 47));
        assertEquals(777, i32(rst, 38));
    }

    @Test
    void guestResetResetsTheHostSocket() throws Exception {
        start(List.of());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TestTcp tcp = new TestTcp(guest, network, 40003, UserNetwork.GATEWAY, server.getLocalPort());
            tcp.connect();
            try (Socket s = server.accept()) {
                tcp.send(tcp.sndNxt, TestTcp.RST | TestTcp.ACK, new byte[0], 0, 0, 0);
                s.setSoTimeout(5000);
                boolean ended;
                try {
                    ended = s.getInputStream().read() == -1;
                } catch (java.net.SocketException e) {
                    ended = true; // connection reset
                }
                assertTrue(ended);
            }
        }
    }

    @Test
    void hostForwardOpensAConnectionToTheGuest() throws Exception {
        HostForward fwd = HostForward.parse("tcp:127.0.0.1:0-10.0.2.15:8080");
        start(List.of(fwd));
        int port = network.boundPort(fwd);
        assertTrue(port > 0);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            TestTcp tcp = new TestTcp(guest, network, 0, 0, 0);
            tcp.accept(8080);
            assertEquals(UserNetwork.GATEWAY, tcp.remoteIp, "forwarded connections come from 10.0.2.2");
            assertEquals(TcpConnection.OUR_MSS, tcp.peerMss);
            tcp.run(() -> tcp.received.size() == 4, 10_000);
            assertEquals("ping", tcp.received.toString(StandardCharsets.US_ASCII));
            tcp.outgoing = "pong".getBytes(StandardCharsets.US_ASCII);
            tcp.closeAfterSending = true;
            tcp.run(() -> tcp.finAcked, 10_000);
            client.setSoTimeout(5000);
            assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), client.getInputStream().readAllBytes());
        }
    }

    @Test
    void hostForwardWithoutAddressGoesToTheGuestsLearnedAddressAfterArp() throws Exception {
        HostForward fwd = HostForward.parse("tcp::0-:22");
        start(List.of(fwd));
        // The guest is not known yet: a connection now is refused rather than sent nowhere.
        // Make it known by a ping, as a booted guest would be by DHCP or its first packet.
        byte[] echo = new byte[8];
        echo[0] = 8;
        put16(echo, 2, checksum(echo, 0, 8));
        network.transmit(TestGuest.ipv4(PROTO_ICMP, TestGuest.IP, UserNetwork.GATEWAY, echo), 0, 42);
        guest.next(f -> TestGuest.isIpv4(f, PROTO_ICMP), 5000);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), network.boundPort(fwd))) {
            TestTcp tcp = new TestTcp(guest, network, 0, 0, 0);
            tcp.accept(22);
            tcp.outgoing = "SSH-2.0-test\r\n".getBytes(StandardCharsets.US_ASCII);
            tcp.run(tcp::allSent, 10_000);
            client.setSoTimeout(5000);
            byte[] line = new byte[tcp.outgoing.length];
            new java.io.DataInputStream(client.getInputStream()).readFully(line);
            assertArrayEquals(tcp.outgoing, line);
        }
    }

    /** Several MB each way at once, with the guest losing every 29th frame and often out of receive buffers. */
    @Test
    void largeTransferBothWaysWithLossesIsByteExact() throws Exception {
        start(List.of());
        Random random = new Random(42);
        byte[] up = new byte[3 << 20];
        byte[] down = new byte[3 << 20];
        random.nextBytes(up);
        random.nextBytes(down);
        AtomicInteger count = new AtomicInteger();
        guest.lose = f -> TestGuest.isIpv4(f, PROTO_TCP) && count.incrementAndGet() % 29 == 0;
        Thread starver = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(3);
                    guest.full = true;
                    Thread.sleep(1);
                    guest.full = false;
                    network.guestCanReceive();
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> hostGot = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    Thread writer = Thread.ofPlatform().start(() -> {
                        try {
                            out.write(down);
                            s.shutdownOutput();
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    });
                    InputStream in = s.getInputStream();
                    byte[] all = in.readAllBytes();
                    writer.join();
                    return all;
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            TestTcp tcp = new TestTcp(guest, network, 40004, UserNetwork.GATEWAY, server.getLocalPort());
            tcp.connect();
            tcp.outgoing = up;
            tcp.closeAfterSending = true;
            tcp.run(() -> tcp.peerFin && tcp.finAcked, 120_000);
            assertArrayEquals(up, hostGot.get(10, TimeUnit.SECONDS), "guest -> host data");
            tcp.assertReceived(down);
            assertTrue(guest.refused > 0, "the test did make the stack meet a full guest");
        } finally {
            starver.interrupt();
        }
    }
}
