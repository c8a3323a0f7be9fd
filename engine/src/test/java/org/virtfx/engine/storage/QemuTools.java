package org.virtfx.engine.storage;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs qemu-img / qemu-io (Debian qemu-utils) for interop tests; tests skip when they are missing. */
public final class QemuTools {
    public record Result(int exit, String output) {
    }

    private QemuTools() {
    }

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/qemu-img")) && Files.isExecutable(Path.of("/usr/bin/qemu-io"));
    }

    public static void assumeAvailable() {
        assumeTrue(available(), "qemu-img/qemu-io (qemu-utils) not installed");
    }

    public static Result run(String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs and requires exit status 0. */
    public static String ok(String... cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        if (r.exit != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit + "):\n" + r.output);
        }
        return r.output;
    }

    /** qemu-io with several -c commands on an image of the given format. */
    public static void qemuIo(Path img, String format, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(img.toString());
        String out = ok(cmd.toArray(String[]::new));
        if (out.contains("error") || out.contains("failed")) {
            throw new AssertionError("qemu-io reported: " + out);
        }
    }

    /** The guest-visible contents of any image, via qemu-img convert to raw. */
    public static byte[] contents(Path img, Path tmp) throws IOException, InterruptedException {
        Path raw = tmp.resolve("contents-" + System.nanoTime() + ".raw");
        ok("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString());
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }
}
