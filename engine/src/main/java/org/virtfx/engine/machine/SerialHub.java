package org.virtfx.engine.machine;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The host end of one serial port. The UART calls {@link #guestOutput} for every byte the guest transmits; any
 * number of listeners (terminal, log file, `--expect-serial`, the GUI's serial console) receive them. Host input goes
 * through {@link #sendInput} to whatever sink the UART registered.
 */
public final class SerialHub {
    /** Receives guest output bytes (0..255). Called with the device lock held: must be quick and not block. */
    @FunctionalInterface
    public interface OutputListener {
        void output(int b);
    }

    private final String name;
    private final CopyOnWriteArrayList<OutputListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Consumer<byte[]> inputSink;
    private volatile boolean connected;

    public SerialHub(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void addListener(OutputListener l) {
        listeners.add(Objects.requireNonNull(l));
    }

    public void removeListener(OutputListener l) {
        listeners.remove(l);
    }

    /** Whether a host backend is attached; UARTs use it for the carrier-detect line. */
    public boolean connected() {
        return connected || !listeners.isEmpty();
    }

    public void setConnected(boolean connected) {
        this.connected = connected;
    }

    /** Called by the UART: one byte the guest sent. */
    public void guestOutput(int b) {
        for (OutputListener l : listeners) {
            l.output(b & 0xFF);
        }
    }

    /** Called by the UART when it is built: where host input goes (the UART takes the device lock itself). */
    public void setInputSink(Consumer<byte[]> sink) {
        this.inputSink = sink;
    }

    /** Host input for the guest (typed keys, a pasted line). Dropped when no UART is attached. */
    public void sendInput(byte[] bytes) {
        Consumer<byte[]> sink = inputSink;
        if (sink != null && bytes.length > 0) {
            sink.accept(bytes.clone());
        }
    }
}
