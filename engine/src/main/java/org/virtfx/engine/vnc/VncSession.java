package org.virtfx.engine.vnc;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.virtfx.engine.devices.I8042;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;

/** One VNC client: the handshake and message loop on a reader thread, framebuffer updates on a sender thread. */
final class VncSession implements DisplaySurface.Listener {
    private static final System.Logger LOG = System.getLogger(VncSession.class.getName());
    static final int ENCODING_RAW = 0;
    static final int ENCODING_COPY_RECT = 1;
    static final int ENCODING_ZRLE = 16;
    static final int ENCODING_DESKTOP_SIZE = -223;
    /** QEMU Extended Key Event: the client may send raw (XT) keycodes as client message 255/0. */
    static final int ENCODING_QEMU_EXTENDED_KEY = -258;
    private static final int MESSAGE_QEMU = 255;
    private static final int QEMU_EXTENDED_KEY_EVENT = 0;
    private static final int SECURITY_NONE = 1;
    private static final int SECURITY_VNC = 2;
    private static final int MAX_CUT_TEXT = 1 << 20;
    private static final int MAX_ENCODINGS = 1024;
    /** Past this many pending rectangles the session sends their bounding box. */
    private static final int MAX_RECTS = 64;

    private final Socket socket;
    private final DisplaySurface surface;
    private final KeyboardInput keyboard;
    private final PointerInput pointer;
    private AbsolutePointerInput absolutePointer;
    private final String password;
    private final String desktopName;
    private final Consumer<VncSession> onClose;
    private DataInputStream in;
    private DataOutputStream out;
    private int minorVersion;

    // Guarded by this.
    private PixelFormat format = PixelFormat.DEFAULT;
    private boolean sendColourMap;
    private int encoding = ENCODING_RAW;
    private boolean desktopSizeSupported;
    private boolean copyRectSupported;
    /** The client asked for QEMU extended key events and has not been told yet that this server takes them. */
    private boolean extendedKeyAckPending;
    private boolean requestPending;
    private final List<int[]> dirty = new ArrayList<>();
    private boolean sizeChanged;
    private int clientWidth;
    private int clientHeight;
    private boolean closed;

    private int lastX = -1;
    private int lastY = -1;
    private int lastButtons;
    private ZrleEncoder zrle;
    // The picture the client has (sender thread only), for scroll detection: ARGB, valid once a full frame was sent.
    private int[] shadow = new int[0];
    private int shadowWidth;
    private int shadowHeight;
    private boolean shadowValid;
    private java.util.concurrent.atomic.AtomicLong copyRectCounter = new java.util.concurrent.atomic.AtomicLong();
    private java.util.concurrent.atomic.AtomicLong rawKeyCounter = new java.util.concurrent.atomic.AtomicLong();

    VncSession(Socket socket, DisplaySurface surface, KeyboardInput keyboard, PointerInput pointer, String password,
            String desktopName, Consumer<VncSession> onClose) {
        this.socket = socket;
        this.surface = surface;
        this.keyboard = keyboard;
        this.pointer = pointer;
        this.password = password;
        this.desktopName = desktopName == null ? "VirtFX" : desktopName;
        this.onClose = onClose;
    }

    /** Where to count CopyRects sent and raw-keycode key events received (the server's totals). */
    void countIn(java.util.concurrent.atomic.AtomicLong copyRects, java.util.concurrent.atomic.AtomicLong rawKeys) {
        copyRectCounter = copyRects;
        rawKeyCounter = rawKeys;
    }

    /** Pointer positions go to this tablet (null: relative motion to the mouse). */
    void useAbsolutePointer(AbsolutePointerInput tablet) {
        absolutePointer = tablet;
    }

