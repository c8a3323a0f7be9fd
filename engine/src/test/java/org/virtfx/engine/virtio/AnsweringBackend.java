package org.virtfx.engine.virtio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetworkBackend;

/**
 * A network backend for tests: records every frame the guest sends and plays a host at {@link #HOST_IP} with MAC
 * {@link #HOST_MAC} that answers ARP requests and ICMP echo requests for its address, so a guest's {@code ping}
 * exercises the card's transmit and receive paths without a real network stack.
 */
public final class AnsweringBackend implements NetworkBackend {
    public static final byte[] HOST_IP = {10, 0, 2, 2};
    public static final byte[] HOST_MAC = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

    private final List<byte[]> sent = new ArrayList<>();
    private volatile GuestPort guest;
    private volatile boolean closed;
    private int canReceiveCalls;

    @Override
    public void start(GuestPort port) {
        guest = port;
    }

    @Override
    public void transmit(byte[] frame, int offset, int length) {
        byte[] f = Arrays.copyOfRange(frame, offset, offset + length);
        synchronized (sent) {
            sent.add(f);
            sent.notifyAll();
        }
        byte[] answer = answer(f);
        if (answer != null) {
            // Answered from another thread, as a real backend does: receive() takes the device lock itself.
            Thread.ofVirtual().start(() -> guest.receive(answer, 0, answer.length));
        }
    }

    @Override
    public synchronized void guestCanReceive() {
        canReceiveCalls++;
    }

    public synchronized int canReceiveCalls() {
        return canReceiveCalls;
    }

    @Override
    public void close() {
        closed = true;
    }

    public boolean closed() {
        return closed;
    }

    public List<byte[]> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    static byte[] answer(byte[] f) {
        if (f.length >= 42 && u16(f, 12) == 0x0806 && u16(f, 20) == 1
                && Arrays.equals(f, 38, 42, HOST_IP, 0, 4)) {
            byte[] r = new byte[42];
            System.arraycopy(f, 6, r, 0, 6);            // to the asker
            System.arraycopy(HOST_MAC, 0, r, 6, 6);
            System.arraycopy(f, 12, r, 12, 8);          // ethertype, htype, ptype, hlen, plen, (opcode next)
            r[21] = 2;                                  // reply
            System.arraycopy(HOST_MAC, 0, r, 22, 6);    // sender: us
            System.arraycopy(HOST_IP, 0, r, 28, 4);
            System.arraycopy(f, 22, r, 32, 10);         // target: the asker's MAC and IP
            return r;
        }
        int ihl = f.length > 14 ? (f[14] & 0x0F) * 4 : 0;
        if (f.length >= 14 + ihl + 8 && u16(f, 12) == 0x0800 && f[23] == 1 && Arrays.equals(f, 30, 34, HOST_IP, 0, 4)
                && f[14 + ihl] == 8) {
            byte[] r = f.clone();
            System.arraycopy(f, 6, r, 0, 6);
            System.arraycopy(HOST_MAC, 0, r, 6, 6);
            System.arraycopy(f, 30, r, 26, 4);          // swap addresses: the IP checksum stays right
            System.arraycopy(f, 26, r, 30, 4);
            int icmp = 14 + ihl;
            r[icmp] = 0;                                // echo reply: checksum grows by 0x0800 (one's complement)
            int sum = u16(r, icmp + 2) + 0x0800;
            sum = (sum & 0xFFFF) + (sum >>> 16);
            r[icmp + 2] = (byte) (sum >> 8);
            r[icmp + 3] = (byte) sum;
            return r;
        }
        return null;
    }
}
