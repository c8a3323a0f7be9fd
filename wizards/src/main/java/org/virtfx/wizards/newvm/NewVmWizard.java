package org.virtfx.wizards.newvm;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.OperationTask;
import org.virtfx.wizards.RecentMedia;
import org.virtfx.wizards.WizardContext;

/**
 * The New VM wizard: five steps (source, OS, memory and CPUs, storage, name and network) in one window. Finish is
 * available as soon as every step is valid — after choosing a medium whose OS is detected, that is at once. Finish
 * creates the disk with progress (Cancel undoes it), saves the definition and hands the result to the caller, which
 * starts the machine and opens its console (or its Details, with "Customize before install").
 */
public final class NewVmWizard {
    /** What Finish made: the saved machine, and whether the user wants to customise it before its first start. */
    public record Result(VmDefinition definition, boolean customize) {
    }

    private final WizardContext context;
    private final NewVmModel model;
    private final RecentMedia recent;
    private final Stage stage = new Stage();
    private final List<WizardPage> pages;
    private final BooleanProperty working = new SimpleBooleanProperty();
    private int index;
    private OperationTask<VmDefinition> task;
    private Consumer<Result> onFinished = r -> { };
    private Result result;

    @FXML StackPane pageHolder;
    @FXML VBox stepList;
    @FXML Label pageTitle, stepLabel, status;
    @FXML ProgressBar progress;
    @FXML Button backButton, nextButton, finishButton, cancelButton;

    public NewVmWizard(Window owner, WizardContext context) {
        this.context = context;
        this.model = new NewVmModel(context);
        this.recent = new RecentMedia(context.recentFile());
        OsPageController osPage = new OsPageController(model);
        pages = List.of(new SourcePageController(model, recent), osPage, new ResourcesPageController(model),
                new StoragePageController(model), new FinishPageController(model));
        Fxml.dialog(stage, this, "NewVm", 760, 600, "New Virtual Machine — VirtFX", owner, this::cancel);
        model.iso.addListener((o, a, b) -> osPage.detectNow());
        model.kernel.addListener((o, a, b) -> osPage.detectNow());
        model.source.addListener((o, a, b) -> osPage.detectNow());
    }

    @FXML
    void initialize() {
        for (int i = 0; i < pages.size(); i++) {
            Label l = new Label((i + 1) + ". " + pages.get(i).title());
            l.getStyleClass().add("wizard-step");
            stepList.getChildren().add(l);
        }
        BooleanBinding anyInvalid = Bindings.createBooleanBinding(() -> false);
        for (WizardPage p : pages) {
            anyInvalid = anyInvalid.or(p.invalid());
        }
        BooleanBinding allInvalid = anyInvalid;
        finishButton.disableProperty().bind(allInvalid.or(working).or(Bindings.createBooleanBinding(
                () -> model.firstProblem() != null, model.os, model.name, model.iso, model.importDisk, model.kernel,
                model.storage, model.existingDisk, model.diskFolder, model.diskSizeGiB, model.memoryMiB, model.cpus, model.source)));
        progress.setVisible(false);
        show(0);
    }

    private void show(int i) {
        index = i;
        WizardPage p = pages.get(i);
        pageHolder.getChildren().setAll(p.view());
        pageTitle.setText(p.title());
        stepLabel.setText("Step " + (i + 1) + " of " + pages.size());
        for (int s = 0; s < stepList.getChildren().size(); s++) {
            stepList.getChildren().get(s).getStyleClass().remove("wizard-step-current");
            if (s == i) {
                stepList.getChildren().get(s).getStyleClass().add("wizard-step-current");
            }
        }
        backButton.disableProperty().unbind();
        backButton.disableProperty().bind(working.or(Bindings.createBooleanBinding(() -> index == 0)));
        nextButton.disableProperty().unbind();
        nextButton.disableProperty().bind(p.invalid().or(working).or(Bindings.createBooleanBinding(() -> index == pages.size() - 1)));
        nextButton.setDefaultButton(i < pages.size() - 1);
        finishButton.setDefaultButton(i == pages.size() - 1);
        p.entered();
    }

    @FXML
    void back() {
        if (index > 0) {
            show(index - 1);
        }
    }

    @FXML
    void next() {
        if (index < pages.size() - 1 && !pages.get(index).invalid().get()) {
            show(index + 1);
        }
    }

    @FXML
    void finish() {
        String problem = model.firstProblem();
        if (problem != null) {
            status.setText(problem);
            return;
        }
        VmDefinition def;
        try {
            def = model.definition();
        } catch (Exception e) {
            status.setText("Could not prepare the machine: " + e.getMessage());
            return;
        }
        Optional<VmOperations.NewDisk> disk = model.newDisk();
        working.set(true);
        progress.setVisible(true);
        task = new OperationTask<>(p -> context.operations().create(def, disk.orElse(null), p));
        progress.progressProperty().bind(task.progressProperty());
        status.textProperty().bind(task.messageProperty());
        task.setOnSucceeded(e -> {
            unbindStatus();
            Path medium = model.source.get() == NewVmModel.Source.IMPORT ? model.importDisk.get() : model.medium();
            if (medium != null) {
                recent.remember(medium);
            }
            result = new Result(task.getValue(), model.customize.get());
            stage.close();
            onFinished.accept(result);
        });
        task.setOnFailed(e -> {
            unbindStatus();
            working.set(false);
            progress.setVisible(false);
            Throwable t = task.getException();
            status.setText("Could not create the machine: " + (t.getMessage() != null ? t.getMessage() : t.toString()));
        });
        task.setOnCancelled(e -> {
            unbindStatus();
            status.setText("Cancelled.");
        });
        OperationTask.start(task, "virtfx-new-vm");
    }

    private void unbindStatus() {
        status.textProperty().unbind();
        progress.progressProperty().unbind();
    }

    /** Cancel (button, Esc or closing the window): stops a running Finish, which removes what it made, then closes. */
    @FXML
    void cancel() {
        if (task != null && task.isRunning()) {
            task.cancel();
            cancelButton.setDisable(true);
            // the worker undoes its files before it ends; close once it has
            Thread.ofPlatform().daemon().name("virtfx-new-vm-cancel").start(() -> {
                awaitWorker();
                javafx.application.Platform.runLater(stage::close);
            });
            return;
        }
        stage.close();
    }

    private void awaitWorker() {
        try {
            task.awaitFinished();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called on the FX thread after a successful Finish. */
    public NewVmWizard onFinished(Consumer<Result> handler) {
        this.onFinished = handler;
        return this;
    }

    public void show() {
        stage.show();
    }

    public Optional<Result> showAndWait() {
        stage.showAndWait();
        return Optional.ofNullable(result);
    }

    public Stage stage() {
        return stage;
    }

    public NewVmModel model() {
        return model;
    }

    /** True while Finish's work (disk creation, saving) runs. */
    public boolean working() {
        return working.get();
    }
}
