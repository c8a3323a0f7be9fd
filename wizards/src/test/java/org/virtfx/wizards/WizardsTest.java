package org.virtfx.wizards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsEntry;
import java.util.concurrent.CompletableFuture;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.wizards.clone.CloneDialog;
import org.virtfx.wizards.delete.DeleteDialog;
import org.virtfx.wizards.hardware.AddHardwareDialog;
import org.virtfx.wizards.newvm.NewVmWizard;

/**
 * The wizards driven through their windows (headless Monocle) over a scratch library: New VM from the fixtures' GRUB
 * ISO with its OS detected, Cancel at the last step, Clone cancelled in the middle of the copy, Add Hardware, Delete
 * with a disk another machine uses. After each step the files on disk are checked; "unchanged" means the same
 * listing with the same SHA-256 of every file.
 */
@ExtendWith(ApplicationExtension.class)
class WizardsTest {
    @TempDir
    Path dir;
    private Stage owner;

    @Start
    void start(Stage stage) {
        owner = stage;
        stage.setScene(new javafx.scene.Scene(new javafx.scene.layout.StackPane(), 300, 200));   // modal children need an owner with a scene
        stage.show();
    }

    @AfterEach
    void closeWindows(FxRobot robot) {
        robot.interact(() -> robot.listTargetWindows().stream().filter(w -> w instanceof Stage s && s != owner)
                .map(w -> (Stage) w).toList().forEach(Stage::close));
    }

    private WizardContext context() {
        return new WizardContext(new VmOperations(new VmLibrary(dir.resolve("machines"))), dir.resolve("images"), "qcow2",
                dir.resolve("recent.txt"), OsCatalog.bundled(), new HostLimits(8192, 4096, 4));
    }

    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                try {
                    out.put(rel, Files.isDirectory(p) ? "dir"
                            : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    static void waitFor(int seconds, Callable<Boolean> condition) {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("condition not met within " + seconds + " s", e);
        }
    }

    private static void type(FxRobot robot, String id, String text) {
        robot.interact(() -> robot.lookup(id).queryTextInputControl().setText(text));
    }

    private static boolean disabled(FxRobot robot, String id) {
        return robot.lookup(id).queryAs(Button.class).isDisabled();
    }

    private NewVmWizard openNewVm(FxRobot robot) {
        AtomicReference<NewVmWizard> w = new AtomicReference<>();
        robot.interact(() -> {
            w.set(new NewVmWizard(owner, context()));
            w.get().show();
        });
        return w.get();
    }

    @Test
    void newVmFromTheGrubIsoDetectsTheOsAndCreatesDiskAndDefinition(FxRobot robot) throws IOException {
        Path iso = GuestFixtures.grubIso(GuestFixtures.Arch.I386);
        Assumptions.assumeTrue(GuestFixtures.present(iso), "needs the fixtures' GRUB ISO");
        NewVmWizard w = openNewVm(robot);
        assertTrue(disabled(robot, "#finishButton"), "nothing chosen yet");
        type(robot, "#isoPath", "/no/such.iso");
        waitFor(5, () -> robot.lookup("#sourceMessage").queryAs(Label.class).getText().contains("No such file"));
        assertTrue(disabled(robot, "#nextButton"));
        type(robot, "#isoPath", iso.toString());
        waitFor(20, () -> w.model().detection.get().startsWith("Detected"));
        // every step has valid defaults now: walk through them with the keyboard (Enter = Next)
        for (int step = 0; step < 4; step++) {
            robot.push(KeyCode.ENTER);
            WaitForAsyncUtils.waitForFxEvents();
        }
        assertTrue(robot.lookup("#vmName").queryTextInputControl().getText().length() > 0, "named after the OS");
        type(robot, "#vmName", "bad/name");
        waitFor(5, () -> disabled(robot, "#finishButton"));
        assertTrue(robot.lookup("#finishMessage").queryAs(Label.class).getText().contains("'/'"));
        type(robot, "#vmName", "Grub VM");
        @SuppressWarnings("unchecked")
        javafx.scene.control.ChoiceBox<String> network = robot.lookup("#networkChoice").queryAs(javafx.scene.control.ChoiceBox.class);
        assertEquals(List.of("User-mode NAT (virtio-net)", "None"),
                network.getItems().stream().map(network.getConverter()::toString).toList());
        assertEquals("user", network.getValue(), "NAT is the default");
        waitFor(5, () -> !disabled(robot, "#finishButton"));
        robot.clickOn("#finishButton");
        waitFor(20, () -> !w.stage().isShowing());

        VmDefinition def = new VmLibrary(dir.resolve("machines")).find("Grub VM").orElseThrow();
        assertEquals(iso.toAbsolutePath().toString(), def.cdrom());
        assertFalse(def.os().isEmpty(), "OS detected from the medium");
        assertEquals(1, def.nics().size(), "user-mode NAT by default");
        assertEquals("virtio-net", def.nics().getFirst().model());
        assertEquals("user", def.nics().getFirst().network());
        assertTrue(def.nics().getFirst().mac().startsWith("52:54:00:"), def.nics().getFirst().mac());
        Path disk = dir.resolve("images/Grub VM.qcow2");
        assertEquals(List.of(disk.toAbsolutePath().toString()), def.disks());
        try (DiskImage img = DiskImages.open(disk, true)) {
            assertEquals("qcow2", img.format().name());
            assertTrue(img.size() >= 1L << 30);
        }
        assertEquals(List.of(iso.toAbsolutePath()), new RecentMedia(dir.resolve("recent.txt")).list());
    }

    @Test
    void osPageSaysTheCatalogueIsLoadingAndDetectsOnceItIsThere(FxRobot robot) throws IOException {
        Files.createDirectories(dir.resolve("media"));
        Path iso = Files.writeString(dir.resolve("media/some.iso"), "not really an ISO");
        CompletableFuture<OsCatalog> loading = new CompletableFuture<>();
        AtomicReference<NewVmWizard> w = new AtomicReference<>();
        robot.interact(() -> {
            WizardContext c = context();
            w.set(new NewVmWizard(owner, new WizardContext(c.operations(), c.imageFolder(), c.imageFormat(), c.recentFile(),
                    loading, c.host())));
            w.get().show();
        });
        type(robot, "#isoPath", iso.toString());
        robot.interact(() -> robot.lookup("#nextButton").queryAs(Button.class).fire());
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup("#osList").queryListView().getItems().isEmpty(), "nothing to list yet");
        assertTrue(robot.lookup("#osSearch").query().isDisabled());
        assertTrue(robot.lookup((Label l) -> "Loading the operating system catalogue…".equals(l.getText())).tryQuery().isPresent());
        assertTrue(w.get().model().detection.get().startsWith("Detecting"), "detection waits for the catalogue");

        OsCatalog bundled = OsCatalog.bundled();
        loading.complete(bundled);
        waitFor(10, () -> robot.lookup("#osList").queryListView().getItems().size() == bundled.entries().size());
        waitFor(10, () -> w.get().model().detection.get().startsWith("Not recognised"));
        assertFalse(robot.lookup("#osSearch").query().isDisabled());
        assertTrue(robot.lookup((Label l) -> l.getText() != null && l.getText().startsWith("Catalogue: " + bundled.source()))
                .tryQuery().isPresent());
        type(robot, "#osSearch", "debian 12");
        assertEquals("Debian 12", ((OsEntry) robot.lookup("#osList").queryListView().getItems().getFirst()).name());
    }

