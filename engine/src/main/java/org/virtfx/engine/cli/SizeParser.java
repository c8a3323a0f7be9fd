package org.virtfx.engine.cli;

import java.util.Locale;

/** Sizes in QEMU's syntax: a plain number is MiB for memory; suffixes K, M, G, T (optionally followed by B or iB). */
public final class SizeParser {
    private SizeParser() {
    }

    /**
     * @param text        e.g. "512", "512M", "2G", "1.5G"
     * @param defaultUnit multiplier for a number without suffix (MiB for --memory, bytes for disk sizes)
     */
    public static long parse(String text, long defaultUnit) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && Character.isLetter(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = defaultUnit;
        if (!s.isEmpty()) {
            char last = s.charAt(s.length() - 1);
            long u = switch (last) {
                case 'B' -> 1L;
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                case 'T' -> 1L << 40;
                case 'P' -> 1L << 50;
                default -> 0;
            };
            if (u != 0) {
                unit = u;
                s = s.substring(0, s.length() - 1);
            }
        }
        if (s.isEmpty() || !s.matches("[0-9]+(\\.[0-9]+)?")) {
            throw new IllegalArgumentException("not a size: '" + text + "' (examples: 512, 512M, 2G)");
        }
        java.math.BigDecimal v = new java.math.BigDecimal(s).multiply(java.math.BigDecimal.valueOf(unit));
        if (v.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return v.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
    }
}
