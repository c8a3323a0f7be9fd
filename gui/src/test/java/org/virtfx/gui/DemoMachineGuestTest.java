package org.virtfx.gui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.virtfx.console.ConsoleView;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.library.DemoMachine;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.gui.graphs.PerformanceGraph;
import org.virtfx.gui.manager.ManagerWindow;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.gui.vmwindow.VmWindow;

/**
 * The first-run experience on the real PC board: the demo machine created from the guest fixtures starts from the
 * manager, its console shows changing pixels, its serial console shows the fixtures' ready marker, keys typed into
 * the console reach the board's keyboard, and its virtio-net card gets a DHCP lease from the user-mode network while
 * the network graph shows the traffic both ways. Skipped where the fixtures or the PC board/CPU are missing.
 */
@Tag("guest")
@ExtendWith(ApplicationExtension.class)
class DemoMachineGuestTest {
    private Path dir;
    private AppServices services;
    private ManagerWindow manager;

    @BeforeAll
    static void needsTheRealBoard() {
        Assumptions.assumeTrue(TestBoardFactory.realBoardAvailable(), "needs the guest fixtures and the PC board with its CPU");
    }

    @Start
    void start(Stage stage) throws IOException {
        dir = Files.createTempDirectory("virtfx-gui-guest");
        VmLibrary library = new VmLibrary(dir.resolve("machines"));
        DemoMachine.createIfEmpty(library);
        // ttyS0 last: the fixtures' shell then runs on the serial port as well as printing the marker there.
        VmDefinition demo = library.find(DemoMachine.NAME).orElseThrow();
        if (demo.kernel() != null) {
            library.update(demo.name(), demo.withBoot(demo.bios(), demo.kernel(), demo.initrd(),
                    "console=tty0 console=ttyS0 " + GuestFixtures.FAST_BOOT_ARGS));
        }
        services = new AppServices(library, TestBoardFactory.recording(new PcBoardFactory()), dir.resolve("settings.json"));
        services.reload();
        services.startSampling();
        manager = new ManagerWindow(stage, services);
        manager.show();
    }

    @AfterEach
    void tearDown(FxRobot robot) throws IOException {
        if (services == null) {
            return;
        }
        robot.interact(() -> robot.listTargetWindows().stream().filter(w -> w instanceof Stage).map(w -> (Stage) w)
                .toList().forEach(Stage::close));
        services.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void demoMachineBootsWithConsoleSerialAndKeyboard(FxRobot robot) {
        VmSession vm = services.find(DemoMachine.NAME);
        AtomicReference<VmWindow> window = new AtomicReference<>();
        robot.interact(() -> window.set(manager.controller().openWindow(vm)));
        VmWindow w = window.get();
        robot.clickOn("#vmRunButton");
        GuiTest.waitFor(30, () -> vm.state() == MachineState.RUNNING);
        ConsoleView console = w.console();
        GuiTest.waitFor(60, () -> console.frameWidth() > 0);
        long first = GuiTest.checksum(robot, console);
        GuiTest.waitFor(300, () -> GuiTest.checksum(robot, console) != first);   // the kernel's first lines on tty0; minutes on a busy host

        TestBoardFactory.KEYS.clear();
        robot.clickOn(console);
        robot.type(KeyCode.A);
        GuiTest.waitFor(10, () -> TestBoardFactory.KEYS.containsAll(List.of(30, -30)));
        robot.press(KeyCode.CONTROL).press(KeyCode.ALT).release(KeyCode.ALT).release(KeyCode.CONTROL);

        robot.interact(() -> w.tabs().getSelectionModel().select(2));
        TextArea out = robot.lookup("#serialOutput").queryAs(TextArea.class);
        GuiTest.waitFor(300, () -> out.getText().contains(GuestFixtures.MARKER));
        // The guest's shell echoes what is typed into the serial console view.
        GuiTest.waitFor(60, () -> out.getText().contains("virtfx# "));
        robot.clickOn("#serialInput");
        robot.interact(() -> robot.lookup("#serialInput").queryTextInputControl().setText("echo typed-$((6*7))"));
        robot.push(KeyCode.ENTER);
        GuiTest.waitFor(60, () -> out.getText().contains("typed-42"));
        assertTrue(vm.cpu.size() > 0, "the sampler followed the machine");

        // The demo's virtio-net card on the user network: a DHCP lease from the engine's NAT and a ping to the gateway,
        // which the sampler sees as received and sent bytes.
        assertEquals(0, vm.netRx.max() + vm.netTx.max(), "no traffic before the guest uses the card");
        robot.interact(() -> robot.lookup("#serialInput").queryTextInputControl()
                .setText("udhcpc -i eth0 -n -q -t 10 -T 2 && ping -c 3 10.0.2.2"));
        robot.push(KeyCode.ENTER);
        GuiTest.waitFor(180, () -> out.getText().contains("lease of 10.0.2.15 obtained"));
        GuiTest.waitFor(60, () -> out.getText().contains("3 packets received"));
        GuiTest.waitFor(30, () -> vm.netRx.max() > 0 && vm.netTx.max() > 0);   // the next sample after the exchange
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("Performance");
        });
        GuiTest.waitFor(10, () -> robot.lookup("#graphNetwork").tryQuery().isPresent());   // shown on a pulse
        PerformanceGraph graph = robot.lookup("#graphNetwork").queryAs(PerformanceGraph.class);
        assertNull(graph.getEmptyText(), "the demo machine has a card: a graph");
        assertTrue(graph.samples() > 0);
        robot.interact(vm::forceOff);
        GuiTest.waitFor(30, () -> vm.state() == MachineState.SHUT_OFF);
    }
}
