package org.virtfx.gui.manager;

import java.nio.file.Path;
import javafx.stage.Stage;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.gui.vmwindow.VmWindow;
import org.virtfx.wizards.HostLimits;
import org.virtfx.wizards.WizardContext;
import org.virtfx.wizards.clone.CloneDialog;
import org.virtfx.wizards.delete.DeleteDialog;
import org.virtfx.wizards.hardware.AddHardwareDialog;
import org.virtfx.wizards.newvm.NewVmWizard;

/**
 * Opens the wizards from the manager window and does what follows them in the app: after New VM, start the machine
 * and show its console (or its Details with "Customize before install"); after Clone, select the clone; after
 * Delete, drop the machine from the list.
 */
public final class WizardLauncher {
    private final AppServices services;
    private final Stage owner;
    private final ManagerController manager;

    WizardLauncher(AppServices services, Stage owner, ManagerController manager) {
        this.services = services;
        this.owner = owner;
        this.manager = manager;
    }

    public WizardContext context() {
        var s = services.settings();
        Path images = s.imageDirectory == null || s.imageDirectory.isBlank()
                ? new VmOperations(services.library()).defaultImageFolder() : Path.of(s.imageDirectory);
        return new WizardContext(new VmOperations(services.library()), images, s.imageFormat,
                services.library().directory().toAbsolutePath().resolveSibling("recent-media.txt"), AppServices.osCatalog(), HostLimits.current());
    }

    public NewVmWizard newMachine() {
        NewVmWizard w = new NewVmWizard(owner, context());
        w.onFinished(r -> {
            services.reload();
            VmSession vm = services.find(r.definition().name());
            if (vm == null) {
                return;
            }
            manager.select(vm.name());
            VmWindow window = manager.openWindow(vm);
            if (r.customize()) {
                window.tabs().getSelectionModel().select(1);
            } else {
                vm.start();
            }
        });
        w.show();
        return w;
    }

    public CloneDialog cloneMachine(VmSession vm) {
        CloneDialog d = new CloneDialog(owner, context(), vm.definition());
        d.onFinished(def -> {
            services.reload();
            manager.select(def.name());
        });
        d.show();
        return d;
    }

    public DeleteDialog delete(VmSession vm) {
        DeleteDialog d = new DeleteDialog(owner, context(), vm.name());
        d.onFinished(result -> {
            manager.closeWindow(vm);
            services.reload();
            if (!result.kept().isEmpty()) {
                StringBuilder sb = new StringBuilder();
                result.kept().forEach((p, why) -> sb.append(p.getFileName()).append(": ").append(why).append('\n'));
                services.reportError(null, "delete every disk of '" + vm.name() + "' (kept)", new Exception(sb.toString().strip()));
            }
        });
        d.show();
        return d;
    }

    /** @param window the window the dialog belongs to (the manager, or the machine's own window) */
    public AddHardwareDialog addHardware(VmSession vm, javafx.stage.Window window) {
        try {
            AddHardwareDialog d = new AddHardwareDialog(window, context(), vm.definition());
            d.onFinished(def -> {
                services.reload();
                if (vm.state().isActive()) {
                    vm.pendingRestartProperty().set(true);
                }
            });
            d.show();
            return d;
        } catch (java.io.IOException e) {
            services.reportError(vm, "add hardware to", e);
            return null;
        }
    }
}
