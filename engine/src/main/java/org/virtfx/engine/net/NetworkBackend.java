package org.virtfx.engine.net;

import java.io.IOException;

/**
 * The host's end of a network card: where the frames a guest transmits go and where the frames it receives come from
 * (user-mode NAT through the host's sockets; a tap device or a socket later). One backend per card.
 */
public interface NetworkBackend extends AutoCloseable {
    /** Connects the backend to the card's receive path and starts it (threads, listening sockets). */
    void start(GuestPort guest) throws IOException;

    /**
     * A frame the guest transmitted (destination MAC first, no FCS). Called on a vCPU thread holding the device lock:
     * it copies the frame and returns without blocking.
     */
    void transmit(byte[] frame, int offset, int length);

    /** The guest posted receive buffers: frames held back for lack of room may be delivered now. Never blocks. */
    void guestCanReceive();

    /** Stops threads and closes every host socket. Idempotent. */
    @Override
    void close();
}
