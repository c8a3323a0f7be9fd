package org.virtfx.engine.platform.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A tiny AML encoder (ACPI 6.x ch. 20) for the few data objects and scopes VirtFX's DSDT needs: names, integers,
 * strings, packages, scopes and devices. Each method returns the encoded bytes of one term.
 */
final class Aml {
    private Aml() {
    }

    static byte[] name(String path, byte[] value) {
        return cat(new byte[] {0x08}, nameString(path), value);
    }

    static byte[] scope(String path, byte[]... terms) {
        return withPkgLength(new byte[] {0x10}, cat(nameString(path), cat(terms)));
    }

    static byte[] device(String name, byte[]... terms) {
        return withPkgLength(new byte[] {0x5B, (byte) 0x82}, cat(nameString(name), cat(terms)));
    }

    static byte[] packageOf(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("AML package with more than 255 elements");
        }
        return withPkgLength(new byte[] {0x12}, cat(new byte[] {(byte) elements.length}, cat(elements)));
    }

    static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {0x00};
        }
        if (v == 1) {
            return new byte[] {0x01};
        }
        if (v >= 0 && v <= 0xFF) {
            return new byte[] {0x0A, (byte) v};
        }
        if (v >= 0 && v <= 0xFFFF) {
            return new byte[] {0x0B, (byte) v, (byte) (v >>> 8)};
        }
        if (v >= 0 && v <= 0xFFFF_FFFFL) {
            return new byte[] {0x0C, (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
        }
        byte[] b = new byte[9];
        b[0] = 0x0E;
        for (int i = 0; i < 8; i++) {
            b[1 + i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** Buffer(){bytes}: BufferOp, PkgLength, BufferSize, data. */
    static byte[] buffer(byte[] data) {
        return withPkgLength(new byte[] {0x11}, cat(integer(data.length), data));
    }

    static byte[] string(String s) {
        return cat(new byte[] {0x0D}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** EISA ID such as "PNP0A03" compressed into a 32-bit integer. */
    static byte[] eisaId(String id) {
        int c1 = id.charAt(0) - 0x40, c2 = id.charAt(1) - 0x40, c3 = id.charAt(2) - 0x40;
        int product = Integer.parseInt(id.substring(3), 16);
        int v = (c1 << 10 | c2 << 5 | c3) << 16 | product;
        // stored big-endian within the little-endian DWord: swap bytes of each half
        int b0 = (v >>> 24) & 0xFF, b1 = (v >>> 16) & 0xFF, b2 = (v >>> 8) & 0xFF, b3 = v & 0xFF;
        return integerDword(b0 | b1 << 8 | b2 << 16 | b3 << 24);
    }

    private static byte[] integerDword(int v) {
        return new byte[] {0x0C, (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /** "\\_SB_.PCI0" style paths: a root prefix and 1-4 character segments padded with '_'. */
    static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String p = path;
        if (p.startsWith("\\")) {
            out.write('\\');
            p = p.substring(1);
        }
        String[] segs = p.isEmpty() ? new String[0] : p.split("\\.");
        if (segs.length == 2) {
            out.write(0x2E);
        } else if (segs.length > 2) {
            out.write(0x2F);
            out.write(segs.length);
        } else if (segs.length == 0) {
            out.write(0);
        }
        for (String s : segs) {
            String padded = (s + "____").substring(0, 4);
            out.writeBytes(padded.getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** Opcode, PkgLength (which counts itself), body. */
    private static byte[] withPkgLength(byte[] opcode, byte[] body) {
        int len = body.length;
        byte[] pkg;
        if (len + 1 < 0x40) {
            pkg = new byte[] {(byte) (len + 1)};
        } else if (len + 2 < 0x1000) {
            int t = len + 2;
            pkg = new byte[] {(byte) (0x40 | (t & 0xF)), (byte) (t >>> 4)};
        } else if (len + 3 < 0x10_0000) {
            int t = len + 3;
            pkg = new byte[] {(byte) (0x80 | (t & 0xF)), (byte) (t >>> 4), (byte) (t >>> 12)};
        } else {
            int t = len + 4;
            pkg = new byte[] {(byte) (0xC0 | (t & 0xF)), (byte) (t >>> 4), (byte) (t >>> 12), (byte) (t >>> 20)};
        }
        return cat(opcode, pkg, body);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
