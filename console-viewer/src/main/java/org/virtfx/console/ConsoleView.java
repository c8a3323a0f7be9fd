package org.virtfx.console;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import javafx.animation.AnimationTimer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableValue;
import javafx.geometry.Pos;
import javafx.geometry.Rectangle2D;
import javafx.scene.Cursor;
import javafx.scene.Scene;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelBuffer;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.transform.Scale;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.resources.KeyMap;

/**
 * Shows a guest screen ({@link DisplaySurface}) and sends it keyboard and mouse input.
 *
 * <p>Pixels: the surface's listener only records a dirty rectangle (it runs on the display's refresh thread). Once
 * per pulse an {@link AnimationTimer} calls {@link PixelBuffer#updateBuffer} exactly once, copies the dirty union into
 * the buffer inside the callback (the render thread reads that buffer, so nobody writes it elsewhere) and returns that
 * union, so only it is uploaded; with nothing dirty it does not call updateBuffer at all (an empty rectangle is an
 * error). The timer runs only while the console is shown.
 *
 * <p>Scaling and HiDPI: the scale is chosen in physical pixels (the window's render scale, i.e. the screen's output
 * scale 1.25, 1.5, 2 ...): wherever the {@link ScalingMode} allows, every guest pixel covers a whole number of physical
 * pixels. Such frames are drawn on a {@link Canvas} with image smoothing off (Prism ignores {@code ImageView.smooth}),
 * at a position on the physical pixel grid, with exactly one canvas texel per physical pixel: Prism backs a canvas
 * with a texture at the next whole scale of the screens ({@link #canvasTextureScale()}: 2 for 1.25 and 1.5), so the
 * canvas gets physical size / that scale and a transform to the logical size, and the texture is shown without any
 * resampling. Only a screen shrunk below one physical pixel per guest pixel uses the smoothing {@link ImageView}.
 *
 * <p>Input: clicking the console grabs keyboard and mouse; keys go to the guest as evdev codes (through
 * {@link KeyMap}), mouse motion as relative movement. Pressing Ctrl+Alt (or Ctrl+Alt+G, see {@link ReleaseKeys})
 * releases the grab (a hint says so). A guest with a tablet gets the pointer as positions on its screen instead,
 * grabbed or not: the host cursor stays visible and a click grabs only the keyboard.
 */
public final class ConsoleView extends Region {
    /** The keys that end a grab. Ctrl+Alt alone is quickest; Ctrl+Alt+G leaves Ctrl+Alt+Del typeable in the guest. */
    public enum ReleaseKeys {
        CTRL_ALT("Ctrl+Alt"), CTRL_ALT_G("Ctrl+Alt+G");

        private final String label;

