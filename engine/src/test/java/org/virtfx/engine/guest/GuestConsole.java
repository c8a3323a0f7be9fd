package org.virtfx.engine.guest;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.machine.SerialHub;

/**
 * Drives a guest's serial console from a test like a person at a terminal: wait for text, type a line, read the
 * answer. Everything the guest printed is kept, so a failing test can show it.
 */
final class GuestConsole {
    private final Machine machine;
    private final SerialHub hub;
    private final StringBuilder all = new StringBuilder();
    private int consumed;

    GuestConsole(Machine machine) {
        this.machine = machine;
        this.hub = machine.serial(0);
        hub.addListener(b -> {
            synchronized (all) {
                all.append((char) b);
                all.notifyAll();
            }
        });
    }

    /** Waits until output after the last match contains {@code regex}; returns the match. */
    Matcher expect(String regex, long timeoutSeconds) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        synchronized (all) {
            while (true) {
                Matcher m = p.matcher(all);
                if (m.find(consumed)) {
                    consumed = m.end();
                    return m;
                }
                long left = end - System.nanoTime();
                if (left <= 0 || machine.state() == MachineState.CRASHED) {
                    throw new AssertionError("guest did not print /" + regex + "/ within " + timeoutSeconds + " s (state "
                            + machine.state() + (machine.crashReason() != null ? ": " + machine.crashReason() : "")
                            + "); it printed:\n" + tail(4000));
                }
                all.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    void type(String line) {
        hub.sendInput((line + "\r").getBytes(StandardCharsets.US_ASCII));
    }

    /** Runs a shell command and returns what it printed between two unique markers. */
    String run(String command, long timeoutSeconds) throws InterruptedException {
        String tag = "T" + Long.toHexString(System.nanoTime());
        type("echo " + tag + "-A; " + command + "; echo " + tag + "-B");
        expect("^" + tag + "-A\\r?$", timeoutSeconds);
        int start = consumed;
        expect("^" + tag + "-B\\r?$", timeoutSeconds);
        synchronized (all) {
            String s = all.substring(start, consumed);
            return s.substring(0, s.lastIndexOf(tag + "-B")).strip();
        }
    }

    /**
     * Runs a shell command and returns its one-word answer. The answer is printed after a unique tag on a line of its
     * own and found by that tag, so kernel messages printed to the same console before, between or after (the i8042
     * mouse probe, for one) cannot be mistaken for it.
     */
    String value(String command, long timeoutSeconds) throws InterruptedException {
        String tag = "V" + Long.toHexString(System.nanoTime());
        type("echo " + tag + "=$(" + command + ")");
        // The terminal's echo of the command line has "TAG=$(", never "TAG=<word><newline>"; the newline must have
        // arrived (the console fills byte by byte, and "$" alone would match a half-printed answer).
        return expect("^" + tag + "=([^\\s$(]*)\\r?\\n", timeoutSeconds).group(1);
    }

    String tail(int n) {
        synchronized (all) {
            return all.substring(Math.max(0, all.length() - n));
        }
    }
}
