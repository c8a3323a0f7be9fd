package org.virtfx.console;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.application.Platform;
import javafx.geometry.Bounds;
import javafx.scene.Scene;
import javafx.scene.image.WritableImage;
import javafx.scene.robot.Robot;
import javafx.stage.Stage;

/**
 * The HiDPI check on a real screen (run by bench/hidpi-check.sh under Xvfb with GTK glass and
 * {@code -Dglass.gtk.uiScale=S}): a 320x200 checkerboard of single guest pixels in a console, captured from the screen
 * in physical pixels. Crisp means every captured pixel of the guest area is pure black or white, each guest pixel a
 * whole block of them; any smoothing shows as grey. Arguments: the scaling mode (default NEVER), optionally the window's
 * logical width and height (default 700 450). Exit status 0 when crisp.
 */
public final class GtkHiDpiCheck {
    private static final int W = 320, H = 200;

    /** Captured pixels of the guest area at (x0, y0) that are not their guest pixel's pure black or white. */
    private static int mismatches(javafx.scene.image.PixelReader r, int x0, int y0, int k, int iw, int ih) {
        int wrong = 0;
        for (int py = 0; py < H * k; py++) {
            for (int px = 0; px < W * k; px++) {
                int gx = px / k, gy = py / k;
                int want = ((gx + gy) & 1) == 0 ? 0x000000 : 0xFFFFFF;
                int x = x0 + px, y = y0 + py;
                if (x < 0 || y < 0 || x >= iw || y >= ih || (r.getArgb(x, y) & 0xFFFFFF) != want) {
                    wrong++;
                }
            }
        }
        return wrong;
    }

    public static void main(String[] args) throws Exception {
        ScalingMode mode = ScalingMode.valueOf(args.length > 0 ? args[0] : "NEVER");
        FakeSurface surface = new FakeSurface(W, H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                surface.fb[y * W + x] = ((x + y) & 1) == 0 ? 0xFF000000 : 0xFFFFFFFF;
            }
        }
        ConsoleView[] view = new ConsoleView[1];
        CountDownLatch up = new CountDownLatch(1);
        Platform.startup(() -> {
            view[0] = new ConsoleView();
            view[0].scalingProperty().set(mode);
            view[0].attach(surface, null, null);
            Stage stage = new Stage();
            stage.setScene(new Scene(view[0], args.length > 2 ? Double.parseDouble(args[1]) : 700,
                    args.length > 2 ? Double.parseDouble(args[2]) : 450));
            stage.show();
            up.countDown();
        });
        up.await();
        Thread.sleep(3000);
        AtomicInteger status = new AtomicInteger(1);
        CountDownLatch done = new CountDownLatch(1);
        Platform.runLater(() -> {
            ConsoleView v = view[0];
            double os = v.outputScale();
            int k = (int) Math.round(v.currentScale() * os);
            Bounds b = v.localToScreen(v.getBoundsInLocal());
            WritableImage img = new Robot().getScreenCapture(null, b.getMinX(), b.getMinY(), b.getWidth(), b.getHeight(), false);
            var r = img.getPixelReader();
            int x0 = (int) Math.round((img.getWidth() - W * k) / 2), y0 = (int) Math.round((img.getHeight() - H * k) / 2);
            // The capture rectangle is rounded to physical pixels by the screen: find the frame's exact offset.
            int wrong = Integer.MAX_VALUE;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    wrong = Math.min(wrong, mismatches(r, x0 + dx, y0 + dy, k, (int) img.getWidth(), (int) img.getHeight()));
                }
            }
            System.out.printf("output scale %.2f, %s: %.4f logical = %d physical pixels per guest pixel, crisp %s; "
                    + "%d of %d captured guest pixels differ from the checkerboard%n", os, mode, v.currentScale(), k,
                    v.isCrisp(), wrong, W * k * H * k);
            status.set(v.isCrisp() && wrong == 0 ? 0 : 1);
            done.countDown();
        });
        done.await();
        Platform.exit();
        System.exit(status.get());
    }
}
