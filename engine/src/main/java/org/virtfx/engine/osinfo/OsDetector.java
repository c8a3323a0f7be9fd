package org.virtfx.engine.osinfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises the operating system on an installation medium or in a kernel, for the New VM wizard: ISO volume ids
 * matched against the catalogue (as virt-manager does with libosinfo), then well-known files on the medium
 * ({@code .disk/info}, {@code install.amd/}, {@code casper/}, {@code sources/install.wim}), then the version string
 * of a Linux kernel found on it or given directly (the bzImage header points to it).
 */
public final class OsDetector {
    /** What was recognised, and from what ("volume id 'Debian 12.5.0 amd64 n'", "kernel 6.1.0-50-686-pae ..."). */
    public record Detection(OsEntry os, String arch, String evidence) {
    }

    /** Debian releases by the kernel series they ship. */
    private static final Map<String, String> DEBIAN_BY_KERNEL = Map.of("6.12", "13", "6.1", "12", "5.10", "11",
            "4.19", "10", "4.9", "9");
    private static final List<String> KERNEL_PATHS = List.of("boot/vmlinuz", "install.amd/vmlinuz", "install.386/vmlinuz",
            "casper/vmlinuz", "isolinux/vmlinuz", "isolinux/linux", "linux", "vmlinuz", "boot/x86_64/loader/linux",
            "images/pxeboot/vmlinuz", "boot/memtest86+x64.bin", "boot/memtest86+ia32.bin");
    private static final Pattern DISK_INFO = Pattern.compile("(Debian GNU/Linux|Ubuntu(?:-Server)?) (\\d+(?:\\.\\d+)?)");

    private final OsCatalog catalog;

    public OsDetector(OsCatalog catalog) {
        this.catalog = catalog;
    }

    /** Detects the OS of an ISO image or a kernel file; empty when nothing is recognised. */
    public Optional<Detection> detect(Path medium) throws IOException {
        if (IsoImage.looksLikeIso(medium)) {
            try (IsoImage iso = IsoImage.open(medium)) {
                return detectIso(iso);
            }
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(medium)) {
            head = in.readNBytes(64 * 1024);
        }
        return detectKernel(head, "kernel file " + medium.getFileName());
    }

    private Optional<Detection> detectIso(IsoImage iso) throws IOException {
        for (OsEntry os : catalog.entries()) {
            for (OsEntry.Media m : os.media()) {
                if (m.matches(iso)) {
                    return Optional.of(new Detection(os, m.arch(), "volume id '" + iso.volumeId() + "'"));
                }
            }
        }
        Optional<IsoImage.Entry> info = iso.find(".disk/info");
        if (info.isPresent()) {
            String text = new String(iso.read(info.get(), 4096), StandardCharsets.UTF_8);
            Matcher m = DISK_INFO.matcher(text);
            if (m.find()) {
                String distro = m.group(1).startsWith("Debian") ? "debian" : "ubuntu";
                String version = m.group(2);
                String major = distro.equals("debian") ? version.replaceAll("\\..*", "") : version;
                String arch = text.contains("i386") ? "i686" : "x86_64";
                Optional<OsEntry> os = catalog.find(distro, major);
                if (os.isPresent()) {
                    return Optional.of(new Detection(os.get(), arch, ".disk/info '" + text.strip() + "'"));
                }
            }
        }
        if (iso.find("sources/install.wim").isPresent() || iso.find("sources/install.esd").isPresent()) {
            Optional<OsEntry> win = catalog.byShortId("win11").or(() -> catalog.byShortId("win10"));
            if (win.isPresent()) {
                return Optional.of(new Detection(win.get(), "x86_64", "Windows setup files (sources/install.wim)"));
            }
        }
        for (String p : KERNEL_PATHS) {
            Optional<IsoImage.Entry> k = iso.find(p);
            if (k.isPresent() && !k.get().directory()) {
                Optional<Detection> d = detectKernel(iso.read(k.get(), 64 * 1024), "kernel /" + p + " on the medium");
                if (d.isPresent()) {
                    return d;
                }
            }
        }
        return Optional.empty();
    }

    /** The version string a bzImage header points to (offset 0x20E + 0x200), or null. */
    static String kernelVersion(byte[] head) {
        if (head.length < 0x210) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0x202) != 0x53726448) {
            return null;
        }
        int off = (b.getShort(0x20E) & 0xFFFF) + 0x200;
        if (off < 0x200 || off >= head.length) {
            return null;
        }
        int end = off;
        while (end < head.length && end - off < 256 && head[end] != 0) {
            end++;
        }
        return new String(head, off, end - off, StandardCharsets.ISO_8859_1);
    }

    private Optional<Detection> detectKernel(byte[] head, String what) {
        String v = kernelVersion(head);
        if (v == null) {
            return Optional.empty();
        }
        String evidence = what + " '" + v + "'";
        if (v.startsWith("Memtest86+")) {
            return catalog.byShortId("memtest86+").map(os -> new Detection(os, "x86_64", evidence));
        }
        String arch = v.contains("686") || v.contains("i386") ? "i686" : "x86_64";
        Matcher series = Pattern.compile("^(\\d+\\.\\d+)").matcher(v);
        if (v.contains("Debian") && series.find()) {
            String release = DEBIAN_BY_KERNEL.get(series.group(1));
            if (release != null) {
                Optional<OsEntry> os = catalog.find("debian", release);
                if (os.isPresent()) {
                    return Optional.of(new Detection(os.get(), arch, evidence));
                }
            }
        }
        Matcher ubuntu = Pattern.compile("~(\\d\\d\\.\\d\\d)\\.\\d+-Ubuntu").matcher(v);
        if (ubuntu.find()) {
            Optional<OsEntry> os = catalog.find("ubuntu", ubuntu.group(1));
            if (os.isPresent()) {
                return Optional.of(new Detection(os.get(), arch, evidence));
            }
        }
        OsEntry generic = catalog.byShortId("linux").orElse(OsEntry.genericLinux());
        return Optional.of(new Detection(generic, arch, evidence));
    }
}
