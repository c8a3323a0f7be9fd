package org.virtfx.engine.net.user;

import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.virtfx.engine.net.HostForward;

/**
 * UDP through host sockets. Each (guest address, guest port, destination) flow gets its own connected
 * {@link DatagramChannel}, so replies come back only from the destination and carry its address; the flow closes
 * after {@value #IDLE_SECONDS} s without traffic. 10.0.2.2 stands for the host's 127.0.0.1. UDP host forwards bind a
 * channel on the host; each host client gets a port of 10.0.2.2 the guest's replies go to.
 */
final class UdpNat {
    private static final int IDLE_SECONDS = 60;
    private static final long IDLE_NS = IDLE_SECONDS * 1_000_000_000L;
    private static final long DNS_IDLE_NS = 10_000_000_000L;
    private static final int MAX_DATAGRAMS_PER_WAKE = 64;

    private record Key(int guestIp, int guestPort, int dstIp, int dstPort) {
    }

    private final UserNetwork network;
    private final Map<Key, Flow> flows = new HashMap<>();
    private final Map<Integer, ForwardPeer> forwardPeers = new HashMap<>();
    private final Map<HostForward, Listener> listeners = new HashMap<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(65536);
    private int nextPeerPort = 49152;

    UdpNat(UserNetwork network) {
        this.network = network;
    }

    int size() {
        return flows.size() + forwardPeers.size();
    }

    boolean needsTicks() {
        return !flows.isEmpty() || !forwardPeers.isEmpty();
    }

