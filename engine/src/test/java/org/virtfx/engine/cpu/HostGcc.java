package org.virtfx.engine.cpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The host's gcc and CPU, for the oracle tests that compare the emulated CPU with the host's own (x87, MMX, SSE). */
public final class HostGcc {
    private HostGcc() {
    }

    /** Whether the host is x86-64 Linux with a gcc that runs. */
    public static boolean onX86Linux() {
        String arch = System.getProperty("os.arch");
        if (!("amd64".equals(arch) || "x86_64".equals(arch)) || !System.getProperty("os.name").startsWith("Linux")) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Whether the host's /proc/cpuinfo mentions {@code text} (a vendor, or a flag with its leading space). */
    public static boolean cpuinfoContains(String text) {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** Compiles and links {@code sources} into {@code exe} with -O1 and {@code flags}; gcc's messages on failure. */
    public static void compile(Path exe, List<String> flags, Path... sources) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O1"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-o", exe.toString()));
        for (Path s : sources) {
            cmd.add(s.toString());
        }
        Process gcc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            gcc.destroyForcibly();
            throw new IOException("gcc failed: " + log);
        }
    }
}
