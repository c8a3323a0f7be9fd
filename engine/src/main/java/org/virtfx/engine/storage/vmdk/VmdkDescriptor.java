package org.virtfx.engine.storage.vmdk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.virtfx.engine.storage.ImageFormatException;

/**
 * The text descriptor of a VMDK ("# Disk DescriptorFile"): create type, content IDs, parent hint and extent lines.
 * It is either a file of its own (monolithicFlat, twoGbMaxExtent*) or embedded in a sparse extent.
 */
record VmdkDescriptor(String createType, long cid, long parentCid, String parentFileNameHint, List<ExtentLine> extents,
                      String adapterType) {
    /** Refuse descriptors larger than this: a real one is a few hundred bytes. */
    static final int MAX_TEXT = 1 << 20;

    record ExtentLine(String access, long sectors, String type, String fileName, long offset) {
    }

    private static final Pattern EXTENT = Pattern.compile(
            "^(RW|RDONLY|NOACCESS)\\s+(\\d+)\\s+(FLAT|SPARSE|ZERO|VMFS|VMFSSPARSE|VMFSRDM|VMFSRAW)"
                    + "(?:\\s+\"([^\"]*)\"(?:\\s+(\\d+))?)?\\s*$");
    private static final Pattern KEY = Pattern.compile("^([A-Za-z0-9_.]+)\\s*=\\s*\"?([^\"]*)\"?\\s*$");

    static VmdkDescriptor parse(Path file, String text) throws ImageFormatException {
        String createType = null;
        long cid = 0xFFFFFFFFL;
        long parentCid = 0xFFFFFFFFL;
        String parent = null;
        String adapter = null;
        List<ExtentLine> extents = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n")) {
            lineNo++;
            String line = raw.replace("\r", "").replace("\0", "").trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = EXTENT.matcher(line);
            if (m.matches()) {
                long sectors;
                try {
                    sectors = Long.parseLong(m.group(2));
                    long off = m.group(5) == null ? 0 : Long.parseLong(m.group(5));
                    if (sectors > (1L << 40) || off > (1L << 40)) {
                        throw new NumberFormatException();
                    }
                    extents.add(new ExtentLine(m.group(1), sectors, m.group(3), m.group(4), off));
                } catch (NumberFormatException e) {
                    throw new ImageFormatException(file, "VMDK descriptor line " + lineNo + " has an absurd extent size: " + line);
                }
                continue;
            }
            Matcher k = KEY.matcher(line);
            if (k.matches()) {
                String key = k.group(1);
                String val = k.group(2).trim();
                switch (key) {
                    case "createType" -> createType = val;
                    case "CID" -> cid = parseHex(file, key, val);
                    case "parentCID" -> parentCid = parseHex(file, key, val);
                    case "parentFileNameHint" -> parent = val;
                    case "ddb.adapterType" -> adapter = val;
                    default -> {
                        // other keys (DDB geometry, UUIDs, tools version) do not affect reading the disk
                    }
                }
                continue;
            }
            if (line.matches("^(RW|RDONLY|NOACCESS)\\b.*")) {
                throw new ImageFormatException(file, "VMDK descriptor line " + lineNo + " is not a valid extent: " + line);
            }
        }
        if (createType == null) {
            throw new ImageFormatException(file, "VMDK descriptor has no createType");
        }
        return new VmdkDescriptor(createType, cid, parentCid, parent, List.copyOf(extents), adapter);
    }

    private static long parseHex(Path file, String key, String v) throws ImageFormatException {
        try {
            return Long.parseLong(v.toLowerCase(Locale.ROOT), 16) & 0xFFFFFFFFL;
        } catch (NumberFormatException e) {
            throw new ImageFormatException(file, "VMDK descriptor has an invalid " + key + " '" + v + "'");
        }
    }

    long totalSectors() {
        long t = 0;
        for (ExtentLine e : extents) {
            t += e.sectors();
        }
        return t;
    }

    /** The descriptor text qemu-img writes. */
    static String render(String createType, long cid, long parentCid, String parentHint, List<ExtentLine> extents,
                         long capacitySectors, String adapterType, String hwVersion) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Disk DescriptorFile\nversion=1\n");
        sb.append(String.format("CID=%08x\nparentCID=%08x\n", cid, parentCid));
        sb.append("createType=\"").append(createType).append("\"\n");
        if (parentHint != null) {
            sb.append("parentFileNameHint=\"").append(parentHint).append("\"\n");
        }
        sb.append("\n# Extent description\n");
        for (ExtentLine e : extents) {
            sb.append(e.access()).append(' ').append(e.sectors()).append(' ').append(e.type());
            if (e.fileName() != null) {
                sb.append(" \"").append(e.fileName()).append('"');
                if (e.type().equals("FLAT")) {
                    sb.append(' ').append(e.offset());
                }
            }
            sb.append('\n');
        }
        int heads = adapterType.equals("ide") ? 16 : 255;
        long cyls = Math.min(capacitySectors / (heads * 63L), 16383);
        sb.append("\n# The Disk Data Base\n#DDB\n\n");
        sb.append("ddb.virtualHWVersion = \"").append(hwVersion).append("\"\n");
        sb.append("ddb.geometry.cylinders = \"").append(cyls).append("\"\n");
        sb.append("ddb.geometry.heads = \"").append(heads).append("\"\n");
        sb.append("ddb.geometry.sectors = \"63\"\n");
        sb.append("ddb.adapterType = \"").append(adapterType).append("\"\n");
        return sb.toString();
    }
}
