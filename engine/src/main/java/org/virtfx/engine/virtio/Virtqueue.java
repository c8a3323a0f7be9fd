package org.virtfx.engine.virtio;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * A split virtqueue (VIRTIO 1.x section 2.7): the descriptor table, the driver's available ring and the device's used
 * ring in guest memory, read and written by DMA. Everything the guest wrote there is checked as it is read: the ring
 * addresses when the queue is enabled, each head index, descriptor index, length and indirect table as a chain is
 * walked. A violation is a {@link BadRingException}; the transport then marks the device DEVICE_NEEDS_RESET.
 *
 * <p>Used only under the machine's device lock.
 */
public final class Virtqueue implements Snapshottable {
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    public static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Split rings hold at most 32768 entries (2.7). */
    public static final int MAX_SIZE = 32768;
    /** Largest indirect table accepted: Linux uses a few dozen entries; a huge one is a guest bug. */
    static final int MAX_INDIRECT = 4096;
    /** Largest number of bytes one chain may describe (a 64 KiB frame or a few MiB of block I/O fit easily). */
    static final long MAX_CHAIN_BYTES = 1L << 26;

    /** A guest programming error that leaves the queue unusable until the device is reset. */
    public static final class BadRingException extends Exception {
        public BadRingException(String message) {
            super(message);
        }
    }

    /** One guest buffer of a chain. */
    public record Segment(long address, int length) {
    }

    /** A descriptor chain the device took from the available ring: device-readable buffers first, then writable. */
    public final class Chain {
        private final int head;
        private final List<Segment> readable;
        private final List<Segment> writable;
        private final long readableBytes;
        private final long writableBytes;

        private Chain(int head, List<Segment> readable, List<Segment> writable, long readableBytes, long writableBytes) {
            this.head = head;
            this.readable = readable;
            this.writable = writable;
            this.readableBytes = readableBytes;
            this.writableBytes = writableBytes;
        }

        public int head() {
            return head;
        }

        public List<Segment> readable() {
            return readable;
        }

        public List<Segment> writable() {
            return writable;
        }

        public long readableBytes() {
            return readableBytes;
        }

        public long writableBytes() {
            return writableBytes;
        }

        /** Gathers all device-readable bytes (at most {@link #MAX_CHAIN_BYTES}, checked when walked). */
        public byte[] readAll() {
            byte[] out = new byte[(int) readableBytes];
            int off = 0;
            for (Segment s : readable) {
                memory.read(s.address, out, off, s.length);
                off += s.length;
            }
            return out;
        }

        /** Scatters {@code len} bytes into the writable buffers; returns how many fitted. */
        public int write(byte[] src, int off, int len) {
            int done = 0;
            for (Segment s : writable) {
                if (done == len) {
                    break;
                }
                int n = Math.min(s.length, len - done);
                memory.write(s.address, src, off + done, n);
                done += n;
            }
            return done;
        }
    }

    private final int index;
    private final int maxSize;
    private final PhysicalMemory memory;
    private int size;
    private boolean enabled;
    private long descAddr;
    private long availAddr;
    private long usedAddr;
    private int lastAvail;
    private int usedIdx;
    private int signalledUsed;
    private boolean eventIdx;
    private boolean indirect;

    public Virtqueue(int index, int maxSize, PhysicalMemory memory) {
        if (maxSize < 1 || maxSize > MAX_SIZE || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("queue size must be a power of two up to 32768: " + maxSize);
        }
        this.index = index;
        this.maxSize = maxSize;
        this.memory = memory;
        reset();
    }

    /** Back to the state after device reset: disabled, maximum size, no addresses. */
    public void reset() {
        size = maxSize;
        enabled = false;
        descAddr = availAddr = usedAddr = 0;
        lastAvail = usedIdx = signalledUsed = 0;
        eventIdx = indirect = false;
    }

    public int index() {
        return index;
    }

    public int maxSize() {
        return maxSize;
    }

    public int size() {
        return size;
    }

    public boolean enabled() {
        return enabled;
    }

    public long descAddr() {
        return descAddr;
    }

    public long availAddr() {
        return availAddr;
    }

    public long usedAddr() {
        return usedAddr;
    }

