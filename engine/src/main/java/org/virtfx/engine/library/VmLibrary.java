package org.virtfx.engine.library;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The user's virtual machines: one JSON file per machine in {@code $XDG_DATA_HOME/virtfx/machines} (default
 * {@code ~/.local/share/virtfx/machines}). Shared by the desktop app and {@code virtfx run NAME}.
 *
 * <p>Writes are atomic (temp file in the same directory, fsync, rename, fsync of the directory), so a crash leaves
 * either the old or the new file. Files that cannot be read — malformed JSON, missing fields, a format version this
 * build does not know — are listed with their error and left byte-identical.
 */
public final class VmLibrary {
    public static final String SUFFIX = ".json";
    private static final String TEMP_PREFIX = ".tmp-";

    private final Path dir;
    private final ObjectMapper json = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public VmLibrary(Path dir) {
        this.dir = dir;
    }

    /** The data directory VirtFX uses: {@code $XDG_DATA_HOME/virtfx}, default {@code ~/.local/share/virtfx}. */
    public static Path dataHome() {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("virtfx");
    }

    /** The library at its standard place. */
    public static VmLibrary standard() {
        return new VmLibrary(dataHome().resolve("machines"));
    }

    public Path directory() {
        return dir;
    }

    /** Every file of the library, sorted by display name; an absent directory is an empty library. */
    public List<LibraryEntry> list() throws IOException {
        List<LibraryEntry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : ds) {
                if (!f.getFileName().toString().startsWith(TEMP_PREFIX) && Files.isRegularFile(f)) {
                    out.add(read(f));
                }
            }
        }
        out.sort(Comparator.comparing(e -> e.displayName().toLowerCase(Locale.ROOT)));
        return out;
    }

    /** Reads one file; never throws for bad content (the entry says what is wrong). */
    public LibraryEntry read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return new LibraryEntry(file, null, file + ": cannot read: " + e.getMessage());
        }
        try {
            JsonNode root = json.readTree(bytes);
            if (root == null || !root.isObject()) {
                return new LibraryEntry(file, null, file + ": not a VirtFX machine definition (expected a JSON object)");
            }
            JsonNode v = root.get("formatVersion");
            if (v == null || !v.canConvertToInt()) {
                return new LibraryEntry(file, null, file + ": no formatVersion field");
            }
            if (v.asInt() != VmDefinition.FORMAT_VERSION) {
                return new LibraryEntry(file, null, file + ": format version " + v.asInt()
                        + " is not supported by this VirtFX (it reads version " + VmDefinition.FORMAT_VERSION + ")");
            }
            return new LibraryEntry(file, json.treeToValue(root, VmDefinition.class), null);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            // A part the definition's own checks refused (an unknown card model, a bad MAC): their message says it.
            Throwable why = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            return new LibraryEntry(file, null, file + ": " + (why == e ? e.getOriginalMessage() : why.getMessage()));
        } catch (JsonProcessingException e) {
            return new LibraryEntry(file, null, file + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            return new LibraryEntry(file, null, file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            String msg = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
            return new LibraryEntry(file, null, file + ": " + msg);
        }
    }

    /** The definition called {@code name}, if a readable file holds it. */
    public Optional<VmDefinition> find(String name) throws IOException {
        for (LibraryEntry e : list()) {
            if (!e.broken() && e.definition().name().equals(name)) {
                return Optional.of(e.definition());
            }
        }
        return Optional.empty();
    }

    /** The file a machine of this name is stored in. */
    public Path fileFor(String name) {
        return dir.resolve(fileStem(name) + SUFFIX);
    }

    /**
     * File names are the machine name with characters that are awkward in file names replaced, so that the library
     * directory stays readable for people.
     */
    static String fileStem(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ' ' ? c : '_');
        }
        String s = sb.toString().strip();
        if (s.isEmpty() || s.startsWith(".")) {
            s = "_" + s;
        }
        return s;
    }

    /** Saves a new machine; refuses a name that is already taken. */
    public Path create(VmDefinition def) throws IOException {
        if (find(def.name()).isPresent() || Files.exists(fileFor(def.name()))) {
            throw new IOException("a machine called '" + def.name() + "' already exists in " + dir);
        }
        return write(fileFor(def.name()), def);
    }

    /**
     * Replaces the stored definition {@code oldName} with {@code def} (a rename moves the file). Refuses to overwrite a
     * broken file or another machine.
     */
    public Path update(String oldName, VmDefinition def) throws IOException {
        Path oldFile = fileFor(oldName);
        LibraryEntry current = Files.exists(oldFile) ? read(oldFile) : null;
        if (current == null || current.broken() || !current.definition().name().equals(oldName)) {
            throw new IOException("machine '" + oldName + "' is not in the library at " + oldFile);
        }
        Path newFile = fileFor(def.name());
        if (!newFile.equals(oldFile) && Files.exists(newFile)) {
            throw new IOException("a machine called '" + def.name() + "' already exists in " + dir);
        }
        write(newFile, def);
        if (!newFile.equals(oldFile)) {
            Files.delete(oldFile);
        }
        return newFile;
    }

    /** Removes the definition (not its disk images). */
    public void delete(String name) throws IOException {
        try {
            Files.delete(fileFor(name));
        } catch (NoSuchFileException e) {
            throw new IOException("machine '" + name + "' is not in the library at " + fileFor(name));
        }
    }

    private Path write(Path file, VmDefinition def) throws IOException {
        Files.createDirectories(dir);
        byte[] bytes = json.writeValueAsBytes(def);
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX, SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + file + " atomically: " + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory();
        return file;
    }

    /** Makes the rename durable; some file systems refuse to open directories, which only costs durability. */
    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // best effort: the rename itself is atomic
        }
    }
}
