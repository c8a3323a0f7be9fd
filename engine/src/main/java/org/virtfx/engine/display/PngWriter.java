package org.virtfx.engine.display;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/** Writes ARGB frames as PNG files (java.desktop's ImageIO; no toolkit, works headless). */
public final class PngWriter {
    private PngWriter() {
    }

    /** Writes {@code image} to {@code file} through a temporary file in the same directory, then renames it. */
    public static void write(FrameBuffer.Image image, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(toImage(image), "png", tmp.toFile())) {
                throw new IOException("no PNG writer available in this Java runtime");
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static BufferedImage toImage(FrameBuffer.Image image) {
        BufferedImage img = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, image.width(), image.height(), image.pixels(), 0, image.width());
        return img;
    }

    /** Reads a PNG back as an ARGB image (tests compare screenshots with expected pictures this way). */
    public static FrameBuffer.Image read(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + ": not an image ImageIO can read");
        }
        int[] px = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        for (int i = 0; i < px.length; i++) {
            px[i] |= 0xFF000000;
        }
        return new FrameBuffer.Image(img.getWidth(), img.getHeight(), px);
    }
}
