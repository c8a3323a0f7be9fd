package org.virtfx.engine.net;

/**
 * The guest's end of a network link: a network card's receive path, as a {@link NetworkBackend} sees it. Called from
 * the backend's own thread; implementations take the machine's device lock themselves.
 */
public interface GuestPort {
    /** Whether the guest has posted room for at least one more frame right now. */
    boolean canReceive();

    /**
     * Hands one Ethernet frame (destination MAC first, no FCS) to the guest. Returns false when the guest had no room
     * and the frame was dropped, as a real card drops it; the backend keeps what it must retransmit itself and waits
     * for {@link NetworkBackend#guestCanReceive()}.
     */
    boolean receive(byte[] frame, int offset, int length);
}
