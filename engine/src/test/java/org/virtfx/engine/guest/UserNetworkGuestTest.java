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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
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
 * What a user of `--nic user` does, in one boot of Debian's amd64 cloud kernel on virtio-net: DHCP gives 10.0.2.15,
 * the gateway answers ping, a name is looked up through 10.0.2.3, files come from and go to an HTTP server on the
 * host's 127.0.0.1 (10.0.2.2 to the guest; megabytes both ways, checked by md5), and a host port forward reaches a
 * web server in the guest.
 */
@Tag("guest")
class UserNetworkGuestTest {
    @Test
    void amd64GuestLeasesPingsResolvesMovesMegabytesAndIsReachedThroughAForward() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.AMD64)), "run 'virtfx guests fetch' first");
        String fileText = "virtfx-host-file-" + Long.toHexString(System.nanoTime());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/file", exchange -> {
            byte[] body = (fileText + "\n").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        byte[] payload = new byte[3 << 20];
        new Random(7).nextBytes(payload);
        String payloadMd5 = md5(payload);
        AtomicReference<byte[]> uploaded = new AtomicReference<>();
        server.createContext("/data", ex -> {
            ex.sendResponseHeaders(200, payload.length);
            ex.getResponseBody().write(payload);
            ex.close();
        });
        server.createContext("/upload", ex -> {
            uploaded.set(ex.getRequestBody().readAllBytes());
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.US_ASCII));
            ex.close();
        });
        server.start();
        int port = server.getAddress().getPort();
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
            assertEquals(fileText, console.value("wget -q -O - http://10.0.2.2:" + port + "/file", 180),
                    console.tail(3000));
            String lookup = console.run("nslookup localhost 10.0.2.3 2>&1", 120);
            assertTrue(lookup.contains("127.0.0.1"), lookup);

            long t0 = System.nanoTime();
            assertEquals(payloadMd5, console.value("wget -q -O /tmp/data http://10.0.2.2:" + port
                    + "/data && md5sum /tmp/data | cut -d' ' -f1", 600), console.tail(3000));
            long t1 = System.nanoTime();
            // busybox wget posts a file as a C string, so the upload is text: the download in base64 (4 MiB).
            String upMd5 = console.value("base64 /tmp/data > /tmp/up && md5sum /tmp/up | cut -d' ' -f1", 300);
            assertEquals("ok", console.value("wget -q -O - --post-file /tmp/up http://10.0.2.2:" + port
                    + "/upload", 600), console.tail(3000));
            long t2 = System.nanoTime();
            System.out.printf("user network guest: 3 MiB wget download + md5sum %.1f s, base64 + md5sum + 4 MiB upload"
                    + " %.1f s (software CPU)%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            assertTrue(uploaded.get().length > payload.length * 4 / 3, "upload size " + uploaded.get().length);
            assertEquals(upMd5, md5(uploaded.get()), "upload arrived byte-exact");

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

    private static String md5(byte[] data) throws java.security.NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
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
