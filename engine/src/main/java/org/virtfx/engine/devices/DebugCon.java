package org.virtfx.engine.devices;

import java.util.Objects;
import java.util.function.Consumer;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.PortDevice;

/**
 * QEMU's {@code isa-debugcon} on port 0x402, where SeaBIOS prints its debug log. Reads answer 0xE9 (SeaBIOS stops
 * writing unless they do); written bytes are collected into lines and handed to a listener (the {@code virtfx run}
 * option {@code --debugcon}) and to the engine log at DEBUG level.
 */
public final class DebugCon implements PortDevice {
    public static final int PORT = 0x402;
    private static final System.Logger LOG = System.getLogger(DebugCon.class.getName());
    private static final int MAX_LINE = 4096;

    private final StringBuilder line = new StringBuilder();
    private volatile Consumer<String> lineListener = l -> { };

    public void attach(IoBus io) {
        io.register(PORT, 1, "debugcon", this);
    }

    /** Receives each completed line (device lock held: must be quick). */
    public void setLineListener(Consumer<String> listener) {
        this.lineListener = Objects.requireNonNull(listener);
    }

    @Override
    public int ioRead(int port, int size) {
        return 0xE9;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        for (int i = 0; i < size; i++) {
            int b = (value >>> (8 * i)) & 0xFF;
            if (b == '\n' || line.length() >= MAX_LINE) {
                String l = line.toString();
                line.setLength(0);
                LOG.log(System.Logger.Level.DEBUG, "debugcon: {0}", l);
                lineListener.accept(l);
            } else if (b != '\r') {
                line.append((char) b);
            }
        }
    }
}
