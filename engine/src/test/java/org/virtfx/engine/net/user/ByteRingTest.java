package org.virtfx.engine.net.user;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;

import org.junit.jupiter.api.Test;

class ByteRingTest {
    private static byte[] seq(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void wrapsAroundGrowsAndStopsAtItsCapacity() {
        ByteRing r = new ByteRing(40_000);
        assertEquals(10_000, r.write(seq(0, 10_000), 0, 10_000));
        r.skip(9_000);
        assertEquals(15_000, r.write(seq(10_000, 15_000), 0, 15_000)); // wraps in the 16 KiB start array
        assertEquals(16_000, r.size());
        byte[] out = new byte[16_000];
        r.peek(0, out, 0, out.length);
        assertArrayEquals(seq(9_000, 16_000), out);
        assertEquals(24_000, r.write(seq(25_000, 30_000), 0, 30_000), "only up to the capacity"); // grows
        assertEquals(0, r.free());
        byte[] tail = new byte[100];
        r.peek(39_900, tail, 0, 100);
        assertArrayEquals(seq(48_900, 100), tail);
    }

    @Test
    void readsFromAndWritesToChannelsAcrossTheWrap() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        pipe.sink().configureBlocking(false);
        ByteRing r = new ByteRing(20_000);
        r.write(seq(0, 15_000), 0, 15_000);
        r.skip(15_000); // head near the end of the array
        pipe.sink().write(ByteBuffer.wrap(seq(1, 12_000)));
        int total = 0;
        for (int n; (n = r.readFrom(pipe.source())) > 0; ) {
            total += n;
        }
        assertEquals(12_000, total);
        ByteRing copy = new ByteRing(20_000);
        r.writeTo(pipe.sink());
        assertEquals(0, r.size());
        while (copy.size() < 12_000) {
            copy.readFrom(pipe.source());
        }
        byte[] out = new byte[12_000];
        copy.peek(0, out, 0, out.length);
        assertArrayEquals(seq(1, 12_000), out);
    }
}
