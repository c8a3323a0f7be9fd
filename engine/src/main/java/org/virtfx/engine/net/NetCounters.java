package org.virtfx.engine.net;

import java.util.concurrent.atomic.LongAdder;

/**
 * Per-card traffic counters (what the GUI's network graphs and columns poll through {@code Board.lookup}). Updated
 * from vCPU and backend threads without locks. "rx" is what the guest received, "tx" what it sent.
 */
public final class NetCounters {
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder rxFrames = new LongAdder();
    private final LongAdder txFrames = new LongAdder();
    private final LongAdder rxDropped = new LongAdder();

    public void countReceived(int bytes) {
        rxFrames.increment();
        rxBytes.add(bytes);
    }

    public void countTransmitted(int bytes) {
        txFrames.increment();
        txBytes.add(bytes);
    }

    /** A frame for the guest that found no receive buffer. */
    public void countDropped() {
        rxDropped.increment();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    public long rxFrames() {
        return rxFrames.sum();
    }

    public long txFrames() {
        return txFrames.sum();
    }

    public long rxDropped() {
        return rxDropped.sum();
    }
}
