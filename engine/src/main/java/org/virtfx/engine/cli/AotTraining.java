package org.virtfx.engine.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The training run behind the command line's AOT cache (JDK 25, JEP 483/514/515): the launcher starts this once per
 * build with {@code -XX:AOTCacheOutput}, and the JVM archives every class it loaded and linked, with their method
 * profiles, so later starts of {@code virtfx img ...} skip loading, verifying and linking them. It runs the image
 * commands people run most on a small scratch image with data, zeros and holes, in process, and prints nothing.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run() == 0 ? 0 : ExitStatus.BAD_INPUT);
    }

    /** Runs the training commands in a scratch folder (removed afterwards); returns how many of them failed. */
    static int run() throws IOException {
        Path dir = Files.createTempDirectory("virtfx-aot-training");
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        int failures = 0;
        try {
            Path raw = dir.resolve("disk.raw");
            writeScratchImage(raw);
            String r = raw.toString();
            String q = dir.resolve("disk.qcow2").toString();
            String back = dir.resolve("back.raw").toString();
            String[][] commands = {
                {"img", "info", r},
                {"img", "convert", "-f", "raw", "-O", "qcow2", r, q},
                {"img", "info", "--output", "json", q},
                {"img", "convert", "-t", "unsafe", "-f", "qcow2", "-O", "raw", q, back},
                {"img", "convert", "-c", "-O", "qcow2", r, dir.resolve("small.qcow2").toString()},
                {"img", "convert", "-O", "vdi", q, dir.resolve("disk.vdi").toString()},
                {"img", "check", q},
                {"img", "map", "--output", "json", q},
                {"img", "compare", r, q},
                {"img", "snapshot", "-c", "s1", q},
                {"img", "snapshot", "-l", q},
                {"img", "create", "-f", "qcow2", "-b", q, "-F", "qcow2", dir.resolve("overlay.qcow2").toString()},
                {"img", "resize", "-f", "raw", back, "+1M"},
            };
            for (String[] c : commands) {
                if (Main.execute(c) != 0) {
                    failures++;
                }
            }
        } finally {
            System.setOut(out);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return failures;
    }

    /** 32 MiB: per 4 MiB, 1 MiB of random bytes, 1 MiB of text, 512 KiB of written zeros and a hole. */
    private static void writeScratchImage(Path file) throws IOException {
        Random random = new Random(1);
        byte[] noise = new byte[1 << 20];
        byte[] text = "VirtFX AOT training: compressible line\n".repeat((1 << 20) / 39 + 1).substring(0, 1 << 20).getBytes();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(32 << 20);
            for (long at = 0; at < (32 << 20); at += 4 << 20) {
                random.nextBytes(noise);
                ch.write(ByteBuffer.wrap(noise), at);
                ch.write(ByteBuffer.wrap(text), at + (1 << 20));
                ch.write(ByteBuffer.allocate(512 << 10), at + (2 << 20));
            }
            ch.truncate(32 << 20);
            ch.write(ByteBuffer.allocate(1), (32 << 20) - 1);
        }
    }
}
