package org.virtfx.engine.net.user;

import static org.virtfx.engine.net.user.TcpNat.ACK;
import static org.virtfx.engine.net.user.TcpNat.FIN;
import static org.virtfx.engine.net.user.TcpNat.PSH;
import static org.virtfx.engine.net.user.TcpNat.RST;
import static org.virtfx.engine.net.user.TcpNat.SYN;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One guest TCP connection joined to one host {@link SocketChannel}. Toward the guest this is a full TCP endpoint
 * (RFC 9293): sequence numbers, MSS, the guest's window respected, our window advertised from the room left in the
 * buffer toward the host socket, retransmission on timeout (go-back-N, exponential backoff) and after three duplicate
 * ACKs, zero-window probes, FIN in both directions (half-close maps to {@code shutdownOutput}), RST both ways and a
 * short TIME_WAIT. Guest data is acknowledged once it is in the host socket or in that bounded buffer. A segment the
 * card drops for lack of receive buffers is simply not counted as sent: sending resumes there when the guest posts
 * buffers. Runs on the backend thread only.
 */
final class TcpConnection implements UserNetwork.Handler {
    static final int OUR_MSS = 1460;
    /** Bytes read from the host and not yet acknowledged by the guest. */
    static final int TO_GUEST_BUFFER = 256 * 1024;
    /** Guest bytes not yet taken by the host socket: at most one unscaled window. */
    static final int TO_HOST_BUFFER = 65535;
    private static final long INITIAL_RTO_NS = 300_000_000L;
    private static final long MAX_RTO_NS = 10_000_000_000L;
    private static final int MAX_RETRIES = 12;
    private static final long CONNECT_TIMEOUT_NS = 30_000_000_000L;
    /** TIME_WAIT kept short: the guest's retransmitted FIN within this time is still acknowledged. */
    private static final long TIME_WAIT_NS = 2_000_000_000L;

    private enum State { CONNECTING, SYN_RECEIVED, SYN_SENT, ESTABLISHED, TIME_WAIT, CLOSED }

    final TcpNat.Key key;
    private final TcpNat nat;
    private final UserNetwork network;
    private final SocketChannel channel;
    private SelectionKey selectionKey;
    private State state;

    private final int iss = ThreadLocalRandom.current().nextInt();
    private int sndUna = iss;
    private int sndNxt = iss;
    private int sndMax = iss;
    private int sndWnd;
    private int guestMss = 536;
    private int rcvNxt;
    private final ByteRing toGuest = new ByteRing(TO_GUEST_BUFFER);
    private final ByteRing toHost = new ByteRing(TO_HOST_BUFFER);
    private boolean hostEof;
    private boolean finAcked;
    private boolean guestFin;
    private boolean hostShut;
    private boolean ackOwed;
    private int advertised;
    private long timerAt;
    private long rto = INITIAL_RTO_NS;
    private int retries;
    private int dupAcks;
    /** Coalesces the ACKs of a batch of guest segments into one (none when data went out and carried it). */
    private final Runnable sendAckAfterBatch = () -> {
        if (ackOwed) {
            sendAck();
        }
    };

    private TcpConnection(TcpNat nat, TcpNat.Key key, SocketChannel channel, State state) {
        this.nat = nat;
        this.network = nat.network();
        this.key = key;
        this.channel = channel;
        this.state = state;
    }

