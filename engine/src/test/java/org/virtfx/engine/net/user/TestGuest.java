package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.virtfx.engine.net.user.Packets.*;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.virtfx.engine.net.GuestPort;

/**
 * A "guest" for the user network built from raw frames: records what the stack delivers, can refuse frames (no rx
 * buffer) or lose them after accepting them, and builds Ethernet/IPv4/UDP/TCP frames byte by byte. Every frame it
 * receives has its IPv4, UDP, TCP and ICMP checksums verified.
 */
final class TestGuest implements GuestPort {
    static final long MAC = 0x525400123456L;
    static final int IP = ip(10, 0, 2, 15);

    final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
    /** Decides, for each accepted frame, whether it is lost (as if the guest's stack dropped it). */
    volatile Predicate<byte[]> lose = f -> false;
    /** While set, receive() reports no room. */
    volatile boolean full;
    volatile int refused;
    volatile AssertionError failure;

    /** Rethrows a checksum failure seen on the backend thread. */
    void check() {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public boolean canReceive() {
        return !full;
    }

    @Override
    public boolean receive(byte[] frame, int offset, int length) {
        if (full) {
            refused++;
            return false;
        }
        byte[] copy = java.util.Arrays.copyOfRange(frame, offset, offset + length);
        try {
            verifyChecksums(copy);
        } catch (AssertionError e) {
            failure = e; // reported on the test thread by next()/check()
            return true;
        }
        if (!lose.test(copy)) {
            frames.add(copy);
        }
        return true;
    }

    /** The next frame the stack delivered that matches, skipping others; fails after the timeout. */
    byte[] next(Predicate<byte[]> match, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            long left = end - System.nanoTime();
            byte[] f = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            check();
            if (f == null) {
                fail("no matching frame from the user network within " + timeoutMs + " ms");
            }
            if (match.test(f)) {
                return f;
            }
        }
    }

    byte[] poll(long timeoutMs) throws InterruptedException {
        byte[] f = frames.poll(timeoutMs, TimeUnit.MILLISECONDS);
        check();
        return f;
    }

    static boolean isIpv4(byte[] f, int proto) {
        return f.length >= 34 && u16(f, 12) == ETHERTYPE_IPV4 && u8(f, 23) == proto;
    }

    static boolean isUdpTo(byte[] f, int port) {
        return isIpv4(f, PROTO_UDP) && u16(f, 36) == port;
    }

    static void verifyChecksums(byte[] f) {
        if (u16(f, 12) != ETHERTYPE_IPV4) {
            return;
        }
        assertEquals(0, checksum(f, 14, 20), "IPv4 header checksum");
        int total = u16(f, 16);
        assertEquals(f.length - 14, total, "IPv4 total length");
        int src = i32(f, 26);
        int dst = i32(f, 30);
        boolean fragment = (u16(f, 20) & 0x3FFF) != 0;
        switch (u8(f, 23)) {
            case PROTO_ICMP -> assertEquals(0, checksum(f, 34, total - 20), "ICMP checksum");
            case PROTO_TCP -> assertEquals(0, transportChecksum(src, dst, PROTO_TCP, f, 34, total - 20),
                    "TCP checksum");
            case PROTO_UDP -> {
                if (!fragment && u16(f, 40) != 0) {
                    assertEquals(0, transportChecksum(src, dst, PROTO_UDP, f, 34, total - 20), "UDP checksum");
                }
            }
            default -> { }
        }
    }

    // ---- building frames ----

    static byte[] ipv4(int proto, int src, int dst, byte[] payload) {
        return ipv4(proto, src, dst, payload, UserNetwork.GATEWAY_MAC);
    }

    static byte[] ipv4(int proto, int src, int dst, byte[] payload, long dstMac) {
        byte[] f = new byte[14 + 20 + payload.length];
        putMac(f, 0, dstMac);
        putMac(f, 6, MAC);
        put16(f, 12, ETHERTYPE_IPV4);
        f[14] = 0x45;
        put16(f, 16, 20 + payload.length);
        put16(f, 18, 0x1234);
        f[22] = 64;
        f[23] = (byte) proto;
        put32(f, 26, src);
        put32(f, 30, dst);
        put16(f, 24, checksum(f, 14, 20));
        System.arraycopy(payload, 0, f, 34, payload.length);
        return f;
    }

    static byte[] udp(int src, int srcPort, int dst, int dstPort, byte[] data) {
        return udp(src, srcPort, dst, dstPort, data, UserNetwork.GATEWAY_MAC);
    }

    static byte[] udp(int src, int srcPort, int dst, int dstPort, byte[] data, long dstMac) {
        byte[] u = new byte[8 + data.length];
        put16(u, 0, srcPort);
        put16(u, 2, dstPort);
        put16(u, 4, u.length);
        System.arraycopy(data, 0, u, 8, data.length);
        int sum = transportChecksum(src, dst, PROTO_UDP, u, 0, u.length);
        put16(u, 6, sum == 0 ? 0xFFFF : sum);
        return ipv4(PROTO_UDP, src, dst, u, dstMac);
    }

    static byte[] tcp(int src, int srcPort, int dst, int dstPort, int seq, int ack, int flags, int window,
                      int mss, byte[] data, int off, int len) {
        int header = mss != 0 ? 24 : 20;
        byte[] t = new byte[header + len];
        put16(t, 0, srcPort);
        put16(t, 2, dstPort);
        put32(t, 4, seq);
        put32(t, 8, ack);
        t[12] = (byte) (header / 4 << 4);
        t[13] = (byte) flags;
        put16(t, 14, window);
        if (mss != 0) {
            t[20] = 2;
            t[21] = 4;
            put16(t, 22, mss);
        }
        System.arraycopy(data, off, t, header, len);
        put16(t, 16, transportChecksum(src, dst, PROTO_TCP, t, 0, t.length));
        return ipv4(PROTO_TCP, src, dst, t);
    }

    static byte[] arpReply(int senderIp, int targetIp, long targetMac) {
        byte[] r = new byte[42];
        putMac(r, 0, targetMac);
        putMac(r, 6, MAC);
        put16(r, 12, ETHERTYPE_ARP);
        put16(r, 14, 1);
        put16(r, 16, ETHERTYPE_IPV4);
        r[18] = 6;
        r[19] = 4;
        put16(r, 20, 2);
        putMac(r, 22, MAC);
        put32(r, 28, senderIp);
        putMac(r, 32, targetMac);
        put32(r, 38, targetIp);
        return r;
    }
}
