package org.virtfx.gui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;
import org.virtfx.console.ConsoleView;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.gui.manager.ManagerWindow;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.gui.vmwindow.VmWindow;

/**
 * End-to-end tests of the desktop app's windows, headless (Monocle), on {@link TestBoardFactory}'s stand-in board so
 * they stay fast and independent of guest boot times. {@link DemoMachineGuestTest} runs the demo machine on the real
 * PC board.
 */
@ExtendWith(ApplicationExtension.class)
class GuiTest {
    private static final byte[] BROKEN = "{\"formatVersion\": 1, \"name\": \"Half written\", \"memoryMiB\": "
            .getBytes(StandardCharsets.UTF_8);

    private Path dir;
    private VmLibrary library;
    private AppServices services;
    private ManagerWindow manager;

    @Start
    void start(Stage stage) throws IOException {
        dir = Files.createTempDirectory("virtfx-gui-test");
        library = new VmLibrary(dir.resolve("machines"));
        library.create(machine("Web server", "debian12", 256));
        library.create(machine("Build box", "ubuntu24.04", 384).withNics(java.util.List.of(new VmDefinition.Nic("virtio-net", BUILD_BOX_MAC, "user"))));
        library.create(machine("Old desktop", "win10", 512).withNics(java.util.List.of(new VmDefinition.Nic("e1000", OLD_DESKTOP_MAC, "user"))));
        Files.write(library.directory().resolve("Half written.json"), BROKEN);
        services = new AppServices(library, TestBoardFactory.recording(TestBoardFactory.testBoard()), dir.resolve("settings.json"));
        services.settings().graphIntervalMillis = 200;
        services.settings().showNetworkColumn = true;
        services.reload();
        services.startSampling();
        manager = new ManagerWindow(stage, services);
        manager.show();
    }

    private static final String BUILD_BOX_MAC = "52:54:00:00:00:b1", OLD_DESKTOP_MAC = "52:54:00:00:00:0d";

    private static VmDefinition machine(String name, String os, long mib) {
        return VmDefinition.create(name, os, mib, 1);
    }

    @AfterEach
    void tearDown(FxRobot robot) throws IOException {
        robot.interact(() -> {
            for (Stage s : robot.listTargetWindows().stream().filter(w -> w instanceof Stage).map(w -> (Stage) w).toList()) {
                s.close();
            }
        });
        services.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static void waitFor(int seconds, Callable<Boolean> condition) {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("condition not met within " + seconds + " s", e);
        }
    }

    private TableView<VmSession> table(FxRobot robot) {
        return robot.lookup("#table").queryTableView();
    }

    private VmSession select(FxRobot robot, String name) {
        VmSession vm = services.find(name);
        robot.interact(() -> {
            table(robot).getSelectionModel().clearSelection();
            table(robot).getSelectionModel().select(vm);
            table(robot).requestFocus();
        });
        return vm;
    }