    /** Binds a host forward's channel (start-up, before the backend thread runs); returns the bound port. */
    int listen(HostForward forward) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.bind(new InetSocketAddress(forward.hostAddress(), forward.hostPort()));
            ch.configureBlocking(false);
            Listener l = new Listener(forward, ch);
            ch.register(network.selector(), SelectionKey.OP_READ, l);
            listeners.put(forward, l);
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot listen for " + forward + ": " + e.getMessage(), e);
        }
    }

    /** A datagram the guest sent (payload at off, len bytes). */
    void fromGuest(int src, int srcPort, int dst, int dstPort, byte[] f, int off, int len) {
        if (dst == UserNetwork.GATEWAY) {
            ForwardPeer peer = forwardPeers.get(dstPort);
            if (peer != null && peer.listener.forward.guestPort() == srcPort) {
                peer.lastUsed = System.nanoTime();
                try {
                    peer.listener.channel.send(ByteBuffer.wrap(f, off, len), peer.client);
                } catch (IOException e) {
                    network.warnOnce("udp fwd send", "user network: UDP forward send failed: " + e.getMessage());
                }
                return;
            }
        } else if ((dst & UserNetwork.NETMASK) == UserNetwork.NETWORK) {
            return; // no other hosts on the virtual segment
        }
        int hostIp = dst == UserNetwork.GATEWAY ? UserNetwork.LOOPBACK : dst;
        Flow flow = flow(new Key(src, srcPort, dst, dstPort), hostIp, dstPort);
        if (flow != null) {
            flow.send(f, off, len);
        }
    }

    /** A DNS query passed on unchanged to the host's nameserver; the answer comes back from 10.0.2.3:53. */
    void forwardDns(int guestIp, int guestPort, int server, byte[] query) {
        Flow flow = flow(new Key(guestIp, guestPort, UserNetwork.DNS, 53), server, 53);
        if (flow != null) {
            flow.dns = true;
            flow.send(query, 0, query.length);
        }
    }

    private Flow flow(Key key, int hostIp, int hostPort) {
        Flow flow = flows.get(key);
        if (flow != null) {
            return flow;
        }
        if (network.flowCount() >= UserNetwork.MAX_FLOWS) {
            network.warnOnce("flows", "user network: " + UserNetwork.MAX_FLOWS
                    + " connections and UDP flows are open; dropping new ones");
            return null;
        }
        try {
            DatagramChannel ch = DatagramChannel.open();
            try {
                ch.configureBlocking(false);
                ch.connect(new InetSocketAddress(inet(hostIp), hostPort));
                flow = new Flow(key, ch);
                ch.register(network.selector(), SelectionKey.OP_READ, flow);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            network.warnOnce("udp open " + ip(hostIp), "user network: cannot send UDP to " + ip(hostIp) + ":"
                    + hostPort + ": " + e.getMessage());
            return null;
        }
        flows.put(key, flow);
        return flow;
    }

    /** Builds a UDP datagram with its checksum and sends it to the guest (fragmented if needed). */
    void sendToGuest(int src, int srcPort, int dst, int dstPort, byte[] data, int off, int len) {
        byte[] p = new byte[8 + len];
        put16(p, 0, srcPort);
        put16(p, 2, dstPort);
        put16(p, 4, p.length);
        System.arraycopy(data, off, p, 8, len);
        int sum = transportChecksum(src, dst, PROTO_UDP, p, 0, p.length);
        put16(p, 6, sum == 0 ? 0xFFFF : sum);
        network.sendDatagram(PROTO_UDP, src, dst, p, p.length);
    }

    void tick(long now) {
        Iterator<Flow> it = flows.values().iterator();
        while (it.hasNext()) {
            Flow flow = it.next();
            if (now - flow.lastUsed > (flow.dns ? DNS_IDLE_NS : IDLE_NS)) {
                it.remove();
                closeQuietly(flow.channel);
            }
        }
        forwardPeers.values().removeIf(p -> now - p.lastUsed > IDLE_NS);
    }

    void closeAll() {
        flows.values().forEach(f -> closeQuietly(f.channel));
        flows.clear();
        listeners.values().forEach(l -> closeQuietly(l.channel));
        listeners.clear();
        forwardPeers.clear();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing a datagram socket has nothing left to report
        }
    }

    private final class Flow implements UserNetwork.Handler {
        final Key key;
        final DatagramChannel channel;
        long lastUsed = System.nanoTime();
        boolean dns;

        Flow(Key key, DatagramChannel channel) {
            this.key = key;
            this.channel = channel;
        }

        void send(byte[] f, int off, int len) {
            lastUsed = System.nanoTime();
            try {
                channel.write(ByteBuffer.wrap(f, off, len));
            } catch (IOException e) {
                // ICMP port unreachable from an earlier datagram, no route...: UDP is lossy, the guest retries
            }
        }

        @Override
        public void ready(SelectionKey k) {
            for (int i = 0; i < MAX_DATAGRAMS_PER_WAKE; i++) {
                buffer.clear();
                try {
                    if (channel.receive(buffer) == null) {
                        return;
                    }
                } catch (IOException e) {
                    continue; // port unreachable reported for an earlier datagram
                }
                lastUsed = System.nanoTime();
                sendToGuest(key.dstIp, key.dstPort, key.guestIp, key.guestPort, buffer.array(), 0,
                        buffer.position());
            }
        }
    }

    private final class Listener implements UserNetwork.Handler {
        final HostForward forward;
        final DatagramChannel channel;
        final Map<SocketAddress, ForwardPeer> peers = new HashMap<>();

        Listener(HostForward forward, DatagramChannel channel) {
            this.forward = forward;
            this.channel = channel;
        }

        @Override
        public void ready(SelectionKey k) throws IOException {
            for (int i = 0; i < MAX_DATAGRAMS_PER_WAKE; i++) {
                buffer.clear();
                SocketAddress client = channel.receive(buffer);
                if (client == null) {
                    return;
                }
                int guestIp = forward.guestAddress() != null ? ip(forward.guestAddress()) : network.guestIp();
                if (guestIp == 0) {
                    network.warnOnce("udp fwd no guest", "user network: datagram for " + forward
                            + " dropped: the guest has no address yet");
                    continue;
                }
                ForwardPeer peer = peers.get(client);
                if (peer == null || forwardPeers.get(peer.port) != peer) {
                    if (network.flowCount() >= UserNetwork.MAX_FLOWS) {
                        continue;
                    }
                    peer = new ForwardPeer(this, client, freePeerPort());
                    peers.put(client, peer);
                    forwardPeers.put(peer.port, peer);
                    peers.values().removeIf(p -> forwardPeers.get(p.port) != p);
                }
                peer.lastUsed = System.nanoTime();
                sendToGuest(UserNetwork.GATEWAY, peer.port, guestIp, forward.guestPort(), buffer.array(), 0,
                        buffer.position());
            }
        }
    }

    private int freePeerPort() {
        while (true) {
            int p = nextPeerPort;
            nextPeerPort = p == 65535 ? 49152 : p + 1;
            if (!forwardPeers.containsKey(p)) {
                return p;
            }
        }
    }

    private static final class ForwardPeer {
        final Listener listener;
        final SocketAddress client;
        final int port;
        long lastUsed = System.nanoTime();

        ForwardPeer(Listener listener, SocketAddress client, int port) {
            this.listener = listener;
            this.client = client;
            this.port = port;
        }
    }
}
