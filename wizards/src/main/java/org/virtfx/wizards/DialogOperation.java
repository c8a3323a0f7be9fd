package org.virtfx.wizards;

import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.stage.Stage;

/**
 * The progress part of a dialog that runs one library operation (Clone, Add Hardware): the bar and status line follow
 * the {@link OperationTask}, success closes the dialog and hands the result on, failure names the cause and lets the
 * user try again, and Cancel stops the operation and closes only after it has removed what it wrote.
 */
public final class DialogOperation<T> {
    private final Stage stage;
    private final ProgressBar progress;
    private final Label status;
    private final Button cancelButton;
    private final BooleanProperty working = new SimpleBooleanProperty();
    private OperationTask<T> task;

    public DialogOperation(Stage stage, ProgressBar progress, Label status, Button cancelButton) {
        this.stage = stage;
        this.progress = progress;
        this.status = status;
        this.cancelButton = cancelButton;
        progress.setVisible(false);
    }

    /** True from {@link #start} until the operation failed or the dialog closed. */
    public ReadOnlyBooleanProperty workingProperty() {
        return working;
    }

    /**
     * Runs {@code operation} on a worker thread named {@code threadName}.
     *
     * @param failure   what could not be done, for the status line ("Could not clone")
     * @param onSuccess gets the result after the dialog closed (FX thread)
     */
    public void start(String threadName, String failure, OperationTask.Operation<T> operation, Consumer<T> onSuccess) {
        working.set(true);
        progress.setVisible(true);
        OperationTask<T> t = new OperationTask<>(operation);
        task = t;
        progress.progressProperty().bind(t.progressProperty());
        status.textProperty().bind(Bindings.createStringBinding(() -> t.getMessage() + (t.getProgress() >= 0
                ? String.format("  %.0f%%", t.getProgress() * 100) : ""), t.messageProperty(), t.progressProperty()));
        t.setOnSucceeded(e -> {
            status.textProperty().unbind();
            stage.close();
            onSuccess.accept(t.getValue());
        });
        t.setOnFailed(e -> {
            status.textProperty().unbind();
            progress.progressProperty().unbind();
            progress.setVisible(false);
            working.set(false);
            Throwable x = t.getException();
            status.setText(failure + ": " + (x.getMessage() != null ? x.getMessage() : x.toString()));
        });
        OperationTask.start(t, threadName);
    }

    /**
     * Cancel: a running operation is stopped (it undoes its work) and the dialog closes once it has; otherwise the
     * dialog closes at once.
     *
     * @param cancelling the status line meanwhile ("Cancelling: removing the partial copies…")
     */
    public void cancel(String cancelling) {
        OperationTask<T> t = task;
        if (t == null || !t.isRunning()) {
            stage.close();
            return;
        }
        t.cancel();
        cancelButton.setDisable(true);
        status.textProperty().unbind();
        status.setText(cancelling);
        Thread.ofPlatform().daemon().name(Thread.currentThread().getName() + "-cancel").start(() -> {
            try {
                t.awaitFinished();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            Platform.runLater(stage::close);
        });
    }
}
