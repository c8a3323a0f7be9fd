package org.virtfx.gui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.virtfx.engine.cpu.Vcpu;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.BoardFactory;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.storage.IoCounters;

/**
 * Test-only boards for the GUI tests. {@link #testBoard()}: a stand-in PC whose "guest" animates a 320x200 screen,
 * echoes serial input, counts disk reads and network traffic and powers off on the ACPI button, for machines where the real CPU is not
 * built yet. {@link #recording(BoardFactory)} wraps any factory (the real PC board included) so tests can see every
 * key and pointer event the GUI delivered.
 */
final class TestBoardFactory {
    /** Keys the GUI sent: evdev code, negative for a release. */
    static final List<Integer> KEYS = new CopyOnWriteArrayList<>();
    static final List<int[]> POINTER = new CopyOnWriteArrayList<>();

    private TestBoardFactory() {
    }

    /** Whether the real PC board can run the guest fixtures here (board + software CPU present). */
    static boolean realBoardAvailable() {
        try {
            Class.forName("org.virtfx.engine.cpu.SoftwareCpu");
            Class.forName("org.virtfx.engine.platform.PcBoard");
        } catch (ClassNotFoundException e) {
            return false;
        }
        return org.virtfx.engine.library.DemoMachine.fromFixtures().isPresent();
    }

    static BoardFactory recording(BoardFactory delegate) {
        return (config, context) -> {
            Board b = delegate.create(config, context);
            return new Board() {
                @Override
                public List<? extends Vcpu> vcpus() {
                    return b.vcpus();
                }

                @Override
                public void awaitStartup(Vcpu vcpu) throws InterruptedException {
                    b.awaitStartup(vcpu);
                }

                @Override
                public void reset() {
                    b.reset();
                }

                @Override
                public boolean pressPowerButton() {
                    return b.pressPowerButton();
                }

                @Override
                public <T> Optional<T> lookup(Class<T> type) {
                    if (type == KeyboardInput.class) {
                        Optional<KeyboardInput> real = b.lookup(KeyboardInput.class);
                        return Optional.of(type.cast((KeyboardInput) (code, pressed) -> {
                            KEYS.add(pressed ? code : -code);
                            real.ifPresent(k -> k.key(code, pressed));
                        }));
                    }
                    if (type == PointerInput.class) {
                        Optional<PointerInput> real = b.lookup(PointerInput.class);
                        return Optional.of(type.cast((PointerInput) (dx, dy, dz, buttons) -> {
                            POINTER.add(new int[] {dx, dy, dz, buttons});
                            real.ifPresent(p -> p.relative(dx, dy, dz, buttons));
                        }));
                    }
                    return b.lookup(type);
                }

                @Override
                public void close() {
                    b.close();
                }
            };
        };
    }

    static BoardFactory testBoard() {
        return TestBoard::new;
    }

    /** Pages of RAM the stand-in guest writes, 48 per frame for 64 frames: its memory in use (3072 pages = 12 MiB). */
    static final int PAGES_PER_FRAME = 48;
    static final int TOUCHED_PAGES = 64 * PAGES_PER_FRAME;
    /** Bytes the stand-in guest receives and sends per frame (one frame every 30 ms or so). */
    static final int RX_FRAME = 1500, TX_FRAME = 300;

    /** The stand-in board. */
    static final class TestBoard implements Board {
        private final MachineContext context;
        private final TestVcpu vcpu = new TestVcpu();
        private final Surface surface = new Surface();
        private final IoCounters io = new IoCounters();
        private final NetCounters net = new NetCounters();
        private final PhysicalMemory memory;
        final java.util.concurrent.atomic.AtomicInteger resets = new java.util.concurrent.atomic.AtomicInteger();
        private final Thread refresh;
        private volatile boolean closed;

