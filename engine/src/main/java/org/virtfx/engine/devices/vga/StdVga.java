package org.virtfx.engine.devices.vga;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.bus.MmioDevice;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.FrameBuffer;
import org.virtfx.engine.display.PngWriter;
import org.virtfx.engine.display.ScreenTextSource;
import org.virtfx.engine.display.ScreenshotSource;
import org.virtfx.engine.display.TesseractOcr;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.pci.PciDevice;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;

/**
 * QEMU's "std VGA" PCI card (1234:1111): a VGA with Bochs VBE extensions. BAR0 is the 16 MiB linear framebuffer,
 * BAR2 the 4 KiB MMIO block (EDID, VGA ports, DISPI registers, QEMU extension registers), the expansion ROM serves
 * SeaVGABIOS (vgabios-stdvga.bin). It also decodes the legacy ports 0x3B0-0x3DF, 0x1CE/0x1CF and the
 * 0xA0000-0xBFFFF window.
 *
 * <p>The picture is rendered on a 60 Hz timer on the virtual clock into a {@link FrameBuffer}; this device is the
 * board's {@link DisplaySurface}, {@link ScreenshotSource} and {@link ScreenTextSource}.
 *
 * <p>When the board puts VRAM into guest RAM ({@link #StdVga(MachineContext, IoBus, MmioBus, PhysicalMemory, byte[],
 * long)}), the linear framebuffer BAR and, in VBE modes of 8 bpp and more, the 64 KiB bank window at 0xA0000 are
 * mapped in {@link PhysicalMemory} as RAM: the vCPU then reads and writes them on its TLB fast path like any RAM,
 * without this device's lock, and the renderer learns what changed from the guest RAM's dirty bitmap. Planar, text,
 * CGA and chain-4 accesses keep going through {@link VgaMemory}, which implements the VGA's address and data paths.
 */
public final class StdVga extends PciDevice implements PortDevice, DisplaySurface, ScreenshotSource, ScreenTextSource {
    public static final int VENDOR = 0x1234;
    public static final int DEVICE = 0x1111;
    public static final int VRAM_SIZE = 16 << 20;
    public static final long WINDOW_BASE = 0xA0000;
    public static final int WINDOW_SIZE = 0x20000;
    static final long REFRESH_NS = 1_000_000_000L / 60;
    static final long UNWATCHED_REFRESH_NS = 1_000_000_000L;
    private static final int MMIO_SIZE = 4096;
    private static final int QEXT_SIZE = 8;
    private static final int QEXT_LITTLE_ENDIAN = 0x1e1e1e1e;

    private final MachineContext ctx;
    private final VgaRegisters regs;
    private final VbeDispi vbe;
    private final VgaMemory memory;
    private final TextRenderer text;
    private final GraphicsRenderer graphics;
    private final FrameBuffer frame = new FrameBuffer(720, 400);
    private final byte[] edid = Edid.block();
    private final TimerService.Timer refreshTimer;
    private final PhysicalMemory phys;
    /** Where BAR0 / the bank window are mapped as RAM (-1: not mapped). */
    private long lfbMappedAt = -1;
    private long windowMappedTo = -1;
    /** The frame is black because the screen is blanked, and nothing drew since. */
    private boolean blankShown;
    /** The board closed: no more refresh ticks. Guarded by the device lock. */
    private boolean closed;
    private TesseractOcr ocr = new TesseractOcr();
    private long ocrChangeCount = -1;
    private String ocrText = "";

    /** A card with private VRAM: every guest access to video memory goes through the MMIO handlers. */
    public StdVga(MachineContext ctx, IoBus io, MmioBus mmio, PhysicalMemory mem, byte[] vgaBiosRom) {
        this(ctx, io, mmio, mem, vgaBiosRom, -1);
    }

