package org.virtfx.engine.osinfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.virtfx.engine.boot.BadImageException;

/**
 * Read-only access to an ISO 9660 image: the primary volume descriptor's identifiers, whether it is El Torito
 * bootable, and files by path — what OS detection needs. Every offset and length read from the image is checked
 * against the file, so a damaged image gives a {@link BadImageException} naming it, never a huge allocation or a hang.
 */
public final class IsoImage implements AutoCloseable {
    private static final int SECTOR = 2048;
    private static final int MAX_FILE = 16 << 20;
    private static final int MAX_DEPTH = 16;

    /** A directory record. */
    public record Entry(String name, long lba, long size, boolean directory) {
    }

    private final Path path;
    private final FileChannel ch;
    private final long fileSize;
    private final String volumeId;
    private final String systemId;
    private final String publisherId;
    private final String applicationId;
    private final Entry root;
    private final boolean bootable;

    private IsoImage(Path path, FileChannel ch) throws IOException {
        this.path = path;
        this.ch = ch;
        this.fileSize = ch.size();
        ByteBuffer pvd = null;
        boolean elTorito = false;
        for (int sector = 16; sector < 16 + 64; sector++) {
            ByteBuffer d = sector(sector);
            if (d == null || !"CD001".equals(ascii(d, 1, 5))) {
                throw new BadImageException("not an ISO 9660 image: " + path + " (no volume descriptor at sector " + sector + ")");
            }
            int type = d.get(0) & 0xFF;
            if (type == 1 && pvd == null) {
                pvd = d;
            } else if (type == 0 && ascii(d, 7, 32).startsWith("EL TORITO SPECIFICATION")) {
                elTorito = true;
            } else if (type == 255) {
                break;
            }
        }
        if (pvd == null) {
            throw new BadImageException("not an ISO 9660 image: " + path + " (no primary volume descriptor)");
        }
        systemId = ascii(pvd, 8, 32).trim();
        volumeId = ascii(pvd, 40, 32).trim();
        publisherId = ascii(pvd, 318, 128).trim();
        applicationId = ascii(pvd, 574, 128).trim();
        root = record(pvd, 156);
        if (root == null || !root.directory) {
            throw new BadImageException("damaged ISO 9660 image: " + path + " (bad root directory record)");
        }
        bootable = elTorito;
    }

    public static IsoImage open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new IsoImage(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Whether the file starts like an ISO 9660 image (cheap check, no exception). */
    public static boolean looksLikeIso(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(6);
            return ch.read(b, 16L * SECTOR) == 6 && "CD001".equals(new String(b.array(), 1, 5, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    public String volumeId() {
        return volumeId;
    }

    public String systemId() {
        return systemId;
    }

    public String publisherId() {
        return publisherId;
    }

    public String applicationId() {
        return applicationId;
    }

    public boolean bootable() {
        return bootable;
    }

    private ByteBuffer sector(long lba) throws IOException {
        long off = lba * SECTOR;
        if (off < 0 || off + SECTOR > fileSize) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, off + b.position()) < 0) {
                return null;
            }
        }
        return b.flip();
    }

    private static String ascii(ByteBuffer b, int off, int len) {
        byte[] out = new byte[len];
        b.get(off, out);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private Entry record(ByteBuffer b, int off) {
        int len = b.get(off) & 0xFF;
        if (len < 34 || off + len > b.limit()) {
            return null;
        }
        long lba = b.getInt(off + 2) & 0xFFFFFFFFL;
        long size = b.getInt(off + 10) & 0xFFFFFFFFL;
        boolean dir = (b.get(off + 25) & 2) != 0;
        int nameLen = b.get(off + 32) & 0xFF;
        if (33 + nameLen > len) {
            return null;
        }
        String name;
        if (nameLen == 1 && (b.get(off + 33) == 0 || b.get(off + 33) == 1)) {
            name = b.get(off + 33) == 0 ? "." : "..";
        } else {
            name = ascii(b, off + 33, nameLen);
            int semi = name.indexOf(';');
            if (semi >= 0) {
                name = name.substring(0, semi);
            }
            if (name.endsWith(".") && !dir) {
                name = name.substring(0, name.length() - 1);
            }
            String rr = rockRidgeName(b, off + 33 + nameLen + ((nameLen & 1) == 0 ? 1 : 0), off + len);
            if (rr != null) {
                name = rr;
            }
        }
        return new Entry(name, lba, size, dir);
    }

    /** The Rock Ridge alternate name (SUSP "NM" entries) in a record's system use area, or null. */
    private static String rockRidgeName(ByteBuffer b, int from, int end) {
        StringBuilder name = null;
        int p = from;
        while (p + 4 <= end) {
            int len = b.get(p + 2) & 0xFF;
            if (len < 4 || p + len > end) {
                break;
            }
            if (b.get(p) == 'N' && b.get(p + 1) == 'M' && len >= 5) {
                if (name == null) {
                    name = new StringBuilder();
                }
                name.append(ascii(b, p + 5, len - 5));
            }
            p += len;
        }
        return name == null ? null : name.toString();
    }

    /** The entries of a directory (without "." and ".."). */
    public List<Entry> list(Entry dir) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!dir.directory || dir.size > MAX_FILE) {
            return out;
        }
        long sectors = (dir.size + SECTOR - 1) / SECTOR;
        for (long s = 0; s < sectors; s++) {
            ByteBuffer b = sector(dir.lba + s);
            if (b == null) {
                throw new BadImageException("damaged ISO 9660 image: " + path + " (directory past the end of the file)");
            }
            int off = 0;
            while (off < SECTOR) {
                int len = b.get(off) & 0xFF;
                if (len == 0) {
                    break; // records do not cross sectors; the rest of this sector is padding
                }
                Entry e = record(b, off);
                if (e == null) {
                    throw new BadImageException("damaged ISO 9660 image: " + path + " (bad directory record)");
                }
                if (!e.name.equals(".") && !e.name.equals("..")) {
                    out.add(e);
                }
                off += len;
            }
        }
        return out;
    }

    public Entry root() {
        return root;
    }

    /** Finds a file or directory by slash-separated path, case-insensitively (ISO 9660 names are upper case). */
    public Optional<Entry> find(String path) throws IOException {
        Entry cur = root;
        String[] parts = path.replaceAll("^/+", "").split("/");
        if (parts.length > MAX_DEPTH) {
            return Optional.empty();
        }
        for (String part : parts) {
            if (part.isEmpty()) {
                continue;
            }
            Entry next = null;
            for (Entry e : list(cur)) {
                if (e.name.toLowerCase(Locale.ROOT).equals(part.toLowerCase(Locale.ROOT))) {
                    next = e;
                    break;
                }
            }
            if (next == null) {
                return Optional.empty();
            }
            cur = next;
        }
        return Optional.of(cur);
    }

    /** Reads up to {@code max} bytes of a file (at most 16 MiB). */
    public byte[] read(Entry file, int max) throws IOException {
        int n = (int) Math.min(Math.min(file.size, max), MAX_FILE);
        long off = file.lba * SECTOR;
        if (off < 0 || off + n > fileSize) {
            throw new BadImageException("damaged ISO 9660 image: " + path + " (" + file.name + " lies past the end of the file)");
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, off + b.position()) < 0) {
                break;
            }
        }
        return b.array();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
