package org.virtfx.engine.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.virtfx.engine.storage.qcow2.Qcow2Format;


/**
 * The registry of image formats and the way everything else (board, GUI, {@code virtfx img}) opens disks: format
 * detection, backing chains of any registered format (with loop detection), creation.
 */
public final class DiskImages {
    /** Longest backing chain accepted; a longer one is almost certainly a mistake (or a loop through renamed files). */
    public static final int MAX_CHAIN_DEPTH = 64;

    private static final List<ImageFormat> FORMATS = new CopyOnWriteArrayList<>();
    private static final Map<String, ImageFormat> BY_NAME = new ConcurrentHashMap<>();

    static {
        register(new Qcow2Format());
        for (ImageFormat f : ServiceLoader.load(ImageFormat.class, DiskImages.class.getClassLoader())) {
            register(f);
        }
        // raw last: it is the fallback of probing
        register(RawFormat.INSTANCE);
    }

    private DiskImages() {
    }

    /** Adds a format (replacing one of the same name). */
    public static synchronized void register(ImageFormat format) {
        ImageFormat old = BY_NAME.put(format.name(), format);
        if (old != null) {
            FORMATS.remove(old);
        }
        if (format instanceof RawFormat || FORMATS.isEmpty() || !(FORMATS.getLast() instanceof RawFormat)) {
            FORMATS.add(format);
        } else {
            FORMATS.add(FORMATS.size() - 1, format);
        }
    }

    /** Registered formats, raw last. */
    public static List<ImageFormat> formats() {
        return List.copyOf(FORMATS);
    }

