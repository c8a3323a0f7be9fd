package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.virtfx.engine.net.user.Packets.*;

import java.io.ByteArrayOutputStream;
import java.util.function.BooleanSupplier;

/**
 * A minimal TCP endpoint for the {@link TestGuest}, run by the test thread: handshake (either side), sending with
 * the peer's window and go-back-N retransmission, in-order receiving with an ACK per segment (out-of-order segments
 * dropped), FIN both ways. Enough to drive the stack's TCP like a guest kernel would, with losses.
 */
final class TestTcp {
    static final int SYN = TcpNat.SYN;
    static final int ACK = TcpNat.ACK;
    static final int FIN = TcpNat.FIN;
    static final int RST = TcpNat.RST;
    static final int PSH = TcpNat.PSH;

    final TestGuest guest;
    final UserNetwork network;
    int localPort;
    int remoteIp;
    int remotePort;
    int iss = 1_000_000;
    int sndUna;
    int sndNxt;
    int sndMax;
    int rcvNxt;
    int peerWindow;
    int peerMss = 536;
    int window = 65535;
    byte[] outgoing = new byte[0];
    boolean closeAfterSending;
    boolean finSent;
    boolean finAcked;
    boolean peerFin;
    boolean reset;
    int synAckMss;
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private long lastProgress = System.nanoTime();

    TestTcp(TestGuest guest, UserNetwork network, int localPort, int remoteIp, int remotePort) {
        this.guest = guest;
        this.network = network;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
    }

    void send(int seq, int flags, byte[] data, int off, int len, int mss) {
        byte[] f = TestGuest.tcp(TestGuest.IP, localPort, remoteIp, remotePort, seq, rcvNxt, flags, window, mss,
                data, off, len);
        network.transmit(f, 0, f.length);
    }

    /** Active open; returns the SYN-ACK (or the RST) the stack answered with. */
    byte[] connect() throws InterruptedException {
        sndUna = iss;
        sndNxt = iss + 1;
        send(iss, SYN, new byte[0], 0, 0, 1460);
        byte[] f = guest.next(this::mine, 10_000);
        int flags = u8(f, 47);
        if ((flags & RST) != 0) {
            reset = true;
            return f;
        }
        assertEquals(SYN | ACK, flags & (SYN | ACK | RST | FIN), "SYN-ACK");
        assertEquals(iss + 1, i32(f, 42), "SYN-ACK acknowledges our SYN");
        assertEquals(24, (u8(f, 46) >>> 4) * 4, "SYN-ACK carries the MSS option");
        assertEquals(2, u8(f, 54));
        synAckMss = u16(f, 56);
        peerMss = synAckMss;
        rcvNxt = i32(f, 38) + 1;
        sndUna = iss + 1;
        sndMax = sndNxt;
        peerWindow = u16(f, 48);
        send(sndNxt, ACK, new byte[0], 0, 0, 0);
        return f;
    }

    /** Passive open: waits for the stack's SYN (a host forward) and answers it. */
    void accept(int port) throws InterruptedException {
        byte[] f;
        do {
            f = guest.next(x -> TestGuest.isIpv4(x, PROTO_TCP) && u16(x, 36) == port && (u8(x, 47) & SYN) != 0
                    || u16(x, 12) == ETHERTYPE_ARP, 10_000);
        } while (answerArp(f));
        localPort = port;
        remoteIp = i32(f, 26);
        remotePort = u16(f, 34);
        rcvNxt = i32(f, 38) + 1;
        peerWindow = u16(f, 48);
        peerMss = u16(f, 56);
        sndNxt = iss + 1;
        send(iss, SYN | ACK, new byte[0], 0, 0, 1460);
        sndUna = iss + 1; // the stack's ACK carries nothing more to check
        sndMax = sndNxt;
    }

    boolean mine(byte[] f) {
        return TestGuest.isIpv4(f, PROTO_TCP) && i32(f, 26) == remoteIp && u16(f, 34) == remotePort
                && u16(f, 36) == localPort;
    }