    @Test
    void cancelAtTheLastStepLeavesEveryFileAsItWas(FxRobot robot) throws IOException {
        Files.createDirectories(dir.resolve("media"));
        Path iso = Files.writeString(dir.resolve("media/some.iso"), "not really an ISO");
        new VmOperations(new VmLibrary(dir.resolve("machines"))).create(VmDefinition.create("Other", "", 64, 1), null, OperationProgress.NONE);
        Map<String, String> before = tree(dir);
        NewVmWizard w = openNewVm(robot);
        type(robot, "#isoPath", iso.toString());
        robot.interact(() -> robot.lookup("#nextButton").queryAs(Button.class).fire());
        waitFor(10, () -> w.model().detection.get().startsWith("Not recognised"));
        type(robot, "#osSearch", "debian 12");
        robot.interact(() -> robot.lookup("#osList").queryListView().getSelectionModel().selectFirst());
        for (int step = 0; step < 3; step++) {
            robot.interact(() -> robot.lookup("#nextButton").queryAs(Button.class).fire());
        }
        assertEquals("Debian 12", robot.lookup("#vmName").queryTextInputControl().getText(), "named after the chosen OS");
        type(robot, "#vmName", "Never saved");
        robot.push(KeyCode.ESCAPE);
        waitFor(10, () -> !w.stage().isShowing());
        assertEquals(before, tree(dir));
    }