    void start() {
        Thread.ofPlatform().daemon().name("vnc-client-" + socket.getPort()).start(this::readLoop);
    }

    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private void readLoop() {
        try {
            socket.setTcpNoDelay(true);
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 65536));
            if (!handshake()) {
                return;
            }
            surface.addListener(this);
            Thread.ofPlatform().daemon().name("vnc-send-" + socket.getPort()).start(this::sendLoop);
            while (true) {
                int type = in.readUnsignedByte();
                switch (type) {
                    case 0 -> setPixelFormat();
                    case 2 -> setEncodings();
                    case 3 -> updateRequest();
                    case 4 -> keyEvent();
                    case 5 -> pointerEvent();
                    case 6 -> cutText();
                    case MESSAGE_QEMU -> qemuMessage();
                    default -> throw new IOException("unknown client message type " + type);
                }
            }
        } catch (EOFException e) {
            // client went away
        } catch (IOException e) {
            if (!isClosed()) {
                LOG.log(System.Logger.Level.INFO, "VNC client " + socket.getRemoteSocketAddress() + ": " + e.getMessage());
            }
        } finally {
            surface.removeListener(this);
            close();
            onClose.accept(this);
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ handshake

    private boolean handshake() throws IOException {
        out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] v = new byte[12];
        in.readFully(v);
        String version = new String(v, StandardCharsets.US_ASCII);
        if (!version.matches("RFB 003\\.\\d{3}\n")) {
            throw new IOException("not an RFB client (sent " + version.strip() + ")");
        }
        int minor = Integer.parseInt(version.substring(8, 11));
        // 3.3 and 3.7 as published; anything newer (or odd, like 3.889 from Apple) speaks 3.8.
        minorVersion = minor >= 8 ? 8 : minor >= 7 ? 7 : 3;
        int security = password == null ? SECURITY_NONE : SECURITY_VNC;
        if (minorVersion == 3) {
            out.writeInt(security);
        } else {
            out.writeByte(1);
            out.writeByte(security);
            out.flush();
            int chosen = in.readUnsignedByte();
            if (chosen != security) {
                failSecurity("security type " + chosen + " is not offered");
                return false;
            }
        }
        if (security == SECURITY_VNC) {
            byte[] challenge = new byte[16];
            new SecureRandom().nextBytes(challenge);
            out.write(challenge);
            out.flush();
            byte[] response = new byte[16];
            in.readFully(response);
            if (!VncAuth.verify(password, challenge, response)) {
                failSecurity("authentication failed");
                return false;
            }
            out.writeInt(0);
        } else if (minorVersion == 8) {
            out.writeInt(0);
        }
        out.flush();
        in.readUnsignedByte(); // shared flag: every client shares the one screen
        int w;
        int h;
        synchronized (this) {
            w = clientWidth = surface.width();
            h = clientHeight = surface.height();
        }
        out.writeShort(w);
        out.writeShort(h);
        PixelFormat.DEFAULT.write(out);
        byte[] name = desktopName.getBytes(StandardCharsets.UTF_8);
        out.writeInt(name.length);
        out.write(name);
        out.flush();
        return true;
    }

    private void failSecurity(String reason) throws IOException {
        out.writeInt(1);
        if (minorVersion == 8) {
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            out.writeInt(r.length);
            out.write(r);
        }
        out.flush();
    }

    // ------------------------------------------------------------------ client messages

    private void setPixelFormat() throws IOException {
        in.skipNBytes(3);
        PixelFormat pf = PixelFormat.read(in);
        if (!pf.supported()) {
            throw new IOException("unsupported pixel format " + pf);
        }
        synchronized (this) {
            format = pf;
            sendColourMap = !pf.trueColour();
            markAllDirty();
        }
    }

    private void setEncodings() throws IOException {
        in.skipNBytes(1);
        int n = in.readUnsignedShort();
        if (n > MAX_ENCODINGS) {
            throw new IOException("too many encodings: " + n);
        }
        int chosen = -1;
        boolean desktopSize = false;
        boolean copyRect = false;
        boolean extendedKey = false;
        for (int i = 0; i < n; i++) {
            int e = in.readInt();
            if (chosen < 0 && (e == ENCODING_RAW || e == ENCODING_ZRLE)) {
                chosen = e;
            }
            desktopSize |= e == ENCODING_DESKTOP_SIZE;
            copyRect |= e == ENCODING_COPY_RECT;
            extendedKey |= e == ENCODING_QEMU_EXTENDED_KEY;
        }
        synchronized (this) {
            encoding = chosen < 0 ? ENCODING_RAW : chosen;
            desktopSizeSupported = desktopSize;
            copyRectSupported = copyRect;
            extendedKeyAckPending = extendedKey;
            notifyAll();
        }
    }

    private void updateRequest() throws IOException {
        boolean incremental = in.readUnsignedByte() != 0;
        int x = in.readUnsignedShort();
        int y = in.readUnsignedShort();
        int w = in.readUnsignedShort();
        int h = in.readUnsignedShort();
        synchronized (this) {
            if (!incremental) {
                addDirty(x, y, w, h);
            }
            requestPending = true;
            notifyAll();
        }
    }

    private void keyEvent() throws IOException {
        boolean down = in.readUnsignedByte() != 0;
        in.skipNBytes(2);
        int keysym = in.readInt();
        int code = KeysymMap.toEvdev(keysym);
        if (code >= 0 && keyboard != null) {
            keyboard.key(code, down);
        }
    }

    /** QEMU client message: only the extended key event (raw keycode, so the guest's own layout applies). */
    private void qemuMessage() throws IOException {
        int subtype = in.readUnsignedByte();
        if (subtype != QEMU_EXTENDED_KEY_EVENT) {
            throw new IOException("unknown QEMU client message " + subtype);
        }
        boolean down = in.readUnsignedShort() != 0;
        int keysym = in.readInt();
        int keycode = in.readInt();
        int code = I8042.evdevOfXtKeycode(keycode);
        if (code >= 0) {
            rawKeyCounter.incrementAndGet();
        } else {
            code = KeysymMap.toEvdev(keysym); // keycode 0 or unknown: the keysym still says something
        }
        if (code >= 0 && keyboard != null) {
            keyboard.key(code, down);
        }
    }

    private void pointerEvent() throws IOException {
        int mask = in.readUnsignedByte();
        int x = in.readUnsignedShort();
        int y = in.readUnsignedShort();
        if (pointer == null && absolutePointer == null) {
            return;
        }
        int dx = lastX < 0 ? 0 : x - lastX;
        int dy = lastY < 0 ? 0 : y - lastY;
        lastX = x;
        lastY = y;
        // RFB buttons: 1 left, 2 middle, 4 right, 8/16 wheel up/down (press and release per step).
        int buttons = (mask & 1) | (mask & 4) >> 1 | (mask & 2) << 1;
        int pressed = mask & ~lastButtons;
        lastButtons = mask;
        int wheel = ((pressed & 8) != 0 ? -1 : 0) + ((pressed & 16) != 0 ? 1 : 0);
        if (absolutePointer != null) {
            // RFB positions are in framebuffer pixels: the guest screen the client shows
            absolutePointer.absolute(x, y, surface.width(), surface.height(), wheel, buttons);
        } else {
            pointer.relative(dx, dy, wheel, buttons);
        }
    }

    private void cutText() throws IOException {
        in.skipNBytes(3);
        int len = in.readInt();
        if (len < 0 || len > MAX_CUT_TEXT) {
            throw new IOException("cut text of " + len + " bytes");
        }
        in.skipNBytes(len);
    }

    // ------------------------------------------------------------------ surface listener (refresh thread)

    @Override
    public synchronized void resized(int width, int height) {
        sizeChanged = true;
        markAllDirty();
        notifyAll();
    }

    @Override
    public synchronized void updated(int x, int y, int width, int height) {
        addDirty(x, y, width, height);
        notifyAll();
    }

    private void markAllDirty() {
        dirty.clear();
        dirty.add(new int[] {0, 0, Integer.MAX_VALUE / 2, Integer.MAX_VALUE / 2});
    }

    private void addDirty(int x, int y, int w, int h) {
        if (w <= 0 || h <= 0) {
            return;
        }
        dirty.add(new int[] {x, y, w, h});
        if (dirty.size() > MAX_RECTS) {
            int x0 = Integer.MAX_VALUE;
            int y0 = Integer.MAX_VALUE;
            long x1 = 0;
            long y1 = 0;
            for (int[] r : dirty) {
                x0 = Math.min(x0, r[0]);
                y0 = Math.min(y0, r[1]);
                x1 = Math.max(x1, (long) r[0] + r[2]);
                y1 = Math.max(y1, (long) r[1] + r[3]);
            }
            dirty.clear();
            dirty.add(new int[] {x0, y0, (int) Math.min(Integer.MAX_VALUE / 2, x1 - x0), (int) Math.min(Integer.MAX_VALUE / 2, y1 - y0)});
        }
    }

    // ------------------------------------------------------------------ sending

    private void sendLoop() {
        try {
            while (true) {
                List<int[]> rects;
                PixelFormat pf;
                int enc;
                boolean announceSize;
                boolean colourMap;
                boolean copyRect;
                boolean extendedKeyAck;
                int w;
                int h;
                synchronized (this) {
                    while (!closed && !(requestPending && (!dirty.isEmpty() || sizeChanged || extendedKeyAckPending))) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                    w = surface.width();
                    h = surface.height();
                    announceSize = sizeChanged && desktopSizeSupported && (w != clientWidth || h != clientHeight);
                    sizeChanged = false;
                    if (announceSize) {
                        clientWidth = w;
                        clientHeight = h;
                    }
                    rects = new ArrayList<>(dirty);
                    dirty.clear();
                    requestPending = false;
                    pf = format;
                    enc = encoding;
                    colourMap = sendColourMap;
                    sendColourMap = false;
                    copyRect = copyRectSupported;
                    extendedKeyAck = extendedKeyAckPending;
                    extendedKeyAckPending = false;
                    w = Math.min(w, clientWidth);
                    h = Math.min(h, clientHeight);
                }
                if (colourMap) {
                    writeColourMap();
                }
                writeUpdate(rects, announceSize, extendedKeyAck, copyRect, w, h, pf, enc);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!isClosed()) {
                LOG.log(System.Logger.Level.INFO, "VNC client " + socket.getRemoteSocketAddress() + ": " + e.getMessage());
            }
        } finally {
            close();
            if (zrle != null) {
                zrle.close();
            }
        }
    }

    private void writeColourMap() throws IOException {
        out.writeByte(1);
        out.writeByte(0);
        out.writeShort(0);
        out.writeShort(256);
        for (int i = 0; i < 256; i++) {
            int r = (i >> 5) & 7;
            int g = (i >> 2) & 7;
            int b = i & 3;
            out.writeShort(r * 65535 / 7);
            out.writeShort(g * 65535 / 7);
            out.writeShort(b * 65535 / 3);
        }
    }

    private void writeUpdate(List<int[]> dirtyRects, boolean announceSize, boolean extendedKeyAck, boolean copyRect,
            int w, int h, PixelFormat pf, int enc) throws IOException {
        List<int[]> rects = new ArrayList<>();
        long area = 0;
        for (int[] r : dirtyRects) {
            int x0 = Math.max(0, r[0]);
            int y0 = Math.max(0, r[1]);
            int x1 = (int) Math.min(w, (long) r[0] + r[2]);
            int y1 = (int) Math.min(h, (long) r[1] + r[3]);
            if (x1 > x0 && y1 > y0) {
                rects.add(new int[] {x0, y0, x1 - x0, y1 - y0});
                area += (long) (x1 - x0) * (y1 - y0);
            }
        }
        if (announceSize || shadowWidth != w || shadowHeight != h) {
            shadow = new int[w * h];
            shadowWidth = w;
            shadowHeight = h;
            shadowValid = false;
        }
        // A big update on a picture the client has: look for a scroll and send it as one CopyRect.
        int[] frame = null;
        ScrollDetector.Scroll scroll = null;
        if (copyRect && shadowValid && area >= (long) w * h / 4 && h >= 32) {
            frame = new int[w * h];
            surface.copyPixels(0, 0, w, h, frame, 0, w);
            scroll = ScrollDetector.find(shadow, frame, w, h, Math.max(8, h / 8));
            if (scroll != null) {
                rects = withoutBand(rects, scroll.y(), scroll.height());
            }
        }
        out.writeByte(0);
        out.writeByte(0);
        out.writeShort(rects.size() + (announceSize ? 1 : 0) + (extendedKeyAck ? 1 : 0) + (scroll != null ? 1 : 0));
        if (announceSize) {
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(w);
            out.writeShort(h);
            out.writeInt(ENCODING_DESKTOP_SIZE);
        }
        if (extendedKeyAck) { // an empty pseudo-rectangle: "send me extended key events"
            out.writeLong(0);
            out.writeInt(ENCODING_QEMU_EXTENDED_KEY);
        }
        if (scroll != null) { // first, so that the rows it reads are still the client's old ones
            out.writeShort(0);
            out.writeShort(scroll.y());
            out.writeShort(w);
            out.writeShort(scroll.height());
            out.writeInt(ENCODING_COPY_RECT);
            out.writeShort(0);
            out.writeShort(scroll.y() + scroll.dy());
            System.arraycopy(shadow, (scroll.y() + scroll.dy()) * w, shadow, scroll.y() * w, scroll.height() * w);
            copyRectCounter.incrementAndGet();
        }
        PixelFormat conv = pf.effective();
        for (int[] r : rects) {
            int rw = r[2];
            int rh = r[3];
            int[] argb = new int[rw * rh];
            if (frame != null) {
                for (int y = 0; y < rh; y++) {
                    System.arraycopy(frame, (r[1] + y) * w + r[0], argb, y * rw, rw);
                }
            } else {
                surface.copyPixels(r[0], r[1], rw, rh, argb, 0, rw);
            }
            for (int y = 0; y < rh; y++) {
                System.arraycopy(argb, y * rw, shadow, (r[1] + y) * w + r[0], rw);
            }
            if (rw == w && rh == h) {
                shadowValid = true;
            }
            out.writeShort(r[0]);
            out.writeShort(r[1]);
            out.writeShort(rw);
            out.writeShort(rh);
            out.writeInt(enc);
            int[] values = new int[argb.length];
            for (int i = 0; i < argb.length; i++) {
                values[i] = conv.convert(argb[i]);
            }
            if (enc == ENCODING_ZRLE) {
                if (zrle == null) {
                    zrle = new ZrleEncoder();
                }
                byte[] data = zrle.encode(values, rw, rh, conv);
                out.writeInt(data.length);
                out.write(data);
            } else {
                int bpp = conv.bytesPerPixel();
                byte[] row = new byte[rw * bpp];
                for (int y = 0; y < rh; y++) {
                    for (int x = 0; x < rw; x++) {
                        conv.put(row, x * bpp, values[y * rw + x], bpp);
                    }
                    out.write(row);
                }
            }
        }
        out.flush();
    }

    /** {@code rects} with the rows {@code [y, y+height)} taken out (each rectangle keeps what lies above and below). */
    private static List<int[]> withoutBand(List<int[]> rects, int y, int height) {
        List<int[]> out = new ArrayList<>();
        int bandEnd = y + height;
        for (int[] r : rects) {
            int top = r[1];
            int bottom = r[1] + r[3];
            if (bottom <= y || top >= bandEnd) {
                out.add(r);
                continue;
            }
            if (top < y) {
                out.add(new int[] {r[0], top, r[2], y - top});
            }
            if (bottom > bandEnd) {
                out.add(new int[] {r[0], bandEnd, r[2], bottom - bandEnd});
            }
        }
        return out;
    }
}
