package org.virtfx.engine.storage;

import java.util.concurrent.atomic.LongAdder;

/** Per-device I/O counters (what the GUI's disk graphs poll). Updated from I/O threads without locks. */
public final class IoCounters {
    private final LongAdder readBytes = new LongAdder();
    private final LongAdder writeBytes = new LongAdder();
    private final LongAdder readOps = new LongAdder();
    private final LongAdder writeOps = new LongAdder();
    private final LongAdder flushes = new LongAdder();

    public void countRead(long bytes) {
        readOps.increment();
        readBytes.add(bytes);
    }

    public void countWrite(long bytes) {
        writeOps.increment();
        writeBytes.add(bytes);
    }

    public void countFlush() {
        flushes.increment();
    }

    public long readBytes() {
        return readBytes.sum();
    }

    public long writeBytes() {
        return writeBytes.sum();
    }

    public long readOps() {
        return readOps.sum();
    }

    public long writeOps() {
        return writeOps.sum();
    }

    public long flushes() {
        return flushes.sum();
    }
}
