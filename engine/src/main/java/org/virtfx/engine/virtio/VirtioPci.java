package org.virtfx.engine.virtio;

import java.io.IOException;
import java.util.Objects;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.pci.PciDevice;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The virtio 1.x ("modern", non-transitional) PCI transport (VIRTIO 1.x section 4.1), as Linux's virtio_pci_modern
 * driver finds it: vendor 1AF4, device 0x1040 + device ID, revision 1, and vendor-specific capabilities pointing at
 * four 4 KiB windows of one 64-bit memory BAR (BAR 4, QEMU's layout): common configuration, ISR status, device
 * configuration and queue notification. A fifth capability (VIRTIO_PCI_CAP_PCI_CFG) gives access to the BAR through
 * configuration space. The platform has no MSI, so interrupts are INTx, acknowledged by reading the ISR register.
 */
public final class VirtioPci extends PciDevice {
    public static final int VENDOR = 0x1AF4;
    public static final int DEVICE_BASE = 0x1040;
    /** QEMU's subsystem ids for its virtio functions. */
    public static final int SUBSYSTEM_VENDOR = 0x1AF4;
    public static final int SUBSYSTEM_DEVICE = 0x1100;
    public static final int BAR = 4;
    public static final long BAR_SIZE = 0x4000;
    public static final int COMMON = 0x0000;
    public static final int ISR = 0x1000;
    public static final int DEVICE_CONFIG = 0x2000;
    public static final int NOTIFY = 0x3000;
    public static final int WINDOW = 0x1000;
    /** Queue n is kicked by a write at NOTIFY + n * this. */
    public static final int NOTIFY_MULTIPLIER = 4;

    // virtio_pci_cap cfg_type values
    static final int CAP_COMMON = 1;
    static final int CAP_NOTIFY = 2;
    static final int CAP_ISR = 3;
    static final int CAP_DEVICE = 4;
    static final int CAP_PCI_CFG = 5;
    static final int PCI_CAP_VENDOR = 0x09;

    // device status bits (2.1)
    public static final int ACKNOWLEDGE = 1;
    public static final int DRIVER = 2;
    public static final int DRIVER_OK = 4;
    public static final int FEATURES_OK = 8;
    public static final int DEVICE_NEEDS_RESET = 64;
    public static final int FAILED = 128;

    // transport and ring feature bits (6)
    public static final long F_INDIRECT_DESC = 1L << 28;
    public static final long F_EVENT_IDX = 1L << 29;
    public static final long F_VERSION_1 = 1L << 32;

    static final int ISR_QUEUE = 1;
    static final int ISR_CONFIG = 2;
    static final int NO_VECTOR = 0xFFFF;

    private final MachineContext ctx;
    private final VirtioDevice device;
    private final Virtqueue[] queues;
    private final long offered;
    private final DeviceTransport transport = new DeviceTransport();
    private final int pciCfgCap;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private long driverFeatures;
    private int status;
    private int configGeneration;
    private int queueSelect;
    private int isr;

    public VirtioPci(MachineContext ctx, PhysicalMemory memory, VirtioDevice device) {
        super(device.name(), VENDOR, DEVICE_BASE + device.deviceId(), device.pciClass(), 1);
        this.ctx = Objects.requireNonNull(ctx);
        this.device = device;
        queues = new Virtqueue[device.queueCount()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new Virtqueue(i, device.queueMaxSize(i), memory);
        }
        offered = device.features() | F_VERSION_1 | F_INDIRECT_DESC | F_EVENT_IDX;
        setSubsystem(SUBSYSTEM_VENDOR, SUBSYSTEM_DEVICE);
        setInterruptPin(1);
        declareMemoryBar(BAR, BAR_SIZE, true, true, new Registers());
        addCapability(PCI_CAP_VENDOR, capability(CAP_COMMON, COMMON, WINDOW, 16));
        byte[] notify = capability(CAP_NOTIFY, NOTIFY, WINDOW, 20);
        putLe32(notify, 14, NOTIFY_MULTIPLIER);
        addCapability(PCI_CAP_VENDOR, notify);
        addCapability(PCI_CAP_VENDOR, capability(CAP_ISR, ISR, WINDOW, 16));
        addCapability(PCI_CAP_VENDOR, capability(CAP_DEVICE, DEVICE_CONFIG, WINDOW, 16));
        pciCfgCap = addCapability(PCI_CAP_VENDOR, capability(CAP_PCI_CFG, 0, 0, 20));
        // The access window's bar, offset, length and data are the driver's to write (4.1.4.9).
        setWritable(pciCfgCap + 4, 1, 0xFF);
        setWritable(pciCfgCap + 8, 12, 0xFF);
        device.attach(transport);
    }

    /** Body of a virtio_pci_cap after its id and next bytes: cap_len, cfg_type, bar, id, padding, offset, length. */
    private static byte[] capability(int type, int offset, int length, int capLen) {
        byte[] b = new byte[capLen - 2];
        b[0] = (byte) capLen;
        b[1] = (byte) type;
        b[2] = (byte) (type == CAP_PCI_CFG ? 0 : BAR);
        putLe32(b, 6, offset);
        putLe32(b, 10, length);
        return b;
    }

    private static void putLe32(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    public VirtioDevice device() {
        return device;
    }

    /** The device status register (2.1). */
    public int status() {
        return status;
    }

    public long driverFeatures() {
        return driverFeatures;
    }

    public Virtqueue queue(int index) {
        return queues[index];
    }

    private boolean running() {
        return (status & (DRIVER_OK | DEVICE_NEEDS_RESET | FAILED)) == DRIVER_OK;
    }

    private final class DeviceTransport implements VirtioDevice.Transport {
        @Override
        public Virtqueue queue(int index) {
            return queues[index];
        }

        @Override
        public boolean running() {
            return VirtioPci.this.running() && busMasterEnabled();
        }

        @Override
        public void usedBuffers(Virtqueue queue) {
            if (queue.needsInterrupt()) {
                interrupt(ISR_QUEUE);
            }
        }

        @Override
        public void configChanged() {
            configGeneration = (configGeneration + 1) & 0xFF;
            if ((status & DRIVER_OK) != 0) {
                interrupt(ISR_CONFIG);
            }
        }

        @Override
        public void fail(String reason) {
            ctx.warnOnce(device.name() + ": " + reason + "; the device needs a reset");
            if ((status & DEVICE_NEEDS_RESET) == 0) {
                status |= DEVICE_NEEDS_RESET;
                if ((status & DRIVER_OK) != 0) {
                    interrupt(ISR_CONFIG);
                }
            }
        }
    }

    private void interrupt(int cause) {
        isr |= cause;
        setIrq(true);
    }

    // ------------------------------------------------------------------ BAR 4

    private final class Registers implements MmioDevice {
        @Override
        public long mmioRead(long offset, int size) {
            int off = (int) offset;
            if (off < ISR) {
                return readCommon(off, size);
            }
            if (off < DEVICE_CONFIG) {
                if (off != ISR) {
                    return 0;
                }
                int v = isr;   // reading acknowledges (4.1.4.5)
                isr = 0;
                setIrq(false);
                return v;
            }
            if (off < NOTIFY) {
                return device.readConfig(off - DEVICE_CONFIG, size);
            }
            return 0;
        }

        @Override
        public void mmioWrite(long offset, int size, long value) {
            int off = (int) offset;
            if (off < ISR) {
                writeCommon(off, size, value);
            } else if (off >= DEVICE_CONFIG && off < NOTIFY) {
                device.writeConfig(off - DEVICE_CONFIG, size, value);
            } else if (off >= NOTIFY) {
                int rel = off - NOTIFY;
                if (rel % NOTIFY_MULTIPLIER == 0) {
                    notifyQueue(rel / NOTIFY_MULTIPLIER);
                }
            }
        }
    }

    private Virtqueue selected() {
        return queueSelect < queues.length ? queues[queueSelect] : null;
    }

    /** The common configuration structure (4.1.4.3) as bytes, little-endian, read at any size. */
    private long readCommon(int off, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | commonByte(off + i);
        }
        return v;
    }

    private int commonByte(int off) {
        Virtqueue q = selected();
        int field = off & ~3;
        long word = switch (field) {
            case 0x00 -> deviceFeatureSelect;
            case 0x04 -> deviceFeatureSelect < 2 ? offered >>> (32 * deviceFeatureSelect) : 0;
            case 0x08 -> driverFeatureSelect;
            case 0x0C -> driverFeatureSelect < 2 ? driverFeatures >>> (32 * driverFeatureSelect) : 0;
            case 0x10 -> NO_VECTOR | (long) queues.length << 16;                     // config_msix_vector, num_queues
            case 0x14 -> status | configGeneration << 8 | (long) queueSelect << 16;  // status, generation, queue_select
            case 0x18 -> (q == null ? 0 : q.size()) | (long) NO_VECTOR << 16;        // queue_size, queue_msix_vector
            case 0x1C -> (q != null && q.enabled() ? 1 : 0) | (long) queueSelect << 16; // queue_enable, notify_off
            case 0x20, 0x24 -> q == null ? 0 : q.descAddr() >>> (field == 0x24 ? 32 : 0);
            case 0x28, 0x2C -> q == null ? 0 : q.availAddr() >>> (field == 0x2C ? 32 : 0);
            case 0x30, 0x34 -> q == null ? 0 : q.usedAddr() >>> (field == 0x34 ? 32 : 0);
            default -> 0;
        };
        return (int) (word >>> (8 * (off & 3))) & 0xFF;
    }

    private void writeCommon(int off, int size, long value) {
        if (size == 8 && off >= 0x20 && off <= 0x30 && (off & 7) == 0) {
            writeCommon(off, 4, value & 0xFFFF_FFFFL);
            writeCommon(off + 4, 4, value >>> 32);
            return;
        }
        Virtqueue q = selected();
        int v = (int) value;
        switch (off) {
            case 0x00 -> deviceFeatureSelect = v;
            case 0x08 -> driverFeatureSelect = v;
            case 0x0C -> {
                if ((status & FEATURES_OK) == 0 && (driverFeatureSelect == 0 || driverFeatureSelect == 1)) {
                    int shift = 32 * driverFeatureSelect;
                    driverFeatures = (driverFeatures & ~(0xFFFF_FFFFL << shift)) | ((value & 0xFFFF_FFFFL) << shift);
                }
            }
            case 0x14 -> writeStatus(v & 0xFF);
            case 0x16 -> queueSelect = v & 0xFFFF;
            case 0x18 -> {
                if (q != null) {
                    q.setSize(v & 0xFFFF);
                }
            }
            case 0x1C -> {
                if (q != null && (v & 0xFFFF) == 1 && !q.enabled()) {
                    enableQueue(q);
                }
            }
            case 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34 -> {
                if (q != null && size == 4) {
                    writeQueueAddress(q, off, value & 0xFFFF_FFFFL);
                }
            }
            default -> {
                // read-only fields (device_feature, num_queues, config_generation, queue_notify_off) and
                // MSI-X vectors, which stay NO_VECTOR: the platform has no MSI
            }
        }
    }

    private static void writeQueueAddress(Virtqueue q, int off, long half) {
        boolean high = (off & 4) != 0;
        long old = switch (off & ~7) {
            case 0x20 -> q.descAddr();
            case 0x28 -> q.availAddr();
            default -> q.usedAddr();
        };
        long v = high ? (old & 0xFFFF_FFFFL) | half << 32 : (old & ~0xFFFF_FFFFL) | half;
        switch (off & ~7) {
            case 0x20 -> q.setDescAddr(v);
            case 0x28 -> q.setAvailAddr(v);
            default -> q.setUsedAddr(v);
        }
    }

    private void writeStatus(int v) {
        if (v == 0) {
            virtioReset();
            return;
        }
        int old = status;
        if ((v & FEATURES_OK) != 0 && (old & FEATURES_OK) == 0) {
            if ((driverFeatures & ~offered) != 0) {
                ctx.warnOnce(String.format("%s: driver accepted features 0x%x that were not offered (0x%x)",
                        device.name(), driverFeatures, offered));
                v &= ~FEATURES_OK;   // the driver reads FEATURES_OK back and gives up (3.1.1)
            } else if ((driverFeatures & F_VERSION_1) == 0) {
                ctx.warnOnce(device.name() + ": driver did not accept VIRTIO_F_VERSION_1 (legacy drivers are not "
                        + "supported by this non-transitional device)");
                v &= ~FEATURES_OK;
            } else {
                device.featuresAccepted(driverFeatures);
            }
        }
        // The device's own bits stay: the driver cannot clear NEEDS_RESET, and FEATURES_OK once refused stays off.
        status = (v & ~DEVICE_NEEDS_RESET) | (old & DEVICE_NEEDS_RESET);
        if ((status & DRIVER_OK) != 0 && (old & DRIVER_OK) == 0 && running() && busMasterEnabled()) {
            try {
                device.driverReady();
            } catch (Virtqueue.BadRingException e) {
                transport.fail(e.getMessage());
            }
        }
    }

    private void enableQueue(Virtqueue q) {
        try {
            q.enable((driverFeatures & F_EVENT_IDX) != 0, (driverFeatures & F_INDIRECT_DESC) != 0);
        } catch (Virtqueue.BadRingException e) {
            transport.fail(e.getMessage());
        }
    }

    private void notifyQueue(int index) {
        if (index >= queues.length || !queues[index].enabled() || !running()) {
            return;
        }
        if (!busMasterEnabled()) {
            ctx.warnOnce(device.name() + ": queue kicked with bus mastering disabled in the PCI command register");
            return;
        }
        try {
            device.queueNotified(index);
        } catch (Virtqueue.BadRingException e) {
            transport.fail(e.getMessage());
        }
    }

    /** Device reset (status 0): everything the driver negotiated and set up is forgotten. */
    private void virtioReset() {
        status = 0;
        deviceFeatureSelect = driverFeatureSelect = 0;
        driverFeatures = 0;
        queueSelect = 0;
        isr = 0;
        setIrq(false);
        for (Virtqueue q : queues) {
            q.reset();
        }
        device.reset();
    }

    @Override
    public void reset() {
        super.reset();
        virtioReset();
    }

    // ------------------------------------------------------------------ VIRTIO_PCI_CAP_PCI_CFG window

    @Override
    protected int readConfigRegister(int offset, int size) {
        int data = pciCfgCap + 16;
        if (offset >= data && offset + size <= data + 4) {
            long v = pciCfgAccess(false, 0);
            return (int) (v >>> (8 * (offset - data))) & (size == 4 ? -1 : (1 << (8 * size)) - 1);
        }
        return super.readConfigRegister(offset, size);
    }

    @Override
    protected void configWritten(int offset, int size) {
        int data = pciCfgCap + 16;
        if (offset >= data && offset + size <= data + 4) {
            pciCfgAccess(true, get32(data));
        }
    }

    /** An access through the window: bar, offset and length (1, 2 or 4) as the driver set them in the capability. */
    private long pciCfgAccess(boolean write, int value) {
        int bar = get8(pciCfgCap + 4);
        long off = get32(pciCfgCap + 8) & 0xFFFF_FFFFL;
        int len = get32(pciCfgCap + 12);
        if (bar != BAR || (len != 1 && len != 2 && len != 4) || off % len != 0 || off + len > BAR_SIZE) {
            return 0;
        }
        Registers r = new Registers();
        if (write) {
            r.mmioWrite(off, len, value & (len == 4 ? 0xFFFF_FFFFL : (1L << (8 * len)) - 1));
            return 0;
        }
        return r.mmioRead(off, len);
    }

    // ------------------------------------------------------------------ state

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        out.writeInt(deviceFeatureSelect).writeInt(driverFeatureSelect).writeLong(driverFeatures).writeInt(status)
                .writeInt(configGeneration).writeInt(queueSelect).writeInt(isr).writeInt(queues.length);
        for (Virtqueue q : queues) {
            q.saveState(out);
        }
        device.saveState(out);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        deviceFeatureSelect = in.readInt();
        driverFeatureSelect = in.readInt();
        driverFeatures = in.readLong();
        status = in.readInt() & 0xFF;
        configGeneration = in.readInt() & 0xFF;
        queueSelect = in.readInt() & 0xFFFF;
        isr = in.readInt() & 3;
        int n = in.readInt();
        if (n != queues.length) {
            throw new SnapshotFormatException(device.name() + ": state has " + n + " queues, the device " + queues.length);
        }
        for (Virtqueue q : queues) {
            q.loadState(in);
        }
        device.loadState(in);
    }
}
