package org.virtfx.engine.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtfx.engine.machine.SerialHub;

/**
 * Connects a serial port's host end to the terminal (`stdio`), a file (`file:PATH`) or nothing (`none`). On a
 * terminal, line editing and echo are switched off while the VM runs (the guest echoes), but Ctrl+C still stops the
 * VM; the terminal is restored on exit.
 */
final class SerialBackend implements Closeable {
    private final OutputStream out;
    private final boolean ownsOut;
    private final Thread reader;
    private final boolean restoreTty;

    private SerialBackend(OutputStream out, boolean ownsOut, Thread reader, boolean restoreTty) {
        this.out = out;
        this.ownsOut = ownsOut;
        this.reader = reader;
        this.restoreTty = restoreTty;
    }

    static SerialBackend open(String spec, SerialHub hub, InputStream stdin, OutputStream stdout) throws IOException {
        if (spec.equals("none")) {
            return new SerialBackend(null, false, null, false);
        }
        if (spec.startsWith("file:")) {
            Path p = Path.of(spec.substring(5));
            OutputStream o = Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            hub.addListener(b -> write(o, b));
            hub.setConnected(true);
            return new SerialBackend(o, true, null, false);
        }
        boolean tty = stdin == System.in && System.console() != null && setTty("-icanon -echo min 1");
        hub.addListener(b -> write(stdout, b));
        hub.setConnected(true);
        Thread reader = Thread.ofPlatform().daemon().name("serial-stdin").start(() -> {
            byte[] buf = new byte[256];
            try {
                int n;
                while ((n = stdin.read(buf)) > 0) {
                    byte[] chunk = java.util.Arrays.copyOf(buf, n);
                    if (!tty) {
                        // A pipe gives "\n" line ends; a serial terminal sends CR for Enter.
                        for (int i = 0; i < chunk.length; i++) {
                            if (chunk[i] == '\n') {
                                chunk[i] = '\r';
                            }
                        }
                    }
                    hub.sendInput(chunk);
                }
            } catch (IOException e) {
                // stdin closed: the guest just gets no more input
            }
        });
        return new SerialBackend(stdout, false, reader, tty);
    }

    private static void write(OutputStream o, int b) {
        try {
            o.write(b);
            if (b == '\n' || b == ' ' || b == '#' || b == '$') {
                o.flush();
            }
        } catch (IOException e) {
            // the terminal or file went away; keep the guest running
        }
    }

    private static boolean setTty(String mode) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "stty " + mode + " < /dev/tty").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.flush();
            if (ownsOut) {
                out.close();
            }
        }
        if (restoreTty) {
            setTty("sane");
        }
        if (reader != null) {
            reader.interrupt();
        }
    }
}
