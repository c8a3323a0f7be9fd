package org.virtfx.engine.vnc;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** ZRLE encoding cost of a full 1920x1080 frame (gradient + flat areas) and a 720x400 text-like screen. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class VncEncodeBenchmark {
    int[] hd;
    int[] text;
    ZrleEncoder encoder;

    @Setup
    public void setUp() {
        hd = VncServerTest.picture(1920, 1080).snapshot().pixels();
        text = new int[720 * 400];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < text.length; i++) {
            text[i] = (i / 720) % 16 < 12 && r.nextInt(5) == 0 ? 0xFFAAAAAA : 0xFF000000;
        }
        encoder = new ZrleEncoder();
    }

    @TearDown
    public void tearDown() {
        encoder.close();
    }

    @Benchmark
    public int zrle1920x1080() {
        return encoder.encode(hd, 1920, 1080, PixelFormat.DEFAULT).length;
    }

    @Benchmark
    public int zrleText720x400() {
        return encoder.encode(text, 720, 400, PixelFormat.DEFAULT).length;
    }
}
