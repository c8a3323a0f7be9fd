package org.virtfx.engine.net.user;

/**
 * Byte-level helpers for the user-mode network: big-endian fields, the Internet checksum (RFC 1071), IPv4 addresses
 * as ints, and building Ethernet + IPv4 frames toward the guest. Every frame the stack emits goes through
 * {@link #ipv4Frame}, so header layout and checksums are written in one place.
 */
final class Packets {
    static final int ETH_HEADER = 14;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int IP_HEADER = 20;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    /** The link MTU the guest is told about implicitly (Ethernet): largest IPv4 packet we emit. */
    static final int MTU = 1500;

    private Packets() {
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    static int i32(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static long mac(byte[] b, int off) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (b[off + i] & 0xFF);
        }
        return m;
    }

    static void putMac(byte[] b, int off, long mac) {
        for (int i = 5; i >= 0; i--) {
            b[off + i] = (byte) mac;
            mac >>>= 8;
        }
    }

    /** One's-complement sum of 16-bit words, not yet folded or inverted; {@code initial} chains partial sums. */
    static long sum(byte[] b, int off, int len, long initial) {
        long s = initial;
        int i = 0;
        for (; i + 1 < len; i += 2) {
            s += (b[off + i] & 0xFF) << 8 | (b[off + i + 1] & 0xFF);
        }
        if (i < len) {
            s += (b[off + i] & 0xFF) << 8;
        }
        return s;
    }

    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) (~s & 0xFFFF);
    }

    static int checksum(byte[] b, int off, int len) {
        return fold(sum(b, off, len, 0));
    }

    /** Checksum of a TCP or UDP segment with its IPv4 pseudo-header. 0 over a valid segment (checksum included). */
    static int transportChecksum(int src, int dst, int proto, byte[] b, int off, int len) {
        long s = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + proto + len;
        return fold(sum(b, off, len, s));
    }

    static String ip(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
    }

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    static int ip(java.net.InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException(address + " is not an IPv4 address");
        }
        return i32(b, 0);
    }

    static java.net.InetAddress inet(int a) {
        try {
            return java.net.InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16),
                    (byte) (a >>> 8), (byte) a});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always a valid address
        }
    }

    /**
     * A new frame with Ethernet and IPv4 headers filled (checksum included) and {@code payloadLength} bytes of room
     * after them, at offset {@link #ETH_HEADER} + {@link #IP_HEADER}. Destination MAC is filled by the sender.
     */
    static byte[] ipv4Frame(long srcMac, int proto, int src, int dst, int payloadLength, int ident, int fragment) {
        byte[] f = new byte[ETH_HEADER + IP_HEADER + payloadLength];
        putMac(f, 6, srcMac);
        put16(f, 12, ETHERTYPE_IPV4);
        int ip = ETH_HEADER;
        f[ip] = 0x45;
        put16(f, ip + 2, IP_HEADER + payloadLength);
        put16(f, ip + 4, ident);
        put16(f, ip + 6, fragment);
        f[ip + 8] = 64;
        f[ip + 9] = (byte) proto;
        put32(f, ip + 12, src);
        put32(f, ip + 16, dst);
        put16(f, ip + 10, checksum(f, ip, IP_HEADER));
        return f;
    }
}
