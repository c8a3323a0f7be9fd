package org.virtfx.engine.library;

import java.security.SecureRandom;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * MAC addresses for virtual network cards: QEMU's locally administered prefix {@code 52:54:00} and three random
 * bytes, as virt-manager and libvirt generate them, so that two clones never share an address on one network.
 */
public final class MacAddresses {
    public static final String PREFIX = "52:54:00";
    private static final Pattern FORMAT = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private MacAddresses() {
    }

    /** A new address with the QEMU prefix that is not in {@code taken}. */
    public static String random(Collection<String> taken) {
        while (true) {
            byte[] b = new byte[3];
            RANDOM.nextBytes(b);
            String mac = PREFIX + ":" + HexFormat.ofDelimiter(":").formatHex(b);
            if (taken.stream().noneMatch(t -> t.equalsIgnoreCase(mac))) {
                return mac;
            }
        }
    }

    /**
     * Normalises {@code mac} to lower case; refuses a malformed address and a multicast one (lowest bit of the first
     * byte set), which a network card cannot own.
     */
    public static String parse(String mac) {
        if (mac == null || !FORMAT.matcher(mac).matches()) {
            throw new IllegalArgumentException("not a MAC address: '" + mac + "' (expected six hex bytes like 52:54:00:12:34:56)");
        }
        if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            throw new IllegalArgumentException("MAC address " + mac + " is a multicast address; a network card needs a unicast one");
        }
        return mac.toLowerCase(Locale.ROOT);
    }
}
