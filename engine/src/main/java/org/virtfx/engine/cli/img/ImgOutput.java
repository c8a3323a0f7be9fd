package org.virtfx.engine.cli.img;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;

/** Output helpers shared by the img subcommands: qemu-img's JSON layout and human-readable sizes. */
final class ImgOutput {
    private ImgOutput() {
    }

    /** JSON as qemu-img prints it: 4-space indentation, {@code "key": value}. Values: Map, List, String, Number, Boolean. */
    static String json(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        String ind = "    ".repeat(depth + 1);
        String end = "    ".repeat(depth);
        switch (v) {
            case null -> sb.append("null");
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append("{\n");
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(ind).append(quote(String.valueOf(e.getKey()))).append(": ");
                    write(sb, e.getValue(), depth + 1);
                    sb.append(++i < m.size() ? ",\n" : "\n");
                }
                sb.append(end).append('}');
            }
            case List<?> l -> {
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append("[\n");
                for (int i = 0; i < l.size(); i++) {
                    sb.append(ind);
                    write(sb, l.get(i), depth + 1);
                    sb.append(i + 1 < l.size() ? ",\n" : "\n");
                }
                sb.append(end).append(']');
            }
            case String s -> sb.append(quote(s));
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            default -> sb.append(quote(v.toString()));
        }
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** qemu's size_to_str: three significant digits and a binary unit ("64 MiB", "1.5 GiB", "332 KiB", "0 B"). */
    static String humanSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        double v = bytes;
        // qemu switches unit once the value reaches 1000 of the smaller one (so 1000 KiB prints as 0.977 MiB)
        while (v >= 1000 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros();
        return d.toPlainString() + " " + units[u];
    }
}