    /** Runs the connection until {@code done} holds; fails after {@code timeoutMs} without completion. */
    void run(BooleanSupplier done, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("TCP exchange did not finish: sent " + (sndUna - iss - 1) + "/" + outgoing.length
                        + ", received " + received.size() + ", peerFin " + peerFin + ", reset " + reset);
            }
            pushData();
            byte[] f = guest.poll(5);
            if (f == null) {
                if (System.nanoTime() - lastProgress > 300_000_000L && sndNxt != sndUna) {
                    sndNxt = sndUna; // retransmission timeout: go back
                    finSent = false;
                    lastProgress = System.nanoTime();
                }
                continue;
            }
            if (!answerArp(f) && mine(f)) {
                handle(f);
            }
        }
    }

    /** Answers the stack's ARP request for the guest's address; true when the frame was ARP. */
    boolean answerArp(byte[] f) {
        if (u16(f, 12) != ETHERTYPE_ARP) {
            return false;
        }
        if (u16(f, 20) == 1 && i32(f, 38) == TestGuest.IP) {
            assertEquals(UserNetwork.BROADCAST_MAC, mac(f, 0), "ARP requests are broadcast");
            byte[] reply = TestGuest.arpReply(TestGuest.IP, i32(f, 28), mac(f, 22));
            network.transmit(reply, 0, reply.length);
        }
        return true;
    }

    private void handle(byte[] f) {
        int flags = u8(f, 47);
        int seq = i32(f, 38);
        int ack = i32(f, 42);
        int header = (u8(f, 46) >>> 4) * 4;
        int dataLen = u16(f, 16) - 20 - header;
        if ((flags & RST) != 0) {
            reset = true;
            return;
        }
        if ((flags & SYN) != 0) {
            send(iss, SYN | ACK, new byte[0], 0, 0, 1460); // our SYN-ACK was lost
            return;
        }
        if ((flags & ACK) != 0 && ack - sndUna > 0 && ack - sndMax <= 0) {
            sndUna = ack;
            if (sndNxt - sndUna < 0) {
                sndNxt = sndUna;
            }
            lastProgress = System.nanoTime();
            if (ack == iss + 1 + outgoing.length + 1) {
                finAcked = true;
            }
        }
        peerWindow = u16(f, 48);
        if (dataLen > 0 || (flags & FIN) != 0) {
            if (seq == rcvNxt && !peerFin) {
                received.write(f, 34 + header, dataLen);
                rcvNxt += dataLen;
                if ((flags & FIN) != 0) {
                    peerFin = true;
                    rcvNxt++;
                }
            }
            send(sndNxt, ACK, new byte[0], 0, 0, 0);
        }
    }

    private void pushData() {
        int sent = sndNxt - (iss + 1);
        while (sent < outgoing.length && sndNxt - sndUna < peerWindow) {
            int n = Math.min(Math.min(peerMss, outgoing.length - sent), peerWindow - (sndNxt - sndUna));
            send(sndNxt, ACK | PSH, outgoing, sent, n, 0);
            sndNxt += n;
            sent += n;
            if (sndNxt - sndMax > 0) {
                sndMax = sndNxt;
            }
        }
        if (sent >= outgoing.length && closeAfterSending && !finSent && sndNxt == iss + 1 + outgoing.length) {
            send(sndNxt, ACK | FIN, new byte[0], 0, 0, 0);
            sndNxt++;
            finSent = true;
            if (sndNxt - sndMax > 0) {
                sndMax = sndNxt;
            }
        }
    }

    boolean allSent() {
        return sndUna - (iss + 1) >= outgoing.length;
    }

    void assertReceived(byte[] expected) {
        assertEquals(expected.length, received.size(), "bytes received by the test guest");
        assertTrue(java.util.Arrays.equals(expected, received.toByteArray()), "data arrives byte-exact");
    }
}
