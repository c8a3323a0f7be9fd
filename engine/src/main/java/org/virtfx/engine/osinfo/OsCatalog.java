package org.virtfx.engine.osinfo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The operating systems VirtFX knows: Debian's osinfo-db ({@code /usr/share/osinfo}, the database virt-manager uses)
 * when the host has it, else a small catalogue bundled with VirtFX. Searchable by name; sorted newest first within a
 * distribution.
 */
public final class OsCatalog {
    public static final Path OSINFO_DB = Path.of("/usr/share/osinfo");
    private static final String BUNDLED = "/org/virtfx/engine/osinfo/os-catalog.json";

    private final List<OsEntry> entries;
    private final String source;

    private OsCatalog(List<OsEntry> entries, String source) {
        this.entries = List.copyOf(entries);
        this.source = source;
    }

    /**
     * osinfo-db when present and readable, completed with the bundled entries it lacks (Debian 12's osinfo-db predates
     * Debian 12 itself), else the bundled catalogue alone.
     */
    public static OsCatalog load() {
        if (Files.isDirectory(OSINFO_DB.resolve("os"))) {
            try {
                OsCatalog c = fromOsinfoDb(OSINFO_DB);
                if (!c.entries.isEmpty()) {
                    List<OsEntry> all = new ArrayList<>(bundled().entries);
                    java.util.Set<String> have = new java.util.HashSet<>();
                    all.forEach(e -> have.add(e.shortId()));
                    for (OsEntry e : c.entries) {
                        if (have.add(e.shortId())) {
                            all.add(e);
                        }
                    }
                    return new OsCatalog(all, c.source + " + bundled catalogue");
                }
            } catch (IOException e) {
                System.getLogger(OsCatalog.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot read osinfo-db at " + OSINFO_DB + ", using the bundled catalogue: " + e.getMessage());
            }
        }
        return bundled();
    }

    public static OsCatalog bundled() {
        try (InputStream in = OsCatalog.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled OS catalogue missing from the build: " + BUNDLED);
            }
            JsonNode root = new ObjectMapper().readTree(in);
            List<OsEntry> list = new ArrayList<>();
            for (JsonNode n : root.get("os")) {
                List<OsEntry.Media> media = new ArrayList<>();
                for (JsonNode m : n.path("media")) {
                    media.add(new OsEntry.Media(m.path("arch").asText("x86_64"), pattern(m.path("volume-id").asText(null)),
                            pattern(m.path("system-id").asText(null)), pattern(m.path("publisher-id").asText(null)),
                            pattern(m.path("application-id").asText(null)), m.path("kernel").asText(null),
                            m.path("initrd").asText(null)));
                }
                list.add(new OsEntry(n.get("id").asText(), n.get("short-id").asText(), n.get("name").asText(),
                        n.get("family").asText(), n.path("distro").asText(""), n.path("version").asText(""),
                        n.get("min-ram-mib").asLong() * OsEntry.MIB, n.get("ram-mib").asLong() * OsEntry.MIB,
                        n.get("cpus").asInt(), n.get("storage-gib").asLong() * OsEntry.GIB, media));
            }
            return new OsCatalog(list, "bundled catalogue");
        } catch (IOException e) {
            throw new IllegalStateException("bundled OS catalogue is unreadable", e);
        }
    }

