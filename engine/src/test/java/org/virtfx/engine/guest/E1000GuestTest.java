package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.user.UserNetwork;
import org.virtfx.engine.platform.PcBoardFactory;

/**
 * Debian's i386 kernel drives the e1000 card with its own e1000 driver (the 82540EM path: reset through the I/O BAR,
 * MAC from the Microwire EEPROM, M88 PHY link) on the user network, as {@code --nic user,model=e1000}: the MAC shows
 * on eth0, udhcpc leases 10.0.2.15, ping to 10.0.2.2 is answered, and a TCP connection to the host carries 256 KiB
 * each way intact. The upload goes out as TSO super-packets with checksum offload (the driver's defaults for this
 * card); the user network verifies every IP and TCP checksum and counts what it drops.
 */
@Tag("guest")
class E1000GuestTest {
    private static final String MAC = "52:54:00:12:34:56";
    private static final int BYTES = 256 * 1024;

    @Test
    void i386GuestLeasesPingsAndMovesTcpDataThroughE1000() throws Exception {
        Path initramfs = GuestFixtures.initramfs(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.I386)), "run 'virtfx guests fetch' first");
        assumeTrue(new String(Files.readAllBytes(initramfs), StandardCharsets.ISO_8859_1).contains("e1000.ko"),
                "the fixture initramfs has no e1000 module (recipe 6): run 'virtfx guests fetch'");
        byte[] download = new byte[BYTES];
        new Random(82540).nextBytes(download);
        UserNetwork[] network = new UserNetwork[1];
        MachineConfig config = new MachineConfig("e1000-guest-test", 256 * MachineConfig.MIB, 1, null,
                GuestFixtures.kernel(GuestFixtures.Arch.I386), initramfs,
                "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS, null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH, null, List.of(new NicConfig("e1000", MAC, NicConfig.USER)));
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Machine m = new Machine(config, new PcBoardFactory(null, nic -> network[0] = new UserNetwork(nic.forwards())))) {
            CompletableFuture<String> uploaded = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    String md5 = md5(in.readNBytes(BYTES));
                    out.write(download);
                    return md5;
                } catch (Exception e) {
                    return e.toString();
                }
            });
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
                    console.tail(3000));
            String upload = "head -c " + BYTES + " /bin/busybox";
            assertEquals(md5(download), console.value(upload + " | nc 10.0.2.2 " + server.getLocalPort()
                    + " | md5sum | cut -d' ' -f1", 600), console.tail(3000));
            assertEquals(console.value(upload + " | md5sum | cut -d' ' -f1", 120), uploaded.get(60, TimeUnit.SECONDS),
                    "what the host received is what the guest sent");
            assertEquals(0, network[0].malformedFrames(), "no frame with a bad checksum or length left the card");
            NetCounters counters = m.board().flatMap(b -> b.lookup(NetCounters.class)).orElseThrow();
            assertTrue(counters.rxBytes() > BYTES && counters.txBytes() > BYTES, "both directions counted: rx "
                    + counters.rxBytes() + " bytes, tx " + counters.txBytes() + " bytes");
        }
    }

    private static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }
}
