package org.virtfx.engine.vnc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;

/**
 * An RFB (VNC) server for one machine's screen: RFB 3.8 (3.3 and 3.7 clients too), security None or VNC
 * Authentication, Raw and ZRLE encodings, the DesktopSize pseudo-encoding, keyboard and pointer input. Each client
 * gets a reader thread and a sender thread; any number of clients may watch at once.
 */
public final class VncServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VncServer.class.getName());

    private final ServerSocket socket;
    private final DisplaySurface surface;
    private final KeyboardInput keyboard;
    private final PointerInput pointer;
    /** The guest's tablet, when it has one: then pointer positions go there as they are, not as motion. */
    private volatile AbsolutePointerInput absolutePointer;
    private final String password;
    private final String desktopName;
    private final Set<VncSession> sessions = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;
    /** Scrolls sent as CopyRect, over all sessions (diagnostics and tests). */
    private final java.util.concurrent.atomic.AtomicLong copyRects = new java.util.concurrent.atomic.AtomicLong();
    /** Key events that came with a raw keycode (QEMU extended key events), over all sessions. */
    private final java.util.concurrent.atomic.AtomicLong rawKeys = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Listens on {@code address:port} (port 0: any free port). {@code keyboard}/{@code pointer} may be null (view
     * only); {@code password} null or empty means no authentication.
     */
    public VncServer(InetAddress address, int port, String desktopName, DisplaySurface surface, KeyboardInput keyboard,
            PointerInput pointer, String password) throws IOException {
        this.surface = Objects.requireNonNull(surface);
        this.keyboard = keyboard;
        this.pointer = pointer;
        this.password = password == null || password.isEmpty() ? null : password;
        this.desktopName = desktopName;
        socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen for VNC on " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
        acceptor = Thread.ofPlatform().daemon().name("vnc-accept-" + port).start(this::acceptLoop);
    }

    /** Listens on 127.0.0.1. */
    public static VncServer onLoopback(int port, String desktopName, DisplaySurface surface, KeyboardInput keyboard,
            PointerInput pointer, String password) throws IOException {
        return new VncServer(InetAddress.getLoopbackAddress(), port, desktopName, surface, keyboard, pointer, password);
    }

    /**
     * Sends clients' pointer positions to {@code tablet} (absolute, so the guest cursor sits under the viewer's),
     * instead of as relative motion to the mouse; null goes back to the mouse. Applies to clients connecting after.
     */
    public VncServer useAbsolutePointer(AbsolutePointerInput tablet) {
        absolutePointer = tablet;
        return this;
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int clientCount() {
        return sessions.size();
    }

    /** How many key events arrived with a raw keycode (QEMU extended key event), from all clients so far. */
    public long rawKeyEventsReceived() {
        return rawKeys.get();
    }

    /** How many scrolls were sent as a CopyRect instead of pixels, to all clients so far. */
    public long copyRectsSent() {
        return copyRects.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = socket.accept();
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "VNC accept failed: " + e.getMessage());
                continue;
            }
            VncSession session = new VncSession(client, surface, keyboard, pointer, password, desktopName, sessions::remove);
            session.countIn(copyRects, rawKeys);
            session.useAbsolutePointer(absolutePointer);
            sessions.add(session);
            session.start();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (VncSession s : sessions) {
            s.close();
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
