package org.virtfx.engine.virtio;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The virtio network card (VIRTIO 1.x section 5.1): receive queue 0, transmit queue 1, its MAC address and link
 * status in the configuration space. Every frame carries the 12-byte {@code virtio_net_hdr} of version 1; no
 * checksum or segmentation offload is offered, so the header of a transmitted frame says nothing the device must act
 * on, and a received frame's header is all zeros with {@code num_buffers} 1. Frames the guest sends go to the
 * {@link NetworkBackend} on the vCPU's thread; frames for the guest come from the backend's thread through
 * {@link GuestPort}, under the machine's device lock.
 */
public final class VirtioNet extends VirtioDevice implements GuestPort {
    public static final int DEVICE_ID = 1;
    public static final int RX = 0;
    public static final int TX = 1;
    public static final int QUEUE_SIZE = 256;
    public static final long F_MAC = 1L << 5;
    public static final long F_STATUS = 1L << 16;
    public static final int STATUS_LINK_UP = 1;
    /** struct virtio_net_hdr with num_buffers, always present in version 1. */
    public static final int HEADER_LEN = 12;
    static final int ETHERNET_HEADER = 14;
    /** Largest frame: the largest MTU Linux allows without VIRTIO_NET_F_MTU (65535) plus the Ethernet header. */
    static final int MAX_FRAME = 65535 + ETHERNET_HEADER;

    private final MachineContext ctx;
    private final byte[] mac;
    private final NetworkBackend backend;
    private final NetCounters counters;
    private boolean linkUp;

    /**
     * @param backend where transmitted frames go, or null for a card whose cable is unplugged (link down)
     */
    public VirtioNet(MachineContext ctx, byte[] mac, NetworkBackend backend, NetCounters counters) {
        this.ctx = Objects.requireNonNull(ctx);
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        this.mac = mac.clone();
        this.backend = backend;
        this.counters = Objects.requireNonNull(counters);
        this.linkUp = backend != null;
    }

    @Override
    public String name() {
        return "virtio-net";
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public int pciClass() {
        return 0x020000;   // Ethernet controller
    }

    @Override
    public long features() {
        return F_MAC | F_STATUS;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    /** struct virtio_net_config: mac[6], status (le16). */
    @Override
    protected int configByte(int o) {
        return o >= 0 && o < 6 ? mac[o] & 0xFF : o == 6 ? (linkUp ? STATUS_LINK_UP : 0) : 0;
    }

    public boolean linkUp() {
        return linkUp;
    }

    /** Plugs or unplugs the cable (the driver learns it through a configuration-change interrupt). */
    public void setLinkUp(boolean up) {
        ctx.deviceLock().lock();
        try {
            if (up != linkUp) {
                linkUp = up;
                transport().configChanged();
            }
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    protected void queueNotified(int index) throws Virtqueue.BadRingException {
        if (index == TX) {
            transmit();
        } else if (index == RX && backend != null) {
            backend.guestCanReceive();
        }
    }

    @Override
    protected void driverReady() throws Virtqueue.BadRingException {
        transmit();
        if (backend != null) {
            backend.guestCanReceive();
        }
    }

    /** Sends every frame the driver queued, then interrupts it if it asked to hear about them. */
    private void transmit() throws Virtqueue.BadRingException {
        Virtqueue q = transport().queue(TX);
        Virtqueue.Chain chain;
        while ((chain = q.pop()) != null) {
            long n = chain.readableBytes();
            if (n < HEADER_LEN + ETHERNET_HEADER || n > HEADER_LEN + MAX_FRAME) {
                ctx.warnOnce("virtio-net: transmitted buffer of " + n + " bytes is not a header and an Ethernet frame;"
                        + " dropped");
            } else {
                byte[] frame = chain.readAll();
                int len = frame.length - HEADER_LEN;
                if (linkUp) {
                    counters.countTransmitted(len);
                    backend.transmit(frame, HEADER_LEN, len);
                }
            }
            q.push(chain, 0);
        }
        transport().usedBuffers(q);
    }

    @Override
    public boolean canReceive() {
        ReentrantLock lock = ctx.deviceLock();
        lock.lock();
        try {
            return transport().running() && transport().queue(RX).hasAvailable();
        } catch (Virtqueue.BadRingException e) {
            transport().fail(e.getMessage());
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean receive(byte[] frame, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, frame.length);
        ReentrantLock lock = ctx.deviceLock();
        lock.lock();
        try {
            Virtqueue q = transport().queue(RX);
            Virtqueue.Chain chain = transport().running() && linkUp ? q.pop() : null;
            if (chain == null) {
                counters.countDropped();
                return false;
            }
            if (chain.writableBytes() < HEADER_LEN + length) {
                ctx.warnOnce("virtio-net: receive buffer of " + chain.writableBytes() + " bytes is too small for a "
                        + length + "-byte frame; dropped");
                q.push(chain, 0);
                transport().usedBuffers(q);
                counters.countDropped();
                return false;
            }
            byte[] data = new byte[HEADER_LEN + length];
            data[10] = 1;   // num_buffers (le16): the frame is in this one chain
            System.arraycopy(frame, offset, data, HEADER_LEN, length);
            chain.write(data, 0, data.length);
            q.push(chain, data.length);
            counters.countReceived(length);
            transport().usedBuffers(q);
            return true;
        } catch (Virtqueue.BadRingException e) {
            transport().fail(e.getMessage());
            counters.countDropped();
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reset() {
        // The MAC and the cable are not the driver's to reset.
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "virtio-net";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeBoolean(linkUp);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        // Without a backend the cable stays unplugged whatever the saved machine had.
        linkUp = in.readBoolean() && backend != null;
    }
}
