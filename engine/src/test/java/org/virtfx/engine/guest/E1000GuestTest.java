package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.platform.PcBoardFactory;

/**
 * Debian's i386 kernel drives the e1000 card with its own e1000 driver (the 82540EM path: reset through the I/O BAR,
 * MAC from the Microwire EEPROM, M88 PHY link): the MAC shows on eth0, udhcpc leases 10.0.2.15, ping to 10.0.2.2 is
 * answered, and a DNS query sent with UDP checksum offload is answered (the backend answers only a correct checksum).
 */
@Tag("guest")
class E1000GuestTest {
    private static final String MAC = "52:54:00:12:34:56";

    @Test
    void i386GuestLeasesAddressAndPingsThroughE1000() throws Exception {
        Path initramfs = GuestFixtures.initramfs(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.I386)), "run 'virtfx guests fetch' first");
        assumeTrue(new String(Files.readAllBytes(initramfs), StandardCharsets.ISO_8859_1).contains("e1000.ko"),
                "the fixture initramfs has no e1000 module (recipe 6): run 'virtfx guests fetch'");
        LanStub lan = new LanStub();
        MachineConfig config = new MachineConfig("e1000-guest-test", 256 * MachineConfig.MIB, 1, null,
                GuestFixtures.kernel(GuestFixtures.Arch.I386), initramfs,
                "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS, null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH, null, List.of(new NicConfig("e1000", MAC, NicConfig.USER)));
        try (Machine m = new Machine(config, new PcBoardFactory(null, nic -> lan))) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect(GuestFixtures.MARKER, 900);
            console.expect("virtfx# ", 60);
            assertEquals("e1000", console.value("basename $(readlink /sys/class/net/eth0/device/driver)", 120),
                    console.tail(3000));
            assertEquals(MAC, console.value("cat /sys/class/net/eth0/address", 60), console.tail(3000));
            console.run("printf '#!/bin/sh\\n[ \"$1\" = bound ] && ip addr add $ip/$mask dev $interface\\nexit 0\\n'"
                    + " > /tmp/dhcp.sh; chmod +x /tmp/dhcp.sh; ip link set eth0 up", 60);
            assertEquals("10.0.2.15", console.value("udhcpc -i eth0 -n -q -t 5 -T 2 -s /tmp/dhcp.sh >/dev/null 2>&1;"
                    + " ip -4 addr show eth0 | grep -o '10\\.0\\.2\\.[0-9]*' | head -n 1", 180), console.tail(3000));
            assertEquals("answered", console.value("ping -c 1 -W 10 10.0.2.2 >/dev/null && echo answered", 180),
                    console.tail(3000) + " " + lan.events());
            assertEquals("10.0.2.99", console.value("nslookup -type=a virtfx.test 10.0.2.2 2>/dev/null"
                    + " | grep -o '10\\.0\\.2\\.99' | head -n 1", 120), console.tail(3000) + " " + lan.events());
            assertTrue(!lan.events().contains("udp-bad-checksum"), "UDP checksums inserted by the card are right");
            NetCounters counters = m.board().flatMap(b -> b.lookup(NetCounters.class)).orElseThrow();
            assertTrue(counters.rxFrames() >= 4 && counters.txFrames() >= 5, "DHCP, ARP, ICMP and UDP counted: rx "
                    + counters.rxFrames() + ", tx " + counters.txFrames());
        }
    }
}
