package org.virtfx.gui.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Host CPU and memory use from /proc/stat and /proc/meminfo (Linux); zeros where they cannot be read. */
public final class HostStats {
    private final Path procStat;
    private final Path procMeminfo;
    private long lastBusy = -1, lastTotal = -1;

    public HostStats() {
        this(Path.of("/proc/stat"), Path.of("/proc/meminfo"));
    }

    HostStats(Path procStat, Path procMeminfo) {
        this.procStat = procStat;
        this.procMeminfo = procMeminfo;
    }

    /** Host CPU use in percent of all CPUs since the previous call (0 on the first call). */
    public synchronized double cpuPercent() {
        try {
            for (String line : Files.readAllLines(procStat)) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long total = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        total += Long.parseLong(f[i]);
                    }
                    long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);  // idle + iowait
                    long busy = total - idle;
                    double pct = 0;
                    if (lastTotal >= 0 && total > lastTotal) {
                        pct = 100.0 * (busy - lastBusy) / (total - lastTotal);
                    }
                    lastBusy = busy;
                    lastTotal = total;
                    return Math.max(0, Math.min(100, pct));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or unreadable: no host graph values
        }
        return 0;
    }

    /** {total, used} host memory in MiB (used = total - available). */
    public long[] memoryMiB() {
        long total = 0, available = 0;
        try {
            List<String> lines = Files.readAllLines(procMeminfo);
            for (String l : lines) {
                if (l.startsWith("MemTotal:")) {
                    total = kib(l);
                } else if (l.startsWith("MemAvailable:")) {
                    available = kib(l);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
        return new long[] {total / 1024, (total - available) / 1024};
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
