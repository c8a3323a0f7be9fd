package org.virtfx.gui.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Preferences and remembered window layout, stored as JSON in {@code $XDG_CONFIG_HOME/virtfx/settings.json}
 * (default {@code ~/.config/virtfx}). A missing or unreadable file gives the defaults (and is not overwritten until the
 * user changes something).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Settings {
    // Console
    public String scaling = "WHEN_SMALLER";
    public String releaseKeys = "CTRL_ALT";
    // Graphs
    public int graphIntervalMillis = 1000;
    public int graphSamples = 120;
    public boolean showMemoryColumn = true;
    public boolean showDiskColumn = false;
    public boolean showNetworkColumn = false;
    // Storage
    public String imageDirectory = Path.of(System.getProperty("user.home"), ".local", "share", "virtfx", "images").toString();
    public String imageFormat = "qcow2";
    // Confirmations
    public boolean confirmForceOff = true;
    public boolean confirmDelete = true;
    // Manager window
    public double managerWidth = 900;
    public double managerHeight = 520;
    public double managerX = Double.NaN;
    public double managerY = Double.NaN;
    public Map<String, Double> columnWidths = new LinkedHashMap<>();

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static Path standardFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("virtfx").resolve("settings.json");
    }

    public static Settings load(Path file) {
        if (!Files.isRegularFile(file)) {
            return new Settings();
        }
        try {
            return JSON.readValue(file.toFile(), Settings.class);
        } catch (IOException e) {
            System.getLogger(Settings.class.getName()).log(System.Logger.Level.WARNING,
                    file + ": cannot read settings, using defaults: " + e.getMessage());
            return new Settings();
        }
    }

    /** Atomic like the machine library: temp file, fsync, rename. */
    public void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".tmp-settings", ".json");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(this));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