    /** Driver writes of the queue registers; ignored once the queue is enabled (the driver must not change them). */
    public void setSize(int v) {
        if (!enabled) {
            size = v;
        }
    }

    public void setDescAddr(long v) {
        if (!enabled) {
            descAddr = v;
        }
    }

    public void setAvailAddr(long v) {
        if (!enabled) {
            availAddr = v;
        }
    }

    public void setUsedAddr(long v) {
        if (!enabled) {
            usedAddr = v;
        }
    }

    /**
     * The driver enabled the queue: checks its size and ring placement and starts using it with the negotiated ring
     * features.
     */
    public void enable(boolean withEventIdx, boolean withIndirect) throws BadRingException {
        if (size < 1 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new BadRingException("queue " + index + ": size " + size + " is not a power of two up to " + maxSize);
        }
        if ((descAddr & 15) != 0 || (availAddr & 1) != 0 || (usedAddr & 3) != 0) {
            throw new BadRingException(String.format("queue %d: misaligned rings (descriptors 0x%x, available 0x%x, "
                    + "used 0x%x)", index, descAddr, availAddr, usedAddr));
        }
        requireRam(descAddr, 16L * size, "descriptor table");
        requireRam(availAddr, 6L + 2L * size, "available ring");
        requireRam(usedAddr, 6L + 8L * size, "used ring");
        eventIdx = withEventIdx;
        indirect = withIndirect;
        lastAvail = usedIdx = signalledUsed = 0;
        enabled = true;
    }

    private void requireRam(long addr, long length, String what) throws BadRingException {
        if (addr < 0 || addr + length < addr || memory.ramOffset(addr) < 0 || memory.ramOffset(addr + length - 1) < 0) {
            throw new BadRingException(String.format("queue %d: %s at 0x%x+%d is not in RAM", index, what, addr, length));
        }
    }

    private int availIdx() {
        return (int) memory.read(availAddr + 2, 2);
    }

    /** Whether the driver has made a chain available that the device has not taken yet. */
    public boolean hasAvailable() throws BadRingException {
        if (!enabled) {
            return false;
        }
        VarHandle.fullFence();   // our avail_event / used idx stores before the driver's avail idx is read
        int pending = (availIdx() - lastAvail) & 0xFFFF;
        if (pending > size) {
            throw new BadRingException("queue " + index + ": available index moved " + pending
                    + " entries ahead of the device in a ring of " + size);
        }
        return pending != 0;
    }

    /** Takes the next available chain, or returns null when there is none. */
    public Chain pop() throws BadRingException {
        if (!hasAvailable()) {
            return null;
        }
        VarHandle.acquireFence();   // the ring entry and descriptors after the index that published them
        int head = (int) memory.read(availAddr + 4 + 2L * (lastAvail % size), 2);
        lastAvail = (lastAvail + 1) & 0xFFFF;
        if (eventIdx) {
            // avail_event: the driver kicks again when it makes the entry after this one available
            memory.write(usedAddr + 4 + 8L * size, 2, lastAvail);
        }
        return walk(head);
    }

