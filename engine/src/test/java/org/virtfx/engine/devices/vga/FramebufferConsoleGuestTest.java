package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.ScreenTextSource;
import org.virtfx.engine.display.ScreenshotSource;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.engine.vnc.KeysymMap;

/**
 * Linux on the std VGA through its bochs DRM driver: the framebuffer console shows the kernel log and the fixtures'
 * shell, the screen text is recognised by OCR, and keys typed on the PS/2 keyboard reach the shell and are echoed.
 */
@Tag("guest")
class FramebufferConsoleGuestTest {
    private static final String SHIFTED = "~!@#$%^&*()_+{}|:\"<>?";
    private static final int KEY_LEFTSHIFT = 42;
    private static final int KEY_ENTER = 28;

    private static void type(KeyboardInput kbd, String text) throws InterruptedException {
        for (char c : text.toCharArray()) {
            boolean shift = Character.isUpperCase(c) || SHIFTED.indexOf(c) >= 0;
            int code = KeysymMap.toEvdev(Character.toLowerCase(c));
            assertTrue(code > 0, "no key for '" + c + "'");
            if (shift) {
                kbd.key(KEY_LEFTSHIFT, true);
            }
            kbd.key(code, true);
            kbd.key(code, false);
            if (shift) {
                kbd.key(KEY_LEFTSHIFT, false);
            }
            Thread.sleep(20);
        }
        kbd.key(KEY_ENTER, true);
        kbd.key(KEY_ENTER, false);
    }

    private static String waitForScreen(Machine m, Predicate<String> until, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String text = "";
        while (System.nanoTime() < end && m.state() == MachineState.RUNNING) {
            text = m.board().flatMap(b -> b.lookup(ScreenTextSource.class)).map(ScreenTextSource::screenText).orElse("");
            if (until.test(text)) {
                return text;
            }
            Thread.sleep(2000);
        }
        throw new AssertionError("screen never showed what was expected (state " + m.state() + "); last text:\n" + text);
    }

    @Test
    void kernelLogShellAndTypedKeysOnTheBochsFramebuffer(@TempDir Path dir) throws Exception {
        Path kernel = GuestFixtures.kernel(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(kernel), "run 'virtfx guests fetch' first");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tesseract")), "tesseract-ocr not installed");
        // tty0 last: /dev/console, and so the shell, is the framebuffer console.
        MachineConfig c = new MachineConfig("fbcon", 256 * MachineConfig.MIB, 1, null, kernel,
                GuestFixtures.initramfs(GuestFixtures.Arch.I386), "console=ttyS0 console=tty0 " + GuestFixtures.FAST_BOOT_ARGS,
                null, List.of(), false, MachineConfig.TripleFaultAction.CRASH);
        try (Machine m = new Machine(c, new PcBoardFactory())) {
            StringBuilder serial = new StringBuilder();
            m.serial(0).addListener(b -> {
                synchronized (serial) {
                    serial.append((char) b);
                }
            });
            m.start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (System.nanoTime() < end) {
                synchronized (serial) {
                    if (serial.indexOf(GuestFixtures.MARKER) >= 0) {
                        break;
                    }
                }
                assertTrue(m.state() == MachineState.RUNNING, "guest stopped: " + m.crashReason());
                Thread.sleep(500);
            }
            // OCR reads the busybox banner reliably (the "virtfx#" prompt comes out as "wirtfxt" and the like).
            String screen = waitForScreen(m, t -> t.contains("BusyBox"), 120);
            assertTrue(screen.contains("bochs-drm"), "the kernel log is on the framebuffer console:\n" + screen);
            Board board = m.board().orElseThrow();
            type(board.lookup(KeyboardInput.class).orElseThrow(), "echo fbcon-ok | tr a-z A-Z");
            Pattern output = Pattern.compile("FBCON\\W{0,3}[O0]K");   // OCR turns the hyphen into dashes
            String after = waitForScreen(m, t -> output.matcher(t).find(), 120);
            assertTrue(after.contains("fbcon"), "the typed command is echoed on the console:\n" + after);
            Path png = dir.resolve("fbcon.png");
            board.lookup(ScreenshotSource.class).orElseThrow().writePng(png);
            BufferedImage img = ImageIO.read(png.toFile());
            assertTrue(img.getWidth() >= 640 && img.getHeight() >= 480, "a graphics mode: " + img.getWidth() + "x" + img.getHeight());
            long lit = 0;
            for (int y = 0; y < img.getHeight(); y += 2) {
                for (int x = 0; x < img.getWidth(); x += 2) {
                    if ((img.getRGB(x, y) & 0xFFFFFF) != 0) {
                        lit++;
                    }
                }
            }
            assertTrue(lit > 1000, "the screenshot shows text, not a blank screen");
        }
    }
}
