package org.virtfx.engine.net.user;

import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.HostForward;
import org.virtfx.engine.net.NetworkBackend;

/**
 * User-mode networking, as QEMU's {@code -nic user} (libslirp) but written here: the guest sees a small Ethernet
 * segment 10.0.2.0/24 with a gateway at 10.0.2.2 (which also stands for the host's 127.0.0.1) and a DNS server at
 * 10.0.2.3; a DHCP server leases 10.0.2.15 onward. The guest's TCP connections and UDP datagrams become ordinary
 * host sockets (no root, no tap device); ICMP echo is answered for 10.0.2.2 and 10.0.2.3 only, because Java cannot
 * send ICMP without raw sockets. Host forwards ({@link HostForward}) listen on the host and open connections toward
 * the guest.
 *
 * <p>Threading: one backend thread owns every bit of protocol state and a {@link Selector} for all host sockets.
 * {@link #transmit} (a vCPU thread holding the device lock) only copies the frame into a bounded queue and wakes the
 * selector. Incoming IPv4 fragments are dropped (warned once): guests on a 1500-byte Ethernet do not fragment TCP,
 * and datagrams beyond the MTU are rare. Limits: {@value #MAX_FLOWS} TCP connections plus UDP flows together, a
 * bounded transmit queue, bounded per-connection buffers.
 */
public final class UserNetwork implements NetworkBackend {
    static final int NETWORK = ip(10, 0, 2, 0);
    static final int NETMASK = ip(255, 255, 255, 0);
    static final int GATEWAY = ip(10, 0, 2, 2);
    static final int DNS = ip(10, 0, 2, 3);
    static final int BROADCAST = ip(10, 0, 2, 255);
    static final int LOOPBACK = ip(127, 0, 0, 1);
    static final long GATEWAY_MAC = 0x52550a000202L;
    static final long BROADCAST_MAC = 0xFFFFFFFFFFFFL;
    /** TCP connections and UDP flows together: a guest cannot make the host open more sockets than this. */
    static final int MAX_FLOWS = 1024;
    private static final int TX_QUEUE_FRAMES = 1024;
    /** Jumbo frames at most: the queue from the guest then holds at most 9 MiB. */
    private static final int MAX_FRAME = 9018;
    private static final int HELD_FRAMES = 256;
    private static final int ARP_WAITING_FRAMES = 64;
    private static final int MAX_ARP_ENTRIES = 64;
    private static final long TICK_NS = 20_000_000L;
    private static final long SLOW_TICK_NS = 1_000_000_000L;
    private static final System.Logger LOG = System.getLogger(UserNetwork.class.getName());

    /** Something registered with the selector. */
    interface Handler {
        void ready(SelectionKey key) throws IOException;
    }

    private final ArrayBlockingQueue<byte[]> fromGuest = new ArrayBlockingQueue<>(TX_QUEUE_FRAMES);
    private final AtomicBoolean guestRoom = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> backendTasks = new ConcurrentLinkedQueue<>();
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder txQueueDrops = new LongAdder();
    private final Map<Integer, Long> arpTable = new HashMap<>();
    private final Map<Integer, Long> arpRequested = new HashMap<>();
    private final ArrayDeque<byte[]> arpWaiting = new ArrayDeque<>();
    /** Non-TCP frames the guest had no room for, delivered in order when it posts buffers (TCP retransmits itself). */
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private final Set<Runnable> afterBatch = new HashSet<>();
    private final List<HostForward> forwards;
    private final int maxFlows;
    private final Map<HostForward, Integer> boundPorts = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object lifecycle = new Object();

    private volatile Selector selector;
    private GuestPort guest;
    private Thread thread;
    private volatile boolean closed;
    private int ipIdent;
    /** A frame found the guest without room: retry on its signal or, failing that, on the next tick. */
    private boolean blocked;
    /** The address the guest last leased by DHCP or used as a source; where forwards without an address go. */
    private volatile int guestIp;
    final DhcpServer dhcp;
    final DnsServer dns;
    final UdpNat udp;
    final TcpNat tcp;

    public UserNetwork(List<HostForward> forwards) {
        this(forwards, MAX_FLOWS);
    }

