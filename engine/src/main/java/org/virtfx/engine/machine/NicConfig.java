package org.virtfx.engine.machine;

import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.library.MacAddresses;
import org.virtfx.engine.net.HostForward;

/**
 * One network card of a machine: what `virtfx run --nic` and a library definition's NICs turn into. Which models
 * exist is the board's business (an unknown one is reported when the machine starts, naming it).
 *
 * @param model    the card the guest sees ("virtio-net", "e1000" ...)
 * @param mac      its MAC address, six colon-separated hex bytes, unicast
 * @param network  {@link #USER} (NAT through the host's sockets) or {@link #NONE} (card present, cable unplugged)
 * @param forwards host ports forwarded into the guest (user network only)
 */
public record NicConfig(String model, String mac, String network, List<HostForward> forwards) {
    public static final String USER = "user";
    public static final String NONE = "none";
    /** QEMU's first default MAC address; further cards count up from it as QEMU's do. */
    public static final String DEFAULT_MAC = "52:54:00:12:34:56";

    public NicConfig {
        Objects.requireNonNull(model, "model");
        if (model.isBlank()) {
            throw new IllegalArgumentException("network card model must not be empty");
        }
        mac = MacAddresses.parse(mac);
        if (!USER.equals(network) && !NONE.equals(network)) {
            throw new IllegalArgumentException("network must be '" + USER + "' or '" + NONE + "', got '" + network + "'");
        }
        forwards = List.copyOf(forwards == null ? List.of() : forwards);
        if (!forwards.isEmpty() && !USER.equals(network)) {
            throw new IllegalArgumentException("port forwards need the user network, not '" + network + "'");
        }
    }

    /** A card without port forwards. */
    public NicConfig(String model, String mac, String network) {
        this(model, mac, network, List.of());
    }

    /** The MAC address as six bytes. */
    public byte[] macBytes() {
        return HexFormat.ofDelimiter(":").parseHex(mac);
    }

    /** The default MAC address of the {@code index}th card (0-based): 52:54:00:12:34:56, ...:57 and so on. */
    public static String defaultMac(int index) {
        byte[] b = HexFormat.ofDelimiter(":").parseHex(DEFAULT_MAC);
        b[5] = (byte) (b[5] + index);
        return HexFormat.ofDelimiter(":").formatHex(b);
    }
}
