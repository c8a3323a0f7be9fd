package org.virtfx.engine.storage;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.virtfx.engine.cli.SizeParser;

/**
 * What {@link ImageFormat#create} makes: qemu-img's {@code -o} options, the common ones as fields, the rest (e.g. vmdk
 * {@code adapter_type}, vhdx {@code block_size}) in {@link #formatOptions()}. A format validates the options it gets
 * and throws {@link IllegalArgumentException} naming the bad option (see {@link #requireOnly}).
 *
 * @param size            virtual size in bytes; {@code -1} = take the size of the backing file
 * @param clusterSize     cluster/block/grain size in bytes; 0 = the format's default
 * @param preallocation   off / metadata / falloc / full
 * @param backingFile     backing file name as it will be stored in the image (relative to the image's directory), or null
 * @param backingFormat   format of the backing file ("qcow2", "raw"...), or null to probe it when opening
 * @param compat          format version: qcow2 "0.10"/"v2" or "1.1"/"v3"; vmdk "4"/"6" (hwversion is separate); null = default
 * @param subformat       vmdk/vhd/vhdx subformat ("monolithicSparse", "streamOptimized", "fixed", "dynamic"...), or null
 * @param extendedL2      qcow2 extended L2 entries (subclusters)
 * @param lazyRefcounts   qcow2 lazy refcounts (v3 only)
 * @param refcountBits    qcow2 refcount width (1..64, power of two); 0 = default (16)
 * @param compressionType qcow2 "zlib" or "zstd"; null = zlib
 * @param formatOptions   every other {@code -o key=value}, unparsed
 */
