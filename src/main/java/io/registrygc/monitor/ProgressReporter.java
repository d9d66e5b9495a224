package io.registrygc.monitor;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reports a {@link Progress} at a steady interval from its own thread, so a step that spends minutes
 * in one chunk (a large repository, a slow disk) still shows it is alive.
 */
public final class ProgressReporter implements AutoCloseable {

    private final ScheduledExecutorService timer;

    private ProgressReporter(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Starts reporting every {@code interval}; a zero or negative interval reports nothing. */
    public static ProgressReporter every(Duration interval, Progress progress, Consumer<Progress.Snapshot> sink,
            Runnable onThreadStart) {
        if (interval.isZero() || interval.isNegative()) {
            return new ProgressReporter(null);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(() -> {
                onThreadStart.run();
                runnable.run();
            }, "registry-gc-progress");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        timer.scheduleAtFixedRate(() -> {
            try {
                sink.accept(progress.snapshot());
            } catch (RuntimeException e) {
                // a report that fails must not end the reporting (a thrown exception cancels the schedule)
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
        return new ProgressReporter(timer);
    }

    /** Stops reporting; a report under way is let finish, so no report comes after the step's own summary. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdown();
            try {
                if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                    timer.shutdownNow();
                }
            } catch (InterruptedException e) {
                timer.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