    /** Reads every {@code os/&#42;/&#42;.xml} of an osinfo-db tree. Unreadable files are skipped. */
    public static OsCatalog fromOsinfoDb(Path root) throws IOException {
        List<OsEntry> list = new ArrayList<>();
        DocumentBuilder builder;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            builder = f.newDocumentBuilder();
        } catch (javax.xml.parsers.ParserConfigurationException e) {
            throw new IOException("no XML parser", e);
        }
        try (Stream<Path> files = Files.walk(root.resolve("os"), 2)) {
            for (Path p : files.filter(x -> x.toString().endsWith(".xml")).sorted().toList()) {
                try {
                    Document d = builder.parse(p.toFile());
                    NodeList oses = d.getElementsByTagName("os");
                    for (int i = 0; i < oses.getLength(); i++) {
                        list.add(fromXml((Element) oses.item(i)));
                    }
                } catch (org.xml.sax.SAXException | IOException | RuntimeException e) {
                    // A broken entry must not hide the rest of the database.
                }
            }
        }
        return new OsCatalog(list, "osinfo-db " + root);
    }

    private static OsEntry fromXml(Element os) {
        String name = child(os, "name");
        String version = Optional.ofNullable(child(os, "version")).orElse("");
        long minRam = 0;
        long ram = 0;
        long storage = 0;
        int cpus = 1;
        for (Element res : children(os, "resources")) {
            String arch = res.getAttribute("arch");
            if (!arch.equals("all") && !arch.equals("x86_64") && !arch.equals("i686")) {
                continue;
            }
            for (Element min : children(res, "minimum")) {
                minRam = Math.max(minRam, parseLong(child(min, "ram")));
            }
            for (Element rec : children(res, "recommended")) {
                ram = Math.max(ram, parseLong(child(rec, "ram")));
                storage = Math.max(storage, parseLong(child(rec, "storage")));
                cpus = Math.max(cpus, (int) parseLong(child(rec, "n-cpus")));
            }
        }
        if (ram == 0) {
            ram = Math.max(minRam, OsEntry.GIB);
        }
        if (storage == 0) {
            storage = 10 * OsEntry.GIB;
        }
        List<OsEntry.Media> media = new ArrayList<>();
        for (Element m : children(os, "media")) {
            String arch = m.getAttribute("arch");
            for (Element iso : children(m, "iso")) {
                media.add(new OsEntry.Media(arch, pattern(child(iso, "volume-id")), pattern(child(iso, "system-id")),
                        pattern(child(iso, "publisher-id")), pattern(child(iso, "application-id")), child(m, "kernel"),
                        child(m, "initrd")));
            }
        }
        return new OsEntry(os.getAttribute("id"), Optional.ofNullable(child(os, "short-id")).orElse(""),
                name == null ? os.getAttribute("id") : name, Optional.ofNullable(child(os, "family")).orElse("other"),
                Optional.ofNullable(child(os, "distro")).orElse(""), version, minRam, ram, cpus, storage, media);
    }

    private static List<Element> children(Element e, String tag) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element el && el.getTagName().equals(tag)) {
                out.add(el);
            }
        }
        return out;
    }

    /** Text of the first child element {@code tag} without an xml:lang attribute. */
    private static String child(Element e, String tag) {
        for (Element c : children(e, tag)) {
            if (!c.hasAttribute("xml:lang")) {
                return c.getTextContent().trim();
            }
        }
        return null;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Pattern pattern(String regex) {
        if (regex == null || regex.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    public List<OsEntry> entries() {
        return entries;
    }

    /** Where the entries came from ("osinfo-db /usr/share/osinfo" or "bundled catalogue"). */
    public String source() {
        return source;
    }

    public Optional<OsEntry> byShortId(String shortId) {
        return entries.stream().filter(e -> e.shortId().equals(shortId)).findFirst();
    }

    /** Entries whose name or short id contains every word of {@code query} (case-insensitive), best first. */
    public List<OsEntry> search(String query) {
        String[] words = query.toLowerCase(Locale.ROOT).trim().split("\\s+");
        return entries.stream().filter(e -> {
            String hay = (e.name() + " " + e.shortId() + " " + e.distro()).toLowerCase(Locale.ROOT);
            for (String w : words) {
                if (!hay.contains(w)) {
                    return false;
                }
            }
            return true;
        }).sorted(Comparator.comparing(OsEntry::name)).toList();
    }

    /** The newest entry of {@code distro} whose version starts with {@code majorVersion}. */
    public Optional<OsEntry> find(String distro, String majorVersion) {
        return entries.stream().filter(e -> e.distro().equals(distro)
                && (e.version().equals(majorVersion) || e.version().startsWith(majorVersion + "."))).findFirst();
    }
}
