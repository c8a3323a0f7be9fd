package org.virtfx.wizards.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImages;

/**
 * The device editors as the Details pages use them (the Add Hardware side is driven in {@code WizardsTest}): load a
 * part, edit it like a user, read value() and problem(). Disk images are real files made by the storage layer.
 */
@ExtendWith(ApplicationExtension.class)
class DeviceEditorsTest {
    @TempDir
    Path dir;
    private final VBox box = new VBox();

    @Start
    void start(Stage stage) {
        stage.setScene(new Scene(box, 700, 400));
        stage.show();
    }

    private <T extends DeviceEditor<?>> T show(FxRobot robot, java.util.function.Supplier<T> make) {
        AtomicReference<T> e = new AtomicReference<>();
        robot.interact(() -> {
            e.set(make.get());
            box.getChildren().setAll(e.get().view());
        });
        return e.get();
    }

    @Test
    void diskEditorDescribesValidatesAndTracksEdits(FxRobot robot) throws IOException {
        Path qcow2 = dir.resolve("system.qcow2");
        DiskImages.create(qcow2, "qcow2", CreateOptions.ofSize(64L << 20)).close();
        Path notAnImage = dir.resolve("notes.txt");
        Files.writeString(notAnImage, "");   // opens as raw, but a disk of 0 sectors is no disk
        DiskEditor disk = show(robot, () -> DiskEditor.attached(1));
        robot.interact(() -> disk.load(qcow2.toString()));
        assertFalse(disk.changedProperty().get(), "loading is not an edit");
        assertEquals(qcow2.toString(), disk.value());
        assertNull(disk.problem());
        Label info = robot.lookup("#diskInfo").queryAs(Label.class);
        assertEquals("qcow2, 64 MiB virtual, 0 MiB on the host", info.getText());
        assertTrue(robot.lookup("IDE primary slave").tryQuery().isPresent(), "disk 2 sits on the primary slave");

        robot.clickOn("#diskField1").write("x");
        assertTrue(disk.changedProperty().get(), "typing is an edit");
        assertTrue(disk.problem().contains("no such file"), disk.problem());
        robot.interact(() -> robot.lookup("#diskField1").queryTextInputControl().setText(notAnImage.toString()));
        assertEquals("disk 2: " + notAnImage + " is empty (a disk needs at least one sector)", disk.problem());
        robot.clickOn("Clear");
        assertNull(disk.value(), "an empty field means no disk");
        assertNull(disk.problem());
    }

    @Test
    void cdromEditorLoadsEjectsAndNamesAMissingIso(FxRobot robot) throws IOException {
        Path iso = Files.write(dir.resolve("boot.iso"), new byte[2048]);
        CdromEditor cd = show(robot, CdromEditor::attached);
        robot.interact(() -> cd.load(iso.toString()));
        assertEquals(iso.toString(), cd.value());
        assertNull(cd.problem());
        robot.interact(() -> robot.lookup("#cdromField").queryTextInputControl().setText("/nonexistent/x.iso"));
        assertEquals("CD-ROM: no such file: /nonexistent/x.iso", cd.problem());
        assertTrue(cd.changedProperty().get());
        robot.interact(() -> cd.load(null));
        assertNull(cd.value(), "null loads an empty drive");
        assertFalse(cd.changedProperty().get());
    }

    @Test
    void nicEditorEditsTheCardKeepsItsAddressUniqueAndCanRemoveIt(FxRobot robot) {
        java.util.List<String> others = new java.util.ArrayList<>(java.util.List.of("52:54:00:aa:bb:cc"));
        NicEditor nic = show(robot, () -> NicEditor.attached(() -> others));
        robot.interact(() -> nic.load(new VmDefinition.Nic("virtio-net", "52:54:00:12:34:56", "user")));
        assertTrue(nic.editable());
        assertFalse(nic.changedProperty().get(), "loading is not an edit");
        assertNull(nic.problem());
        assertTrue(robot.lookup("#hwNicModelInfo").queryAs(Label.class).getText().startsWith("Paravirtual card"));
        assertFalse(robot.lookup((Label l) -> l.getText() != null && l.getText().contains("not emulate")).tryQuery().isPresent());

        @SuppressWarnings("unchecked")
        ChoiceBox<String> model = robot.lookup("#hwNicModel").queryAs(ChoiceBox.class);
        assertEquals(VmDefinition.Nic.MODELS, model.getItems());
        robot.interact(() -> {
            model.setValue("e1000");
            robot.lookup("#hwNicNetwork").queryAs(ChoiceBox.class).setValue("none");
        });
        assertTrue(nic.changedProperty().get());
        assertEquals(new VmDefinition.Nic("e1000", "52:54:00:12:34:56", "none"), nic.value());
        assertTrue(robot.lookup("#hwNicModelInfo").queryAs(Label.class).getText().startsWith("Intel 82540EM"));
        assertEquals("The card is there but nothing is connected to it.", robot.lookup("#hwNicNetworkInfo").queryAs(Label.class).getText());

        robot.interact(() -> robot.lookup("#hwNicMac").queryTextInputControl().setText("52:54:00:AA:BB:CC"));
        assertEquals("Another network card in the library has 52:54:00:aa:bb:cc.", nic.problem());
        robot.interact(() -> robot.lookup("#hwNicMac").queryTextInputControl().setText("01:00:5e:00:00:01"));
        assertTrue(nic.problem().contains("multicast"), nic.problem());
        robot.clickOn("#hwNicGenerate");
        String generated = robot.lookup("#hwNicMac").queryTextInputControl().getText();
        assertNull(nic.problem(), generated);
        assertTrue(generated.startsWith("52:54:00:") && !others.contains(generated), generated);
        others.add(generated);   // another card took it meanwhile: checked when asked, not when opened
        assertEquals("Another network card in the library has " + generated + ".", nic.problem());

        robot.clickOn("#nicRemove");
        assertNull(nic.value(), "a ticked Remove stores no card");
        assertNull(nic.problem(), "the address of a card being removed does not matter");
        robot.interact(() -> nic.load(new VmDefinition.Nic("e1000", "52:54:00:12:34:56", "user")));
        assertFalse(robot.lookup("#nicRemove").queryAs(CheckBox.class).isSelected(), "Revert unticks Remove");
        assertEquals("e1000", nic.value().model());
    }

