package org.virtfx.engine.net.user;

import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.virtfx.engine.net.HostForward;

/**
 * TCP through host sockets: finds the {@link TcpConnection} of each segment the guest sends, opens one for a SYN
 * (a non-blocking host connect to the destination; 10.0.2.2 stands for 127.0.0.1), answers stray segments with RST,
 * and accepts host forwards' connections, which become connections the stack opens toward the guest.
 */
final class TcpNat {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    record Key(int guestIp, int guestPort, int peerIp, int peerPort) {
    }

    private final UserNetwork network;
    private final Map<Key, TcpConnection> connections = new HashMap<>();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private int nextPeerPort = 49152;

    TcpNat(UserNetwork network) {
        this.network = network;
    }

    UserNetwork network() {
        return network;
    }

    int size() {
        return connections.size();
    }

    boolean needsTicks() {
        return !connections.isEmpty();
    }

    void remove(TcpConnection c) {
        connections.remove(c.key, c);
    }

    /** Opens a host forward's listening socket (start-up); returns the bound port. */
    int listen(HostForward forward) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.bind(new InetSocketAddress(forward.hostAddress(), forward.hostPort()));
            ch.configureBlocking(false);
            ch.register(network.selector(), SelectionKey.OP_ACCEPT, (UserNetwork.Handler) k -> accept(forward, ch));
            listeners.add(ch);
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot listen for " + forward + ": " + e.getMessage(), e);
        }
    }

    private void accept(HostForward forward, ServerSocketChannel server) throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            int guestIp = forward.guestAddress() != null ? ip(forward.guestAddress()) : network.guestIp();
            if (guestIp == 0 || network.flowCount() >= UserNetwork.MAX_FLOWS) {
                network.warnOnce("fwd refused " + (guestIp == 0), "user network: connection to " + forward
                        + " refused: " + (guestIp == 0 ? "the guest has no address yet" : "too many connections"));
                ch.close();
                continue;
            }
            Key key;
            do {
                int port = nextPeerPort;
                nextPeerPort = port == 65535 ? 49152 : port + 1;
                key = new Key(guestIp, forward.guestPort(), UserNetwork.GATEWAY, port);
            } while (connections.containsKey(key));
            TcpConnection c = TcpConnection.toGuest(this, key, ch);
            connections.put(key, c);
        }
    }

    /** A TCP segment from the guest whose checksum was verified ({@code len} bytes at {@code off}). */
    void fromGuest(int src, int dst, byte[] f, int off, int len) {
        int srcPort = u16(f, off);
        int dstPort = u16(f, off + 2);
        int seq = i32(f, off + 4);
        int ack = i32(f, off + 8);
        int header = (u8(f, off + 12) >>> 4) * 4;
        int flags = u8(f, off + 13);
        int window = u16(f, off + 14);
        if (header < 20 || header > len) {
            network.dropMalformed("TCP header length");
            return;
        }
        int mss = 536; // RFC 9293's default when the SYN carries no MSS option
        for (int o = off + 20; o < off + header; ) {
            int kind = u8(f, o);
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                o++;
                continue;
            }
            if (o + 1 >= off + header || u8(f, o + 1) < 2 || o + u8(f, o + 1) > off + header) {
                break;
            }
            if (kind == 2 && u8(f, o + 1) == 4) {
                mss = u16(f, o + 2);
            }
            o += u8(f, o + 1);
        }
        Key key = new Key(src, srcPort, dst, dstPort);
        TcpConnection c = connections.get(key);
        if (c != null && c.timeWait() && (flags & (SYN | ACK | RST)) == SYN) {
            remove(c); // the guest reuses its port: TIME_WAIT gives way to the new connection
            c = null;
        }
        if (c != null) {
            c.segment(seq, ack, flags, window, mss, f, off + header, len - header);
            return;
        }
        if ((flags & RST) != 0) {
            return;
        }
        int dataLen = len - header;
        if ((flags & (SYN | ACK)) != SYN) {
            // Nothing open here: RFC 9293 3.10.7.1's reset for a closed port.
            if ((flags & ACK) != 0) {
                reset(src, srcPort, dst, dstPort, ack, 0, RST);
            } else {
                reset(src, srcPort, dst, dstPort, 0, seq + dataLen + ((flags & FIN) != 0 ? 1 : 0), RST | ACK);
            }
            return;
        }
        if ((dst & UserNetwork.NETMASK) == UserNetwork.NETWORK && dst != UserNetwork.GATEWAY) {
            reset(src, srcPort, dst, dstPort, 0, seq + 1, RST | ACK); // nobody else lives on the segment
            return;
        }
        if (network.flowCount() >= UserNetwork.MAX_FLOWS) {
            network.warnOnce("flows", "user network: " + UserNetwork.MAX_FLOWS
                    + " connections and UDP flows are open; refusing new ones");
            reset(src, srcPort, dst, dstPort, 0, seq + 1, RST | ACK);
            return;
        }
        int hostIp = dst == UserNetwork.GATEWAY ? UserNetwork.LOOPBACK : dst;
        TcpConnection created = TcpConnection.fromGuest(this, key, seq, mss, window,
                new InetSocketAddress(inet(hostIp), dstPort));
        if (created != null) {
            connections.put(key, created);
        }
    }

    /** A RST (or RST+ACK) from the peer's address to the guest, for a segment no connection owns. */
    void reset(int guestIp, int guestPort, int peerIp, int peerPort, int seq, int ack, int flags) {
        byte[] frame = segment(guestIp, guestPort, peerIp, peerPort, seq, ack, flags, 0, 0, 0);
        seal(frame, peerIp, guestIp);
        network.sendToGuest(frame);
    }

    /**
     * A TCP segment frame from the peer to the guest with room for {@code payload} bytes after the header (an MSS
     * option when {@code mss} is not 0); {@link #seal} fills the checksum once the payload is in place.
     */
    byte[] segment(int guestIp, int guestPort, int peerIp, int peerPort, int seq, int ack, int flags, int window,
                   int mss, int payload) {
        int header = mss != 0 ? 24 : 20;
        byte[] f = ipv4Frame(UserNetwork.GATEWAY_MAC, PROTO_TCP, peerIp, guestIp, header + payload,
                network.nextIdent(), 0x4000);
        int t = ETH_HEADER + IP_HEADER;
        put16(f, t, peerPort);
        put16(f, t + 2, guestPort);
        put32(f, t + 4, seq);
        put32(f, t + 8, ack);
        f[t + 12] = (byte) (header / 4 << 4);
        f[t + 13] = (byte) flags;
        put16(f, t + 14, window);
        if (mss != 0) {
            f[t + 20] = 2;
            f[t + 21] = 4;
            put16(f, t + 22, mss);
        }
        return f;
    }

    /** Fills the checksum of a frame from {@link #segment} once its payload is in place. */
    static void seal(byte[] f, int peerIp, int guestIp) {
        int t = ETH_HEADER + IP_HEADER;
        put16(f, t + 16, 0);
        put16(f, t + 16, transportChecksum(peerIp, guestIp, PROTO_TCP, f, t, f.length - t));
    }

    void tick(long now) {
        for (TcpConnection c : connections.values().toArray(new TcpConnection[0])) {
            c.tick(now);
        }
    }

    void guestHasRoom() {
        for (TcpConnection c : connections.values().toArray(new TcpConnection[0])) {
            c.resume();
        }
    }

    void closeAll() {
        for (TcpConnection c : connections.values().toArray(new TcpConnection[0])) {
            c.closeHost(false);
        }
        connections.clear();
        for (ServerSocketChannel l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                // nothing left to report when closing a listener
            }
        }
        listeners.clear();
    }
}