    /** A source machine with {@code mib} MiB of data in a raw disk (slow enough to cancel the copy halfway). */
    private VmDefinition machineWithData(String name, int mib) throws IOException {
        Path disk = dir.resolve("images/" + name + ".img");
        Files.createDirectories(disk.getParent());
        try (DiskImage img = DiskImages.create(disk, "raw", CreateOptions.ofSize((long) mib << 20))) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            for (int m = 0; m < mib; m++) {
                for (int i = 0; i < b.capacity(); i += 8) {
                    b.putLong(i, (long) m << 32 | i | 1);
                }
                b.clear();
                img.write((long) m << 20, b);
            }
        }
        VmDefinition d = VmDefinition.create(name, "linux", 128, 1).withDisks(List.of(disk.toString()));
        new VmLibrary(dir.resolve("machines")).create(d);
        return d;
    }

    @Test
    void cloneCancelledDuringTheCopyLeavesNothingAndAFinishedOneIsComplete(FxRobot robot) throws IOException {
        machineWithData("Big", 256);
        VmDefinition src = new VmOperations(new VmLibrary(dir.resolve("machines"))).addNic("Big", "e1000", "user", "52:54:00:00:00:42");
        Map<String, String> before = tree(dir);
        AtomicReference<CloneDialog> d = new AtomicReference<>();
        robot.interact(() -> {
            d.set(new CloneDialog(owner, context(), src));
            d.get().show();
        });
        assertEquals("Big (clone)", robot.lookup("#cloneName").queryTextInputControl().getText());
        robot.clickOn("#cloneStart");
        ProgressBar bar = robot.lookup("#cloneProgress").queryAs(ProgressBar.class);
        waitFor(30, () -> bar.getProgress() > 0);
        robot.clickOn("#cloneCancel");
        waitFor(30, () -> !d.get().stage().isShowing());
        assertEquals(before, tree(dir), "the partial copy is gone and the library unchanged");

        robot.interact(() -> {
            d.set(new CloneDialog(owner, context(), src));
            d.get().show();
        });
        robot.clickOn("#linkedClone");
        robot.clickOn("#cloneStart");
        waitFor(30, () -> !d.get().stage().isShowing());
        VmDefinition clone = new VmLibrary(dir.resolve("machines")).find("Big (clone)").orElseThrow();
        try (DiskImage img = DiskImages.open(Path.of(clone.disks().get(0)), true)) {
            assertNotNull(img.backing(), "a linked clone reads through to the original");
            assertEquals(Path.of(src.disks().get(0)).toRealPath(), img.backing().file().toRealPath());
        }
        assertEquals(1, clone.nics().size(), "the clone keeps its card");
        assertEquals("e1000", clone.nics().getFirst().model());
        assertFalse(clone.nics().getFirst().mac().equals("52:54:00:00:00:42"), "with a new MAC address");
    }

    @Test
    void addHardwareAddsADiskAndDeleteKeepsWhatAnotherMachineUses(FxRobot robot) throws IOException {
        VmLibrary lib = new VmLibrary(dir.resolve("machines"));
        VmDefinition a = machineWithData("A", 1);
        lib.create(VmDefinition.create("B", "", 64, 1).withDisks(a.disks()));
        AtomicReference<AddHardwareDialog> hw = new AtomicReference<>();
        robot.interact(() -> {
            try {
                hw.set(new AddHardwareDialog(owner, context(), a));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            hw.get().show();
        });
        robot.interact(() -> robot.lookup("#hwDiskSize").queryAs(javafx.scene.control.Spinner.class).getEditor().setText("3"));
        waitFor(5, () -> !disabled(robot, "#hwFinish"));
        robot.clickOn("#hwFinish");
        waitFor(20, () -> !hw.get().stage().isShowing());
        VmDefinition withDisk = lib.find("A").orElseThrow();
        assertEquals(2, withDisk.disks().size());
        Path added = Path.of(withDisk.disks().get(1));
        assertEquals(dir.resolve("images/A.qcow2").toAbsolutePath(), added);
        try (DiskImage img = DiskImages.open(added, true)) {
            assertEquals(3L << 30, img.size());
        }
        // a NIC through the same dialog: a generated address that no other card has
        robot.interact(() -> {
            try {
                hw.set(new AddHardwareDialog(owner, context(), withDisk));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            hw.get().show();
            hw.get().select("Network");
        });
        robot.clickOn("#hwFinish");
        waitFor(20, () -> !hw.get().stage().isShowing());
        assertEquals(1, lib.find("A").orElseThrow().nics().size());
        assertEquals("virtio-net", lib.find("A").orElseThrow().nics().getFirst().model(), "the default card");

        AtomicReference<DeleteDialog> del = new AtomicReference<>();
        robot.interact(() -> {
            del.set(new DeleteDialog(owner, context(), "A"));
            del.get().show();
        });
        CheckBox shared = robot.lookup("#deleteDisk0").queryAs(CheckBox.class);
        CheckBox own = robot.lookup("#deleteDisk1").queryAs(CheckBox.class);
        assertTrue(shared.isDisabled(), "used by B");
        assertTrue(shared.getText().contains("machine 'B'"), shared.getText());
        robot.clickOn(own);
        robot.clickOn("#deleteConfirm");
        waitFor(20, () -> !del.get().stage().isShowing());
        assertTrue(lib.find("A").isEmpty());
        assertFalse(Files.exists(added), "the ticked disk is gone");
        assertTrue(Files.exists(Path.of(a.disks().get(0))), "B's disk stays");
    }
}
