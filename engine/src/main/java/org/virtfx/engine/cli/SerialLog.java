package org.virtfx.engine.cli;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The recent serial output (last 1 MiB) for `--expect-serial`. Bytes arrive on engine threads; matching runs on the
 * runner's thread and only when something new arrived.
 */
final class SerialLog {
    private static final int KEEP = 1 << 20;
    private byte[] buf = new byte[4096];
    private int len;
    private boolean changed;

    synchronized void append(int b) {
        if (len == buf.length) {
            if (buf.length < KEEP) {
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            } else {
                System.arraycopy(buf, KEEP / 2, buf, 0, len - KEEP / 2);
                len -= KEEP / 2;
            }
        }
        buf[len++] = (byte) b;
        changed = true;
    }

    synchronized boolean matches(Pattern p) {
        if (!changed) {
            return false;
        }
        changed = false;
        return p.matcher(new String(buf, 0, len, StandardCharsets.ISO_8859_1)).find();
    }

    synchronized String text() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
