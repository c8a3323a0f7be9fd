package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.engine.virtio.AnsweringBackend;

/**
 * Debian's amd64 cloud kernel (whose only network driver is virtio_net) drives the virtio-net card through the virtio
 * 1.x PCI transport: the MAC from the configuration space, a DHCP discover on the wire, and a ping answered by a test
 * backend that plays the host at 10.0.2.2 — transmit, receive and the interrupt in one boot. The guest boots the way
 * installed systems do, SeaBIOS and GRUB from the fixture ISO, so the card's BAR and INTx routing come from the
 * firmware's PCI set-up and ACPI tables (UserNetworkGuestTest covers direct boot).
 */
@Tag("guest")
class VirtioNetGuestTest {
    private static final String MAC = "52:54:00:12:34:56";

    @Test
    void amd64GuestThroughSeabiosSendsDhcpDiscoverAndPingsThroughVirtioNet() throws Exception {
        Path iso = GuestFixtures.grubIso(GuestFixtures.Arch.AMD64);
        assumeTrue(GuestFixtures.present(iso) && GuestFixtures.present(GuestFixtures.seabios()),
                "run 'virtfx guests fetch' first");
        AnsweringBackend backend = new AnsweringBackend();
        MachineConfig config = new MachineConfig("virtio-net-guest-test", 256 * MachineConfig.MIB, 1,
                GuestFixtures.seabios(), null, null, "", iso, List.of(), false, MachineConfig.TripleFaultAction.CRASH,
                null, List.of(new NicConfig("virtio-net", MAC, NicConfig.USER)));
        try (Machine m = new Machine(config, new PcBoardFactory(null, nic -> backend))) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect(GuestFixtures.MARKER, 900);
            console.expect("virtfx# ", 60);
            assertEquals(MAC, console.value("cat /sys/class/net/eth0/address", 120), console.tail(3000));
            console.run("ip link set eth0 up; udhcpc -i eth0 -n -q -t 2 -T 1 >/dev/null 2>&1", 120);
            byte[] mac = new NicConfig("virtio-net", MAC, NicConfig.USER).macBytes();
            assertTrue(backend.sent().stream().anyMatch(f -> isDhcpDiscover(f, mac)),
                    "a DHCP discover from " + MAC + " reached the backend; frames: " + backend.sent().size());
            assertEquals("answered", console.value("ip addr add 10.0.2.15/24 dev eth0; ping -c 1 -W 10 10.0.2.2 "
                    + ">/dev/null && echo answered", 180), console.tail(3000));
            NetCounters counters = m.board().flatMap(b -> b.lookup(NetCounters.class)).orElseThrow();
            assertTrue(counters.rxFrames() >= 2 && counters.txFrames() >= 3, "ARP and ICMP both ways counted: rx "
                    + counters.rxFrames() + ", tx " + counters.txFrames());
        }
        assertTrue(backend.closed(), "the board closes the backend with the machine");
    }

    /** Ethernet from {@code mac}, IPv4, UDP to port 67, BOOTP request with the DHCP magic and message type 1. */
    private static boolean isDhcpDiscover(byte[] f, byte[] mac) {
        if (f.length < 14 + 20 + 8 + 240 || !Arrays.equals(f, 6, 12, mac, 0, 6) || f[12] != 8 || f[13] != 0) {
            return false;
        }
        int udp = 14 + (f[14] & 0x0F) * 4;
        int bootp = udp + 8;
        boolean toServer = f[23] == 17 && (f[udp + 2] & 0xFF) == 0 && (f[udp + 3] & 0xFF) == 67;
        boolean magic = (f[bootp + 236] & 0xFF) == 99 && (f[bootp + 237] & 0xFF) == 130 && (f[bootp + 238] & 0xFF) == 83
                && (f[bootp + 239] & 0xFF) == 99;
        if (!toServer || f[bootp] != 1 || !magic) {
            return false;
        }
        for (int o = bootp + 240; o + 2 < f.length && (f[o] & 0xFF) != 255; o += (f[o] & 0xFF) == 0 ? 1 : 2 + (f[o + 1] & 0xFF)) {
            if ((f[o] & 0xFF) == 53) {
                return f[o + 2] == 1;
            }
        }
        return false;
    }
}
