package org.virtfx.console;

import java.util.concurrent.CountDownLatch;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

/**
 * FX-thread cost per frame of the console: a WxH surface repainted in full at 60 Hz for S seconds (defaults 1920 1080
 * 5). Run by bench/console-frame-cost.sh; prints frames shown and FX-thread milliseconds per frame (the copy into the
 * PixelBuffer inside updateBuffer, plus the canvas redraw when crisp).
 */
public final class ConsoleFrameBench {
    public static void main(String[] args) throws Exception {
        int w = args.length > 0 ? Integer.parseInt(args[0]) : 1920;
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 1080;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        FakeSurface surface = new FakeSurface(w, h);
        ConsoleView[] view = new ConsoleView[1];
        CountDownLatch up = new CountDownLatch(1);
        Platform.startup(() -> {
            view[0] = new ConsoleView();
            view[0].scalingProperty().set(ScalingMode.NEVER);
            view[0].attach(surface, null, null);
            Stage stage = new Stage();
            stage.setScene(new Scene(view[0], w, h));
            stage.show();
            up.countDown();
        });
        up.await();
        Thread.sleep(1000);
        long[] start = new long[3];
        CountDownLatch s0 = new CountDownLatch(1);
        Platform.runLater(() -> {
            start[0] = view[0].framesPresented();
            start[1] = view[0].fxNanosSpent();
            start[2] = view[0].fxCpuNanosSpent();
            s0.countDown();
        });
        s0.await();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int frame = 0;
        long next = System.nanoTime();
        while (System.nanoTime() < end) {
            surface.fill(0, 0, w, h, 0xFF000000 | (frame++ * 0x010305) & 0xFFFFFF);
            next += 16_666_667L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        }
        CountDownLatch done = new CountDownLatch(1);
        Platform.runLater(() -> {
            long frames = view[0].framesPresented() - start[0];
            long nanos = view[0].fxNanosSpent() - start[1];
            long cpu = view[0].fxCpuNanosSpent() - start[2];
            System.out.printf("console %dx%d, full-frame updates at 60 Hz for %.0f s: %d frames shown (%.1f fps), "
                            + "FX thread per frame %.2f ms wall, %.2f ms CPU, pipeline %s%n", w, h, seconds, frames,
                    frames / seconds, frames == 0 ? 0 : nanos / 1e6 / frames, frames == 0 ? 0 : cpu / 1e6 / frames,
                    System.getProperty("prism.order", "default"));
            done.countDown();
        });
        done.await();
        Platform.exit();
        System.exit(0);
    }
}
