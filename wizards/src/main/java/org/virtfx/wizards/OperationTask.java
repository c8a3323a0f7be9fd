package org.virtfx.wizards;

import javafx.concurrent.Task;
import org.virtfx.engine.library.OperationProgress;

/**
 * Runs a library operation on a worker thread as a JavaFX {@link Task}: its steps become the task's message, its byte
 * counts the task's progress, and {@link Task#cancel()} reaches the operation (which then undoes its work).
 */
public final class OperationTask<T> extends Task<T> {
    /** The operation, given the progress sink to report to. */
    public interface Operation<T> {
        T run(OperationProgress progress) throws Exception;
    }

    private final Operation<T> operation;
    /** Counted down when {@link #call()} has returned or thrown, i.e. after the operation undid a cancelled run. */
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

    public OperationTask(Operation<T> operation) {
        this.operation = operation;
    }

    @Override
    protected T call() throws Exception {
        try {
            return runOperation();
        } finally {
            finished.countDown();
        }
    }

    /**
     * Waits until the worker has really stopped. {@code Task.get()} returns as soon as the task is cancelled, while
     * the operation may still be removing its files.
     */
    public void awaitFinished() throws InterruptedException {
        finished.await();
    }

    private T runOperation() throws Exception {
        return operation.run(new OperationProgress() {
            @Override
            public void step(String description) {
                updateMessage(description);
            }

            @Override
            public void progress(long done, long total) {
                updateProgress(done, total);
            }

            @Override
            public boolean cancelRequested() {
                return isCancelled();
            }
        });
    }

    /** Starts {@code task} on a daemon worker thread (one per operation: they are rare and long). */
    public static <T> OperationTask<T> start(OperationTask<T> task, String name) {
        Thread t = Thread.ofPlatform().daemon().name(name).unstarted(task);
        t.start();
        return task;
    }
}
