package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.Main;
import org.virtfx.engine.display.PngWriter;
import org.virtfx.engine.display.TesseractOcr;
import org.virtfx.engine.guests.GuestFixtures;

/**
 * The Debian installer, the longest guest run of the suite (about 7 minutes of vCPU time): a class of its own so
 * that Surefire's second fork runs the other test classes beside it.
 */
@Tag("guest")
class DebianInstallerGuestTest {
    /**
     * Debian 12's amd64 netboot installer (text variant): the kernel's bochs DRM driver takes over the std VGA
     * (through its BAR2 MMIO registers) and the installer's first dialog appears on that framebuffer, read by OCR.
     * Enter picks the default language and must lead to the next dialog, the location question.
     */
    @Test
    void debianAmd64InstallerAnswersItsFirstDialogOnTheBochsFramebuffer(@TempDir Path dir) throws Exception {
        Path kernel = GuestFixtures.installerKernel(GuestFixtures.Arch.AMD64);
        Assumptions.assumeTrue(GuestFixtures.present(kernel), "run 'virtfx guests fetch' first");
        Assumptions.assumeTrue(new TesseractOcr().available(), "tesseract (tesseract-ocr) is needed to read the screen");
        Path screen = dir.resolve("screen.png");
        // no console=ttyS0: with a serial console the installer runs there instead of on the screen.
        // 1 GiB: with less it enters its low-memory mode and shows that notice first
        int status = Main.execute("run", "--kernel", kernel.toString(), "--initrd",
                GuestFixtures.installerInitrd(GuestFixtures.Arch.AMD64).toString(), "--append",
                GuestFixtures.FAST_BOOT_ARGS, "-m", "1G", "--serial", "none",
                "--send-keys-after", "Select a language:ret", "--expect-screen", "Select your location",
                "--screenshot", screen.toString(), "--timeout", "1500");
        assertEquals(0, status, "the installer did not get from its language dialog to the location dialog");
        // no firmware sets a mode in a direct boot: a framebuffer-sized screen is the bochs DRM driver's mode
        var image = PngWriter.read(screen);
        assertTrue(image.width() >= 800 && image.height() >= 600, "a framebuffer mode, not 80x25 text: "
                + image.width() + "x" + image.height());
    }

}
