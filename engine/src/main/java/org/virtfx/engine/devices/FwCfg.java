package org.virtfx.engine.devices;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * QEMU's firmware configuration device (QEMU {@code docs/specs/fw_cfg.rst}), through which SeaBIOS learns the RAM
 * size, CPU count, e820 map, boot order and more: selector port 0x510 (16-bit), data port 0x511 (auto-incrementing
 * reads, zeros past the end of an item), and the DMA interface at 0x514 (big-endian 64-bit descriptor address,
 * written in two 32-bit halves; writing the low half at 0x518 runs the transfer; reading 0x514 gives "QEMU CFG").
 * Named items ("files") get keys from 0x20 on and are listed in the file directory (key 0x19).
 *
 * <p>Guest writes into items are not supported (QEMU dropped them too): a DMA write sets the error bit.
 */
public final class FwCfg implements PortDevice, Snapshottable {
    public static final int SELECTOR_PORT = 0x510;
    public static final int DATA_PORT = 0x511;
    public static final int DMA_PORT = 0x514;

    public static final int SIGNATURE = 0x00, ID = 0x01, UUID = 0x02, RAM_SIZE = 0x03, NOGRAPHIC = 0x04,
            NB_CPUS = 0x05, KERNEL_ADDR = 0x07, KERNEL_SIZE = 0x08, KERNEL_CMDLINE = 0x09, INITRD_ADDR = 0x0A,
            INITRD_SIZE = 0x0B, BOOT_DEVICE = 0x0C, NUMA = 0x0D, BOOT_MENU = 0x0E, MAX_CPUS = 0x0F,
            KERNEL_ENTRY = 0x10, KERNEL_DATA = 0x11, INITRD_DATA = 0x12, CMDLINE_ADDR = 0x13, CMDLINE_SIZE = 0x14,
            CMDLINE_DATA = 0x15, SETUP_ADDR = 0x16, SETUP_SIZE = 0x17, SETUP_DATA = 0x18, FILE_DIR = 0x19,
            FILE_FIRST = 0x20, IRQ0_OVERRIDE = 0x8002, ARCH_E820_TABLE = 0x8003;
    /** Feature bits of key 0x01: traditional interface, DMA interface. */
    public static final int FEATURE_TRADITIONAL = 1, FEATURE_DMA = 2;

    private static final int DMA_ERROR = 1, DMA_READ = 2, DMA_SKIP = 4, DMA_SELECT = 8, DMA_WRITE = 0x10;
    private static final byte[] DMA_SIGNATURE = "QEMU CFG".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FILES = 0x1000;
    /** How far a DMA read may run past the end of an item (zero-filled) before it is refused. */
    private static final long MAX_ZERO_FILL = 16L << 20;

    private final MachineContext ctx;
    private final PhysicalMemory memory;
    private final Map<Integer, byte[]> items = new TreeMap<>();
    private final Map<String, Integer> files = new TreeMap<>();
    private int selector;
    private int offset;
    private long dmaAddress;

    public FwCfg(MachineContext ctx, PhysicalMemory memory) {
        this.ctx = Objects.requireNonNull(ctx);
        this.memory = Objects.requireNonNull(memory);
        items.put(SIGNATURE, "QEMU".getBytes(StandardCharsets.US_ASCII));
        putInt(ID, FEATURE_TRADITIONAL | FEATURE_DMA);
        items.put(FILE_DIR, new byte[4]);
    }

    public void attach(IoBus io) {
        io.register(SELECTOR_PORT, 2, "fw_cfg", this);
        io.register(DMA_PORT, 8, "fw_cfg-dma", this);
    }

    // ------------------------------------------------------------------ items (board side)

    public void put(int key, byte[] data) {
        if (key == FILE_DIR || key == SIGNATURE) {
            throw new IllegalArgumentException("fw_cfg key 0x" + Integer.toHexString(key) + " is managed by the device");
        }
        items.put(key & 0xFFFF, data.clone());
    }