    private Chain walk(int head) throws BadRingException {
        if (head >= size) {
            throw new BadRingException("queue " + index + ": head index " + head + " is outside the ring of " + size);
        }
        List<Segment> readable = new ArrayList<>(4);
        List<Segment> writable = new ArrayList<>(4);
        long readableBytes = 0;
        long writableBytes = 0;
        long table = descAddr;
        int tableSize = size;
        boolean inIndirect = false;
        int i = head;
        int count = 0;
        while (true) {
            long d = table + 16L * i;
            long addr = memory.read(d, 8);
            long len = memory.read(d + 8, 4) & 0xFFFF_FFFFL;
            int flags = (int) memory.read(d + 12, 2);
            int next = (int) memory.read(d + 14, 2);
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect) {
                    throw new BadRingException("queue " + index + ": indirect descriptor without VIRTIO_F_INDIRECT_DESC");
                }
                if (inIndirect || count > 0 || (flags & DESC_F_NEXT) != 0) {
                    throw new BadRingException("queue " + index + ": an indirect descriptor must be a chain's only one");
                }
                if (len == 0 || len % 16 != 0 || len / 16 > MAX_INDIRECT) {
                    throw new BadRingException("queue " + index + ": indirect table of " + len + " bytes");
                }
                if ((addr & 15) != 0) {
                    throw new BadRingException(String.format("queue %d: misaligned indirect table at 0x%x", index, addr));
                }
                requireRam(addr, len, "indirect table");
                table = addr;
                tableSize = (int) (len / 16);
                inIndirect = true;
                i = 0;
                continue;
            }
            if (++count > tableSize) {
                throw new BadRingException("queue " + index + ": descriptor chain from head " + head + " loops");
            }
            if (len > 0) {
                if (len > MAX_CHAIN_BYTES - readableBytes - writableBytes) {
                    throw new BadRingException("queue " + index + ": chain describes more than " + MAX_CHAIN_BYTES
                            + " bytes");
                }
                requireRam(addr, len, "buffer");
                boolean write = (flags & DESC_F_WRITE) != 0;
                if (write) {
                    writable.add(new Segment(addr, (int) len));
                    writableBytes += len;
                } else {
                    if (!writable.isEmpty()) {
                        throw new BadRingException("queue " + index + ": device-readable buffer after a writable one");
                    }
                    readable.add(new Segment(addr, (int) len));
                    readableBytes += len;
                }
            }
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= tableSize) {
                throw new BadRingException("queue " + index + ": next index " + next + " is outside a table of "
                        + tableSize);
            }
            i = next;
        }
        return new Chain(head, readable, writable, readableBytes, writableBytes);
    }

    /** Returns a chain to the driver through the used ring, {@code written} bytes written into its buffers. */
    public void push(Chain chain, int written) {
        long entry = usedAddr + 4 + 8L * (usedIdx % size);
        memory.write(entry, 4, chain.head);
        memory.write(entry + 4, 4, written);
        VarHandle.releaseFence();   // the entry before the index that publishes it
        usedIdx = (usedIdx + 1) & 0xFFFF;
        memory.write(usedAddr + 2, 2, usedIdx);
    }

    /**
     * Whether the driver wants an interrupt for the chains used since the last call: its used_event index (with
     * VIRTIO_F_EVENT_IDX) or the available ring's NO_INTERRUPT flag decides.
     */
    public boolean needsInterrupt() {
        int old = signalledUsed;
        int now = usedIdx;
        signalledUsed = now;
        if (old == now || !enabled) {
            return false;
        }
        VarHandle.fullFence();   // our used idx store before the driver's suppression word is read
        if (eventIdx) {
            int usedEvent = (int) memory.read(availAddr + 4 + 2L * size, 2);
            return ((now - usedEvent - 1) & 0xFFFF) < ((now - old) & 0xFFFF);
        }
        return (memory.read(availAddr, 2) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "virtqueue" + index;
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(maxSize).writeInt(size).writeBoolean(enabled).writeLong(descAddr).writeLong(availAddr)
                .writeLong(usedAddr).writeInt(lastAvail).writeInt(usedIdx).writeInt(signalledUsed)
                .writeBoolean(eventIdx).writeBoolean(indirect);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        int savedMax = in.readInt();
        if (savedMax != maxSize) {
            throw new SnapshotFormatException("virtqueue " + index + " had " + savedMax + " entries at most, this one "
                    + maxSize);
        }
        int s = in.readInt();
        boolean en = in.readBoolean();
        long desc = in.readLong();
        long avail = in.readLong();
        long used = in.readLong();
        int last = in.readInt();
        int usedI = in.readInt();
        int signalled = in.readInt();
        boolean ev = in.readBoolean();
        boolean ind = in.readBoolean();
        boolean usableSize = s >= 1 && s <= maxSize && Integer.bitCount(s) == 1;
        if (s < 0 || s > 0xFFFF || (en && !usableSize) || (last | usedI | signalled) >>> 16 != 0) {
            throw new SnapshotFormatException("virtqueue " + index + ": saved size or index out of range");
        }
        size = s;
        enabled = en;
        descAddr = desc;
        availAddr = avail;
        usedAddr = used;
        lastAvail = last;
        usedIdx = usedI;
        signalledUsed = signalled;
        eventIdx = ev;
        indirect = ind;
    }
}