    /** With another cap on open TCP connections plus UDP flows (tests reach it without a thousand sockets). */
    UserNetwork(List<HostForward> forwards, int maxFlows) {
        this.maxFlows = maxFlows;
        this.forwards = List.copyOf(Objects.requireNonNull(forwards, "forwards"));
        this.dhcp = new DhcpServer(this);
        this.dns = new DnsServer(this);
        this.udp = new UdpNat(this);
        this.tcp = new TcpNat(this);
    }

    @Override
    public void start(GuestPort guestPort) throws IOException {
        synchronized (lifecycle) {
            if (thread != null || closed) {
                throw new IllegalStateException("user network already started or closed");
            }
            this.guest = Objects.requireNonNull(guestPort, "guestPort");
            this.selector = Selector.open();
            try {
                for (HostForward f : forwards) {
                    int port = f.udp() ? udp.listen(f) : tcp.listen(f);
                    boundPorts.put(f, port);
                }
            } catch (IOException e) {
                closeAll();
                throw e;
            }
            thread = Thread.ofPlatform().daemon().name("virtfx-usernet").start(this::run);
        }
    }

    /** The host port a forward actually listens on (the chosen one when it asked for port 0); -1 if not listening. */
    public int boundPort(HostForward forward) {
        return boundPorts.getOrDefault(forward, -1);
    }

    /** Frames from the guest that were malformed and dropped. */
    public long malformedFrames() {
        return malformed.sum();
    }

    /** Frames from the guest dropped because the backend fell behind (the transmit queue was full). */
    public long transmitQueueDrops() {
        return txQueueDrops.sum();
    }

    @Override
    public void transmit(byte[] frame, int offset, int length) {
        if (closed || offset < 0 || length < 0 || offset + length > frame.length) {
            return;
        }
        if (length > MAX_FRAME) {
            dropMalformed("frame longer than " + MAX_FRAME + " bytes");
            return;
        }
        if (fromGuest.offer(java.util.Arrays.copyOfRange(frame, offset, offset + length))) {
            Selector s = selector;
            if (s != null) {
                s.wakeup();
            }
        } else {
            txQueueDrops.increment();
        }
    }

