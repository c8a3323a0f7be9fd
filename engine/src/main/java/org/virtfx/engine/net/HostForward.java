package org.virtfx.engine.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A port the host listens on whose connections (or datagrams) go to a port of the guest, written as QEMU's
 * {@code hostfwd} is: {@code [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT} (protocol empty
 * for tcp; host address default 127.0.0.1 — unlike QEMU's "any", so a forward never opens the guest to the LAN
 * unless asked; guest address default: the address the guest leased by DHCP).
 *
 * @param udp          datagrams instead of a stream
 * @param hostAddress  where the host listens
 * @param hostPort     host port, 1..65535 (0: any free port, reported after start)
 * @param guestAddress guest address, or null for the DHCP lease
 * @param guestPort    guest port, 1..65535
 */
public record HostForward(boolean udp, InetAddress hostAddress, int hostPort, InetAddress guestAddress, int guestPort) {
    private static final Pattern SYNTAX = Pattern.compile(
            "(tcp|udp)?:([^:\\-]*):(\\d{1,5})-([^:\\-]*):(\\d{1,5})");

    public HostForward {
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port " + hostPort + " is not in 0..65535");
        }
        if (guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("guest port " + guestPort + " is not in 1..65535");
        }
    }

    /** Parses QEMU's hostfwd syntax; the message of the exception names the text and what is wrong with it. */
    public static HostForward parse(String text) {
        Matcher m = SYNTAX.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("port forward '" + text
                    + "' is not [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
        }
        try {
            boolean udp = "udp".equals(m.group(1));
            InetAddress host = m.group(2).isEmpty() ? InetAddress.getLoopbackAddress() : numeric(m.group(2));
            InetAddress guest = m.group(4).isEmpty() ? null : numeric(m.group(4));
            return new HostForward(udp, host, Integer.parseInt(m.group(3)), guest, Integer.parseInt(m.group(5)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("port forward '" + text + "': " + e.getMessage(), e);
        }
    }

    /** An IPv4 literal only: a forward never waits on a name lookup. */
    private static InetAddress numeric(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("\\d{1,3}") || Integer.parseInt(parts[i]) > 255) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
            }
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Back to the syntax {@link #parse} reads. */
    @Override
    public String toString() {
        return (udp ? "udp" : "tcp") + ":" + hostAddress.getHostAddress() + ":" + hostPort + "-"
                + (guestAddress == null ? "" : guestAddress.getHostAddress()) + ":" + guestPort;
    }
}
