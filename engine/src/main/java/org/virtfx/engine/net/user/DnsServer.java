package org.virtfx.engine.net.user;

import static org.virtfx.engine.net.user.Packets.*;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The DNS server at 10.0.2.3. A queries are answered through the host's own resolver ({@link InetAddress}, on a
 * worker thread so a slow lookup never stalls the network): the guest then sees what host programs see, /etc/hosts
 * included. AAAA queries get an empty answer at once, because this network carries IPv4 only and a guest handed an
 * IPv6 address would only time out on it. Every other query type (MX, TXT, SRV, PTR...) is forwarded as it is to the
 * first nameserver of the host's /etc/resolv.conf through the UDP NAT, so all record types keep working.
 */
final class DnsServer {
    private static final int TYPE_A = 1;
    private static final int TYPE_AAAA = 28;
    private static final int CLASS_IN = 1;
    private static final int RCODE_SERVFAIL = 2;
    private static final int RCODE_NXDOMAIN = 3;
    private static final int RCODE_FORMERR = 1;
    private static final int TTL_SECONDS = 60;
    private static final int MAX_PENDING_LOOKUPS = 64;

    private final UserNetwork network;
    private ThreadPoolExecutor lookups;
    private int upstream;
    private boolean upstreamRead;

    DnsServer(UserNetwork network) {
        this.network = network;
    }

    /** A query from guestIp:guestPort to 10.0.2.3:53; the DNS message is {@code len} bytes at {@code off}. */
    void query(int guestIp, int guestPort, byte[] f, int off, int len) {
        if (len < 12 || len > 512) {
            network.dropMalformed("DNS query");
            return;
        }
        byte[] q = java.util.Arrays.copyOfRange(f, off, off + len);
        if ((q[2] & 0x80) != 0) {
            return; // a response: not for a server
        }
        int questions = u16(q, 4);
        int nameEnd = questions == 1 && (q[2] & 0x78) == 0 ? skipName(q, 12) : -1;
        if (nameEnd < 0 || nameEnd + 4 > len) {
            answer(guestIp, guestPort, error(q, len, RCODE_FORMERR));
            return;
        }
        int type = u16(q, nameEnd);
        int qclass = u16(q, nameEnd + 2);
        int questionEnd = nameEnd + 4;
        if (qclass == CLASS_IN && type == TYPE_A) {
            String name = readName(q, 12);
            try {
                executor().execute(() -> {
                    byte[] response = resolve(q, questionEnd, name);
                    network.post(() -> answer(guestIp, guestPort, response));
                });
            } catch (RejectedExecutionException e) {
                network.warnOnce("dns busy", "user network: too many DNS lookups at once; dropping queries");
            }
        } else if (qclass == CLASS_IN && type == TYPE_AAAA) {
            answer(guestIp, guestPort, response(q, questionEnd, 0, List.of()));
        } else {
            int server = upstream();
            if (server == 0) {
                answer(guestIp, guestPort, error(q, len, RCODE_SERVFAIL));
            } else {
                network.udp.forwardDns(guestIp, guestPort, server, q);
            }
        }
    }

    void close() {
        if (lookups != null) {
            lookups.shutdownNow();
        }
    }

    private ThreadPoolExecutor executor() {
        if (lookups == null) {
            lookups = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(MAX_PENDING_LOOKUPS),
                    r -> Thread.ofPlatform().daemon().name("virtfx-usernet-dns").unstarted(r));
            lookups.allowCoreThreadTimeOut(true);
        }
        return lookups;
    }

    /** Worker thread: the host resolver's IPv4 addresses for the name, as a DNS response. */
    private static byte[] resolve(byte[] q, int questionEnd, String name) {
        try {
            List<Integer> addresses = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(name)) {
                if (a instanceof Inet4Address) {
                    addresses.add(ip(a));
                }
            }
            return response(q, questionEnd, 0, addresses);
        } catch (UnknownHostException e) {
            return response(q, questionEnd, RCODE_NXDOMAIN, List.of());
        } catch (RuntimeException e) {
            return response(q, questionEnd, RCODE_SERVFAIL, List.of());
        }
    }

    private void answer(int guestIp, int guestPort, byte[] message) {
        network.udp.sendToGuest(UserNetwork.DNS, 53, guestIp, guestPort, message, 0, message.length);
    }

    /** Header + the question + one A record per address (name by pointer to the question). */
    static byte[] response(byte[] q, int questionEnd, int rcode, List<Integer> addresses) {
        byte[] r = new byte[questionEnd + 16 * addresses.size()];
        System.arraycopy(q, 0, r, 0, questionEnd);
        r[2] = (byte) (0x80 | (q[2] & 0x79)); // QR, opcode and RD copied
        r[3] = (byte) (0x80 | rcode); // RA
        put16(r, 4, 1);
        put16(r, 6, addresses.size());
        put16(r, 8, 0);
        put16(r, 10, 0);
        int o = questionEnd;
        for (int a : addresses) {
            put16(r, o, 0xC00C);
            put16(r, o + 2, TYPE_A);
            put16(r, o + 4, CLASS_IN);
            put32(r, o + 6, TTL_SECONDS);
            put16(r, o + 10, 4);
            put32(r, o + 12, a);
            o += 16;
        }
        return r;
    }

    private static byte[] error(byte[] q, int len, int rcode) {
        byte[] r = new byte[12];
        System.arraycopy(q, 0, r, 0, 12);
        r[2] = (byte) (0x80 | (q[2] & 0x79));
        r[3] = (byte) (0x80 | rcode);
        return r;
    }

    /** The offset just after an uncompressed name starting at {@code o}, or -1 when it is malformed. */
    static int skipName(byte[] q, int o) {
        int total = 0;
        while (o < q.length) {
            int n = q[o] & 0xFF;
            if (n == 0) {
                return o + 1;
            }
            if (n > 63 || (total += n + 1) > 255) {
                return -1; // compression pointers have no place in a question
            }
            o += n + 1;
        }
        return -1;
    }

    static String readName(byte[] q, int o) {
        StringBuilder sb = new StringBuilder();
        int n;
        while ((n = q[o] & 0xFF) != 0) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(new String(q, o + 1, n, java.nio.charset.StandardCharsets.ISO_8859_1));
            o += n + 1;
        }
        return sb.isEmpty() ? "." : sb.toString();
    }

    /** The first IPv4 nameserver of /etc/resolv.conf, read once; 0 when there is none. */
    private int upstream() {
        if (!upstreamRead) {
            upstreamRead = true;
            try {
                for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                    String[] w = line.strip().split("\\s+");
                    if (w.length >= 2 && w[0].equals("nameserver") && w[1].matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
                        upstream = ip(InetAddress.getByName(w[1]));
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                network.warnOnce("resolv.conf", "user network: cannot read /etc/resolv.conf (" + e.getMessage()
                        + "); only A queries are answered");
            }
        }
        return upstream;
    }
}