        ReleaseKeys(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final ImageView imageView = new ImageView();
    private final Canvas canvas = new Canvas();
    private final Scale canvasToLogical = new Scale(1, 1, 0, 0);
    private final Label message = new Label();
    private final Label hint = new Label();
    private final ObjectProperty<ScalingMode> scaling = new SimpleObjectProperty<>(this, "scaling", ScalingMode.WHEN_SMALLER);
    private final ObjectProperty<ReleaseKeys> releaseKeys = new SimpleObjectProperty<>(this, "releaseKeys", ReleaseKeys.CTRL_ALT);
    private final ReadOnlyBooleanWrapper grabbed = new ReadOnlyBooleanWrapper(this, "grabbed", false);
    private final ReadOnlyBooleanWrapper keyboardAttached = new ReadOnlyBooleanWrapper(this, "keyboardAttached", false);
    private final BooleanProperty shown = new SimpleBooleanProperty(this, "shown", true);
    private final StringProperty placeholder = new SimpleStringProperty(this, "placeholder", "The machine is not running");
    private final ObservableValue<Boolean> windowShowing;
    private final ObservableValue<Number> renderScale;

    private DisplaySurface surface;
    private KeyboardInput keyboard;
    private PointerInput pointer;
    /** The guest's tablet, if it has one: the pointer then goes there as positions, without a mouse grab. */
    private AbsolutePointerInput tablet;
    /** Where the frame's top-left corner is in this view (logical pixels), for tablet positions. */
    private double frameX, frameY;
    private boolean subscribed;

    // Written by the refresh thread, read by the FX thread, guarded by `this.dirtyLock`.
    private final Object dirtyLock = new Object();
    private int dirtyX0, dirtyY0, dirtyX1, dirtyY1;   // union, exclusive end; empty when x1 <= x0
    private int pendingW = -1, pendingH = -1;         // a resize not yet applied

    // FX thread only.
    private int fbW, fbH;
    private int[] pixels;
    private PixelBuffer<IntBuffer> pixelBuffer;
    private WritableImage image;
    private double scale = 1;
    private boolean crisp;
    private final BitSet keysDown = new BitSet(256);
    private double lastMouseX = Double.NaN, lastMouseY = Double.NaN;
    private int buttons;
    private long fxNanos, fxCpuNanos, frames;
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private javafx.scene.robot.Robot robot;

    private final AnimationTimer timer = new AnimationTimer() {
        @Override
        public void handle(long now) {
            long t0 = System.nanoTime(), c0 = THREADS.getCurrentThreadCpuTime();
            if (present()) {
                frames++;
                fxNanos += System.nanoTime() - t0;
                fxCpuNanos += THREADS.getCurrentThreadCpuTime() - c0;
            }
        }
    };

    private final DisplaySurface.Listener listener = new DisplaySurface.Listener() {
        @Override
        public void resized(int width, int height) {
            synchronized (dirtyLock) {
                pendingW = width;
                pendingH = height;
                dirtyX1 = dirtyX0;
            }
        }

        @Override
        public void updated(int x, int y, int width, int height) {
            if (width <= 0 || height <= 0) {
                return;
            }
            synchronized (dirtyLock) {
                if (dirtyX1 <= dirtyX0 || dirtyY1 <= dirtyY0) {
                    dirtyX0 = x;
                    dirtyY0 = y;
                    dirtyX1 = x + width;
                    dirtyY1 = y + height;
                } else {
                    dirtyX0 = Math.min(dirtyX0, x);
                    dirtyY0 = Math.min(dirtyY0, y);
                    dirtyX1 = Math.max(dirtyX1, x + width);
                    dirtyY1 = Math.max(dirtyY1, y + height);
                }
            }
        }
    };

    public ConsoleView() {
        getStyleClass().add("console-area");
        setFocusTraversable(true);
        imageView.setPreserveRatio(false);
        imageView.setManaged(false);
        canvas.setManaged(false);
        canvas.getGraphicsContext2D().setImageSmoothing(false);
        canvas.getTransforms().add(canvasToLogical);
        message.getStyleClass().add("console-message");
        message.textProperty().bind(placeholder);
        message.setManaged(false);
        hint.getStyleClass().add("console-hint");
        hint.setManaged(false);
        hint.setMouseTransparent(true);
        hint.visibleProperty().bind(grabbed.getReadOnlyProperty());
        hint.textProperty().bind(releaseKeys.map(k -> "Press " + k + " to release keyboard and mouse"));
        getChildren().addAll(imageView, canvas, message, hint);
        setMinSize(0, 0);
        setPrefSize(640, 400);

        windowShowing = sceneProperty().flatMap(Scene::windowProperty).flatMap(Window::showingProperty).orElse(false);
        windowShowing.addListener((o, a, b) -> updateSubscription());
        renderScale = sceneProperty().flatMap(Scene::windowProperty).flatMap(Window::renderScaleXProperty).orElse(1.0);
        renderScale.addListener((o, a, b) -> requestLayout());
        visibleProperty().addListener((o, a, b) -> updateSubscription());
        shown.addListener((o, a, b) -> updateSubscription());
        scaling.addListener((o, a, b) -> requestLayout());

        addEventHandler(MouseEvent.MOUSE_PRESSED, this::mousePressed);
        addEventHandler(MouseEvent.MOUSE_RELEASED, this::mouseButton);
        addEventHandler(MouseEvent.MOUSE_MOVED, this::mouseMoved);
        addEventHandler(MouseEvent.MOUSE_DRAGGED, this::mouseMoved);
        addEventHandler(ScrollEvent.SCROLL, this::scrolled);
        addEventHandler(KeyEvent.KEY_PRESSED, e -> keyEvent(e, true));
        addEventHandler(KeyEvent.KEY_RELEASED, e -> keyEvent(e, false));
        addEventHandler(KeyEvent.KEY_TYPED, e -> {
            if (grabbed.get()) {
                e.consume();
            }
        });
        focusedProperty().addListener((o, was, is) -> {
            if (!is) {
                ungrab();
            }
        });
    }

    // ------------------------------------------------------------------ public API

    /** Connects a guest screen and its inputs (any may be null); replaces what was attached. FX thread. */
    public void attach(DisplaySurface newSurface, KeyboardInput newKeyboard, PointerInput newPointer) {
        attach(newSurface, newKeyboard, newPointer, null);
    }

    /**
     * Like {@link #attach(DisplaySurface, KeyboardInput, PointerInput)} for a guest with a tablet: the pointer over the
     * frame is sent as a position (buttons and wheel with it) whether or not the console is grabbed, and a grab takes
     * only the keyboard. FX thread.
     */
    public void attach(DisplaySurface newSurface, KeyboardInput newKeyboard, PointerInput newPointer,
                       AbsolutePointerInput newTablet) {
        detach();
        surface = newSurface;
        keyboard = newKeyboard;
        pointer = newPointer;
        tablet = newTablet;
        keyboardAttached.set(newKeyboard != null);
        updateSubscription();
    }

    /** Disconnects the guest (machine stopped); the last frame disappears and the placeholder shows. FX thread. */
    public void detach() {
        ungrab();
        unsubscribe();
        surface = null;
        keyboard = null;
        pointer = null;
        tablet = null;
        keyboardAttached.set(false);
        fbW = fbH = 0;
        pixels = null;
        pixelBuffer = null;
        image = null;
        imageView.setImage(null);
        canvas.setWidth(0);
        canvas.setHeight(0);
        requestLayout();
    }

    public ObjectProperty<ScalingMode> scalingProperty() {
        return scaling;
    }

    /** False while the console sits in a hidden tab: the timer stops and the surface is not followed. */
    public BooleanProperty shownProperty() {
        return shown;
    }

    public StringProperty placeholderProperty() {
        return placeholder;
    }

    public ReadOnlyBooleanProperty grabbedProperty() {
        return grabbed.getReadOnlyProperty();
    }

    public ObjectProperty<ReleaseKeys> releaseKeysProperty() {
        return releaseKeys;
    }

    /** Width and height of the guest screen as shown (0 when none). */
    public int frameWidth() {
        return fbW;
    }

    public int frameHeight() {
        return fbH;
    }

    /** The shown pixel at (x, y) as 0xAARRGGBB; FX thread. */
    public int pixel(int x, int y) {
        Objects.checkIndex(x, fbW);
        Objects.checkIndex(y, fbH);
        return pixels[y * fbW + x];
    }

    /** Whether every guest pixel covers a whole number of physical pixels and is drawn without smoothing. */
    public boolean isCrisp() {
        return crisp;
    }

    /** The scale in logical pixels (times {@link #outputScale()} for physical pixels). */
    public double currentScale() {
        return scale;
    }

    /** The physical pixels per logical pixel of the window the console is in (1 when not shown). */
    public double outputScale() {
        double s = renderScale.getValue().doubleValue();
        return s > 0 ? s : 1;
    }

    /** Pulses that uploaded pixels, and the FX-thread nanoseconds they took (for the frame-time measurement). */
    public long framesPresented() {
        return frames;
    }

    public long fxNanosSpent() {
        return fxNanos;
    }

    /** CPU time of the FX thread in those pulses (unlike {@link #fxNanosSpent()}, not inflated by a busy host). */
    public long fxCpuNanosSpent() {
        return fxCpuNanos;
    }

    /** Starts keyboard and mouse capture. */
    public void grab() {
        if (surface == null && keyboard == null) {
            return;
        }
        requestFocus();
        grabbed.set(true);
        setCursor(pointer != null && tablet == null ? Cursor.NONE : Cursor.DEFAULT);
        lastMouseX = Double.NaN;
    }

    /** Ends the capture and releases every key still held in the guest (so none sticks). */
    public void ungrab() {
        if (keyboard != null) {
            for (int k = keysDown.nextSetBit(0); k >= 0; k = keysDown.nextSetBit(k + 1)) {
                keyboard.key(k, false);
            }
        }
        keysDown.clear();
        if (buttons != 0 && pointer != null && tablet == null) {
            pointer.relative(0, 0, 0, 0);
        }
        buttons = 0;
        grabbed.set(false);
        setCursor(Cursor.DEFAULT);
    }

    /** Presses the keys in order and releases them in reverse (Ctrl+Alt+Del and friends). */
    public void sendKeys(int... evdevCodes) {
        if (keyboard == null) {
            return;
        }
        for (int k : evdevCodes) {
            keyboard.key(k, true);
        }
        for (int i = evdevCodes.length - 1; i >= 0; i--) {
            keyboard.key(evdevCodes[i], false);
        }
    }

    /**
     * One menu item per {@link SendKeys#standard()} combination, sending it to this console's guest; disabled while no
     * keyboard is attached. Each call makes new items (for a menu bar, a toolbar button, a floating toolbar ...).
     */
    public List<MenuItem> createSendKeyItems() {
        List<MenuItem> items = new ArrayList<>();
        for (SendKeys.Combo c : SendKeys.standard()) {
            MenuItem item = new MenuItem(c.label());
            item.setId("sendkey-" + c.label().replace('+', '-').toLowerCase(java.util.Locale.ROOT));
            item.setOnAction(e -> sendKeys(c.keys()));
            item.disableProperty().bind(keyboardAttached.not());
            items.add(item);
        }
        return items;
    }

    /** A "Send Key" menu with {@link #createSendKeyItems()}. */
    public Menu createSendKeyMenu() {
        Menu menu = new Menu("Send Key");
        menu.getItems().setAll(createSendKeyItems());
        return menu;
    }

    /** Saves the frame currently shown as a PNG. FX thread (copies the pixels, then writes). */
    public void writePng(Path file) throws IOException {
        if (pixels == null || fbW == 0) {
            throw new IOException("no screen to save: the machine shows nothing");
        }
        BufferedImage img = new BufferedImage(fbW, fbH, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, fbW, fbH, pixels, 0, fbW);
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        if (!ImageIO.write(img, "png", tmp.toFile())) {
            throw new IOException("no PNG writer available");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // ------------------------------------------------------------------ frames

    private void updateSubscription() {
        boolean want = surface != null && windowShowing.getValue() && isVisible() && shown.get();
        if (want && !subscribed) {
            surface.addListener(listener);
            subscribed = true;
            synchronized (dirtyLock) {
                pendingW = surface.width();   // repaint everything: we missed updates while hidden
                pendingH = surface.height();
            }
            timer.start();
        } else if (!want && subscribed) {
            unsubscribe();
        }
    }

    private void unsubscribe() {
        if (subscribed) {
            surface.removeListener(listener);
            subscribed = false;
        }
        timer.stop();
        if (grabbed.get()) {
            ungrab();
        }
    }

    /** One pulse: applies a pending resize or uploads the dirty union. Returns whether pixels changed. */
    private boolean present() {
        int w, h, x0, y0, x1, y1;
        synchronized (dirtyLock) {
            w = pendingW;
            h = pendingH;
            pendingW = pendingH = -1;
            x0 = dirtyX0;
            y0 = dirtyY0;
            x1 = dirtyX1;
            y1 = dirtyY1;
            dirtyX1 = dirtyX0;
        }
        DisplaySurface s = surface;
        if (s == null) {
            return false;
        }
        if (w >= 0) {
            resizeFrame(s, w, h);
            return true;
        }
        x0 = Math.max(0, x0);
        y0 = Math.max(0, y0);
        x1 = Math.min(fbW, x1);
        y1 = Math.min(fbH, y1);
        if (x1 <= x0 || y1 <= y0 || pixelBuffer == null) {
            return false;   // nothing changed: never hand updateBuffer an empty rectangle
        }
        final int rx = x0, ry = y0, rw = x1 - x0, rh = y1 - y0;
        pixelBuffer.updateBuffer(pb -> {
            s.copyPixels(rx, ry, rw, rh, pixels, ry * fbW + rx, fbW);
            forceOpaque(rx, ry, rw, rh);
            return new Rectangle2D(rx, ry, rw, rh);
        });
        if (crisp) {
            drawCanvas();
        }
        return true;
    }

    private void resizeFrame(DisplaySurface s, int w, int h) {
        if (w <= 0 || h <= 0) {
            fbW = fbH = 0;
            pixels = null;
            pixelBuffer = null;
            image = null;
            imageView.setImage(null);
            requestLayout();
            return;
        }
        fbW = w;
        fbH = h;
        pixels = new int[w * h];
        s.copyPixels(0, 0, w, h, pixels, 0, w);
        forceOpaque(0, 0, w, h);
        pixelBuffer = new PixelBuffer<>(w, h, IntBuffer.wrap(pixels), PixelFormat.getIntArgbPreInstance());
        image = new WritableImage(pixelBuffer);
        imageView.setImage(image);
        requestLayout();
        layout();
    }

    /** Premultiplied ARGB with alpha 0xFF equals plain RGB; a surface that leaves alpha 0 would show nothing. */
    private void forceOpaque(int x, int y, int w, int h) {
        for (int row = y; row < y + h; row++) {
            int base = row * fbW;
            for (int i = base + x, end = base + x + w; i < end; i++) {
                pixels[i] |= 0xFF000000;
            }
        }
    }

    /**
     * Texels per canvas unit of a JavaFX canvas: the largest output scale of the screens, rounded up to a whole number
     * (what Prism's canvas peer uses; a canvas is not re-rendered per screen).
     */
    public static double canvasTextureScale() {
        double max = 1;
        for (javafx.stage.Screen screen : javafx.stage.Screen.getScreens()) {
            max = Math.max(max, Math.max(screen.getOutputScaleX(), screen.getOutputScaleY()));
        }
        return Math.ceil(max);
    }

    private void drawCanvas() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        if (image != null) {
            g.setImageSmoothing(false);
            g.drawImage(image, 0, 0, fbW, fbH, 0, 0, canvas.getWidth(), canvas.getHeight());
        }
    }

    @Override
    protected void layoutChildren() {
        double w = getWidth(), h = getHeight();
        boolean hasFrame = image != null && fbW > 0;
        message.setVisible(!hasFrame);
        message.autosize();
        message.relocate(Math.round((w - message.getWidth()) / 2), Math.round((h - message.getHeight()) / 2));
        hint.autosize();
        hint.relocate(Math.round((w - hint.getWidth()) / 2), 8);
        if (!hasFrame) {
            imageView.setVisible(false);
            canvas.setVisible(false);
            return;
        }
        double os = outputScale();
        scale = scaling.get().scale(fbW, fbH, w, h, os);
        crisp = ScalingMode.isWholePhysical(scale, os);
        // Size and position in whole physical pixels, so a crisp frame starts on the physical pixel grid.
        double pw = Math.round(fbW * scale * os), ph = Math.round(fbH * scale * os);
        double x = Math.max(0, Math.round((w * os - pw) / 2)) / os, y = Math.max(0, Math.round((h * os - ph) / 2)) / os;
        frameX = x;
        frameY = y;
        imageView.setVisible(!crisp);
        canvas.setVisible(crisp);
        if (crisp) {
            double texture = canvasTextureScale();
            if (canvas.getWidth() != pw / texture || canvas.getHeight() != ph / texture) {
                canvas.setWidth(pw / texture);
                canvas.setHeight(ph / texture);
            }
            canvasToLogical.setX(texture / os);
            canvasToLogical.setY(texture / os);
            canvas.relocate(x, y);
            drawCanvas();
        } else {
            imageView.setFitWidth(pw / os);
            imageView.setFitHeight(ph / os);
            imageView.relocate(x, y);
        }
    }

    @Override
    protected double computePrefWidth(double height) {
        return fbW > 0 ? fbW : 640;
    }

    @Override
    protected double computePrefHeight(double width) {
        return fbH > 0 ? fbH : 400;
    }

    // ------------------------------------------------------------------ input

    private void keyEvent(KeyEvent e, boolean pressed) {
        if (!grabbed.get()) {
            return;
        }
        e.consume();
        if (pressed && releaseComboHeld(e)) {
            ungrab();
            return;
        }
        if (keyboard == null) {
            return;
        }
        KeyMap.evdev(e.getCode()).ifPresent(code -> {
            if (pressed) {
                keysDown.set(code);
            } else if (!keysDown.get(code)) {
                return;   // pressed before the grab: the guest never saw it go down
            } else {
                keysDown.clear(code);
            }
            keyboard.key(code, pressed);
        });
    }

    private boolean releaseComboHeld(KeyEvent e) {
        return switch (releaseKeys.get()) {
            case CTRL_ALT -> (e.getCode() == KeyCode.CONTROL && e.isAltDown()) || (e.getCode() == KeyCode.ALT && e.isControlDown());
            case CTRL_ALT_G -> e.getCode() == KeyCode.G && e.isControlDown() && e.isAltDown();
        };
    }

    private void mousePressed(MouseEvent e) {
        if (tablet != null) {
            if (!grabbed.get()) {
                grab();     // the keyboard; the click itself goes to the guest at once
            }
            mouseButton(e);
            return;
        }
        if (!grabbed.get()) {
            grab();         // the click that grabs is not passed on, like VirtualBox
            e.consume();
            return;
        }
        mouseButton(e);
    }

    private void mouseButton(MouseEvent e) {
        if (tablet == null && (!grabbed.get() || pointer == null)) {
            return;
        }
        int b = 0;
        if (e.isPrimaryButtonDown()) {
            b |= 1;
        }
        if (e.isSecondaryButtonDown()) {
            b |= 2;
        }
        if (e.isMiddleButtonDown()) {
            b |= 4;
        }
        if (e.getEventType() == MouseEvent.MOUSE_PRESSED && e.getButton() == MouseButton.NONE) {
            return;
        }
        buttons = b;
        if (tablet != null) {
            sendPosition(e.getX(), e.getY(), 0);
        } else {
            pointer.relative(0, 0, 0, buttons);
        }
        e.consume();
    }

    private void mouseMoved(MouseEvent e) {
        if (tablet != null) {
            sendPosition(e.getX(), e.getY(), 0);
            e.consume();
            return;
        }
        if (!grabbed.get() || pointer == null) {
            return;
        }
        if (!Double.isNaN(lastMouseX)) {
            double s = scale > 0 ? scale : 1;
            int dx = (int) Math.round((e.getX() - lastMouseX) / s);
            int dy = (int) Math.round((e.getY() - lastMouseY) / s);
            if (dx != 0 || dy != 0) {
                pointer.relative(dx, dy, 0, buttons);
            }
        }
        lastMouseX = e.getX();
        lastMouseY = e.getY();
        recentreNearEdge();
        e.consume();
    }

    /**
     * JavaFX cannot lock the pointer, so a captured mouse that nears the edge is moved back to the middle (the jump
     * itself is not sent to the guest), letting the guest pointer travel any distance.
     */
    private void recentreNearEdge() {
        double w = getWidth(), h = getHeight(), margin = Math.min(40, Math.min(w, h) / 4);
        if (lastMouseX > margin && lastMouseX < w - margin && lastMouseY > margin && lastMouseY < h - margin) {
            return;
        }
        javafx.geometry.Point2D centre = localToScreen(w / 2, h / 2);
        if (centre == null) {
            return;
        }
        if (robot == null) {
            robot = new javafx.scene.robot.Robot();
        }
        robot.mouseMove(centre);
        lastMouseX = w / 2;
        lastMouseY = h / 2;
    }

    /** The pointer at ({@code x}, {@code y}) of this view, as a frame pixel, to the tablet (outside: clamped). */
    private void sendPosition(double x, double y, int wheel) {
        if (fbW <= 0 || fbH <= 0) {
            return;
        }
        double s = scale > 0 ? scale : 1;
        tablet.absolute((int) Math.floor((x - frameX) / s), (int) Math.floor((y - frameY) / s), fbW, fbH, wheel, buttons);
    }

    private void scrolled(ScrollEvent e) {
        if (tablet != null && e.getDeltaY() != 0) {
            sendPosition(e.getX(), e.getY(), e.getDeltaY() > 0 ? -1 : 1);
            e.consume();
            return;
        }
        if (!grabbed.get() || pointer == null || e.getDeltaY() == 0) {
            return;
        }
        pointer.relative(0, 0, e.getDeltaY() > 0 ? -1 : 1, buttons);
        e.consume();
    }
}
