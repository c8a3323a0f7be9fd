package org.virtfx.gui;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.library.DemoMachine;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.gui.manager.ManagerWindow;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.gui.vmwindow.VmWindow;
import org.virtfx.resources.KeyMap;

/**
 * The screenshots of the README (run by {@code bench/screenshots.sh OUTDIR}, under Xvfb with the real GTK glass): the
 * first-run demo machine on the real PC board booted to its shell, a command typed into its console, then the manager
 * window ({@code manager.png}) and the machine's window ({@code console.png}) rendered by JavaFX into PNG files.
 * Besides the demo, the scratch library holds the other machines the guest fixtures make (GRUB ISO, Debian installer),
 * shut off. Exits 0 when both files are written, 1 on a timeout or error.
 */
public final class ScreenshotHarness {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/screenshots");
        long timeout = Long.getLong("screenshots.timeoutSeconds", 540);
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("virtfx-screenshots");
        VmLibrary lib = new VmLibrary(dir.resolve("machines"));
        if (!DemoMachine.createIfEmpty(lib)) {
            System.err.println("screenshots: the guest fixtures are missing (./virtfx guests fetch)");
            System.exit(1);
        }
        var arch = GuestFixtures.Arch.I386;
        if (GuestFixtures.present(GuestFixtures.grubIso(arch))) {
            lib.create(VmDefinition.create("GRUB boot menu", "linux", 256, 1).withCdrom(GuestFixtures.grubIso(arch).toString())
                    .withNotes("The fixtures' GRUB ISO"));
        }
        if (GuestFixtures.present(GuestFixtures.installerKernel(arch))) {
            lib.create(VmDefinition.create("Debian 12 installer", "debian12", 512, 1)
                    .withBoot(null, GuestFixtures.installerKernel(arch).toString(),
                            GuestFixtures.installerInitrd(arch).toString(), "")
                    .withNotes("Debian's netboot installer kernel and initrd"));
        }
        CompletableFuture<Object[]> up = new CompletableFuture<>();
        Platform.startup(() -> {
            AppServices services = new AppServices(lib, new PcBoardFactory(), dir.resolve("settings.json"));
            services.settings().showNetworkColumn = true;   // the demo has a virtio-net card: show its traffic
            services.reload();
            services.startSampling();
            ManagerWindow manager = new ManagerWindow(new Stage(), services);
            manager.stage().setWidth(1100);
            manager.stage().setHeight(360);
            manager.show();
            VmSession demo = services.find(DemoMachine.NAME);
            @SuppressWarnings("unchecked")
            var table = (javafx.scene.control.TableView<VmSession>) manager.stage().getScene().lookup("#table");
            table.getSelectionModel().clearSelection();
            table.getSelectionModel().select(demo);
            VmWindow w = manager.controller().openWindow(demo);
            // Room for the demo's 1024x768 frame buffer console at 1:1 (pixel-exact) under the window's bars.
            w.stage().setWidth(1040);
            w.stage().setHeight(930);
            demo.start();
            up.complete(new Object[] {manager, w, demo});
        });
        Object[] o = up.get(60, TimeUnit.SECONDS);
        ManagerWindow manager = (ManagerWindow) o[0];
        VmWindow window = (VmWindow) o[1];
        VmSession demo = (VmSession) o[2];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        while (!demo.serialSince(0).contains(GuestFixtures.MARKER)) {
            if (System.nanoTime() > deadline || demo.state() == MachineState.CRASHED) {
                System.err.println("screenshots: the demo guest did not reach " + GuestFixtures.MARKER + " (state "
                        + demo.state() + ")");
                System.exit(1);
            }
            Thread.sleep(500);
        }
        Thread.sleep(5000);   // the shell prompt follows the marker
        type(window, "uname -sr\n");
        Thread.sleep(4000);
        type(window, "udhcpc -i eth0 -q -n -t 5\n");   // DHCP over virtio-net and the user network
        Thread.sleep(4000);
        type(window, "ls /\n");
        Thread.sleep(6000);   // a few graph samples more, and the guest's answer on screen
        CompletableFuture<Void> shots = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                write(manager.stage().getScene(), out.resolve("manager.png"));
                write(window.stage().getScene(), out.resolve("console.png"));
                shots.complete(null);
            } catch (IOException | RuntimeException e) {
                shots.completeExceptionally(e);
            }
        });
        shots.get(30, TimeUnit.SECONDS);
        System.out.println("screenshots: wrote " + out.resolve("manager.png") + " and " + out.resolve("console.png"));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Platform.runLater(() -> {   // stop the toolkit before the JVM, or its last pulses complain on the way out
            manager.stage().close();
            window.stage().close();
            Platform.exit();
            closed.complete(null);
        });
        closed.get(10, TimeUnit.SECONDS);
        Thread.sleep(500);
        System.exit(0);
    }

    /** Types plain lowercase text, digits, space, '-', '/' and newline as key presses on the guest keyboard. */
    private static void type(VmWindow w, String text) throws Exception {
        for (char c : text.toCharArray()) {
            KeyCode code = switch (c) {
                case '\n' -> KeyCode.ENTER;
                case ' ' -> KeyCode.SPACE;
                case '-' -> KeyCode.MINUS;
                case '/' -> KeyCode.SLASH;
                case '.' -> KeyCode.PERIOD;
                default -> KeyCode.getKeyCode(String.valueOf(Character.toUpperCase(c)));
            };
            int evdev = KeyMap.evdev(code).orElseThrow(() -> new IllegalArgumentException("no key for '" + c + "'"));
            CompletableFuture<Void> sent = new CompletableFuture<>();
            Platform.runLater(() -> {
                w.console().sendKeys(evdev);
                sent.complete(null);
            });
            sent.get(5, TimeUnit.SECONDS);
            Thread.sleep(60);
        }
    }

    private static void write(Scene scene, Path file) throws IOException {
        WritableImage img = scene.snapshot(null);
        int w = (int) img.getWidth(), h = (int) img.getHeight();
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var r = img.getPixelReader();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                bi.setRGB(x, y, r.getArgb(x, y));
            }
        }
        if (!ImageIO.write(bi, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }
}