public record CreateOptions(long size, int clusterSize, Preallocation preallocation, String backingFile,
                            String backingFormat, String compat, String subformat, boolean extendedL2,
                            boolean lazyRefcounts, int refcountBits, String compressionType,
                            Map<String, String> formatOptions) {

    /** Keys {@link #parse} turns into fields. */
    public static final Set<String> COMMON_KEYS = Set.of("size", "cluster_size", "preallocation", "backing_file",
            "backing_fmt", "compat", "subformat", "extended_l2", "lazy_refcounts", "refcount_bits", "compression_type");

    public CreateOptions {
        if (size < -1) {
            throw new IllegalArgumentException("invalid image size " + size);
        }
        if (clusterSize < 0 || (clusterSize != 0 && Integer.bitCount(clusterSize) != 1)) {
            throw new IllegalArgumentException("cluster size must be a power of two (got " + clusterSize + ")");
        }
        if (refcountBits < 0 || refcountBits > 64 || (refcountBits != 0 && Integer.bitCount(refcountBits) != 1)) {
            throw new IllegalArgumentException("refcount_bits must be a power of two from 1 to 64 (got " + refcountBits + ")");
        }
        if (size == -1 && backingFile == null) {
            throw new IllegalArgumentException("an image size is required when there is no backing file");
        }
        if (backingFormat != null && backingFile == null) {
            throw new IllegalArgumentException("backing_fmt given without backing_file");
        }
        preallocation = preallocation == null ? Preallocation.OFF : preallocation;
        formatOptions = Map.copyOf(formatOptions == null ? Map.of() : formatOptions);
    }

    /** Plain options: just a size, everything else default. */
    public static CreateOptions ofSize(long size) {
        return new CreateOptions(size, 0, Preallocation.OFF, null, null, null, null, false, false, 0, null, Map.of());
    }

    public CreateOptions withSize(long s) {
        return new CreateOptions(s, clusterSize, preallocation, backingFile, backingFormat, compat, subformat,
                extendedL2, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withClusterSize(int cs) {
        return new CreateOptions(size, cs, preallocation, backingFile, backingFormat, compat, subformat,
                extendedL2, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withPreallocation(Preallocation p) {
        return new CreateOptions(size, clusterSize, p, backingFile, backingFormat, compat, subformat,
                extendedL2, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withBacking(String file, String format) {
        return new CreateOptions(size, clusterSize, preallocation, file, format, compat, subformat,
                extendedL2, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withCompat(String c) {
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, c, subformat,
                extendedL2, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withSubformat(String s) {
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, compat, s,
                extendedL2, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withExtendedL2(boolean e) {
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, compat, subformat,
                e, lazyRefcounts, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withLazyRefcounts(boolean l) {
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, compat, subformat,
                extendedL2, l, refcountBits, compressionType, formatOptions);
    }

    public CreateOptions withRefcountBits(int bits) {
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, compat, subformat,
                extendedL2, lazyRefcounts, bits, compressionType, formatOptions);
    }

    public CreateOptions withCompressionType(String t) {
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, compat, subformat,
                extendedL2, lazyRefcounts, refcountBits, t, formatOptions);
    }

    public CreateOptions withFormatOption(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(formatOptions);
        m.put(key, value);
        return new CreateOptions(size, clusterSize, preallocation, backingFile, backingFormat, compat, subformat,
                extendedL2, lazyRefcounts, refcountBits, compressionType, m);
    }

    /**
     * Parses qemu-img's {@code -o} syntax: {@code key=value,key=value} where a doubled comma is a literal comma.
     *
     * @param size    the size argument ({@code -1} if none was given; {@code size=} in the string overrides it)
     * @param options the option string, may be null or empty
     */
    public static CreateOptions parse(long size, String options) {
        Map<String, String> kv = splitOptions(options);
        Map<String, String> rest = new LinkedHashMap<>(kv);
        COMMON_KEYS.forEach(rest::remove);
        long sz = kv.containsKey("size") ? SizeParser.parse(kv.get("size"), 1) : size;
        int cs = kv.containsKey("cluster_size") ? intSize("cluster_size", kv.get("cluster_size")) : 0;
        Preallocation p = kv.containsKey("preallocation") ? Preallocation.parse(kv.get("preallocation")) : Preallocation.OFF;
        int rb = kv.containsKey("refcount_bits") ? parseInt("refcount_bits", kv.get("refcount_bits")) : 0;
        String backing = kv.get("backing_file");
        if (sz == -1 && backing == null) {
            throw new IllegalArgumentException("an image size is required when there is no backing file");
        }
        return new CreateOptions(sz, cs, p, backing, kv.get("backing_fmt"), kv.get("compat"), kv.get("subformat"),
                parseBool("extended_l2", kv.get("extended_l2")), parseBool("lazy_refcounts", kv.get("lazy_refcounts")),
                rb, kv.get("compression_type"), rest);
    }

    /** Throws if {@link #formatOptions()} has a key the format does not know, or a common option it cannot honour. */
    public void requireOnly(String format, Set<String> knownFormatKeys) {
        for (String k : formatOptions.keySet()) {
            if (!knownFormatKeys.contains(k)) {
                throw new IllegalArgumentException("format '" + format + "' does not support option '" + k + "'");
            }
        }
    }

    static Map<String, String> splitOptions(String options) {
        Map<String, String> kv = new LinkedHashMap<>();
        if (options == null || options.isBlank()) {
            return kv;
        }
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i <= options.length(); i++) {
            char c = i < options.length() ? options.charAt(i) : ',';
            if (c == ',' && i + 1 < options.length() && options.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
            } else if (c == ',') {
                String item = cur.toString();
                cur.setLength(0);
                if (item.isEmpty()) {
                    continue;
                }
                int eq = item.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("invalid option '" + item + "' (expected key=value)");
                }
                kv.put(item.substring(0, eq).trim(), item.substring(eq + 1));
            } else {
                cur.append(c);
            }
        }
        return kv;
    }

    private static int intSize(String key, String v) {
        long n = SizeParser.parse(v, 1);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " too large: " + v);
        }
        return (int) n;
    }

    private static int parseInt(String key, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + key + " '" + v + "'");
        }
    }

    private static boolean parseBool(String key, String v) {
        if (v == null) {
            return false;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("invalid value for " + key + ": '" + v + "' (expected on or off)");
        };
    }
}