    public void putShort(int key, int v) {
        put(key, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
    }

    public void putInt(int key, int v) {
        items.put(key, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    public void putLong(int key, long v) {
        put(key, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** Adds (or replaces) a named file; returns its key. */
    public int putFile(String name, byte[] data) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || n.length > 55) {
            throw new IllegalArgumentException("fw_cfg file name must be 1-55 bytes: " + name);
        }
        Integer key = files.get(name);
        if (key == null) {
            if (files.size() >= MAX_FILES) {
                throw new IllegalStateException("too many fw_cfg files");
            }
            key = FILE_FIRST + files.size();
            files.put(name, key);
        }
        items.put(key, data.clone());
        rebuildDirectory();
        return key;
    }

    public byte[] item(int key) {
        byte[] d = items.get(key);
        return d == null ? null : d.clone();
    }

    private void rebuildDirectory() {
        ByteBuffer dir = ByteBuffer.allocate(4 + 64 * files.size()).order(ByteOrder.BIG_ENDIAN);
        dir.putInt(files.size());
        for (Map.Entry<String, Integer> f : files.entrySet()) {   // sorted by name, as QEMU lists them
            int pos = dir.position();
            dir.putInt(items.get(f.getValue()).length);
            dir.putShort((short) (int) f.getValue());
            dir.putShort((short) 0);
            dir.put(f.getKey().getBytes(StandardCharsets.UTF_8));
            dir.position(pos + 64);
        }
        items.put(FILE_DIR, dir.array());
    }

    // ------------------------------------------------------------------ ports

    private void select(int key) {
        selector = key & 0xFFFF;
        offset = 0;
    }

    private byte[] current() {
        // Bit 14 was the legacy "write" flag: the item is the same.
        return items.get(selector & ~0x4000);
    }

    private int readDataByte() {
        byte[] d = current();
        if (d == null || offset >= d.length) {
            return 0;
        }
        return d[offset++] & 0xFF;
    }

    @Override
    public int ioRead(int port, int size) {
        if (port == DATA_PORT) {
            int v = 0;
            for (int i = 0; i < size; i++) {
                v |= readDataByte() << (8 * i);
            }
            return v;
        }
        if (port >= DMA_PORT && port < DMA_PORT + 8) {
            int v = 0;
            for (int i = 0; i < size && port - DMA_PORT + i < 8; i++) {
                v |= (DMA_SIGNATURE[port - DMA_PORT + i] & 0xFF) << (8 * i);
            }
            return v;
        }
        return size == 4 ? -1 : (1 << (8 * size)) - 1;   // the selector is write-only
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        switch (port) {
            case SELECTOR_PORT -> select(size == 1 ? value & 0xFF : value & 0xFFFF);
            case DATA_PORT -> ctx.warnOnce("fw_cfg: guest writes to the data port are ignored");
            case DMA_PORT -> {
                if (size == 4) {
                    // The guest writes the big-endian high half: byte-swap to a number.
                    dmaAddress = (dmaAddress & 0xFFFFFFFFL) | (Integer.reverseBytes(value) & 0xFFFFFFFFL) << 32;
                } else {
                    ctx.warnOnce("fw_cfg: DMA address must be written with 32-bit accesses");
                }
            }
            case DMA_PORT + 4 -> {
                if (size == 4) {
                    dmaAddress = (dmaAddress & 0xFFFFFFFF00000000L) | (Integer.reverseBytes(value) & 0xFFFFFFFFL);
                    long descriptor = dmaAddress;
                    dmaAddress = 0;
                    runDma(descriptor);
                } else {
                    ctx.warnOnce("fw_cfg: DMA address must be written with 32-bit accesses");
                }
            }
            default -> {
            }
        }
    }

    /** Executes the DMA descriptor at {@code addr} and writes back its control word (0 = done, 1 = error). */
    private void runDma(long addr) {
        byte[] desc = new byte[16];
        memory.read(addr, desc, 0, 16);
        ByteBuffer b = ByteBuffer.wrap(desc).order(ByteOrder.BIG_ENDIAN);
        int control = b.getInt(0);
        long length = b.getInt(4) & 0xFFFFFFFFL;
        long target = b.getLong(8);
        boolean error = false;
        if ((control & DMA_SELECT) != 0) {
            select(control >>> 16);
        }
        if ((control & DMA_WRITE) != 0) {
            ctx.warnOnce("fw_cfg: DMA writes to items are not supported");
            error = true;
        } else if ((control & DMA_READ) != 0) {
            byte[] d = current();
            int available = d == null ? 0 : Math.max(0, d.length - offset);
            int n = (int) Math.min(length, available);
            if (n > 0) {
                memory.write(target, d, offset, n);
                offset += n;
            }
            long rest = length - n;
            if (rest > MAX_ZERO_FILL) {
                ctx.warnOnce("fw_cfg: DMA read of " + length + " bytes runs far past the item; refused");
                error = true;
            } else if (rest > 0) {
                byte[] zeros = new byte[(int) Math.min(rest, 65536)];
                long at = target + n;
                while (rest > 0) {
                    int chunk = (int) Math.min(rest, zeros.length);
                    memory.write(at, zeros, 0, chunk);
                    at += chunk;
                    rest -= chunk;
                }
            }
        } else if ((control & DMA_SKIP) != 0) {
            offset = (int) Math.min(Integer.MAX_VALUE, offset + length);
        }
        memory.write(addr, 4, Integer.reverseBytes(error ? DMA_ERROR : 0) & 0xFFFFFFFFL);
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "fw_cfg";
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(selector).writeInt(offset).writeLong(dmaAddress);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        selector = in.readInt() & 0xFFFF;
        offset = Math.max(0, in.readInt());
        dmaAddress = in.readLong();
    }
}
