package org.virtfx.gui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.gui.manager.ManagerWindow;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;

/**
 * The wizards from the manager window on the real PC board: New VM from the fixtures' GRUB ISO with a new qcow2 disk
 * boots to the fixtures' marker; a linked clone of it boots too; a full clone, Add Hardware and Delete (with and
 * without storage) leave exactly the expected files. Two guest boots, the minimum the flow needs.
 */
@Tag("guest")
@ExtendWith(ApplicationExtension.class)
class WizardsGuestTest {
    private Path dir;
    private Path images;
    private VmLibrary library;
    private AppServices services;
    private ManagerWindow manager;

    @BeforeAll
    static void needsTheRealBoardAndTheIso() {
        Assumptions.assumeTrue(TestBoardFactory.realBoardAvailable(), "needs the guest fixtures and the PC board with its CPU");
        Assumptions.assumeTrue(GuestFixtures.present(GuestFixtures.grubIso(GuestFixtures.Arch.I386)), "needs the i386 GRUB ISO");
    }

    @Start
    void start(Stage stage) {
        try {
            dir = Files.createTempDirectory("virtfx-wizards-guest");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        images = dir.resolve("images");
        library = new VmLibrary(dir.resolve("machines"));
        services = new AppServices(library, TestBoardFactory.recording(new PcBoardFactory()), dir.resolve("settings.json"));
        services.settings().imageDirectory = images.toString();
        services.settings().confirmForceOff = false;
        services.reload();
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

    private void select(FxRobot robot, String name) {
        GuiTest.waitFor(10, () -> services.find(name) != null);
        robot.interact(() -> {
            TableView<VmSession> t = robot.lookup("#table").queryTableView();
            t.getSelectionModel().clearSelection();
            t.getSelectionModel().select(services.find(name));
        });
    }

    private static void setText(FxRobot robot, String id, String text) {
        robot.interact(() -> robot.lookup(id).queryTextInputControl().setText(text));
    }

    /** SeaBIOS, GRUB and an i386 Linux on the software CPU: minutes, more on a busy machine. */
    private void bootsToMarker(VmSession vm) {
        GuiTest.waitFor(60, () -> vm.state() == MachineState.RUNNING);
        try {
            GuiTest.waitFor(900, () -> vm.serialSince(vm.serialStart()).contains(GuestFixtures.MARKER));
        } catch (AssertionError e) {
            String out = vm.serialSince(vm.serialStart());
            throw new AssertionError("'" + vm.name() + "' (" + vm.state() + ") did not print the marker; serial output ends with:\n"
                    + out.substring(Math.max(0, out.length() - 1500)), e);
        }
    }

    private void forceOff(FxRobot robot, VmSession vm) {
        robot.interact(vm::forceOff);
        GuiTest.waitFor(60, () -> vm.state() == MachineState.SHUT_OFF);
        robot.interact(() -> List.copyOf(manager.controller().openWindows().values()).forEach(w -> w.stage().close()));
    }

    private void closedDialog(FxRobot robot, String id) {
        GuiTest.waitFor(60, () -> robot.lookup(id).tryQuery().isEmpty());
    }

    @Test
    void newVmFromTheGrubIsoBootsAndIsClonedExtendedAndDeleted(FxRobot robot) throws IOException {
        Path iso = GuestFixtures.grubIso(GuestFixtures.Arch.I386);
        // New VM: medium, detected OS, 256 MiB, a new qcow2 disk in the image folder, a name; Finish starts it
        robot.clickOn("#newButton");
        setText(robot, "#isoPath", iso.toString());
        GuiTest.waitFor(30, () -> !robot.lookup("#finishButton").queryAs(Button.class).isDisabled());
        robot.clickOn("#nextButton").clickOn("#nextButton");
        robot.interact(() -> robot.lookup("#memorySpinner").queryAs(Spinner.class).getEditor().setText("256"));
        // one vCPU: Debian's recommendation is two, and SMP bring-up under SeaBIOS is a separate engine issue
        robot.interact(() -> robot.lookup("#cpuSpinner").queryAs(Spinner.class).getEditor().setText("1"));
        robot.clickOn("#nextButton").clickOn("#nextButton");
        setText(robot, "#vmName", "Grub VM");
        GuiTest.waitFor(10, () -> !robot.lookup("#finishButton").queryAs(Button.class).isDisabled());
        robot.clickOn("#finishButton");
        closedDialog(robot, "#newVmWizard");
        Path disk = images.resolve("Grub VM.qcow2");
        VmDefinition def = library.find("Grub VM").orElseThrow();
        assertEquals(256, def.memoryMiB());
        assertEquals(1, def.cpus());
        assertEquals(List.of(disk.toAbsolutePath().toString()), def.disks());
        assertEquals(iso.toAbsolutePath().toString(), def.cdrom());
        assertFalse(def.os().isEmpty());
        assertTrue(Files.isRegularFile(disk));
        GuiTest.waitFor(10, () -> services.find("Grub VM") != null);
        VmSession vm = services.find("Grub VM");
        GuiTest.waitFor(10, () -> manager.controller().openWindows().containsKey(vm));   // its console window
        bootsToMarker(vm);
        robot.interact(() -> manager.controller().openWindows().get(vm).tabs().getSelectionModel().select(2));
        TextArea serial = robot.lookup("#serialOutput").queryAs(TextArea.class);
        GuiTest.waitFor(10, () -> serial.getText().contains(GuestFixtures.MARKER));
        forceOff(robot, vm);

        // Clone, linked: the original disk becomes a shared base with an overlay for each machine; the clone boots
        select(robot, "Grub VM");
        robot.clickOn("#cloneButton");
        setText(robot, "#cloneName", "Linked VM");
        robot.clickOn("#linkedClone").clickOn("#cloneStart");
        closedDialog(robot, "#cloneDialog");
        Path overlay = images.resolve("Linked VM.qcow2");
        Path sourceOverlay = images.resolve("Grub VM-2.qcow2");
        for (Path o : List.of(overlay, sourceOverlay)) {
            try (DiskImage img = DiskImages.open(o, true)) {
                assertEquals(disk.toRealPath(), img.backing().file().toRealPath());
            }
        }
        assertEquals(List.of(sourceOverlay.toAbsolutePath().toString()), library.find("Grub VM").orElseThrow().disks(),
                "the original now writes to its own overlay");
        GuiTest.waitFor(10, () -> services.find("Linked VM") != null);   // the session list is refreshed after the dialog closes
        VmSession linked = services.find("Linked VM");
        select(robot, "Linked VM");
        robot.clickOn("#runButton");
        bootsToMarker(linked);
        forceOff(robot, linked);

        // Clone, full: a standalone copy
        select(robot, "Grub VM");
        robot.clickOn("#cloneButton");
        setText(robot, "#cloneName", "Full VM");
        robot.clickOn("#cloneStart");
        closedDialog(robot, "#cloneDialog");
        Path copy = images.resolve("Full VM.qcow2");
        try (DiskImage img = DiskImages.open(copy, true)) {
            assertNull(img.backing());
        }

        // Add Hardware: a second disk
        robot.interact(() -> manager.controller().addHardware(services.find("Grub VM")));
        robot.interact(() -> robot.lookup("#hwDiskSize").queryAs(Spinner.class).getEditor().setText("2"));
        GuiTest.waitFor(10, () -> !robot.lookup("#hwFinish").queryAs(Button.class).isDisabled());
        robot.clickOn("#hwFinish");
        closedDialog(robot, "#addHardwareDialog");
        Path second = images.resolve("Grub VM-3.qcow2");
        assertEquals(List.of(sourceOverlay.toAbsolutePath().toString(), second.toAbsolutePath().toString()),
                library.find("Grub VM").orElseThrow().disks());
        assertTrue(Files.isRegularFile(second));

        // Delete with storage: its overlay and the second disk go, the base the linked clone needs is kept (and the
        // dialog says why)
        select(robot, "Grub VM");
        robot.clickOn("#deleteButton");
        CheckBox base = robot.lookup("#deleteDisk1").queryAs(CheckBox.class);
        assertTrue(base.isDisabled() && base.getText().contains("'Linked VM'"), base.getText());
        robot.clickOn("#deleteDisk0").clickOn("#deleteDisk2").clickOn("#deleteConfirm");
        closedDialog(robot, "#deleteDialog");
        GuiTest.waitFor(10, () -> services.find("Grub VM") == null);
        assertTrue(library.find("Grub VM").isEmpty());
        assertTrue(Files.exists(disk));
        assertFalse(Files.exists(sourceOverlay));
        assertFalse(Files.exists(second));

        // Delete the linked clone with its storage, the full clone without
        select(robot, "Linked VM");
        robot.clickOn("#deleteButton");
        robot.clickOn("#deleteDisk0").clickOn("#deleteConfirm");
        closedDialog(robot, "#deleteDialog");
        assertFalse(Files.exists(overlay));
        select(robot, "Full VM");
        robot.clickOn("#deleteButton");
        robot.clickOn("#deleteConfirm");
        closedDialog(robot, "#deleteDialog");
        GuiTest.waitFor(10, () -> services.sessions().isEmpty());
        assertTrue(Files.exists(copy), "storage not ticked stays");
        assertTrue(Files.exists(disk));
        WaitForAsyncUtils.waitForFxEvents();
        try (Stream<Path> s = Files.list(library.directory())) {
            assertEquals(List.of(), s.toList(), "no definition and no temporary file left in the library");
        }
    }
}