    /**
     * @param vramRamOffset where the board reserved {@link #VRAM_SIZE} bytes of {@code mem}'s guest RAM (page
     *                      aligned, outside every RAM range the guest sees) for VRAM, so it can be mapped directly;
     *                      -1 for private VRAM
     */
    public StdVga(MachineContext ctx, IoBus io, MmioBus mmio, PhysicalMemory mem, byte[] vgaBiosRom, long vramRamOffset) {
        super("stdvga", VENDOR, DEVICE, 0x030000, 2);
        this.ctx = Objects.requireNonNull(ctx);
        regs = new VgaRegisters(ctx.clock());
        vbe = new VbeDispi(VRAM_SIZE);
        if (vramRamOffset >= 0) {
            Objects.requireNonNull(mem, "VRAM in guest RAM needs the physical memory map");
            if ((vramRamOffset & 0xFFF) != 0 || !mem.ram().contains(vramRamOffset, VRAM_SIZE)) {
                throw new IllegalArgumentException(String.format("VRAM at RAM offset 0x%x+0x%x is not inside guest RAM "
                        + "or not page-aligned", vramRamOffset, VRAM_SIZE));
            }
            memory = new VgaMemory(mem.ram(), vramRamOffset, VRAM_SIZE, regs, vbe);
            phys = mem;
        } else {
            memory = new VgaMemory(VRAM_SIZE, regs, vbe);
            phys = null;
        }
        vbe.attach(regs, memory);
        text = new TextRenderer(regs, memory);
        graphics = new GraphicsRenderer(regs, memory, vbe);
        setSubsystem(0x1AF4, 0x1100);
        declareMemoryBar(0, VRAM_SIZE, false, true, new MmioDevice() {
            @Override
            public long mmioRead(long offset, int size) {
                return memory.readLinear(offset, size);
            }

            @Override
            public void mmioWrite(long offset, int size, long value) {
                memory.writeLinear(offset, size, value);
            }
        });
        declareMemoryBar(2, MMIO_SIZE, false, false, new MmioDevice() {
            @Override
            public long mmioRead(long offset, int size) {
                return readMmio(offset, size);
            }

            @Override
            public void mmioWrite(long offset, int size, long value) {
                writeMmio(offset, size, value);
            }
        });
        if (vgaBiosRom != null && vgaBiosRom.length > 0) {
            declareRom(vgaBiosRom);
        }
        io.register(0x3B0, 0x30, "vga", this);
        io.register(0x1CE, 2, "vbe-dispi", this);
        mmio.register("vga-window", WINDOW_BASE, WINDOW_SIZE, new MmioDevice() {
            @Override
            public long mmioRead(long offset, int size) {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = (v << 8) | memory.readWindow((int) ((offset + i) & (WINDOW_SIZE - 1)));
                }
                return v;
            }

            @Override
            public void mmioWrite(long offset, int size, long value) {
                for (int i = 0; i < size; i++) {
                    memory.writeWindow((int) ((offset + i) & (WINDOW_SIZE - 1)), (int) (value >>> (8 * i)));
                }
            }
        });
        refreshTimer = ctx.timers().newTimer("vga-refresh", this::refreshTick);
        refreshTimer.armAfter(REFRESH_NS);
    }

    @Override
    protected void barMoved(int index, long base) {
        if (index != 0 || phys == null) {
            return;
        }
        if (lfbMappedAt >= 0) {
            phys.unmap(lfbMappedAt);
            lfbMappedAt = -1;
        }
        if (base >= 0) {
            phys.mapRam(base, VRAM_SIZE, memory.backingOffset());
            lfbMappedAt = base;
        }
    }

    /**
     * In VBE modes of 8 bpp and more, the 0xA0000 window is 64 KiB of linear VRAM at the bank offset: map it as RAM
     * (remapped on every bank switch). Every other mode decodes the window through the VGA's planes and ALU.
     */
    private void updateWindowMapping() {
        if (phys == null) {
            return;
        }
        long want = vbe.enabled() && vbe.bpp() > 4 ? memory.backingOffset() + vbe.bankOffset() : -1;
        if (want == windowMappedTo) {
            return;
        }
        if (windowMappedTo >= 0) {
            phys.unmap(WINDOW_BASE);
        }
        if (want >= 0) {
            phys.mapRam(WINDOW_BASE, 0x10000, want);
        }
        windowMappedTo = want;
    }

    /** One 60 Hz tick (device lock held): render, and re-arm while anyone watches. */
    void refreshTick() {
        refresh();
        if (!closed) {
            // 60 Hz while someone watches; otherwise once a second keeps the mode and size current for whoever asks
            // (screenshots and screen text render on demand anyway), without 60 wake-ups a second.
            refreshTimer.armAfter(frame.hasListeners() ? REFRESH_NS : UNWATCHED_REFRESH_NS);
        }
    }

    /**
     * Renders what changed since the last refresh and notifies the surface's listeners. Called by the refresh timer
     * (device lock held) while the surface has listeners, before screenshots and screen text, and by tests.
     */
    public void refresh() {
        long now = ctx.clock().nanos();
        memory.collectDirty();
        frame.render(fb -> {
            if (vbe.enabled() && vbe.modeValid()) {
                blankShown = false;
                graphics.renderVbe(fb);
                text.invalidate();
            } else if (regs.screenOff()) {
                if (!blankShown) { // a blanked screen is drawn black once, not every frame
                    graphics.renderBlank(fb);
                    blankShown = true;
                }
                text.invalidate();
                graphics.invalidate();
            } else if (!regs.graphicsMode()) {
                blankShown = false;
                text.render(fb, now);
                graphics.invalidate();
            } else {
                blankShown = false;
                graphics.renderVga(fb);
                text.invalidate();
            }
            memory.clearDirty();
        });
    }

    /** The surface viewers read (the device itself also implements {@link DisplaySurface} by delegation). */
    public FrameBuffer frameBuffer() {
        return frame;
    }

    // ------------------------------------------------------------------ ports

    @Override
    public int ioRead(int port, int size) {
        if (port == 0x1CE || port == 0x1CF) {
            return port == 0x1CE ? vbe.index() : vbe.readData();
        }
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= readVgaPort(port + i) << (8 * i);
        }
        return v;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        if (port == 0x1CE) {
            vbe.writeIndex(value);
            if (size == 4) {
                vbe.writeData(value >>> 16); // outl: index in the low word, data in the high word
                updateWindowMapping();
            }
            return;
        }
        if (port == 0x1CF) {
            vbe.writeData(value);
            updateWindowMapping();
            return;
        }
        for (int i = 0; i < size; i++) {
            writeVgaPort(port + i, value >>> (8 * i));
        }
    }

    private int readVgaPort(int port) {
        return port >= 0x3B0 && port <= 0x3DF ? regs.read(port) : 0xFF;
    }

    private void writeVgaPort(int port, int value) {
        if (port >= 0x3B0 && port <= 0x3DF) {
            regs.write(port, value);
        }
    }

    // ------------------------------------------------------------------ BAR2

    private long readMmio(long offset, int size) {
        if (offset < 0x400) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                long o = offset + i;
                v = (v << 8) | (o < edid.length ? edid[(int) o] & 0xFF : 0);
            }
            return v;
        }
        if (offset < 0x420) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | readVgaPort(0x3C0 + (int) (offset - 0x400) + i);
            }
            return v;
        }
        if (offset >= 0x500 && offset < 0x516) {
            int saved = vbe.index();
            vbe.writeIndex((int) (offset - 0x500) >> 1);
            int v = vbe.readData();
            vbe.writeIndex(saved);
            return size == 1 && (offset & 1) != 0 ? v >> 8 : v;
        }
        if (offset == 0x600) {
            return QEXT_SIZE;
        }
        if (offset == 0x604) {
            return QEXT_LITTLE_ENDIAN;
        }
        return 0;
    }

    private void writeMmio(long offset, int size, long value) {
        if (offset >= 0x400 && offset < 0x420) {
            for (int i = 0; i < size; i++) {
                writeVgaPort(0x3C0 + (int) (offset - 0x400) + i, (int) (value >>> (8 * i)));
            }
        } else if (offset >= 0x500 && offset < 0x516 && size >= 2) {
            int saved = vbe.index();
            vbe.writeIndex((int) (offset - 0x500) >> 1);
            vbe.writeData((int) value);
            vbe.writeIndex(saved);
            updateWindowMapping();
        } else if (offset == 0x604 && (int) value != QEXT_LITTLE_ENDIAN) {
            ctx.warnOnce("stdvga: big-endian framebuffer requested; only little-endian is supported");
        }
    }

    // ------------------------------------------------------------------ DisplaySurface (delegation)

    @Override
    public int width() {
        return frame.width();
    }

    @Override
    public int height() {
        return frame.height();
    }

    @Override
    public void copyPixels(int x, int y, int w, int h, int[] dst, int dstOffset, int dstStride) {
        frame.copyPixels(x, y, w, h, dst, dstOffset, dstStride);
    }

    @Override
    public void addListener(Listener listener) {
        frame.addListener(listener);
        ctx.deviceLock().lock();
        try {
            if (!closed && refreshTimer.deadline() > ctx.clock().nanos() + REFRESH_NS) {
                refreshTimer.armAfter(0); // leave the slow unwatched cadence now
            }
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public void removeListener(Listener listener) {
        frame.removeListener(listener);
    }

    // ------------------------------------------------------------------ screenshots and text

    private void refreshLocked() {
        ctx.deviceLock().lock();
        try {
            refresh();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public void writePng(Path file) throws IOException {
        refreshLocked();
        PngWriter.write(frame.snapshot(), file);
    }

    /** Text modes: the characters in VRAM. Graphics modes: OCR, re-run only when the picture changed. */
    @Override
    public String screenText() {
        ctx.deviceLock().lock();
        boolean textMode;
        String direct = null;
        try {
            refresh();
            textMode = !(vbe.enabled() && vbe.modeValid()) && !regs.graphicsMode();
            if (textMode) {
                direct = regs.screenOff() ? "" : text.text();
            }
        } finally {
            ctx.deviceLock().unlock();
        }
        if (textMode) {
            return direct;
        }
        synchronized (ocr) {
            long changes = frame.changeCount();
            if (changes != ocrChangeCount) {
                try {
                    ocrText = ocr.recognise(frame.snapshot());
                } catch (IOException e) {
                    ctx.warnOnce("screen text: " + e.getMessage());
                    ocrText = "";
                }
                ocrChangeCount = changes;
            }
            return ocrText;
        }
    }

    // ------------------------------------------------------------------ reset and state

    @Override
    public void reset() {
        super.reset();
        regs.reset();
        vbe.reset();
        memory.reset();
        updateWindowMapping();
        text.invalidate();
        graphics.invalidate();
        blankShown = false;
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        super.saveState(out);
        regs.save(out);
        vbe.save(out);
        memory.save(out);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        super.loadState(in);
        regs.load(in);
        vbe.load(in);
        memory.load(in);
        updateWindowMapping();
        text.invalidate();
        graphics.invalidate();
        blankShown = false;
        blankShown = false;
    }

    /** Stops the refresh timer (board close). */
    public void close() {
        ctx.deviceLock().lock();
        try {
            closed = true;
            refreshTimer.cancel();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /** Virtual nanoseconds until the next refresh tick (-1: none). */
    long nextRefreshIn() {
        return refreshTimer.armed() ? refreshTimer.deadline() - ctx.clock().nanos() : -1;
    }

    /** Replaces the OCR engine (tests use a stand-in command). */
    void useOcr(TesseractOcr replacement) {
        synchronized (ocr) {
            ocr = replacement;
            ocrChangeCount = -1;
        }
    }

    /** The sequencer/CRTC/graphics/attribute registers, for tests and diagnostics. */
    VgaRegisters registers() {
        return regs;
    }

    VgaMemory memory() {
        return memory;
    }
}