    private VmWindow openWindow(FxRobot robot, String name) {
        select(robot, name);
        robot.push(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
        AtomicReference<VmWindow> w = new AtomicReference<>();
        robot.interact(() -> w.set(manager.controller().openWindows().get(services.find(name))));
        assertNotNull(w.get(), "Enter opens the VM window");
        return w.get();
    }

    // ------------------------------------------------------------------ manager

    @Test
    void managerListsMachinesAndFilters(FxRobot robot) {
        assertEquals(4, table(robot).getItems().size());
        robot.push(KeyCode.CONTROL, KeyCode.F);
        assertTrue(robot.lookup("#filterField").query().isFocused(), "Ctrl+F focuses the filter");
        robot.write("build");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(1, table(robot).getItems().size());
        assertEquals("Build box", table(robot).getItems().get(0).name());
        robot.push(KeyCode.ESCAPE);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(4, table(robot).getItems().size());
        Label status = robot.lookup(".status-bar .label").queryAs(Label.class);
        assertNotNull(status);
    }

    @Test
    void brokenFileIsShownAsBrokenAndLeftByteIdentical(FxRobot robot) throws IOException {
        VmSession broken = services.find("Half written");
        assertTrue(broken.broken());
        Label subtitle = robot.lookup(".error-text").queryAs(Label.class);
        assertTrue(subtitle.getText().contains("Half written.json"), subtitle.getText());
        select(robot, "Half written");
        assertTrue(robot.lookup("#runButton").queryButton().isDisabled(), "a broken machine cannot run");
        assertTrue(robot.lookup("#openButton").queryButton().isDisabled());
        robot.interact(services::reload);
        assertArrayEquals(BROKEN, Files.readAllBytes(library.directory().resolve("Half written.json")));
    }

    @Test
    void startPauseResumeForceOff(FxRobot robot) {
        VmSession vm = select(robot, "Web server");
        robot.clickOn("#runButton");
        waitFor(30, () -> vm.state() == MachineState.RUNNING);
        robot.clickOn("#pauseButton");
        waitFor(10, () -> vm.state() == MachineState.PAUSED);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("Resume", robot.lookup("#pauseButton").queryAs(javafx.scene.control.ToggleButton.class).getText());
        robot.clickOn("#pauseButton");
        waitFor(10, () -> vm.state() == MachineState.RUNNING);
        robot.push(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.F4);   // Force Off, asks first
        WaitForAsyncUtils.waitForFxEvents();
        DialogPane confirm = robot.lookup(".dialog-pane").queryAs(DialogPane.class);
        assertTrue(confirm.getHeaderText().contains("Web server"), confirm.getHeaderText());
        robot.clickOn((Node) confirm.lookupButton(javafx.scene.control.ButtonType.OK));
        waitFor(15, () -> vm.state() == MachineState.SHUT_OFF);
    }

    @Test
    void rebootAsksTheGuestAndResetsTheSameMachineAndForceResetResetsAtOnce(FxRobot robot) {
        VmSession vm = select(robot, "Web server");
        robot.clickOn("#runButton");
        waitFor(30, () -> vm.state() == MachineState.RUNNING && vm.boardProperty().get() != null);
        var board = vm.boardProperty().get();
        var testBoard = board.lookup(TestBoardFactory.TestBoard.class).orElseThrow();
        chooseShutDownItem(robot, "Reboot");
        // The stand-in guest answers the ACPI button by powering off; that power-off must become a reset.
        waitFor(10, () -> testBoard.resets.get() == 1 && vm.state() == MachineState.RUNNING);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(vm.boardProperty().get() == board, "the same machine keeps running: no stop and start");
        chooseShutDownItem(robot, "Force Reset");
        waitFor(10, () -> testBoard.resets.get() == 2);
        assertEquals(MachineState.RUNNING, vm.state());
        assertTrue(vm.boardProperty().get() == board);
    }

    /** Opens the toolbar's Shut Down menu and clicks an item once its popup is really showing (slow hosts). */
    private static void chooseShutDownItem(FxRobot robot, String item) {
        robot.clickOn("#shutDownButton");
        waitFor(10, () -> robot.lookup(item).match(n -> n.getScene() != null && n.isVisible()).tryQuery().isPresent());
        robot.clickOn(robot.lookup(item).match(n -> n.getScene() != null && n.isVisible()).<Node>query());
    }

    @Test
    void multiSelectionStartsSeveralMachines(FxRobot robot) {
        robot.interact(() -> {
            table(robot).getSelectionModel().clearSelection();
            table(robot).getSelectionModel().select(services.find("Web server"));
            table(robot).getSelectionModel().select(services.find("Build box"));
            table(robot).requestFocus();
        });
        robot.push(KeyCode.CONTROL, KeyCode.R);
        waitFor(30, () -> services.find("Web server").state() == MachineState.RUNNING
                && services.find("Build box").state() == MachineState.RUNNING);
        assertEquals(MachineState.SHUT_OFF, services.find("Old desktop").state());
        assertTrue(robot.lookup(".status-bar").query() != null);
    }

    @Test
    void graphsGainPoints(FxRobot robot) {
        VmSession vm = select(robot, "Build box");
        robot.clickOn("#runButton");
        waitFor(30, () -> vm.state() == MachineState.RUNNING);
        java.util.concurrent.atomic.AtomicInteger ticks = new java.util.concurrent.atomic.AtomicInteger();
        robot.interact(() -> services.addSampleListener(ticks::incrementAndGet));
        int before = vm.cpu.size();
        // (a full history no longer grows: on a busy machine the start can take longer than the history is long)
        waitFor(30, () -> ticks.get() >= 3 && vm.cpu.size() >= Math.min(before + 3, vm.cpu.capacity())
                && services.hostCpu.size() >= 3);
        // Memory in use (pages the guest wrote), not the 384 MiB allocated; the list shows both.
        waitFor(10, () -> vm.memory.last() == TestBoardFactory.TOUCHED_PAGES * 4096 / 1048576.0);
        waitFor(10, () -> robot.lookup(".graph-value").queryAllAs(Label.class).stream()
                .anyMatch(l -> "12 MiB of 384 MiB".equals(l.getText())));
        assertTrue(robot.lookup(".graph-value").queryAllAs(Label.class).stream().anyMatch(l -> "512 MiB".equals(l.getText())),
                "a stopped machine shows what it will be given");
        // Network: the board's counters as rates, received and sent apart; only a machine without a card says so.
        waitFor(10, () -> vm.netRx.last() > 0 && vm.netTx.last() > 0);
        assertTrue(vm.netRx.last() > vm.netTx.last(), "the stand-in guest receives five times what it sends");
        waitFor(10, () -> robot.lookup(".graph-value").queryAllAs(Label.class).stream().map(Label::getText)
                .anyMatch(t -> t.matches("↓ [1-9][0-9.]* (B|KiB|MiB)/s  ↑ [1-9][0-9.]* (B|KiB|MiB)/s")));
        assertEquals(1, robot.lookup(".graph-value").queryAllAs(Label.class).stream().filter(l -> "no network".equals(l.getText())).count(),
                "Web server has no card; Old desktop has one and is stopped");
        VmWindow w = openWindow(robot, "Build box");
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("Performance");
        });
        waitFor(10, () -> robot.lookup("#graphCpu").tryQuery().isPresent());   // the ScrollPane's skin adds it on a pulse
        Node graph = robot.lookup("#graphCpu").query();
        assertNotNull(graph);
        assertTrue(((org.virtfx.gui.graphs.PerformanceGraph) graph).samples() >= 3);
        var network = robot.lookup("#graphNetwork").queryAs(org.virtfx.gui.graphs.PerformanceGraph.class);
        assertEquals(null, network.getEmptyText(), "the machine has a card: a graph, not a note");
        assertTrue(network.samples() >= 3);
        waitFor(10, () -> network.headline().matches("Network I/O:  received [1-9][0-9.]* (B|KiB|MiB)/s   sent [1-9][0-9.]* (B|KiB|MiB)/s"));
    }

    @Test
    void nicPageEditsTheCardRefusesATakenAddressAndRemovesIt(FxRobot robot) throws IOException {
        VmWindow w = openWindow(robot, "Build box");
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("NIC 1");
        });
        waitFor(10, () -> robot.lookup("#hwNicModel").tryQuery().isPresent());   // the page is shown on a pulse
        assertEquals(BUILD_BOX_MAC, robot.lookup("#hwNicMac").queryTextInputControl().getText());
        assertTrue(robot.lookup("#applyButton").queryButton().isVisible(), "a card can be edited");
        @SuppressWarnings("unchecked")
        ChoiceBox<String> model = robot.lookup("#hwNicModel").queryAs(ChoiceBox.class);
        assertEquals(VmDefinition.Nic.MODELS, model.getItems(), "only the cards the engine emulates");
        robot.interact(() -> model.setValue("e1000"));
        robot.clickOn("#applyButton");
        waitFor(10, () -> library.find("Build box").orElseThrow().nics().getFirst().model().equals("e1000"));
        assertEquals(BUILD_BOX_MAC, library.find("Build box").orElseThrow().nics().getFirst().mac(), "only the model changed");

        robot.interact(() -> robot.lookup("#hwNicMac").queryTextInputControl().setText(OLD_DESKTOP_MAC));
        robot.clickOn("#applyButton");
        Label error = robot.lookup("#detailsError").queryAs(Label.class);
        assertEquals("Another network card in the library has " + OLD_DESKTOP_MAC + ".", error.getText());
        assertFalse(Files.readString(library.fileFor("Build box")).contains(OLD_DESKTOP_MAC));
        robot.clickOn("#revertButton");
        assertEquals(BUILD_BOX_MAC, robot.lookup("#hwNicMac").queryTextInputControl().getText());

        robot.clickOn("#nicRemove");
        robot.clickOn("#applyButton");
        waitFor(10, () -> library.find("Build box").orElseThrow().nics().isEmpty());
        @SuppressWarnings("unchecked")
        ListView<Object> list = robot.lookup("#hardwareList").queryAs(ListView.class);
        waitFor(10, () -> WaitForAsyncUtils.asyncFx(() -> list.getItems().stream().noneMatch(p -> p.toString().equals("NIC 1"))).get());
        robot.interact(() -> w.details().select("Performance"));
        waitFor(10, () -> robot.lookup("#graphNetwork").tryQuery().isPresent());
        assertEquals("no network card", robot.lookup("#graphNetwork").queryAs(org.virtfx.gui.graphs.PerformanceGraph.class).getEmptyText(),
                "nothing to graph without a card");
    }

    @Test
    void serialAndInputPagesEditAndRemoveTheirDevice(FxRobot robot) throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        library.create(machine("Device box", "debian12", 128)
                .withSerialPorts(java.util.List.of(new VmDefinition.SerialPort(2, logs.resolve("com2.log").toString()),
                        new VmDefinition.SerialPort(3, null)))
                .withInputs(java.util.List.of(new VmDefinition.InputDevice("tablet"))));
        robot.interact(services::reload);
        waitFor(10, () -> services.find("Device box") != null);
        VmWindow w = openWindow(robot, "Device box");
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("Serial 2");
        });
        waitFor(10, () -> robot.lookup("#hwSerialLog").tryQuery().isPresent());   // the page is shown on a pulse
        assertEquals(logs.resolve("com2.log").toString(), robot.lookup("#hwSerialLog").queryTextInputControl().getText());
        assertTrue(robot.lookup("#applyButton").queryButton().isVisible(), "an added port can be edited");
        VmSession vm = services.find("Device box");
        robot.clickOn("#vmRunButton");
        waitFor(30, () -> vm.state() == MachineState.RUNNING);
        assertTrue(Files.isRegularFile(logs.resolve("com2.log")), "the running machine opened COM2's log file");
        waitFor(10, () -> robot.lookup("#note").queryAs(Label.class).getText().contains("take effect after its next power-off"));
        Path noFolder = dir.resolve("no-such-folder").resolve("com2.log");
        robot.interact(() -> robot.lookup("#hwSerialLog").queryTextInputControl().setText(noFolder.toString()));
        robot.clickOn("#applyButton");
        assertEquals("The folder " + noFolder.getParent() + " of the log file does not exist.",
                robot.lookup("#detailsError").queryAs(Label.class).getText());
        Path renamed = logs.resolve("second-port.log");
        robot.interact(() -> robot.lookup("#hwSerialLog").queryTextInputControl().setText(renamed.toString()));
        robot.clickOn("#applyButton");
        waitFor(10, () -> renamed.toString().equals(library.find("Device box").orElseThrow().serialPorts().getFirst().logFile()));
        assertEquals(java.util.List.of(new org.virtfx.engine.machine.SerialOutput(2, renamed)),
                library.find("Device box").orElseThrow().toMachineConfig().serialOutputs(), "the engine gets the new file");

        @SuppressWarnings("unchecked")
        ListView<Object> list = robot.lookup("#hardwareList").queryAs(ListView.class);
        robot.interact(() -> w.details().select("Serial 3"));
        waitFor(10, () -> robot.lookup("#serialRemove").tryQuery().map(Node::isVisible).orElse(false));
        robot.clickOn("#serialRemove");
        robot.clickOn("#applyButton");
        waitFor(10, () -> library.find("Device box").orElseThrow().serialPorts().size() == 1);
        assertEquals(2, library.find("Device box").orElseThrow().serialPorts().getFirst().port(), "COM2 stays");
        waitFor(10, () -> WaitForAsyncUtils.asyncFx(() -> list.getItems().stream().noneMatch(p -> p.toString().equals("Serial 3"))).get());

        robot.interact(() -> w.details().select("Input 2 (tablet)"));
        waitFor(10, () -> robot.lookup("#inputRemove").tryQuery().map(Node::isVisible).orElse(false));
        @SuppressWarnings("unchecked")
        ChoiceBox<String> type = robot.lookup("#hwInputType").queryAs(ChoiceBox.class);
        assertEquals(VmDefinition.InputDevice.TYPES, type.getItems());
        robot.interact(() -> type.setValue("keyboard"));
        robot.clickOn("#applyButton");
        waitFor(10, () -> library.find("Device box").orElseThrow().inputs().equals(
                java.util.List.of(new VmDefinition.InputDevice("keyboard"))));
        waitFor(10, () -> WaitForAsyncUtils.asyncFx(() -> list.getSelectionModel().getSelectedItem() != null
                && list.getSelectionModel().getSelectedItem().toString().equals("Input 2 (keyboard)")).get());
        waitFor(10, () -> robot.lookup("#inputRemove").tryQuery().map(Node::isVisible).orElse(false));
        robot.clickOn("#inputRemove");
        robot.clickOn("#applyButton");
        waitFor(10, () -> library.find("Device box").orElseThrow().inputs().isEmpty());

        for (String fixed : new String[] {"Serial 1", "Input"}) {
            robot.interact(() -> w.details().select(fixed));
            WaitForAsyncUtils.waitForFxEvents();
            assertFalse(robot.lookup("#applyButton").queryButton().isVisible(), fixed + " is informational");
        }
    }

    // ------------------------------------------------------------------ VM window

    @Test
    void applyingAMemoryChangeIsPersisted(FxRobot robot) throws IOException {
        VmWindow w = openWindow(robot, "Old desktop");
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("Memory");
        });
        @SuppressWarnings("unchecked")
        Spinner<Integer> spinner = robot.lookup("#memorySpinner").queryAs(Spinner.class);
        robot.doubleClickOn(spinner.getEditor()).eraseText(6).write("768");
        robot.clickOn("#applyButton");
        Path file = library.fileFor("Old desktop");
        waitFor(10, () -> Files.readString(file).contains("\"memoryMiB\" : 768"));
        assertEquals(768, library.find("Old desktop").orElseThrow().memoryMiB());
        assertEquals(768, services.find("Old desktop").definition().memoryMiB());
        assertTrue(robot.lookup("#applyButton").queryButton().isDisabled(), "nothing left to apply");
    }

    @Test
    void invalidEditIsRefusedWithAMessage(FxRobot robot) throws IOException {
        VmWindow w = openWindow(robot, "Web server");
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("Boot options");
        });
        robot.clickOn("#kernelField").write("/x");   // typed: marks the page changed; then the full path at once
        robot.interact(() -> robot.lookup("#kernelField").queryTextInputControl().setText("/nonexistent/vmlinuz"));
        robot.clickOn("#applyButton");
        Label error = robot.lookup("#detailsError").queryAs(Label.class);
        assertTrue(error.getText().contains("no such file: /nonexistent/vmlinuz"), error.getText());
        assertFalse(Files.readString(library.fileFor("Web server")).contains("nonexistent"));
    }

    @Test
    void consoleShowsChangingPixelsAndTypingReachesTheKeyboard(FxRobot robot) {
        VmWindow w = openWindow(robot, "Web server");
        VmSession vm = services.find("Web server");
        robot.clickOn("#vmRunButton");
        waitFor(30, () -> vm.state() == MachineState.RUNNING);
        ConsoleView console = w.console();
        waitFor(60, () -> console.frameWidth() > 0);
        long first = checksum(robot, console);
        waitFor(10, () -> checksum(robot, console) != first);
        TestBoardFactory.KEYS.clear();
        robot.clickOn(console);
        assertTrue(console.grabbedProperty().get(), "a click grabs keyboard and mouse");
        robot.type(KeyCode.A, KeyCode.B);
        waitFor(5, () -> TestBoardFactory.KEYS.containsAll(java.util.List.of(30, -30, 48, -48)));
        robot.press(KeyCode.CONTROL).press(KeyCode.ALT).release(KeyCode.ALT).release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(console.grabbedProperty().get(), "Ctrl+Alt releases the grab");
        TestBoardFactory.KEYS.clear();
        robot.clickOn("#sendKeyButton").clickOn("Ctrl+Alt+Delete");   // the console toolbar's Send Key
        waitFor(5, () -> TestBoardFactory.KEYS.equals(java.util.List.of(29, 56, 111, -111, -56, -29)));
    }

    static long checksum(FxRobot robot, ConsoleView console) {
        AtomicReference<Long> sum = new AtomicReference<>(0L);
        robot.interact(() -> {
            long s = 0;
            for (int y = 0; y < console.frameHeight(); y += 3) {
                for (int x = 0; x < console.frameWidth(); x += 3) {
                    s = s * 31 + console.pixel(x, y);
                }
            }
            sum.set(s);
        });
        return sum.get();
    }

    @Test
    void serialConsoleShowsOutputAndSendsInput(FxRobot robot) {
        VmWindow w = openWindow(robot, "Build box");
        VmSession vm = services.find("Build box");
        robot.interact(() -> w.tabs().getSelectionModel().select(2));
        robot.clickOn("#vmRunButton");
        waitFor(30, () -> vm.state() == MachineState.RUNNING);
        TextArea out = robot.lookup("#serialOutput").queryAs(TextArea.class);
        waitFor(10, () -> out.getText().contains("TEST-BOARD-READY"));
        robot.clickOn("#serialInput").write("echo ");
        robot.interact(() -> robot.lookup("#serialInput").queryTextInputControl().appendText("hello-serial"));
        robot.push(KeyCode.ENTER);
        waitFor(5, () -> out.getText().contains("hello-serial"));
    }

    @Test
    void preferencesAreSaved(FxRobot robot) throws IOException {
        robot.push(KeyCode.CONTROL, KeyCode.COMMA);
        WaitForAsyncUtils.waitForFxEvents();
        assertNotNull(robot.lookup("#preferencesDialog").query());
        robot.clickOn("Graphs");
        @SuppressWarnings("unchecked")
        Spinner<Integer> samples = robot.lookup("#graphSamples").queryAs(Spinner.class);
        robot.doubleClickOn(samples.getEditor()).eraseText(6).write("60");
        DialogPane pane = robot.lookup("#preferencesDialog").queryAs(DialogPane.class);
        robot.clickOn((Button) pane.lookupButton(javafx.scene.control.ButtonType.OK));
        waitFor(5, () -> Files.isRegularFile(dir.resolve("settings.json"))
                && Files.readString(dir.resolve("settings.json")).contains("\"graphSamples\" : 60"));
        waitFor(5, () -> services.find("Web server").cpu.capacity() == 60);
    }

    @Test
    void deleteAsksAndRemovesOnlyTheDefinition(FxRobot robot) throws IOException {
        select(robot, "Old desktop");
        robot.push(KeyCode.DELETE);
        WaitForAsyncUtils.waitForFxEvents();
        // the Delete dialog (wizards module): no disk ticked, so only the definition goes
        assertNotNull(robot.lookup("#deleteDialog").query());
        assertTrue(robot.lookup("Delete machine 'Old desktop'?").tryQuery().isPresent());
        robot.clickOn("#deleteConfirm");
        waitFor(5, () -> !Files.exists(library.fileFor("Old desktop")) && services.find("Old desktop") == null);
        assertTrue(Files.exists(library.fileFor("Web server")));
        assertEquals(3, table(robot).getItems().size());
    }

    @Test
    void windowSizeAndColumnsAreRemembered(FxRobot robot) throws IOException {
        robot.clickOn("View").clickOn("Disk Column");
        robot.interact(() -> {
            manager.stage().setWidth(1010);
            manager.stage().close();
        });
        String json = Files.readString(dir.resolve("settings.json"));
        assertTrue(json.contains("\"managerWidth\" : 1010.0"), json);
        assertTrue(json.contains("\"showDiskColumn\" : true"), json);
        assertTrue(json.contains("\"nameColumn\""), json);
    }

    @Test
    void aboutDialogOpens(FxRobot robot) {
        robot.clickOn("Help").clickOn("About VirtFX");
        DialogPane about = robot.lookup("#aboutDialog").queryAs(DialogPane.class);
        assertTrue(about.getHeaderText().startsWith("VirtFX"));
        robot.clickOn((Button) about.lookupButton(javafx.scene.control.ButtonType.CLOSE));
    }

    @Test
    void osinfoSystemsAreNamedInTheListAndOnTheOsPage(FxRobot robot) throws Exception {
        OsCatalog full = AppServices.osCatalog().get(60, TimeUnit.SECONDS);
        OsCatalog bundled = OsCatalog.bundled();
        var onlyInOsinfo = full.entries().stream().filter(e -> bundled.byShortId(e.shortId()).isEmpty()).findFirst();
        org.junit.jupiter.api.Assumptions.assumeTrue(onlyInOsinfo.isPresent(), "needs Debian's osinfo-db");
        OsEntry os = onlyInOsinfo.get();
        library.create(VmDefinition.create("Osinfo box", os.shortId(), 128, 1));
        robot.interact(services::reload);
        waitFor(10, () -> robot.lookup((Label l) -> os.name().equals(l.getText())).tryQuery().isPresent()
                || robot.lookup((javafx.scene.control.TableCell<?, ?> c) -> os.name().equals(c.getText())).tryQuery().isPresent());
        VmWindow w = openWindow(robot, "Osinfo box");
        robot.interact(() -> {
            w.tabs().getSelectionModel().select(1);
            w.details().select("OS information");
        });
        @SuppressWarnings("unchecked")
        javafx.scene.control.ComboBox<OsEntry> box = robot.lookup("#osChoice").queryAs(javafx.scene.control.ComboBox.class);
        assertEquals(os.shortId(), box.getValue().shortId(), "the definition's system, not Unknown");
    }

    @Test
    void hardwareListHasEveryDevicePage(FxRobot robot) {
        VmWindow w = openWindow(robot, "Web server");
        robot.interact(() -> w.tabs().getSelectionModel().select(1));
        @SuppressWarnings("unchecked")
        ListView<Object> list = robot.lookup("#hardwareList").queryAs(ListView.class);
        var titles = list.getItems().stream().map(Object::toString).toList();
        assertTrue(titles.containsAll(java.util.List.of("Overview", "OS information", "Performance", "CPUs", "Memory",
                "Boot options", "CD-ROM", "Display", "Input", "Serial 1")), titles.toString());
    }

    @Test
    void addHardwareFromDetailsAddsADiskPageToTheList(FxRobot robot) throws IOException {
        Path images = dir.resolve("images");
        VmWindow w = openWindow(robot, "Web server");
        robot.interact(() -> w.tabs().getSelectionModel().select(1));
        @SuppressWarnings("unchecked")
        ListView<Object> list = robot.lookup("#hardwareList").queryAs(ListView.class);
        assertFalse(list.getItems().stream().anyMatch(p -> p.toString().equals("Disk 1")), "the machine has no disk yet");
        robot.interact(() -> w.details().select("Overview"));
        robot.interact(() -> robot.lookup("#overviewName").queryTextInputControl().setText("Web server 2"));   // not applied
        robot.clickOn("#detailsAddHardware");
        waitFor(5, () -> robot.lookup("#addHardwareDialog").tryQuery().isPresent());
        Stage dialog = (Stage) robot.lookup("#addHardwareDialog").query().getScene().getWindow();
        assertEquals(w.stage(), dialog.getOwner(), "the dialog belongs to the machine's window");
        robot.interact(() -> {
            robot.lookup("#hwDiskFolder").queryTextInputControl().setText(images.toString());
            robot.lookup("#hwDiskSize").queryAs(Spinner.class).getEditor().setText("1");
        });
        waitFor(5, () -> !robot.lookup("#hwFinish").queryAs(Button.class).isDisabled());
        robot.clickOn("#hwFinish");
        waitFor(20, () -> !dialog.isShowing());
        // the new device's page appears and is shown (read on the FX thread: the list is rebuilt there)
        waitFor(10, () -> WaitForAsyncUtils.asyncFx(() -> list.getSelectionModel().getSelectedItem() != null
                && list.getSelectionModel().getSelectedItem().toString().equals("Disk 1")).get());
        Path disk = images.resolve("Web server.qcow2").toAbsolutePath();
        assertEquals(java.util.List.of(disk.toString()), library.find("Web server").orElseThrow().disks());
        assertTrue(Files.isRegularFile(disk));
        waitFor(10, () -> robot.lookup("#diskField0").tryQuery().isPresent());   // the page is shown on a pulse
        assertEquals(disk.toString(), robot.lookup("#diskField0").queryTextInputControl().getText());
        robot.interact(() -> w.details().select("Overview"));
        assertEquals("Web server 2", robot.lookup("#overviewName").queryTextInputControl().getText(),
                "an unapplied edit on another page survives the new device");
    }
}