    /** The guest's SYN: connect the host socket first; the SYN-ACK (or a RST) follows the outcome. */
    static TcpConnection fromGuest(TcpNat nat, TcpNat.Key key, int guestIss, int mss, int window,
                                   InetSocketAddress destination) {
        UserNetwork network = nat.network();
        SocketChannel ch;
        try {
            ch = SocketChannel.open();
        } catch (IOException e) {
            network.warnOnce("tcp open", "user network: cannot open a TCP socket: " + e.getMessage());
            nat.reset(key.guestIp(), key.guestPort(), key.peerIp(), key.peerPort(), 0, guestIss + 1, RST | ACK);
            return null;
        }
        TcpConnection c = new TcpConnection(nat, key, ch, State.CONNECTING);
        c.rcvNxt = guestIss + 1;
        c.guestMss = Math.max(64, Math.min(mss, OUR_MSS));
        c.sndWnd = window;
        c.timerAt = System.nanoTime() + CONNECT_TIMEOUT_NS;
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.selectionKey = ch.register(network.selector(), 0, c);
            if (ch.connect(destination)) {
                c.connected();
            } else {
                c.selectionKey.interestOps(SelectionKey.OP_CONNECT);
            }
        } catch (IOException | RuntimeException e) {
            c.refused();
            return null;
        }
        return c;
    }

    /** A host forward's accepted socket: open the connection toward the guest with a SYN. */
    static TcpConnection toGuest(TcpNat nat, TcpNat.Key key, SocketChannel ch) throws IOException {
        TcpConnection c = new TcpConnection(nat, key, ch, State.SYN_SENT);
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.selectionKey = ch.register(c.network.selector(), 0, c);
        c.sendSyn();
        return c;
    }

    @Override
    public void ready(SelectionKey k) {
        try {
            if (k.isConnectable()) {
                if (channel.finishConnect()) {
                    connected();
                }
                return;
            }
            if (k.isWritable()) {
                flushToHost();
            }
            if (k.isValid() && k.isReadable()) {
                readHost();
            }
        } catch (IOException e) {
            if (state == State.CONNECTING) {
                refused();
            } else {
                abort(true);
            }
        }
        finishIfDone();
    }

    // ---- guest -> host ----

    void segment(int seq, int ack, int flags, int window, int mss, byte[] f, int off, int len) {
        if (state == State.TIME_WAIT || state == State.CLOSED) {
            if ((flags & (FIN | RST)) == FIN || len > 0) {
                sendAck(); // our ACK of its FIN was lost
            }
            return;
        }
        if ((flags & RST) != 0) {
            if (state != State.SYN_SENT || ((flags & ACK) != 0 && ack == iss + 1)) {
                abort(false);
            }
            return;
        }
        switch (state) {
            case CONNECTING -> {
                return; // a retransmitted SYN: the SYN-ACK follows the host connect
            }
            case SYN_SENT -> {
                if ((flags & ACK) != 0 && ack != iss + 1) {
                    nat.reset(key.guestIp(), key.guestPort(), key.peerIp(), key.peerPort(), ack, 0, RST);
                    return;
                }
                if ((flags & (SYN | ACK)) != (SYN | ACK)) {
                    return;
                }
                rcvNxt = seq + 1;
                guestMss = Math.max(64, Math.min(mss, OUR_MSS));
                sndUna = iss + 1;
                sndWnd = window;
                established();
                sendAck();
                pushToGuest();
                return;
            }
            case SYN_RECEIVED -> {
                if ((flags & SYN) != 0) {
                    sendSynAck(); // our SYN-ACK was lost
                    return;
                }
                if ((flags & ACK) == 0) {
                    return;
                }
                if (ack != iss + 1) {
                    nat.reset(key.guestIp(), key.guestPort(), key.peerIp(), key.peerPort(), ack, 0, RST);
                    return;
                }
                sndUna = iss + 1;
                established();
            }
            default -> {
                if ((flags & SYN) != 0) {
                    sendAck(); // a retransmitted SYN-ACK: our ACK was lost
                    return;
                }
            }
        }
        if ((flags & ACK) != 0) {
            if (!acknowledge(ack, window, len, flags)) {
                return;
            }
        }
        if (len > 0 || (flags & FIN) != 0) {
            receiveData(seq, flags, f, off, len);
        }
        pushToGuest();
        finishIfDone();
    }

    /** Processes the guest's ACK field; false when the segment is to be ignored (it acknowledges unsent data). */
    private boolean acknowledge(int ack, int window, int len, int flags) {
        if (ack - sndMax > 0) {
            scheduleAck();
            return false;
        }
        retries = 0; // the guest is alive, whatever it says
        if (ack - sndUna > 0) {
            int acked = ack - sndUna;
            int data = Math.min(acked, toGuest.size());
            toGuest.skip(data);
            if (acked > data) {
                finAcked = true;
            }
            sndUna = ack;
            if (sndNxt - sndUna < 0) {
                sndNxt = sndUna;
            }
            dupAcks = 0;
            rto = INITIAL_RTO_NS;
            timerAt = sndMax != sndUna ? System.nanoTime() + rto : 0;
            if (!hostEof && toGuest.free() > 0) {
                interest(SelectionKey.OP_READ, true);
            }
        } else if (ack == sndUna && len == 0 && (flags & FIN) == 0 && window == sndWnd && sndNxt != sndUna) {
            if (++dupAcks == 3) {
                retransmitFirst();
            }
        }
        sndWnd = window;
        return true;
    }

    private void receiveData(int seq, int flags, byte[] f, int off, int len) {
        int skip = rcvNxt - seq;
        if (!guestFin && skip >= 0 && skip <= len) {
            int n = toHost.write(f, off + skip, len - skip);
            rcvNxt += n;
            if ((flags & FIN) != 0 && skip + n == len) {
                guestFin = true;
                rcvNxt += 1;
            }
            flushToHost();
        }
        scheduleAck(); // in order, duplicate or out of order (the guest's fast retransmit counts these)
    }

    private void flushToHost() {
        if (state == State.CLOSED || state == State.TIME_WAIT) {
            return;
        }
        try {
            if (toHost.size() > 0) {
                toHost.writeTo(channel);
            }
            interest(SelectionKey.OP_WRITE, toHost.size() > 0);
            if (guestFin && toHost.size() == 0 && !hostShut) {
                hostShut = true;
                channel.shutdownOutput();
            }
        } catch (IOException e) {
            abort(true);
            return;
        }
        if (advertised < TO_HOST_BUFFER / 2 && window() >= TO_HOST_BUFFER / 2) {
            scheduleAck(); // window update: the guest may have stopped on a small window
        }
    }

    // ---- host -> guest ----

    private void readHost() throws IOException {
        if (state != State.ESTABLISHED || hostEof) {
            return;
        }
        while (toGuest.free() > 0) {
            int n = toGuest.readFrom(channel);
            if (n < 0) {
                hostEof = true;
                break;
            }
            if (n == 0) {
                break;
            }
        }
        if (hostEof || toGuest.free() == 0) {
            interest(SelectionKey.OP_READ, false);
        }
        pushToGuest();
    }

    /** Sends what the guest's window allows from sndNxt on, then our FIN once the host closed and all is sent. */
    private void pushToGuest() {
        if (state != State.ESTABLISHED) {
            return;
        }
        while (true) {
            int offset = sndNxt - sndUna;
            int available = toGuest.size() - offset;
            if (available > 0) {
                int room = sndWnd - offset;
                if (room <= 0) {
                    if (timerAt == 0) {
                        timerAt = System.nanoTime() + rto; // persist timer: probe a closed window
                    }
                    return;
                }
                int n = Math.min(available, Math.min(room, guestMss));
                if (!sendData(sndNxt, offset, n, 0)) {
                    return;
                }
                advance(n);
            } else if (available == 0 && hostEof) {
                if (!sendData(sndNxt, offset, 0, FIN)) {
                    return;
                }
                advance(1);
                return;
            } else {
                return;
            }
        }
    }

    private void advance(int n) {
        sndNxt += n;
        if (sndNxt - sndMax > 0) {
            sndMax = sndNxt;
        }
        if (timerAt == 0) {
            timerAt = System.nanoTime() + rto;
        }
    }

    /**
     * Fast retransmit, go-back-N: on a virtual link, losses mean the guest ran out of buffers, so what followed the
     * lost segment was most likely lost too; resending the window costs only memory copies.
     */
    private void retransmitFirst() {
        sndNxt = sndUna;
        pushToGuest();
    }

    private boolean sendData(int seq, int offset, int n, int extraFlags) {
        byte[] f = frame(seq, ACK | extraFlags | (n > 0 ? PSH : 0), 0, n);
        if (n > 0) {
            toGuest.peek(offset, f, f.length - n, n);
        }
        TcpNat.seal(f, key.peerIp(), key.guestIp());
        if (network.sendSegmentToGuest(f)) {
            ackOwed = false;
            return true;
        }
        return false;
    }

    private void scheduleAck() {
        ackOwed = true;
        network.afterBatch(sendAckAfterBatch);
    }

    private void sendAck() {
        byte[] f = frame(sndNxt, ACK, 0, 0);
        TcpNat.seal(f, key.peerIp(), key.guestIp());
        ackOwed = !network.sendSegmentToGuest(f);
    }

    private void sendSyn() {
        byte[] f = frame(iss, SYN, OUR_MSS, 0);
        TcpNat.seal(f, key.peerIp(), key.guestIp());
        network.sendSegmentToGuest(f);
        sndNxt = sndMax = iss + 1;
        timerAt = System.nanoTime() + rto;
    }

    private void sendSynAck() {
        byte[] f = frame(iss, SYN | ACK, OUR_MSS, 0);
        TcpNat.seal(f, key.peerIp(), key.guestIp());
        network.sendSegmentToGuest(f);
        sndNxt = sndMax = iss + 1;
        timerAt = System.nanoTime() + rto;
    }

    private byte[] frame(int seq, int flags, int mss, int payload) {
        advertised = window();
        return nat.segment(key.guestIp(), key.guestPort(), key.peerIp(), key.peerPort(), seq,
                (flags & ACK) != 0 ? rcvNxt : 0, flags, advertised, mss, payload);
    }

    private int window() {
        return Math.min(65535, toHost.free());
    }

    // ---- state changes ----

    private void connected() {
        interest(SelectionKey.OP_CONNECT, false); // a connected socket stays "connectable" forever
        state = State.SYN_RECEIVED;
        retries = 0;
        sendSynAck();
    }

    private void refused() {
        nat.reset(key.guestIp(), key.guestPort(), key.peerIp(), key.peerPort(), 0, rcvNxt, RST | ACK);
        closeHost(false);
        state = State.CLOSED;
        nat.remove(this);
    }

    private void established() {
        state = State.ESTABLISHED;
        retries = 0;
        rto = INITIAL_RTO_NS;
        timerAt = 0;
        sndNxt = sndMax = sndUna;
        interest(SelectionKey.OP_READ, true);
    }

    /** Both FINs sent and acknowledged and all guest data in the host socket: close, keep a short TIME_WAIT. */
    private void finishIfDone() {
        if (state == State.ESTABLISHED && finAcked && guestFin && hostShut && toHost.size() == 0) {
            closeHost(false);
            state = State.TIME_WAIT;
            timerAt = System.nanoTime() + TIME_WAIT_NS;
        }
    }

    /** Ends the connection at once: RST to the guest (when asked) and a reset of the host socket. */
    private void abort(boolean resetGuest) {
        if (resetGuest && state != State.CONNECTING) {
            byte[] f = frame(sndNxt, RST | ACK, 0, 0);
            TcpNat.seal(f, key.peerIp(), key.guestIp());
            network.sendSegmentToGuest(f);
        }
        closeHost(true);
        state = State.CLOSED;
        nat.remove(this);
    }

    /** In TIME_WAIT: a new SYN on the same addresses replaces this connection. */
    boolean timeWait() {
        return state == State.TIME_WAIT;
    }

    void closeHost(boolean reset) {
        try {
            if (reset && channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0); // the host peer sees a reset, as the guest did
            }
        } catch (IOException | RuntimeException e) {
            // not connected: a plain close will do
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing has nothing left to report
        }
    }

    private void interest(int op, boolean on) {
        if (selectionKey == null || !selectionKey.isValid()) {
            return;
        }
        int ops = selectionKey.interestOps();
        selectionKey.interestOps(on ? ops | op : ops & ~op);
    }

    /** Timers: connect timeout, SYN/SYN-ACK and data retransmission, zero-window probe, TIME_WAIT expiry. */
    void tick(long now) {
        if (timerAt == 0 || now - timerAt < 0) {
            return;
        }
        switch (state) {
            case CONNECTING -> refused();
            case TIME_WAIT, CLOSED -> {
                state = State.CLOSED;
                nat.remove(this);
            }
            case SYN_SENT, SYN_RECEIVED -> {
                if (++retries > 6) {
                    abort(state == State.SYN_RECEIVED);
                    return;
                }
                backoff();
                if (state == State.SYN_SENT) {
                    sendSyn();
                } else {
                    sendSynAck();
                }
                timerAt = now + rto;
            }
            case ESTABLISHED -> {
                if (sndMax == sndUna && (toGuest.size() == 0 || sndWnd != 0)) {
                    timerAt = 0; // nothing outstanding: sending only waited for guest buffers
                    resume();
                    return;
                }
                boolean probe = sndWnd == 0 && sndNxt == sndUna;
                if (!probe && ++retries > MAX_RETRIES) {
                    abort(true);
                    return;
                }
                backoff();
                sndNxt = sndUna; // go-back-N: everything after the first loss is likely lost too
                dupAcks = 0;
                timerAt = 0;
                if (sndWnd == 0 && toGuest.size() > 0) {
                    if (sendData(sndUna, 0, 1, 0)) { // zero-window probe: one byte beyond the window
                        advance(1);
                    }
                } else {
                    pushToGuest();
                }
                if (ackOwed) {
                    sendAck();
                }
                timerAt = now + rto;
            }
        }
    }

    private void backoff() {
        rto = Math.min(MAX_RTO_NS, rto * 2);
    }

    /** The guest posted receive buffers: continue sending where the dropped segment left off. */
    void resume() {
        if (ackOwed) {
            sendAck();
        }
        pushToGuest();
    }
}
