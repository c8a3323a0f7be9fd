package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.virtfx.engine.HostTools.onPath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.display.FrameBuffer;
import org.virtfx.engine.display.PngWriter;
import org.virtfx.engine.vnc.VncServer;

/**
 * Debian's TigerVNC viewer, full screen on an Xvfb display of the guest's size, authenticates with a password file and
 * shows the VGA picture; ImageMagick's {@code import} grabs the X screen, which must equal the device's screenshot.
 */
@Tag("guest")
class RealVncViewerTest {
    @TempDir
    Path tmp;

    /** TigerVNC's password file: the password DES-encrypted with VNC's fixed obfuscation key (bit-reversed, as VNC does). */
    private static byte[] obfuscatedPassword(String password) throws Exception {
        int[] fixed = {23, 82, 107, 6, 35, 78, 88, 7};
        byte[] key = new byte[8];
        for (int i = 0; i < 8; i++) {
            key[i] = (byte) (Integer.reverse(fixed[i]) >>> 24);
        }
        byte[] plain = java.util.Arrays.copyOf(password.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 8);
        Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
        des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DES"));
        return des.doFinal(plain);
    }

    @Test
    void tigerVncViewerShowsTheScreenshotPicture() throws Exception {
        assumeTrue(onPath("vncviewer") && onPath("xvfb-run") && onPath("import"), "needs tigervnc-viewer, xvfb, imagemagick");
        VgaTestRig rig = new VgaTestRig();
        GuestDrawings.mode12(rig);
        Path expectedPng = tmp.resolve("screenshot.png");
        rig.vga.writePng(expectedPng);
        FrameBuffer.Image expected = PngWriter.read(expectedPng);
        Path passwd = tmp.resolve("passwd");
        Files.write(passwd, obfuscatedPassword("virtfx"));
        Path grab = tmp.resolve("grab.png");
        try (VncServer server = VncServer.onLoopback(0, "real-client-test", rig.vga, null, null, "virtfx")) {
            String script = "vncviewer -FullScreen -PasswordFile=" + passwd + " -PreferredEncoding=ZRLE -AutoSelect=0"
                    + " -FullColor -Shared -MenuKey=none 127.0.0.1::" + server.port() + " >" + tmp.resolve("viewer.log")
                    + " 2>&1 & V=$!; ok=1; for i in $(seq 1 40); do sleep 0.5; import -window root " + grab
                    + " 2>/dev/null && ok=0; [ -f " + tmp.resolve("stop") + " ] && break; done; kill $V; wait $V 2>/dev/null; exit 0";
            Process p = new ProcessBuilder("xvfb-run", "-a", "-s", "-screen 0 640x480x24", "sh", "-c",
                    // Poll: grab the screen until the Java side says it matched (file 'stop' appears) or 20 s pass.
                    script).redirectErrorStream(true).redirectOutput(tmp.resolve("xvfb.log").toFile()).start();
            FrameBuffer.Image got = null;
            long until = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < until && p.isAlive()) {
                Thread.sleep(500);
                if (Files.isRegularFile(grab)) {
                    try {
                        got = PngWriter.read(grab);
                    } catch (IOException partial) {
                        continue; // caught mid-write
                    }
                    if (java.util.Arrays.equals(got.pixels(), expected.pixels())) {
                        break;
                    }
                }
            }
            Files.writeString(tmp.resolve("stop"), "");
            p.waitFor(20, TimeUnit.SECONDS);
            p.destroyForcibly();
            String log = Files.exists(tmp.resolve("viewer.log")) ? Files.readString(tmp.resolve("viewer.log")) : "";
            assumeTrue(got != null || !log.contains("Can't open display"), "Xvfb could not start here");
            if (got == null) {
                throw new AssertionError("the viewer never showed a picture; viewer log:\n" + log);
            }
            assertEquals(expected.width() + "x" + expected.height(), got.width() + "x" + got.height());
            int diff = 0;
            for (int i = 0; i < expected.pixels().length; i++) {
                if (expected.pixels()[i] != got.pixels()[i]) {
                    diff++;
                }
            }
            assertEquals(0, diff, "pixels differing between the VNC viewer and the screenshot; viewer log:\n" + log);
        }
    }
}
