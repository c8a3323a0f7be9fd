package org.virtfx.wizards;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The installation media (ISOs, disk images, kernels) used most recently, newest first, one path per line in a small
 * text file. Entries whose file is gone are dropped when read.
 */
public final class RecentMedia {
    public static final int MAX = 10;
    private final Path file;

    public RecentMedia(Path file) {
        this.file = file;
    }

    public List<Path> list() {
        List<Path> out = new ArrayList<>();
        if (file == null || !Files.isRegularFile(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && Files.isRegularFile(Path.of(line.strip())) && !out.contains(Path.of(line.strip()))) {
                    out.add(Path.of(line.strip()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /** Puts {@code medium} first; a failure to write only loses the list, so it is logged, not thrown. */
    public void remember(Path medium) {
        if (file == null) {
            return;
        }
        List<Path> all = list();
        Path abs = medium.toAbsolutePath();
        all.remove(abs);
        all.addFirst(abs);
        while (all.size() > MAX) {
            all.removeLast();
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".recent-", ".tmp");
            Files.write(tmp, all.stream().map(Path::toString).toList(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.getLogger(RecentMedia.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot remember recent media in " + file + ": " + e.getMessage());
        }
    }
}
