package org.virtfx.wizards.newvm;

import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.layout.VBox;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.HostLimits;
import org.virtfx.wizards.PageValidation;

/** Step 3: memory and CPUs, bounded by what the host has, with the reason shown. */
final class ResourcesPageController implements WizardPage {
    private final NewVmModel model;
    private final PageValidation validation = new PageValidation();
    private final VBox view;

    @FXML Spinner<Integer> memorySpinner, cpuSpinner;
    @FXML Label memoryHint, cpuHint, message;

    ResourcesPageController(NewVmModel model) {
        this.model = model;
        this.view = Fxml.load(this, "ResourcesPage");
    }

    @FXML
    void initialize() {
        HostLimits host = model.context().host();
        int maxMem = (int) Math.min(Integer.MAX_VALUE, host.maxMemoryMiB());
        var mem = new SpinnerValueFactory.IntegerSpinnerValueFactory(16, maxMem, (int) Math.min(maxMem, model.memoryMiB.get()), 64);
        memorySpinner.setValueFactory(mem);
        memorySpinner.setEditable(true);
        var cpu = new SpinnerValueFactory.IntegerSpinnerValueFactory(1, host.maxCpus(), Math.min(host.maxCpus(), model.cpus.get()));
        cpuSpinner.setValueFactory(cpu);
        cpuSpinner.setEditable(true);
        mem.valueProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.memoryMiB.set(b);
            }
        });
        cpu.valueProperty().addListener((o, a, b) -> {
            if (b != null) {
                model.cpus.set(b);
            }
        });
        model.memoryMiB.addListener((o, a, b) -> mem.setValue((int) Math.min(maxMem, b.longValue())));
        model.cpus.addListener((o, a, b) -> cpu.setValue(Math.min(host.maxCpus(), b.intValue())));
        // typed text counts at once, not only after Enter, so the checks see what the user sees
        memorySpinner.getEditor().textProperty().addListener((o, a, b) -> typed(b, model.memoryMiB::set));
        cpuSpinner.getEditor().textProperty().addListener((o, a, b) -> typed(b, v -> model.cpus.set((int) v)));
        memoryHint.setText("This host has " + host.totalMemoryMiB() + " MiB (" + host.freeMemoryMiB() + " MiB free now). Up to "
                + host.maxMemoryMiB() + " MiB: " + HostLimits.HOST_RESERVE_MIB + " MiB stay for the host and VirtFX. "
                + "Guest memory is taken from the host only as the guest touches it.");
        cpuHint.setText("Up to " + host.maxCpus() + ": this host has " + host.cpus() + " hardware threads, and each virtual CPU "
                + "runs on a thread of its own. Most installers need one; more only help guests that run parallel work.");
        validation.error(memorySpinner.getEditor(), model::memoryProblem);
        validation.warning(memorySpinner.getEditor(), model::memoryWarning);
        validation.error(cpuSpinner.getEditor(), model::cpusProblem);
        message.textProperty().bind(validation.message());
    }

    private interface LongSink {
        void set(long v);
    }

    private void typed(String text, LongSink sink) {
        try {
            sink.set(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            sink.set(-1);
        }
        validation.revalidate();
    }

    @Override
    public String title() {
        return "Memory and CPUs";
    }

    @Override
    public Node view() {
        return view;
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public void entered() {
        validation.revalidate();
        Platform.runLater(memorySpinner::requestFocus);
    }
}