    @Test
    void addedSerialPortEditsItsLogFileOrIsRemoved(FxRobot robot) throws IOException {
        SerialEditor serial = show(robot, SerialEditor::addedPort);
        Path log = dir.resolve("com3.log");
        robot.interact(() -> serial.load(new SerialEditor.Port(3, log.toString())));
        assertTrue(serial.editable());
        assertFalse(serial.changedProperty().get(), "loading is not an edit");
        assertEquals(new SerialEditor.Port(3, log.toString()), serial.value());
        assertTrue(robot.lookup("I/O 0x3E8, IRQ 4").tryQuery().isPresent(), "COM3's standard resources");
        assertTrue(robot.lookup("#hwSerialPort").query().isDisabled(), "the port itself stays");

        Path missing = dir.resolve("gone").resolve("com3.log");
        robot.interact(() -> robot.lookup("#hwSerialLog").queryTextInputControl().setText(missing.toString()));
        assertTrue(serial.changedProperty().get());
        assertEquals("The folder " + missing.getParent() + " of the log file does not exist.", serial.problem());
        robot.interact(() -> robot.lookup("#hwSerialLog").queryTextInputControl().setText(dir.toString()));
        assertEquals(dir + " is a folder: choose a file for the log.", serial.problem());
        robot.interact(() -> robot.lookup("#hwSerialLog").queryTextInputControl().setText(""));
        assertNull(serial.problem());
        assertEquals(new SerialEditor.Port(3, null), serial.value(), "empty: the port stays, unconnected");
        assertEquals("not connected", robot.lookup("#serialConnection").queryAs(Label.class).getText());

        robot.clickOn("#serialRemove");
        assertNull(serial.value(), "a ticked Remove stores no port");
        assertTrue(robot.lookup("#hwSerialLog").query().isDisabled());
        robot.interact(() -> serial.load(new SerialEditor.Port(3, log.toString())));
        assertFalse(robot.lookup("#serialRemove").queryAs(CheckBox.class).isSelected(), "Revert unticks Remove");
        assertEquals(log.toString(), serial.value().logFile());
    }

    @Test
    void addedInputDeviceChangesTypeOrIsRemoved(FxRobot robot) {
        InputEditor input = show(robot, () -> InputEditor.addedDevice("Ctrl+Alt"));
        robot.interact(() -> input.load(new VmDefinition.InputDevice("tablet")));
        assertTrue(input.editable());
        assertFalse(input.changedProperty().get());
        @SuppressWarnings("unchecked")
        ChoiceBox<String> type = robot.lookup("#hwInputType").queryAs(ChoiceBox.class);
        assertEquals(VmDefinition.InputDevice.TYPES, type.getItems());
        robot.interact(() -> type.setValue("mouse"));
        assertTrue(input.changedProperty().get());
        assertEquals(new VmDefinition.InputDevice("mouse"), input.value());
        robot.clickOn("#inputRemove");
        assertNull(input.value(), "a ticked Remove stores no device");
        assertNull(input.problem());
        robot.interact(() -> input.load(new VmDefinition.InputDevice("keyboard")));
        assertFalse(robot.lookup("#inputRemove").queryAs(CheckBox.class).isSelected(), "Revert unticks Remove");
        assertEquals(new VmDefinition.InputDevice("keyboard"), input.value());
    }

    @Test
    void fixedDevicesDescribeThemselvesAndCannotBeEdited(FxRobot robot) {
        SerialEditor serial = show(robot, SerialEditor::attached);
        robot.interact(() -> serial.load(new SerialEditor.Port(2, null)));
        assertFalse(serial.editable());
        assertEquals(2, serial.value().com());
        assertTrue(robot.lookup("I/O 0x2F8, IRQ 3").tryQuery().isPresent(), "COM2's standard resources");
        assertEquals("not connected", robot.lookup("#serialConnection").queryAs(Label.class).getText());
        robot.interact(() -> serial.load(SerialEditor.com1()));
        assertTrue(robot.lookup("I/O 0x3F8, IRQ 4").tryQuery().isPresent(), "COM1's standard resources");
        assertThrows(IllegalArgumentException.class, () -> new SerialEditor.Port(5, null));
        assertFalse(robot.lookup("#serialRemove").queryAs(CheckBox.class).isVisible(), "COM1 cannot be removed");
        InputEditor input = show(robot, () -> InputEditor.attached("Ctrl+Alt+G"));
        robot.interact(() -> input.load(null));
        assertFalse(input.editable());
        assertFalse(robot.lookup("#inputRemove").queryAs(CheckBox.class).isVisible(), "the PS/2 pair cannot be removed");
        assertNull(input.value(), "the built-in PS/2 pair");
        assertTrue(robot.lookup((Label l) -> l.getText().contains("Ctrl+Alt+G releases them")).tryQuery().isPresent());
        assertTrue(robot.lookup((Label l) -> l.getText().startsWith("PS/2 keyboard (IRQ 1)")).tryQuery().isPresent());
    }
}