    @Override
    public void guestCanReceive() {
        guestRoom.set(true);
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
            if (t == null) {
                closeAll();
                return;
            }
        }
        selector.wakeup();
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeAll() {
        tcp.closeAll();
        udp.closeAll();
        dns.close();
        try {
            if (selector != null) {
                selector.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the selector", e);
        }
    }

    // ---- backend thread ----

    private void run() {
        long lastTick = System.nanoTime();
        try {
            while (!closed) {
                // Fast ticks only while a retransmission, ARP or delivery is pending; idle flows need a slow sweep.
                long interval = blocked || !arpWaiting.isEmpty() || tcp.timersArmed() ? TICK_NS
                        : udp.needsTicks() || tcp.size() > 0 ? SLOW_TICK_NS : 0;
                long nextTick = lastTick + interval;
                long timeout = interval == 0 ? 0 : Math.max(1, (nextTick - System.nanoTime()) / 1_000_000);
                selector.select(timeout);
                if (closed) {
                    break;
                }
                byte[] frame;
                int budget = TX_QUEUE_FRAMES;
                while (budget-- > 0 && (frame = fromGuest.poll()) != null) {
                    receiveFromGuest(frame);
                }
                if (guestRoom.getAndSet(false)) {
                    guestHasRoom();
                }
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isValid() && key.attachment() instanceof Handler h) {
                        try {
                            h.ready(key);
                        } catch (IOException | RuntimeException e) {
                            warnOnce("socket " + h.getClass().getSimpleName(),
                                    "user network: host socket error: " + e);
                        }
                    }
                }
                Runnable task;
                while ((task = backendTasks.poll()) != null) {
                    task.run();
                }
                runAfterBatch();
                long now = System.nanoTime();
                if (interval != 0 && now - nextTick >= 0) {
                    if (blocked && guest.canReceive()) {
                        guestHasRoom(); // in case a card did not signal posted buffers
                    }
                    tcp.tick(now);
                    udp.tick(now);
                    retryArp(now);
                    runAfterBatch();
                    lastTick = now;
                } else if (interval == 0) {
                    lastTick = now;
                }
                if (!fromGuest.isEmpty()) {
                    selector.wakeup();
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.ERROR, "user network stopped", e);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "user network stopped by a bug", e);
        } finally {
            closeAll();
        }
    }

    /** Runs on the backend thread soon (from any thread). */
    void post(Runnable task) {
        backendTasks.add(task);
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    /** Runs once after the current batch of frames (coalesces ACKs and window updates). */
    void afterBatch(Runnable r) {
        afterBatch.add(r);
    }

    private void runAfterBatch() {
        if (afterBatch.isEmpty()) {
            return;
        }
        Runnable[] rs = afterBatch.toArray(new Runnable[0]);
        afterBatch.clear();
        for (Runnable r : rs) {
            r.run();
        }
    }

    Selector selector() {
        return selector;
    }

    boolean flowsFull() {
        return tcp.size() + udp.size() >= maxFlows;
    }

    int maxFlows() {
        return maxFlows;
    }

    int guestIp() {
        return guestIp;
    }

    void leased(int ip) {
        guestIp = ip;
    }

    void dropMalformed(String what) {
        malformed.increment();
        warnOnce("malformed " + what, "user network: dropped a malformed frame from the guest (" + what + ")");
    }

    void warnOnce(String key, String message) {
        if (warned.add(key)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }

    void receiveFromGuest(byte[] f) {
        try {
            if (f.length < ETH_HEADER) {
                dropMalformed("runt frame");
                return;
            }
            long dstMac = mac(f, 0);
            if (dstMac != GATEWAY_MAC && dstMac != BROADCAST_MAC) {
                return; // another station's unicast or multicast: not for the gateway
            }
            switch (u16(f, 12)) {
                case ETHERTYPE_ARP -> receiveArp(f);
                case ETHERTYPE_IPV4 -> receiveIpv4(f);
                default -> { } // IPv6 and the rest: this network is IPv4 only
            }
        } catch (RuntimeException e) {
            // A parser slip must never stop the network: count it like any malformed frame.
            dropMalformed("parser error " + e.getClass().getSimpleName());
        }
    }

    private void receiveArp(byte[] f) {
        int a = ETH_HEADER;
        if (f.length < a + 28 || u16(f, a) != 1 || u16(f, a + 2) != ETHERTYPE_IPV4 || u8(f, a + 4) != 6
                || u8(f, a + 5) != 4) {
            dropMalformed("ARP");
            return;
        }
        int op = u16(f, a + 6);
        long senderMac = mac(f, a + 8);
        int senderIp = i32(f, a + 14);
        int targetIp = i32(f, a + 24);
        if (senderIp != 0 && (senderIp & NETMASK) == NETWORK) {
            learn(senderIp, senderMac);
        }
        if (op == 1 && (targetIp == GATEWAY || targetIp == DNS)) {
            deliverOrHold(arpFrame(2, senderMac, targetIp, senderMac, senderIp));
        }
    }

    /** Records the guest's MAC for an address and releases frames that waited for it. */
    void learn(int ip, long mac) {
        if (ip == GATEWAY || ip == DNS || ip == 0 || ip == -1) {
            return;
        }
        arpTable.put(ip, mac);
        if (arpTable.size() > MAX_ARP_ENTRIES) {
            arpTable.clear(); // a guest spraying addresses: forget them all, it answers ARP again
            arpTable.put(ip, mac);
        }
        if (guestIp == 0) {
            guestIp = ip;
        }
        arpRequested.remove(ip);
        if (!arpWaiting.isEmpty()) {
            ArrayDeque<byte[]> still = new ArrayDeque<>();
            for (byte[] w : arpWaiting) {
                if (i32(w, ETH_HEADER + 16) == ip) {
                    putMac(w, 0, mac);
                    deliverOrHold(w);
                } else {
                    still.add(w);
                }
            }
            arpWaiting.clear();
            arpWaiting.addAll(still);
        }
    }

    private void receiveIpv4(byte[] f) {
        int ip = ETH_HEADER;
        if (f.length < ip + IP_HEADER || (f[ip] >>> 4 & 0xF) != 4) {
            dropMalformed("IPv4 header");
            return;
        }
        int ihl = (f[ip] & 0xF) * 4;
        int total = u16(f, ip + 2);
        if (ihl < IP_HEADER || total < ihl || ip + total > f.length) {
            dropMalformed("IPv4 length");
            return;
        }
        if (checksum(f, ip, ihl) != 0) {
            dropMalformed("IPv4 checksum");
            return;
        }
        int fragment = u16(f, ip + 6);
        if ((fragment & 0x3FFF) != 0) {
            warnOnce("fragment", "user network: dropping IPv4 fragments from the guest (not reassembled)");
            return;
        }
        int proto = u8(f, ip + 9);
        int src = i32(f, ip + 12);
        int dst = i32(f, ip + 16);
        int ttl = u8(f, ip + 8);
        int payload = ip + ihl;
        int length = total - ihl;
        if (src != 0 && (src & NETMASK) == NETWORK && !arpTable.containsKey(src)) {
            learn(src, mac(f, 6));
        }
        if (proto == PROTO_UDP && length >= 8 && u16(f, payload + 2) == DhcpServer.SERVER_PORT
                && (dst == -1 || dst == GATEWAY || dst == BROADCAST)) {
            if (udpChecksumOk(f, src, dst, payload, length)) {
                dhcp.receive(f, payload + 8, Math.min(length, u16(f, payload + 4)) - 8, mac(f, 6));
            }
            return;
        }
        if (dst == -1 || dst == BROADCAST || (dst >>> 28) == 0xE) {
            return; // other broadcasts and multicast go nowhere
        }
        if (ttl <= 1 && dst != GATEWAY && dst != DNS) {
            warnOnce("ttl", "user network: dropping a guest packet whose TTL ran out (no ICMP time exceeded)");
            return;
        }
        switch (proto) {
            case PROTO_ICMP -> receiveIcmp(f, src, dst, payload, length);
            case PROTO_UDP -> {
                if (length < 8 || u16(f, payload + 4) < 8 || u16(f, payload + 4) > length) {
                    dropMalformed("UDP length");
                } else if (udpChecksumOk(f, src, dst, payload, u16(f, payload + 4))) {
                    int udpLength = u16(f, payload + 4);
                    int srcPort = u16(f, payload);
                    int dstPort = u16(f, payload + 2);
                    if (dst == DNS && dstPort == 53) {
                        dns.query(src, srcPort, f, payload + 8, udpLength - 8);
                    } else {
                        udp.fromGuest(src, srcPort, dst, dstPort, f, payload + 8, udpLength - 8);
                    }
                }
            }
            case PROTO_TCP -> {
                if (length < 20 || transportChecksum(src, dst, PROTO_TCP, f, payload, length) != 0) {
                    dropMalformed("TCP checksum");
                } else {
                    tcp.fromGuest(src, dst, f, payload, length);
                }
            }
            default -> warnOnce("proto " + proto, "user network: IP protocol " + proto + " is not forwarded");
        }
    }

    private boolean udpChecksumOk(byte[] f, int src, int dst, int off, int length) {
        if (u16(f, off + 6) == 0) {
            return true; // the sender did not compute one (allowed for UDP over IPv4)
        }
        if (transportChecksum(src, dst, PROTO_UDP, f, off, length) != 0) {
            dropMalformed("UDP checksum");
            return false;
        }
        return true;
    }

    private void receiveIcmp(byte[] f, int src, int dst, int off, int length) {
        if (length < 8 || checksum(f, off, length) != 0) {
            dropMalformed("ICMP");
            return;
        }
        if (u8(f, off) != 8) {
            return; // only echo requests need an answer
        }
        if (dst != GATEWAY && dst != DNS) {
            warnOnce("ping", "user network: ping is answered for 10.0.2.2 and 10.0.2.3 only (ICMP to other hosts"
                    + " needs raw sockets, which need root)");
            return;
        }
        byte[] r = ipv4Frame(GATEWAY_MAC, PROTO_ICMP, dst, src, length, nextIdent(), 0);
        int o = ETH_HEADER + IP_HEADER;
        System.arraycopy(f, off, r, o, length);
        r[o] = 0; // echo reply, same identifier, sequence and data
        put16(r, o + 2, 0);
        put16(r, o + 2, checksum(r, o, length));
        sendToGuest(r);
    }

    int nextIdent() {
        return ipIdent++ & 0xFFFF;
    }

    /**
     * Sends an IPv4 datagram (payload at offset 0 of {@code payload}) toward the guest, fragmenting it when it does
     * not fit the MTU. Non-TCP traffic: held when the guest has no room.
     */
    void sendDatagram(int proto, int src, int dst, byte[] payload, int length) {
        int ident = nextIdent();
        int maxData = (MTU - IP_HEADER) & ~7;
        for (int off = 0; off < length || off == 0; off += maxData) {
            int n = Math.min(maxData, length - off);
            boolean more = off + n < length;
            byte[] f = ipv4Frame(GATEWAY_MAC, proto, src, dst, n, ident, (more ? 0x2000 : 0) | off / 8);
            System.arraycopy(payload, off, f, ETH_HEADER + IP_HEADER, n);
            sendToGuest(f);
            if (!more) {
                break;
            }
        }
    }

    /**
     * Addresses an IPv4 frame built by {@link Packets#ipv4Frame} to the guest's MAC and delivers it: non-TCP frames
     * are held in order when the guest has no room.
     */
    void sendToGuest(byte[] frame) {
        if (resolve(frame)) {
            deliverOrHold(frame);
        }
    }

    /**
     * For TCP: delivers at once or reports that the guest had no room (the connection rewinds and retries). A frame
     * waiting for ARP counts as delivered: it is sent when the guest answers, else retransmitted.
     */
    boolean sendSegmentToGuest(byte[] frame) {
        if (!resolve(frame)) {
            return true;
        }
        if (!held.isEmpty()) {
            flushHeld();
            if (!held.isEmpty()) {
                return false; // older frames first: the connection retries when the guest posts buffers
            }
        }
        if (guest.receive(frame, 0, frame.length)) {
            return true;
        }
        blocked = true;
        return false;
    }

    /** Fills in the destination MAC; false when the frame waits for an ARP answer instead. */
    private boolean resolve(byte[] frame) {
        int dst = i32(frame, ETH_HEADER + 16);
        Long mac = dst == -1 || dst == BROADCAST ? Long.valueOf(BROADCAST_MAC) : arpTable.get(dst);
        if (mac != null) {
            putMac(frame, 0, mac);
            return true;
        }
        if (arpWaiting.size() >= ARP_WAITING_FRAMES) {
            arpWaiting.poll();
        }
        arpWaiting.add(frame);
        if (!arpRequested.containsKey(dst)) {
            arpRequested.put(dst, System.nanoTime());
            sendArpRequest(dst);
        }
        return false;
    }

    private void sendArpRequest(int target) {
        deliverOrHold(arpFrame(1, BROADCAST_MAC, GATEWAY, 0, target));
    }

    /**
     * An ARP request (op 1) or reply (op 2) from the gateway's MAC for Ethernet/IPv4: sender {@code senderIp} at the
     * gateway MAC, target {@code targetMac} (0 in a request: unknown) at {@code targetIp}, sent to {@code destination}.
     */
    private static byte[] arpFrame(int op, long destination, int senderIp, long targetMac, int targetIp) {
        byte[] r = new byte[ETH_HEADER + 28];
        int a = ETH_HEADER;
        putMac(r, 0, destination);
        putMac(r, 6, GATEWAY_MAC);
        put16(r, 12, ETHERTYPE_ARP);
        put16(r, a, 1);
        put16(r, a + 2, ETHERTYPE_IPV4);
        r[a + 4] = 6;
        r[a + 5] = 4;
        put16(r, a + 6, op);
        putMac(r, a + 8, GATEWAY_MAC);
        put32(r, a + 14, senderIp);
        putMac(r, a + 18, targetMac);
        put32(r, a + 24, targetIp);
        return r;
    }

    /** Repeats unanswered ARP requests each second; gives up on frames after five tries. */
    private void retryArp(long now) {
        if (arpRequested.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<Integer, Long>> it = arpRequested.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, Long> e = it.next();
            long age = now - e.getValue();
            if (age > 5_000_000_000L) {
                int ip = e.getKey();
                it.remove();
                arpWaiting.removeIf(w -> i32(w, ETH_HEADER + 16) == ip);
            } else if (age / 1_000_000_000L != (age - TICK_NS) / 1_000_000_000L) {
                sendArpRequest(e.getKey());
            }
        }
    }

    private void deliverOrHold(byte[] frame) {
        if (held.isEmpty() && guest.receive(frame, 0, frame.length)) {
            return;
        }
        if (held.size() >= HELD_FRAMES) {
            held.poll();
        }
        held.add(frame);
        blocked = true;
    }

    private void guestHasRoom() {
        blocked = false;
        flushHeld();
        tcp.guestHasRoom();
    }

    private void flushHeld() {
        byte[] f;
        while ((f = held.peek()) != null && guest.receive(f, 0, f.length)) {
            held.poll();
        }
    }
}
