package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.net.HostForward;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.platform.PcBoardFactory;

/**
 * What a user of `--nic user` does first, in one boot of Debian's amd64 cloud kernel on virtio-net: DHCP gives
 * 10.0.2.15, the gateway answers ping, a file comes from an HTTP server on the host's 127.0.0.1 (10.0.2.2 to the
 * guest), and a host port forward reaches a web server in the guest.
 */
@Tag("guest")
class UserNetworkGuestTest {
    @Test
    void amd64GuestLeasesPingsFetchesAndIsReachedThroughAForward() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.AMD64)), "run 'virtfx guests fetch' first");
        String fileText = "virtfx-host-file-" + Long.toHexString(System.nanoTime());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/file", exchange -> {
            byte[] body = (fileText + "\n").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        int hostPort = freePort();
        NicConfig nic = new NicConfig("virtio-net", NicConfig.defaultMac(0), NicConfig.USER,
                List.of(HostForward.parse("tcp::" + hostPort + "-:8080")));
        MachineConfig config = new MachineConfig("user-network-guest-test", 256 * MachineConfig.MIB, 1, null,
                GuestFixtures.kernel(GuestFixtures.Arch.AMD64), GuestFixtures.initramfs(GuestFixtures.Arch.AMD64),
                "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS, null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH, null, List.of(nic));
        try (Machine m = new Machine(config, new PcBoardFactory())) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect(GuestFixtures.MARKER, 900);
            console.expect("virtfx# ", 60);
            console.run("udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1", 180);
            assertEquals("10.0.2.15", console.value("ip -4 addr show dev eth0 | grep -o '10\\.0\\.2\\.15'", 60),
                    console.tail(3000));
            assertEquals("10.0.2.2", console.value("ip route | grep ^default | grep -o '10\\.0\\.2\\.2'", 60),
                    "default route from the lease");
            assertEquals("10.0.2.3", console.value("grep -o '10\\.0\\.2\\.3' /etc/resolv.conf", 60), "DNS from the lease");
            assertEquals("answered", console.value("ping -c 1 -W 10 10.0.2.2 >/dev/null && echo answered", 120),
                    console.tail(3000));
            assertEquals(fileText, console.value("wget -q -O - http://10.0.2.2:" + server.getAddress().getPort()
                    + "/file", 180), console.tail(3000));

            String page = "virtfx-guest-page-" + Long.toHexString(System.nanoTime());
            assertEquals("serving", console.value("mkdir -p /www && echo " + page + " > /www/index.html && httpd -p 8080 "
                    + "-h /www && echo serving", 60));
            String got = httpGet(hostPort);
            assertTrue(got.startsWith("HTTP/1.") && got.contains(page), got);

            NetCounters counters = m.board().flatMap(b -> b.lookup(NetCounters.class)).orElseThrow();
            assertTrue(counters.rxBytes() > fileText.length() && counters.txFrames() > 4,
                    "rx " + counters.rxBytes() + " bytes, tx " + counters.txFrames() + " frames");
        } finally {
            server.stop(0);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A plain HTTP/1.0 GET of "/" through the forward; the guest's answer, whole. */
    private static String httpGet(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(120_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: guest\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
