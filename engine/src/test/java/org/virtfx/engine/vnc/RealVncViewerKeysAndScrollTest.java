package org.virtfx.engine.vnc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.virtfx.engine.HostTools.onPath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.display.FrameBuffer;
import org.virtfx.engine.display.PngWriter;

/**
 * Debian's TigerVNC viewer on an Xvfb display: it takes the QEMU extended key event the server offers, so keys typed
 * with xdotool arrive with their raw keycodes as the right physical keys; a scrolled console reaches the viewer through
 * CopyRect and the viewer's picture equals the screen.
 */
@Tag("guest")
class RealVncViewerKeysAndScrollTest {
    private static final int W = 320;
    private static final int H = 240;

    @TempDir
    Path tmp;

    private static void drawConsole(FrameBuffer fb, int firstLine) {
        VncScrollAndKeycodeTest.drawConsole(fb, W, H, firstLine);
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition, Process p) throws InterruptedException {
        long until = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < until && p.isAlive()) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(200);
        }
        return condition.getAsBoolean();
    }

    private String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String name : new String[] {"viewer.log", "xvfb.log"}) {
            Path f = tmp.resolve(name);
            sb.append(name).append(":\n").append(Files.exists(f) ? Files.readString(f) : "(none)").append('\n');
        }
        FrameBuffer.Image g = grab();
        sb.append("grab: ").append(g == null ? "none" : g.width() + "x" + g.height());
        return sb.toString();
    }

    private FrameBuffer.Image grab() {
        try {
            return PngWriter.read(tmp.resolve("grab.png"));
        } catch (IOException absentOrPartial) {
            return null;
        }
    }

    /** Asks the viewer's script for screen grabs (file {@code step.grab}) until one shows {@code pixels}. */
    private boolean viewerShows(int[] pixels, Path step, Process p) throws InterruptedException {
        return waitFor(() -> {
            FrameBuffer.Image g = grab();
            try {
                Files.writeString(Path.of(step + ".grab"), "");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return g != null && java.util.Arrays.equals(g.pixels(), pixels);
        }, p);
    }

    @Test
    void keysArriveAsRawKeycodesAndScrollsAsCopyRect() throws Exception {
        assumeTrue(onPath("vncviewer") && onPath("xvfb-run") && onPath("import") && onPath("xdotool"),
                "needs tigervnc-viewer, xvfb, imagemagick, xdotool");
        FrameBuffer fb = new FrameBuffer(W, H);
        drawConsole(fb, 0);
        List<String> keys = new CopyOnWriteArrayList<>();
        Path step = tmp.resolve("step");
        try (VncServer server = VncServer.onLoopback(0, "keys", fb, (code, down) -> keys.add(code + (down ? "+" : "-")),
                null, null)) {
            // The shell grabs the screen whenever asked (file "grab" appears), types the keys when "type" appears.
            String script = "vncviewer -FullScreen -SecurityTypes=None -PreferredEncoding=Raw -AutoSelect=0"
                    + " -FullColor -Shared -MenuKey=none 127.0.0.1::" + server.port() + " >" + tmp.resolve("viewer.log")
                    + " 2>&1 & V=$!; xdotool mousemove 5 5;"
                    + " for i in $(seq 1 150); do sleep 0.2;"
                    + " if [ -f " + step + ".type ]; then rm " + step + ".type;"
                    + " xdotool key z y Right Home; fi;"
                    + " if [ -f " + step + ".grab ]; then rm " + step + ".grab; import -window root " + tmp.resolve("g.png")
                    + " 2>/dev/null && mv " + tmp.resolve("g.png") + " " + tmp.resolve("grab.png") + "; fi;"
                    + " [ -f " + step + ".stop ] && break; done; kill $V; wait $V 2>/dev/null; exit 0";
            Process p = new ProcessBuilder("xvfb-run", "-a", "-s", "-screen 0 " + W + "x" + H + "x24", "sh", "-c", script)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("xvfb.log").toFile()).start();
            try {
                boolean connected = waitFor(() -> server.clientCount() > 0, p);
                String log = Files.exists(tmp.resolve("viewer.log")) ? Files.readString(tmp.resolve("viewer.log")) : "";
                assumeTrue(connected || !log.contains("Can't open display"), "Xvfb could not start here");
                assertTrue(connected, "the viewer did not connect; log:\n" + log);

                int[] first = fb.snapshot().pixels();
                assertTrue(viewerShows(first, step, p), "the viewer never showed the first picture; " + logs());

                drawConsole(fb, 1);                                           // scroll by one text line
                int[] scrolled = fb.snapshot().pixels();
                Files.deleteIfExists(tmp.resolve("grab.png"));
                assertTrue(viewerShows(scrolled, step, p), "the viewer never showed the scrolled picture");
                assertEquals(1, server.copyRectsSent(), "the scroll went as one CopyRect");

                Files.writeString(Path.of(step + ".type"), "");
                waitFor(() -> keys.size() >= 8, p);
                // The pointer is over the full-screen viewer, so without a window manager it has the focus.
                assertArrayEquals(new String[] {"44+", "44-", "21+", "21-", "106+", "106-", "102+", "102-"},
                        keys.toArray(new String[0]), "viewer log:\n" + Files.readString(tmp.resolve("viewer.log")));
                assertEquals(8, server.rawKeyEventsReceived(), "every key came as a QEMU extended key event");
            } finally {
                Files.writeString(Path.of(step + ".stop"), "");
                p.waitFor(20, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
    }
}
