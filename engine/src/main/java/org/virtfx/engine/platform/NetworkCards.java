package org.virtfx.engine.platform;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.virtfx.engine.devices.net.E1000;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.net.user.UserNetwork;
import org.virtfx.engine.pci.PciDevice;
import org.virtfx.engine.virtio.VirtioNet;
import org.virtfx.engine.virtio.VirtioPci;

/**
 * The network card models a {@link PcBoard} can plug in, by the name {@link NicConfig#model()} gives, and the
 * backends behind them. Adding a model is one entry in {@link #MODELS}.
 */
public final class NetworkCards {
    /** The model `virtfx run --nic` uses when none is named: the one Debian's cloud kernels have a driver for. */
    public static final String DEFAULT_MODEL = "virtio-net";

    /** A card as the board plugs it in: the PCI function, and the receive path its backend delivers to. */
    public record Card(PciDevice device, GuestPort port) {
    }

    /** Builds one card; {@code backend} is null when the cable is unplugged (network "none"). */
    @FunctionalInterface
    public interface Model {
        Card create(MachineContext ctx, PhysicalMemory memory, byte[] mac, NetworkBackend backend, NetCounters counters);
    }

    /** Opens the backend of one card (not started yet), or returns null for a card without a network. */
    @FunctionalInterface
    public interface Backends {
        NetworkBackend open(NicConfig nic) throws IOException;
    }

    private static final Map<String, Model> MODELS = new TreeMap<>(Map.of(
            "e1000", (ctx, mem, mac, backend, counters) -> { E1000 e = new E1000(ctx, mem, mac, backend, counters); return new Card(e, e); },
            "virtio-net", NetworkCards::virtioNet));

    private NetworkCards() {
    }

    private static Card virtioNet(MachineContext ctx, PhysicalMemory memory, byte[] mac, NetworkBackend backend,
                                  NetCounters counters) {
        VirtioNet net = new VirtioNet(ctx, mac, backend, counters);
        return new Card(new VirtioPci(ctx, memory, net), net);
    }

    /** The emulated models, sorted. */
    public static List<String> models() {
        return List.copyOf(MODELS.keySet());
    }

    /** The model called {@code name}; an unknown one is an error naming it and the models there are. */
    public static Model model(String name) {
        Model m = MODELS.get(name);
        if (m == null) {
            throw new IllegalArgumentException("network card model '" + name + "' is not emulated (emulated: "
                    + String.join(", ", models()) + ")");
        }
        return m;
    }

    /** The backends of a real machine: the user-mode network for "user", none for "none". */
    public static final Backends DEFAULT_BACKENDS = nic ->
            NicConfig.USER.equals(nic.network()) ? new UserNetwork(nic.forwards()) : null;
}
