package org.virtfx.engine.machine;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Appends the guest's output on COM2..COM4 to host log files while a machine runs, as QEMU's {@code -serial file:}
 * does but without truncating (a log keeps every run). The hub listener runs on a vCPU thread holding the device
 * lock, so it only copies the byte into a memory buffer; one writer thread moves the buffers to the files, flushing
 * a few times a second so that {@code tail -f} sees the output, and everything left on {@link #close}.
 */
public final class SerialLogFiles implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SerialLogFiles.class.getName());
    /** How often the writer thread moves buffered output to the files. */
    private static final long FLUSH_INTERVAL_MS = 200;
    /** Output held in memory per port before bytes are dropped (a stalled disk must not grow the heap). */
    static final int MAX_PENDING = 1 << 20;

    private final List<PortLog> logs;
    private final Thread writer;
    private final Object wakeup = new Object();
    private volatile boolean closing;

    private SerialLogFiles(List<PortLog> logs, String machineName) {
        this.logs = logs;
        this.writer = logs.isEmpty() ? null
                : Thread.ofPlatform().daemon().name("serial-log-" + machineName).unstarted(this::writeLoop);
    }

    /**
     * Opens (creating when missing, appending otherwise) each output's file and attaches it to its port's hub.
     *
     * @param hubs the hub of each port by index (0 = COM1)
     * @throws IOException naming the port and the file when one cannot be opened; nothing stays attached then
     */
    public static SerialLogFiles open(List<SerialOutput> outputs, IntFunction<SerialHub> hubs, String machineName)
            throws IOException {
        List<PortLog> logs = new ArrayList<>();
        try {
            for (SerialOutput o : outputs) {
                logs.add(new PortLog(o, hubs.apply(o.port() - 1), openFile(o)));
            }
        } catch (IOException e) {
            for (PortLog l : logs) {
                l.closeQuietly();
            }
            throw e;
        }
        SerialLogFiles files = new SerialLogFiles(logs, machineName);
        for (PortLog l : logs) {
            l.hub.addListener(l);
        }
        if (files.writer != null) {
            files.writer.start();
        }
        return files;
    }

    private static OutputStream openFile(SerialOutput o) throws IOException {
        Path file = o.logFile().toAbsolutePath();
        String what = "COM" + o.port() + " log file " + o.logFile();
        Path dir = file.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException(what + ": the folder " + dir + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(what + ": is a folder, not a file");
        }
        try {
            return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        } catch (IOException e) {
            throw new IOException(what + ": cannot be opened for writing (" + e + ")", e);
        }
    }

    /** Writes out what is buffered, detaches from the hubs and closes the files. Idempotent. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        for (PortLog l : logs) {
            l.hub.removeListener(l);
        }
        if (writer != null) {
            synchronized (wakeup) {
                wakeup.notifyAll();
            }
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (PortLog l : logs) {
            l.drain();
            l.closeQuietly();
        }
    }

    private void writeLoop() {
        while (!closing) {
            synchronized (wakeup) {
                try {
                    wakeup.wait(FLUSH_INTERVAL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            for (PortLog l : logs) {
                l.drain();
            }
        }
    }

    /** One port: the hub listener's buffer and the file it is written to (by the writer thread only). */
    private static final class PortLog implements SerialHub.OutputListener {
        private final SerialOutput output;
        private final SerialHub hub;
        private final OutputStream file;
        private byte[] pending = new byte[256];
        private int pendingLength;
        private byte[] spare = new byte[256];
        private long dropped;
        private boolean failed;

        PortLog(SerialOutput output, SerialHub hub, OutputStream file) {
            this.output = output;
            this.hub = hub;
            this.file = file;
        }

        @Override
        public void output(int b) {
            synchronized (this) {
                if (pendingLength == pending.length) {
                    if (pending.length >= MAX_PENDING) {
                        dropped++;
                        return;
                    }
                    pending = java.util.Arrays.copyOf(pending, pending.length * 2);
                }
                pending[pendingLength++] = (byte) b;
            }
        }

        /** Moves the buffered bytes to the file and flushes it. Writer thread, or close after it stopped. */
        void drain() {
            byte[] chunk;
            int length;
            long lost;
            synchronized (this) {
                chunk = pending;
                length = pendingLength;
                lost = dropped;
                pending = spare.length >= chunk.length ? spare : new byte[chunk.length];
                pendingLength = 0;
                dropped = 0;
                spare = chunk;
            }
            if (lost > 0) {
                LOG.log(System.Logger.Level.WARNING, "COM" + output.port() + " log " + output.logFile() + ": " + lost
                        + " bytes dropped (the file is not written fast enough)");
            }
            if (length == 0 || failed) {
                return;
            }
            try {
                file.write(chunk, 0, length);
                file.flush();
            } catch (IOException e) {
                failed = true;
                LOG.log(System.Logger.Level.WARNING, "COM" + output.port() + " log " + output.logFile()
                        + ": writing failed, further output is discarded: " + e);
            }
        }

        void closeQuietly() {
            try {
                file.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "COM" + output.port() + " log " + output.logFile()
                        + ": closing failed: " + e);
            }
        }
    }
}