        TestBoard(MachineConfig config, MachineContext context) throws IOException {
            this.context = context;
            memory = new PhysicalMemory(GuestMemory.allocate(config.memoryBytes()), new MmioBus(context.deviceLock()));
            var hub = context.serial(0);
            hub.setInputSink(bytes -> {
                for (byte x : bytes) {
                    hub.guestOutput(x);
                }
            });
            refresh = Thread.ofPlatform().daemon().name("test-display").start(() -> {
                int frame = 0;
                while (!closed) {
                    surface.draw(frame++);
                    io.countRead(4096);
                    net.countReceived(RX_FRAME);   // the "guest" downloads more than it sends, as most do
                    net.countTransmitted(TX_FRAME);
                    for (int i = 0; i < PAGES_PER_FRAME && frame * PAGES_PER_FRAME <= TOUCHED_PAGES; i++) {
                        long page = (long) (frame - 1) * PAGES_PER_FRAME + i;
                        memory.ram().write32(page * GuestMemory.PAGE_SIZE, frame);   // the "guest" uses RAM
                    }
                    if (frame == 3) {
                        for (byte x : "TEST-BOARD-READY\n".getBytes(StandardCharsets.US_ASCII)) {
                            hub.guestOutput(x);
                        }
                    }
                    try {
                        Thread.sleep(30);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public List<? extends Vcpu> vcpus() {
            return List.of(vcpu);
        }

        @Override
        public void reset() {
            resets.incrementAndGet();
        }

        @Override
        public boolean pressPowerButton() {
            Thread.ofPlatform().daemon().start(() -> context.guestPowerOff(0));
            return true;
        }

        @Override
        public <T> Optional<T> lookup(Class<T> type) {
            if (type == DisplaySurface.class) {
                return Optional.of(type.cast(surface));
            }
            if (type == IoCounters.class) {
                return Optional.of(type.cast(io));
            }
            if (type == NetCounters.class) {
                return Optional.of(type.cast(net));
            }
            if (type == PhysicalMemory.class || type == TestBoard.class) {
                return Optional.of(type.cast(type == TestBoard.class ? this : memory));
            }
            return Optional.empty();
        }

        @Override
        public void close() {
            closed = true;
            refresh.interrupt();
            try {
                refresh.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            memory.ram().close();
        }
    }

    /** A vCPU that burns a little CPU and otherwise waits, so the CPU graph has something to show. */
    static final class TestVcpu implements Vcpu {
        private volatile boolean exit;

        @Override
        public int index() {
            return 0;
        }

        @Override
        public Exit run() {
            exit = false;
            while (!exit) {
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until && !exit) {
                    Thread.onSpinWait();
                }
                try {
                    Thread.sleep(8);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Exit.EXIT_REQUESTED;
                }
            }
            return Exit.EXIT_REQUESTED;
        }

        @Override
        public void requestExit() {
            exit = true;
        }

        @Override
        public void reset() {
        }

        @Override
        public String describeState() {
            return "test vCPU";
        }

        @Override
        public long instructionsRetired() {
            return 0;
        }
    }

    /** 320x200 with a bar moving across, dirtying one column band per frame. */
    static final class Surface implements DisplaySurface {
        static final int W = 320, H = 200;
        private final int[] fb = new int[W * H];
        private final List<Listener> listeners = new CopyOnWriteArrayList<>();

        synchronized void draw(int frame) {
            int x = (frame * 8) % W;
            int color = 0xFF000000 | ((frame * 40) & 0xFF) << 16 | 0x4080;
            for (int y = 0; y < H; y++) {
                for (int i = 0; i < 8; i++) {
                    fb[y * W + x + i] = color;
                }
            }
            for (Listener l : listeners) {
                l.updated(x, 0, 8, H);
            }
        }

        @Override
        public int width() {
            return W;
        }

        @Override
        public int height() {
            return H;
        }

        @Override
        public synchronized void copyPixels(int x, int y, int width, int height, int[] dst, int dstOffset, int dstStride) {
            for (int row = 0; row < height; row++) {
                System.arraycopy(fb, (y + row) * W + x, dst, dstOffset + row * dstStride, width);
            }
        }

        @Override
        public void addListener(Listener l) {
            listeners.add(l);
            l.resized(W, H);
        }

        @Override
        public void removeListener(Listener l) {
            listeners.remove(l);
        }
    }
}
