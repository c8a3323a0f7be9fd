package org.virtfx.engine.display;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Recognises the text of a graphics-mode screen with Debian's {@code tesseract} command. Each call runs one process
 * (about a second), so callers cache the answer until the screen changes.
 */
public final class TesseractOcr {
    private static final long TIMEOUT_SECONDS = 60;
    /** Tesseract reads 8x16 console glyphs much better at twice their size. */
    private static final int SMALL_WIDTH = 1280;

    private final String command;

    public TesseractOcr() {
        this("tesseract");
    }

    public TesseractOcr(String command) {
        this.command = command;
    }

    /** Whether the tesseract command can be run here. */
    public boolean available() {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The text in {@code image}; throws when tesseract is missing or fails. */
    public String recognise(FrameBuffer.Image image) throws IOException {
        BufferedImage img = PngWriter.toImage(image);
        if (image.width() < SMALL_WIDTH) {
            BufferedImage big = new BufferedImage(image.width() * 2, image.height() * 2, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = big.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(img, 0, 0, big.getWidth(), big.getHeight(), null);
            g.dispose();
            img = big;
        }
        Path tmp = Files.createTempFile("virtfx-ocr", ".png");
        try {
            ImageIO.write(img, "png", tmp.toFile());
            Process p;
            try {
                p = new ProcessBuilder(command, tmp.toString(), "stdout", "--psm", "6")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new IOException("cannot run '" + command + "' for screen OCR (install tesseract-ocr): " + e.getMessage(), e);
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(command + " failed with exit status " + p.exitValue());
            }
            return new String(out, StandardCharsets.UTF_8).replace("\f", "").strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + command, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