    /** The format called {@code name} (qemu-img's names). */
    public static ImageFormat format(String name) {
        ImageFormat f = BY_NAME.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown image format '" + name + "' (known: "
                    + String.join(", ", FORMATS.stream().map(ImageFormat::name).toList()) + ")");
        }
        return f;
    }

    /**
     * Where warnings about opening images go (a probed raw image opened for writing); the CLI points it at its error
     * stream. By default they are logged.
     */
    private static volatile Consumer<String> warnings =
            m -> System.getLogger(DiskImages.class.getName()).log(System.Logger.Level.WARNING, m);

    /** Sends warnings about opening images to {@code sink} (null: back to the log). */
    public static void setWarningSink(Consumer<String> sink) {
        warnings = sink != null ? sink
                : m -> System.getLogger(DiskImages.class.getName()).log(System.Logger.Level.WARNING, m);
    }

    /** Detects the format of an existing file (raw if no format recognises it). */
    public static ImageFormat probe(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such disk image");
        }
        if (Files.isDirectory(file)) {
            throw new ImageFormatException(file, "is a directory, not a disk image");
        }
        long size = Files.size(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(ImageFormat.PROBE_BYTES);
        }
        return probe(head, size);
    }

    /** The format a file starting with {@code head} (of {@code fileSize} bytes) is detected as (raw if none). */
    static ImageFormat probe(byte[] head, long fileSize) {
        for (ImageFormat f : FORMATS) {
            if (!(f instanceof RawFormat) && f.probe(head, fileSize)) {
                return f;
            }
        }
        return RawFormat.INSTANCE;
    }

    /** Opens an image of any registered format with its whole backing chain (the board's and GUI's entry point). */
    public static DiskImage open(Path file, boolean readOnly) throws IOException {
        return open(file, null, readOnly, true);
    }

    /**
     * Opens an image with its whole backing chain. An explicit {@code format} is used as given, so a raw disk whose
     * guest wrote something looking like a qcow2 header is still opened as raw.
     *
     * @param format format name, or null to probe
     */
    public static DiskImage open(Path file, String format, boolean readOnly) throws IOException {
        return open(file, format, readOnly, true);
    }

    /**
     * @param format      format name, or null to probe
     * @param openBacking whether to open the backing chain (false for info/check: reads past this layer give zeros)
     */
    public static DiskImage open(Path file, String format, boolean readOnly, boolean openBacking) throws IOException {
        ImageFormat f = format == null ? probe(file) : format(format);
        DiskImage img;
        if (!openBacking) {
            img = f.open(file, new OpenOptions(readOnly, null));
        } else {
            List<Path> chain = new ArrayList<>();
            chain.add(realPath(file));
            img = f.open(file, new OpenOptions(readOnly, chainOpener(chain)));
        }
        if (format == null && !readOnly && img instanceof RawImage raw) {
            // as QEMU: a guest must not turn a probed raw disk into something the next open detects as another
            // format (with a backing file of the host's choosing), so its first sector is guarded
            raw.guardProbedHeader();
            warnings.accept("Image format was not specified for '" + file + "' and probing guessed raw. "
                    + "Automatically detecting the format is dangerous for raw images, write operations on block 0 "
                    + "will be restricted. Specify the 'raw' format explicitly to remove the restrictions.");
        }
        return img;
    }

    private static OpenOptions.BackingOpener chainOpener(List<Path> chain) {
        return (overlay, backingFile, backingFormat) -> {
            if (!Files.exists(backingFile)) {
                throw new ImageFormatException(overlay, "backing file " + backingFile + " does not exist");
            }
            Path real = realPath(backingFile);
            if (chain.contains(real)) {
                throw new ImageFormatException(overlay, "backing chain loop: " + backingFile
                        + " is already in the chain " + chain);
            }
            if (chain.size() >= MAX_CHAIN_DEPTH) {
                throw new ImageFormatException(overlay, "backing chain deeper than " + MAX_CHAIN_DEPTH + " images");
            }
            ImageFormat bf;
            if (backingFormat == null) {
                bf = probe(backingFile);
            } else if (BY_NAME.containsKey(backingFormat)) {
                bf = BY_NAME.get(backingFormat);
            } else {
                throw new ImageFormatException(overlay, "backing file " + backingFile
                        + " has unsupported format '" + backingFormat + "'");
            }
            List<Path> longer = new ArrayList<>(chain);
            longer.add(real);
            return bf.open(backingFile, new OpenOptions(true, chainOpener(longer)));
        };
    }

    private static Path realPath(Path p) throws IOException {
        return p.toRealPath();
    }

    /**
     * Where a backing file name stored in {@code image} points: absolute names as they are, relative ones against the
     * image's directory (as QEMU does). Protocol and {@code json:} names are refused.
     */
    public static Path resolveBacking(Path image, String backingName) throws ImageFormatException {
        if (backingName.startsWith("json:") || backingName.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            throw new ImageFormatException(image, "backing file '" + backingName + "' uses a protocol VirtFX cannot open");
        }
        Path b = Path.of(backingName);
        if (b.isAbsolute()) {
            return b;
        }
        Path dir = image.toAbsolutePath().getParent();
        return dir == null ? b : dir.resolve(b);
    }

    /**
     * Creates an image; with a backing file, {@code options.size() == -1} takes the backing file's size, and the
     * backing file must exist (it is opened to check it and, if no backing format was given, to probe it).
     */
    public static DiskImage create(Path file, String format, CreateOptions options) throws IOException {
        ImageFormat f = format(format);
        CreateOptions o = options;
        if (o.backingFile() != null) {
            Path bp = resolveBacking(file, o.backingFile());
            try (DiskImage back = open(bp, o.backingFormat(), true, true)) {
                if (o.size() == -1) {
                    o = o.withSize(back.size());
                }
                if (o.backingFormat() == null) {
                    o = o.withBacking(o.backingFile(), back.format().name());
                }
            } catch (NoSuchFileException e) {
                throw new ImageFormatException(file, "backing file " + bp + " does not exist");
            }
        }
        if (o.size() % 512 != 0) {
            // as qemu-img: sizes are whole 512-byte sectors, rounded up (a converted raw file of odd length keeps
            // its last bytes)
            o = o.withSize((o.size() + 511) & ~511L);
        }
        return f.create(file, o);
    }
}
