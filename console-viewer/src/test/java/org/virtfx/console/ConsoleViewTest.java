package org.virtfx.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class ConsoleViewTest {
    private final FakeSurface surface = new FakeSurface(320, 200);
    private final List<Integer> keys = new CopyOnWriteArrayList<>();
    private final List<int[]> pointer = new CopyOnWriteArrayList<>();
    private ConsoleView console;

    @Start
    void start(Stage stage) {
        console = new ConsoleView();
        console.scalingProperty().set(ScalingMode.ALWAYS);
        console.attach(surface, (code, pressed) -> keys.add(pressed ? code : -code), (dx, dy, dz, b) -> pointer.add(new int[] {dx, dy, dz, b}));
        stage.setScene(new Scene(console, 700, 450));
        stage.show();
    }

    private static void waitFor(java.util.concurrent.Callable<Boolean> c) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, c);
    }

    @Test
    void dirtyRectanglesReachTheScreenAndHiddenConsolesStopFollowing(FxRobot robot) throws Exception {
        waitFor(() -> console.frameWidth() == 320);
        surface.fill(10, 20, 30, 40, 0xFF123456);
        waitFor(() -> pixelAt(robot, 15, 25) == 0xFF123456);
        assertEquals(0xFF000000, pixelAt(robot, 5, 5) | 0xFF000000, "outside the rectangle stays as it was");
        assertTrue(console.isCrisp(), "320x200 in 700x450 scales by a whole number");
        assertEquals(2.0, console.currentScale());

        robot.interact(() -> console.shownProperty().set(false));
        long frames = console.framesPresented();
        surface.fill(0, 0, 8, 8, 0xFFFF0000);
        Thread.sleep(200);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(frames, console.framesPresented(), "no frames while hidden");
        assertTrue(surface.listeners.isEmpty(), "hidden consoles unsubscribe");
        robot.interact(() -> console.shownProperty().set(true));
        waitFor(() -> pixelAt(robot, 1, 1) == 0xFFFF0000);   // shown again: repainted in full
    }

    @Test
    void keysGoToTheGuestOnlyWhileGrabbed(FxRobot robot) throws Exception {
        waitFor(() -> console.frameWidth() == 320);
        robot.type(KeyCode.Q);
        assertTrue(keys.isEmpty(), "no grab, no keys");
        robot.clickOn(console);
        robot.type(KeyCode.Q);
        waitFor(() -> keys.equals(List.of(16, -16)));
        robot.press(KeyCode.CONTROL).press(KeyCode.ALT).release(KeyCode.ALT).release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(console.grabbedProperty().get());
        assertEquals(29, keys.get(2));
        assertEquals(-29, keys.get(keys.size() - 1), "keys held at release are let go in the guest");
    }

    @Test
    void ctrlAltGModeLetsCtrlAltDeleteThrough(FxRobot robot) throws Exception {
        waitFor(() -> console.frameWidth() == 320);
        robot.interact(() -> console.releaseKeysProperty().set(ConsoleView.ReleaseKeys.CTRL_ALT_G));
        robot.clickOn(console);
        robot.press(KeyCode.CONTROL, KeyCode.ALT, KeyCode.DELETE).release(KeyCode.DELETE, KeyCode.ALT, KeyCode.CONTROL);
        waitFor(() -> keys.containsAll(List.of(29, 56, 111, -111, -56, -29)));
        assertTrue(console.grabbedProperty().get(), "Ctrl+Alt alone does not release in this mode");
        robot.press(KeyCode.CONTROL, KeyCode.ALT, KeyCode.G).release(KeyCode.G, KeyCode.ALT, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(console.grabbedProperty().get());
    }

    @Test
    void capturedMouseMovesTheGuestPointerRelatively(FxRobot robot) throws Exception {
        waitFor(() -> console.frameWidth() == 320);
        robot.clickOn(console);
        pointer.clear();
        robot.moveBy(30, 0).moveBy(30, 0);
        waitFor(() -> pointer.stream().mapToInt(p -> p[0]).sum() > 0);
        assertTrue(pointer.stream().allMatch(p -> p[1] == 0 && p[3] == 0), "horizontal moves, no buttons");
        robot.press(javafx.scene.input.MouseButton.PRIMARY).release(javafx.scene.input.MouseButton.PRIMARY);
        waitFor(() -> pointer.stream().anyMatch(p -> p[3] == 1));
        waitFor(() -> pointer.get(pointer.size() - 1)[3] == 0);
    }

    @Test
    void aTabletGetsPositionsWithoutAGrab(FxRobot robot) throws Exception {
        waitFor(() -> console.frameWidth() == 320);
        List<int[]> positions = new CopyOnWriteArrayList<>();
        robot.interact(() -> console.attach(surface, (code, pressed) -> keys.add(pressed ? code : -code),
                (dx, dy, dz, b) -> pointer.add(new int[] {dx, dy, dz, b}),
                (x, y, w, h, wheel, b) -> positions.add(new int[] {x, y, w, h, wheel, b})));
        waitFor(() -> console.frameWidth() == 320);
        robot.moveTo(console);   // the middle of the view is the middle of the frame
        waitFor(() -> !positions.isEmpty() && Math.abs(positions.get(positions.size() - 1)[0] - 160) <= 2);
        int[] last = positions.get(positions.size() - 1);
        assertTrue(Math.abs(last[1] - 100) <= 2 && last[2] == 320 && last[3] == 200 && last[5] == 0,
                java.util.Arrays.toString(last));
        assertFalse(console.grabbedProperty().get(), "no grab needed");
        robot.press(javafx.scene.input.MouseButton.PRIMARY);
        waitFor(() -> positions.get(positions.size() - 1)[5] == 1);
        robot.release(javafx.scene.input.MouseButton.PRIMARY);
        waitFor(() -> positions.get(positions.size() - 1)[5] == 0);
        assertTrue(console.grabbedProperty().get(), "the click grabbed the keyboard");
        assertEquals(javafx.scene.Cursor.DEFAULT, console.getCursor(), "the host cursor stays");
        assertTrue(pointer.isEmpty(), "nothing went to the relative mouse");
    }

    @Test
    void screenshotIsAPngOfTheFrame(FxRobot robot, @TempDir Path dir) throws Exception {
        waitFor(() -> console.frameWidth() == 320);
        Path png = dir.resolve("shot.png");
        robot.interact(() -> {
            try {
                console.writePng(png);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        var img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(320, img.getWidth());
        assertEquals(200, img.getHeight());
        assertTrue(Files.size(png) > 0);
    }

    private int pixelAt(FxRobot robot, int x, int y) {
        int[] v = new int[1];
        robot.interact(() -> v[0] = console.pixel(x, y));
        return v[0];
    }
}
