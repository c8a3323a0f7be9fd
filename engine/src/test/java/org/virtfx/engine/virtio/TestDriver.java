package org.virtfx.engine.virtio;

import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.pci.PciBus;

/**
 * A virtio 1.x driver for device tests, doing what Linux's virtio_pci_modern does: finds the regions through the
 * vendor capabilities, negotiates features, lays out split rings in guest RAM and kicks queues through BAR 4.
 */
final class TestDriver implements AutoCloseable {
    static final long BAR_ADDR = 0xE000_0000L;
    static final long RAM = 4 << 20;

    final TestContext ctx = new TestContext();
    final GuestMemory ram = GuestMemory.allocate(RAM);
    final MmioBus mmio = new MmioBus(ctx.lock);
    final PhysicalMemory mem = new PhysicalMemory(ram, mmio);
    final PciBus bus = new PciBus(new IoBus(ctx.lock), mmio);
    final VirtioPci pci;
    volatile boolean irq;
    int common = -1;
    int isr = -1;
    int deviceCfg = -1;
    int notify = -1;
    int notifyMultiplier;
    int pciCfgCap = -1;
    final Ring[] rings = new Ring[8];

    /** The driver's view of one split ring. */
    static final class Ring {
        int size;
        long desc;
        long avail;
        long used;
        int nextDesc;
        int availIdx;
        int lastUsed;
    }

    /** @param device builds the device with this driver's machine context */
    TestDriver(java.util.function.Function<TestContext, VirtioDevice> device) {
        mem.mapRam(0, RAM, 0);
        bus.setIrqRouter((slot, pin, level) -> irq = level);
        pci = new VirtioPci(ctx, mem, device.apply(ctx));
        bus.attach(3, 0, pci);
        pci.configWrite(0x20, 4, (int) BAR_ADDR);
        pci.configWrite(0x24, 4, 0);
        pci.configWrite(0x04, 2, 0x6);   // memory decode, bus master
        for (int cap = pci.configRead(0x34, 1); cap != 0; cap = pci.configRead(cap + 1, 1)) {
            if (pci.configRead(cap, 1) != 0x09) {
                continue;
            }
            int type = pci.configRead(cap + 3, 1);
            int offset = pci.configRead(cap + 8, 4);
            switch (type) {
                case 1 -> common = offset;
                case 2 -> {
                    notify = offset;
                    notifyMultiplier = pci.configRead(cap + 16, 4);
                }
                case 3 -> isr = offset;
                case 4 -> deviceCfg = offset;
                case 5 -> pciCfgCap = cap;
                default -> {
                }
            }
        }
    }

    long read(int off, int size) {
        return mem.read(BAR_ADDR + off, size);
    }

    void write(int off, int size, long v) {
        mem.write(BAR_ADDR + off, size, v);
    }

    long deviceFeatures() {
        write(common, 4, 0);
        long lo = read(common + 4, 4);
        write(common, 4, 1);
        return lo | read(common + 4, 4) << 32;
    }

    int status() {
        return (int) read(common + 0x14, 1);
    }

    /** ACKNOWLEDGE, DRIVER, the features, FEATURES_OK; returns whether the device kept FEATURES_OK. */
    boolean negotiate(long features) {
        write(common + 0x14, 1, 0);
        write(common + 0x14, 1, 1);
        write(common + 0x14, 1, 3);
        write(common + 0x08, 4, 0);
        write(common + 0x0C, 4, features & 0xFFFF_FFFFL);
        write(common + 0x08, 4, 1);
        write(common + 0x0C, 4, features >>> 32);
        write(common + 0x14, 1, 0x0B);
        return (status() & 8) != 0;
    }

    /** Places queue {@code q}'s rings at {@code base} (descriptors, then available, then used at +size*16+4K). */
    Ring setupQueue(int q, int size, long base) {
        write(common + 0x16, 2, q);
        write(common + 0x18, 2, size);
        Ring r = new Ring();
        r.size = size;
        r.desc = base;
        r.avail = base + 16L * size;
        r.used = (r.avail + 6 + 2L * size + 4095) & ~4095L;
        write(common + 0x20, 4, r.desc);
        write(common + 0x24, 4, 0);
        write(common + 0x28, 8, r.avail);
        write(common + 0x30, 4, r.used);
        write(common + 0x34, 4, 0);
        write(common + 0x1C, 2, 1);
        rings[q] = r;
        return r;
    }

    void driverOk() {
        write(common + 0x14, 1, 0x0F);
    }

    /** Writes descriptor {@code i} of a table at {@code table}. */
    void descriptor(long table, int i, long addr, int len, int flags, int next) {
        long d = table + 16L * i;
        mem.write(d, 8, addr);
        mem.write(d + 8, 4, len);
        mem.write(d + 12, 2, flags);
        mem.write(d + 14, 2, next);
    }

    /** Adds a chain of {addr, len, flags} buffers to queue {@code q}'s ring; returns its head. */
    int addChain(int q, long[]... buffers) {
        Ring r = rings[q];
        int head = r.nextDesc;
        for (int i = 0; i < buffers.length; i++) {
            int idx = (head + i) % r.size;
            boolean last = i == buffers.length - 1;
            descriptor(r.desc, idx, buffers[i][0], (int) buffers[i][1],
                    (int) buffers[i][2] | (last ? 0 : Virtqueue.DESC_F_NEXT), (idx + 1) % r.size);
        }
        r.nextDesc = (head + buffers.length) % r.size;
        publish(q, head);
        return head;
    }

    /** Makes descriptor {@code head} available. */
    void publish(int q, int head) {
        Ring r = rings[q];
        mem.write(r.avail + 4 + 2L * (r.availIdx % r.size), 2, head);
        r.availIdx = (r.availIdx + 1) & 0xFFFF;
        mem.write(r.avail + 2, 2, r.availIdx);
    }

    void kick(int q) {
        write(notify + q * notifyMultiplier, 2, q);
    }

    int usedIdx(int q) {
        return (int) mem.read(rings[q].used + 2, 2);
    }

    /** {id, len} of used entry {@code i}. */
    long[] usedEntry(int q, int i) {
        Ring r = rings[q];
        long e = r.used + 4 + 8L * (i % r.size);
        return new long[] {mem.read(e, 4), mem.read(e + 4, 4)};
    }

    int readIsr() {
        return (int) read(isr, 1);
    }

    byte[] bytes(long addr, int len) {
        byte[] b = new byte[len];
        mem.read(addr, b, 0, len);
        return b;
    }

    @Override
    public void close() {
        ctx.close();
        ram.close();
    }
}
