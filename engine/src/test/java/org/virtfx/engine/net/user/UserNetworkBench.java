package org.virtfx.engine.net.user;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Bulk TCP throughput through the user network alone (no guest CPU): the raw-frame test guest against a host socket
 * on 127.0.0.1 via 10.0.2.2, host -> guest then guest -> host. Prints MB/s; asserts nothing about speed. Not run by
 * the suite (the name does not end in Test); run it with
 * {@code mvn -B -q -o -pl engine test -Dtest=UserNetworkBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class UserNetworkBench {
    private static final int MB = 1 << 20;

    @Test
    void bulkTransferBothDirections() throws Exception {
        int size = Integer.getInteger("virtfx.bench.mb", 64) * MB;
        byte[] data = new byte[size];
        new java.util.Random(1).nextBytes(data);
        for (int round = 0; round < 2; round++) {
            double down = transfer(data, true);
            double up = transfer(data, false);
            System.out.printf("user network TCP, %d MiB: host->guest %.1f MB/s, guest->host %.1f MB/s%n",
                    size / MB, down, up);
        }
    }

    private static double transfer(byte[] data, boolean hostToGuest) throws Exception {
        TestGuest guest = new TestGuest();
        try (UserNetwork network = new UserNetwork(List.of());
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            network.start(guest);
            CompletableFuture<Long> host = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    if (hostToGuest) {
                        OutputStream out = s.getOutputStream();
                        out.write(data);
                        s.shutdownOutput();
                        return (long) s.getInputStream().readAllBytes().length;
                    }
                    InputStream in = s.getInputStream();
                    long n = 0;
                    byte[] buf = new byte[65536];
                    for (int r; (r = in.read(buf)) > 0; ) {
                        n += r;
                    }
                    return n;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            TestTcp tcp = new TestTcp(guest, network, 45000, UserNetwork.GATEWAY, server.getLocalPort());
            long start = System.nanoTime();
            tcp.connect();
            if (hostToGuest) {
                tcp.closeAfterSending = true;
                tcp.run(() -> tcp.peerFin && tcp.finAcked, 600_000);
                tcp.assertReceived(data);
            } else {
                tcp.outgoing = data;
                tcp.closeAfterSending = true;
                tcp.run(() -> tcp.finAcked, 600_000);
                if (host.get(60, TimeUnit.SECONDS) != data.length) {
                    throw new AssertionError("host received " + host.get() + " bytes of " + data.length);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return data.length / 1e6 / seconds;
        }
    }
}
