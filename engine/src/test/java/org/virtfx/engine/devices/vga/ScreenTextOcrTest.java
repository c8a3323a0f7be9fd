package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.display.TesseractOcr;

class ScreenTextOcrTest {
    @TempDir
    Path tmp;

    /** Draws {@code text} in black on white into an 800x600x32 VBE mode, as a guest's graphical login might. */
    private static VgaTestRig vbeWithText(String text) {
        VgaTestRig rig = new VgaTestRig();
        rig.dispi(VbeDispi.INDEX_XRES, 800);
        rig.dispi(VbeDispi.INDEX_YRES, 600);
        rig.dispi(VbeDispi.INDEX_BPP, 32);
        rig.dispi(VbeDispi.INDEX_ENABLE, VbeDispi.ENABLED | VbeDispi.LFB_ENABLED);
        BufferedImage img = new BufferedImage(800, 600, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 800, 600);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.MONOSPACED, Font.BOLD, 32));
        g.drawString(text, 40, 200);
        g.dispose();
        for (int y = 0; y < 600; y++) {
            for (int x = 0; x < 800; x++) {
                rig.vga.memory().writeLinear((y * 800 + x) * 4, 4, img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        rig.vga.memory().markAllDirty();
        return rig;
    }

    @Test
    void ocrRunsOnlyWhenTheScreenChanged() throws Exception {
        Path counter = tmp.resolve("calls");
        Path fake = tmp.resolve("fake-tesseract");
        Files.writeString(fake, "#!/bin/sh\necho x >> " + counter + "\necho 'login: root'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        VgaTestRig rig = vbeWithText("anything");
        rig.vga.useOcr(new TesseractOcr(fake.toString()));
        assertEquals("login: root", rig.vga.screenText());
        assertEquals("login: root", rig.vga.screenText());
        assertEquals(1, Files.readAllLines(counter).size(), "unchanged screen: OCR cached");
        rig.mmio.write(0xA0000, 4, 0x123456);   // bank 0, pixel (0,0)
        rig.vga.screenText();
        assertEquals(2, Files.readAllLines(counter).size(), "changed screen: OCR again");
    }

    @Test
    @Tag("guest")
    void tesseractReadsGraphicsModeText() {
        assumeTrue(new TesseractOcr().available(), "tesseract is not installed");
        VgaTestRig rig = vbeWithText("VirtFX login: 2026");
        String text = rig.vga.screenText();
        assertTrue(text.contains("VirtFX login"), "OCR gave: " + text);
    }
}
