package org.virtfx.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javafx.scene.Scene;
import javafx.scene.SnapshotParameters;
import javafx.scene.image.WritableImage;
import javafx.scene.transform.Scale;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The console on HiDPI screens. Monocle's headless screen has output scale 1, so the tests set the window's render
 * scale (what glass derives from the screen's output scale, e.g. GTK's {@code glass.gtk.uiScale}) and render the
 * console as the screen would: a snapshot scaled by the render scale. A checkerboard of single guest pixels shows any
 * smoothing at once (grey instead of black and white).
 */
@ExtendWith(ApplicationExtension.class)
class ConsoleHiDpiTest {
    private static final int W = 320, H = 200;
    private final FakeSurface surface = new FakeSurface(W, H);
    private ConsoleView console;
    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                surface.fb[y * W + x] = ((x + y) & 1) == 0 ? 0xFF000000 : 0xFFFFFFFF;
            }
        }
        console = new ConsoleView();
        console.attach(surface, null, null);
        stage.setScene(new Scene(console, 700, 450));
        stage.setWidth(700);    // the primary stage is shared by the test classes: no size left over from another
        stage.setHeight(450);
        stage.show();
    }

    /** Lays the console out at {@code outputScale} in {@code mode} and renders it as that screen would. */
    private WritableImage render(FxRobot robot, double outputScale, ScalingMode mode) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> console.frameWidth() == W);
        AtomicReference<WritableImage> img = new AtomicReference<>();
        robot.interact(() -> {
            stage.setRenderScaleX(outputScale);
            stage.setRenderScaleY(outputScale);
            console.scalingProperty().set(mode);
            console.layout();
            SnapshotParameters p = new SnapshotParameters();
            p.setTransform(new Scale(outputScale, outputScale));
            img.set(console.snapshot(p, null));
        });
        return img.get();
    }

    /**
     * Every guest pixel must cover exactly {@code k x k} physical pixels of its own colour, the frame centred in the
     * console on the physical pixel grid.
     */
    private void assertPixelExact(WritableImage img, double outputScale, int k) {
        double w = console.getWidth() * outputScale, h = console.getHeight() * outputScale;
        int x0 = (int) Math.round((w - W * k) / 2), y0 = (int) Math.round((h - H * k) / 2);
        var r = img.getPixelReader();
        for (int gy = 0; gy < H; gy += 7) {
            for (int gx = 0; gx < W; gx += 5) {
                int want = ((gx + gy) & 1) == 0 ? 0xFF000000 : 0xFFFFFFFF;
                for (int d = 0; d < k * k; d++) {
                    int px = x0 + gx * k + d % k, py = y0 + gy * k + d / k;
                    assertEquals(want, r.getArgb(px, py),
                            "guest pixel " + gx + "," + gy + " at physical " + px + "," + py + " (" + k + "x" + k + ")");
                }
            }
        }
    }

    @Test
    void oneAndAHalfDrawsEachGuestPixelOnTwoByTwoPhysicalPixels(FxRobot robot) throws Exception {
        WritableImage img = render(robot, 1.5, ScalingMode.NEVER);
        assertTrue(console.isCrisp());
        assertEquals(2 / 1.5, console.currentScale(), 1e-9);
        assertPixelExact(img, 1.5, 2);
    }

    @Test
    void oneAndAQuarterDrawsOneToOnePhysicalPixels(FxRobot robot) throws Exception {
        WritableImage img = render(robot, 1.25, ScalingMode.WHEN_SMALLER);
        assertTrue(console.isCrisp());
        assertEquals(0.8, console.currentScale(), 1e-9);
        assertPixelExact(img, 1.25, 1);
    }

    @Test
    void twoUpscalesByWholePhysicalPixelsWhenFilling(FxRobot robot) throws Exception {
        WritableImage img = render(robot, 2, ScalingMode.ALWAYS);
        // 700x450 logical = 1400x900 physical: 900 / 200 = 4.5 -> 4 physical pixels per guest pixel.
        assertTrue(console.isCrisp());
        assertEquals(2.0, console.currentScale(), 1e-9);
        assertPixelExact(img, 2, 4);
    }

    @Test
    void shrinkingBelowOnePhysicalPixelIsSmoothed(FxRobot robot) throws Exception {
        robot.interact(() -> stage.setWidth(300));
        WaitForAsyncUtils.waitForFxEvents();
        try {
            render(robot, 1.0, ScalingMode.ALWAYS);
            assertFalse(console.isCrisp());
            assertTrue(console.currentScale() < 1);
        } finally {
            robot.interact(() -> stage.setWidth(700));
        }
    }
}
