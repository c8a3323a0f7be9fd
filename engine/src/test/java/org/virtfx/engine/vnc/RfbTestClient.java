package org.virtfx.engine.vnc;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** A small RFB client written from the protocol description, to test the server end to end. */
final class RfbTestClient implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    int width;
    int height;
    String name;
    PixelFormat format = PixelFormat.DEFAULT;
    /** The client's copy of the screen as 0xFFRRGGBB (converted back from the wire format). */
    int[] screen;
    int[][] colourMap;
    private final Inflater inflater = new Inflater();
    int lastEncoding;
    boolean sawDesktopSize;
    boolean sawExtendedKeyAck;
    /** CopyRect rectangles received, as {x, y, w, h, srcX, srcY}. */
    final java.util.List<int[]> copyRects = new java.util.ArrayList<>();

    RfbTestClient(int port, String version, String password) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
        byte[] v = new byte[12];
        in.readFully(v);
        if (!new String(v, StandardCharsets.US_ASCII).equals("RFB 003.008\n")) {
            throw new IOException("server version " + new String(v, StandardCharsets.US_ASCII));
        }
        out.write(("RFB " + version + "\n").getBytes(StandardCharsets.US_ASCII));
        int security;
        if (version.equals("003.003")) {
            security = in.readInt();
        } else {
            int n = in.readUnsignedByte();
            if (n == 0) {
                throw new IOException("no security types");
            }
            security = in.readUnsignedByte();
            for (int i = 1; i < n; i++) {
                in.readUnsignedByte();
            }
            out.writeByte(security);
        }
        if (security == 2) {
            byte[] challenge = new byte[16];
            in.readFully(challenge);
            out.write(VncAuth.encrypt(password == null ? "" : password, challenge));
        }
        if (security == 2 || version.equals("003.008")) {
            int result = in.readInt();
            if (result != 0) {
                String reason = "";
                if (version.equals("003.008")) {
                    byte[] r = new byte[in.readInt()];
                    in.readFully(r);
                    reason = new String(r, StandardCharsets.UTF_8);
                }
                throw new SecurityException("security failed: " + reason);
            }
        }
        out.writeByte(1); // shared
        width = in.readUnsignedShort();
        height = in.readUnsignedShort();
        PixelFormat.read(in);
        byte[] nm = new byte[in.readInt()];
        in.readFully(nm);
        name = new String(nm, StandardCharsets.UTF_8);
        screen = new int[width * height];
    }

    void setPixelFormat(PixelFormat pf) throws IOException {
        out.writeByte(0);
        out.write(new byte[3]);
        pf.write(new DataOutputStream(out));
        format = pf;
    }

    void setEncodings(int... encodings) throws IOException {
        out.writeByte(2);
        out.writeByte(0);
        out.writeShort(encodings.length);
        for (int e : encodings) {
            out.writeInt(e);
        }
    }

    void requestUpdate(boolean incremental) throws IOException {
        out.writeByte(3);
        out.writeByte(incremental ? 1 : 0);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(width);
        out.writeShort(height);
    }

    void key(int keysym, boolean down) throws IOException {
        out.writeByte(4);
        out.writeByte(down ? 1 : 0);
        out.writeShort(0);
        out.writeInt(keysym);
    }

    /** QEMU extended key event: keysym plus the XT keycode (E0 keys with bit 7 set). */
    void extendedKey(int keysym, int keycode, boolean down) throws IOException {
        out.writeByte(255);
        out.writeByte(0);
        out.writeShort(down ? 1 : 0);
        out.writeInt(keysym);
        out.writeInt(keycode);
    }

    void pointer(int mask, int x, int y) throws IOException {
        out.writeByte(5);
        out.writeByte(mask);
        out.writeShort(x);
        out.writeShort(y);
    }

    /** Reads server messages until one framebuffer update was applied; returns its rectangles as {x,y,w,h}. */
    java.util.List<int[]> readUpdate() throws IOException {
        while (true) {
            int type = in.readUnsignedByte();
            if (type == 1) {
                in.readUnsignedByte();
                int first = in.readUnsignedShort();
                int n = in.readUnsignedShort();
                colourMap = new int[256][];
                for (int i = 0; i < n; i++) {
                    colourMap[first + i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort(), in.readUnsignedShort()};
                }
                continue;
            }
            if (type != 0) {
                throw new IOException("unexpected server message " + type);
            }
            in.readUnsignedByte();
            int n = in.readUnsignedShort();
            java.util.List<int[]> rects = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                int x = in.readUnsignedShort();
                int y = in.readUnsignedShort();
                int w = in.readUnsignedShort();
                int h = in.readUnsignedShort();
                int enc = in.readInt();
                if (enc == VncSession.ENCODING_DESKTOP_SIZE) {
                    width = w;
                    height = h;
                    screen = new int[w * h];
                    sawDesktopSize = true;
                    continue;
                }
                if (enc == VncSession.ENCODING_QEMU_EXTENDED_KEY) {
                    sawExtendedKeyAck = true;
                    continue;
                }
                if (enc == VncSession.ENCODING_COPY_RECT) {
                    int sx = in.readUnsignedShort();
                    int sy = in.readUnsignedShort();
                    int[] copy = new int[w * h];
                    for (int yy = 0; yy < h; yy++) {
                        System.arraycopy(screen, (sy + yy) * width + sx, copy, yy * w, w);
                    }
                    for (int yy = 0; yy < h; yy++) {
                        System.arraycopy(copy, yy * w, screen, (y + yy) * width + x, w);
                    }
                    copyRects.add(new int[] {x, y, w, h, sx, sy});
                    rects.add(new int[] {x, y, w, h});
                    continue;
                }
                lastEncoding = enc;
                rects.add(new int[] {x, y, w, h});
                if (enc == VncSession.ENCODING_RAW) {
                    int bpp = format.bitsPerPixel() / 8;
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            screen[(y + yy) * width + x + xx] = toArgb(readPixel(in, bpp));
                        }
                    }
                } else if (enc == VncSession.ENCODING_ZRLE) {
                    byte[] data = new byte[in.readInt()];
                    in.readFully(data);
                    decodeZrle(data, x, y, w, h);
                } else {
                    throw new IOException("unexpected encoding " + enc);
                }
            }
            return rects;
        }
    }

    private int readPixel(DataInputStream s, int bytes) throws IOException {
        int v = 0;
        for (int i = 0; i < bytes; i++) {
            int b = s.readUnsignedByte();
            v = format.bigEndian() ? v << 8 | b : v | b << (8 * i);
        }
        return v;
    }

    private int toArgb(int v) {
        if (!format.trueColour()) {
            int[] c = colourMap[v & 0xFF];
            return 0xFF000000 | (c[0] >> 8) << 16 | (c[1] >> 8) << 8 | c[2] >> 8;
        }
        int r = (v >> format.redShift()) & format.redMax();
        int g = (v >> format.greenShift()) & format.greenMax();
        int b = (v >> format.blueShift()) & format.blueMax();
        return 0xFF000000 | (r * 255 / format.redMax()) << 16 | (g * 255 / format.greenMax()) << 8 | b * 255 / format.blueMax();
    }

    private void decodeZrle(byte[] data, int rx, int ry, int rw, int rh) throws IOException {
        inflater.setInput(data);
        java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = inflater.inflate(buf)) > 0) {
                plain.write(buf, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IOException(e);
        }
        DataInputStream s = new DataInputStream(new ByteArrayInputStream(plain.toByteArray()));
        int cp = format.cpixelBytes();
        for (int ty = 0; ty < rh; ty += 64) {
            for (int tx = 0; tx < rw; tx += 64) {
                int tw = Math.min(64, rw - tx);
                int th = Math.min(64, rh - ty);
                int sub = s.readUnsignedByte();
                int[] tile = new int[tw * th];
                if (sub == 0) {
                    for (int i = 0; i < tile.length; i++) {
                        tile[i] = readCpixel(s, cp);
                    }
                } else if (sub == 1) {
                    java.util.Arrays.fill(tile, readCpixel(s, cp));
                } else if (sub <= 16) {
                    int[] pal = new int[sub];
                    for (int i = 0; i < sub; i++) {
                        pal[i] = readCpixel(s, cp);
                    }
                    int bits = sub <= 2 ? 1 : sub <= 4 ? 2 : 4;
                    for (int y = 0; y < th; y++) {
                        int acc = 0;
                        int have = 0;
                        for (int x = 0; x < tw; x++) {
                            if (have == 0) {
                                acc = s.readUnsignedByte();
                                have = 8;
                            }
                            have -= bits;
                            tile[y * tw + x] = pal[(acc >> have) & ((1 << bits) - 1)];
                        }
                    }
                } else if (sub == 128) {
                    int i = 0;
                    while (i < tile.length) {
                        int p = readCpixel(s, cp);
                        int len = readLength(s);
                        for (int k = 0; k < len; k++) {
                            tile[i++] = p;
                        }
                    }
                } else if (sub >= 130) {
                    int[] pal = new int[sub - 128];
                    for (int i = 0; i < pal.length; i++) {
                        pal[i] = readCpixel(s, cp);
                    }
                    int i = 0;
                    while (i < tile.length) {
                        int idx = s.readUnsignedByte();
                        int len = (idx & 128) != 0 ? readLength(s) : 1;
                        for (int k = 0; k < len; k++) {
                            tile[i++] = pal[idx & 127];
                        }
                    }
                } else {
                    throw new IOException("bad ZRLE subencoding " + sub);
                }
                for (int y = 0; y < th; y++) {
                    for (int x = 0; x < tw; x++) {
                        screen[(ry + ty + y) * width + rx + tx + x] = toArgb(tile[y * tw + x]);
                    }
                }
            }
        }
    }

    private int readCpixel(DataInputStream s, int cp) throws IOException {
        if (cp == 3) {
            int v = 0;
            for (int i = 0; i < 3; i++) {
                int b = s.readUnsignedByte();
                v = format.bigEndian() ? v << 8 | b : v | b << (8 * i);
            }
            long used = ((long) format.redMax() << format.redShift()) | ((long) format.greenMax() << format.greenShift())
                    | ((long) format.blueMax() << format.blueShift());
            return (used & 0xFF000000L) == 0 ? v : v << 8;
        }
        return readPixel(s, cp);
    }

    private static int readLength(DataInputStream s) throws IOException {
        int len = 1;
        int b;
        do {
            b = s.readUnsignedByte();
            len += b;
        } while (b == 255);
        return len;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        socket.close();
    }
}
