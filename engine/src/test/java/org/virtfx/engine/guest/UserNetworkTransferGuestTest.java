package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import org.virtfx.engine.platform.PcBoardFactory;

/**
 * The user network under load from a real Linux guest (Debian's amd64 kernel, busybox, virtio-net): after udhcpc,
 * a name lookup through 10.0.2.3 and megabytes both ways between the guest's wget and a host HTTP server at
 * 10.0.2.2, checked by md5. (UserNetworkGuestTest covers the first steps: lease, ping, a small file, a forward.)
 */
@Tag("guest")
class UserNetworkTransferGuestTest {
    @Test
    void amd64GuestResolvesAndMovesMegabytesBothWays() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.AMD64)),
                "run 'virtfx guests fetch' first");
        byte[] payload = new byte[3 << 20];
        new Random(7).nextBytes(payload);
        String payloadMd5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(payload));
        AtomicReference<byte[]> uploaded = new AtomicReference<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/data", ex -> {
            ex.sendResponseHeaders(200, payload.length);
            ex.getResponseBody().write(payload);
            ex.close();
        });
        http.createContext("/upload", ex -> {
            uploaded.set(ex.getRequestBody().readAllBytes());
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.US_ASCII));
            ex.close();
        });
        http.start();
        MachineConfig config = new MachineConfig("usernet-transfer-guest-test", 256 * MachineConfig.MIB, 1, null,
                GuestFixtures.kernel(GuestFixtures.Arch.AMD64), GuestFixtures.initramfs(GuestFixtures.Arch.AMD64),
                "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS, null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH, null,
                List.of(new NicConfig("virtio-net", NicConfig.DEFAULT_MAC, NicConfig.USER)));
        int port = http.getAddress().getPort();
        try (Machine m = new Machine(config, new PcBoardFactory())) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect(GuestFixtures.MARKER, 900);
            console.expect("virtfx# ", 60);
            console.run("udhcpc -i eth0 -n -q -t 5 -T 2 2>&1", 180);
            assertEquals("10.0.2.15/24", console.value("ip -4 -o addr show eth0 | awk '{print $4}'", 60),
                    console.tail(3000));
            assertEquals("nameserver 10.0.2.3", console.run("cat /etc/resolv.conf", 60));
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
            assertEquals(upMd5, HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(uploaded.get())),
                    "upload arrived byte-exact");
        } finally {
            http.stop(0);
        }
    }
}
