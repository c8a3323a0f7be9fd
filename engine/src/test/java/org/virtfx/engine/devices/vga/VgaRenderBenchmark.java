package org.virtfx.engine.devices.vga;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Display refresh costs: a full 1920x1080x32 frame (a page-flipping guest, every pixel new), a full 80x25 text frame,
 * a typing shell (one character and the cursor per frame), and idle 1080p and text screens. Run with {@code bench/vga-bench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VgaRenderBenchmark {
    @State(Scope.Thread)
    public static class Vbe1080 {
        VgaTestRig rig;
        int page;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new VgaTestRig();
            rig.dispi(VbeDispi.INDEX_XRES, 1920);
            rig.dispi(VbeDispi.INDEX_YRES, 1080);
            rig.dispi(VbeDispi.INDEX_BPP, 32);
            rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED | VbeDispi.LFB_ENABLED);
            for (int i = 0; i < 1920 * 1080 * 2; i++) {
                int p = i < 1920 * 1080 ? i * 0x9E3779B1 : i * 31 + 7; // two different pages
                rig.vga.memory().writeLinear(i * 4L, 4, p);
            }
            rig.vga.refresh();
        }
    }

    @State(Scope.Thread)
    public static class Text {
        VgaTestRig rig;
        int pos;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new VgaTestRig();
            byte[] font = new byte[256 * 32];
            new java.util.Random(1).nextBytes(font);
            StdVgaTest.loadFont(rig, font);
            for (int i = 0; i < 80 * 25; i++) {
                rig.poke(0xB8000 + 2 * i, 'A' + i % 26);
                rig.poke(0xB8001 + 2 * i, 0x07);
            }
            rig.vga.refresh();
        }
    }

    /** A card straight out of reset (no firmware has programmed it, as with a direct kernel boot): blanked. */
    @State(Scope.Thread)
    public static class Blank {
        VgaTestRig rig;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new VgaTestRig();
            rig.vga.refresh();
        }
    }

    /** A refresh of a blanked screen that stays blank. */
    @Benchmark
    public int blankIdle(Blank s) {
        s.rig.vga.refresh();
        return s.rig.vga.width();
    }

    /** A guest flipping between two 1080p pages: every refresh converts and copies a whole new frame. */
    @Benchmark
    public int vbe1920x1080x32FullFrame(Vbe1080 s) {
        s.page ^= 1;
        s.rig.dispi(VbeDispi.INDEX_Y_OFFSET, s.page * 1080);
        s.rig.vga.refresh();
        return s.rig.vga.width();
    }

    /** A refresh of an unchanged 1080p VBE screen: the dirty-page scan only. */
    @Benchmark
    public int vbe1920x1080x32Idle(Vbe1080 s) {
        s.rig.vga.refresh();
        return s.rig.vga.width();
    }

    /** Every cell of an 80x25 screen redrawn (as after a palette or mode change). */
    @Benchmark
    public int text80x25FullFrame(Text s) {
        s.rig.setDac(0, 0, 0, s.pos++ & 1);
        s.rig.vga.refresh();
        return s.rig.vga.width();
    }

    /** A shell echoing one typed character and moving the cursor: the usual interactive frame. */
    @Benchmark
    public int text80x25TypingShell(Text s) {
        int cell = 24 * 80 + (s.pos++ % 79);
        s.rig.poke(0xB8000 + 2 * cell, 'a' + s.pos % 26);
        s.rig.out(0x3D4, 0x0E);
        s.rig.out(0x3D5, (cell + 1) >> 8);
        s.rig.out(0x3D4, 0x0F);
        s.rig.out(0x3D5, (cell + 1) & 0xFF);
        s.rig.vga.refresh();
        return s.rig.vga.width();
    }

    /** A refresh of an unchanged text screen: the idle cost per frame. */
    @Benchmark
    public int text80x25Idle(Text s) {
        s.rig.vga.refresh();
        return s.rig.vga.width();
    }
}
