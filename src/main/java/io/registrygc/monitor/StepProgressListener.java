package io.registrygc.monitor;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.ItemWriteListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;

/**
 * Logs a step's progress at a steady interval and its totals at the end. What the step has to do is read at
 * its start (for the delete steps: the plan, computed by the scan before them).
 */
public class StepProgressListener<T> implements StepExecutionListener, ItemWriteListener<T> {

    private static final Logger log = LoggerFactory.getLogger(StepProgressListener.class);

    /** What the step has to do: its total ({@link Progress#UNKNOWN} if not known) and what a resume skips. */
    public record Extent(long total, long doneBefore) {
        public static final Extent UNKNOWN = new Extent(Progress.UNKNOWN, 0);
    }

    private final String unit;
    private final Duration interval;
    private final Function<StepExecution, Extent> extent;
    private final Tally<T> tally;
    private volatile Progress progress;
    private final AtomicLong remoteWritten = new AtomicLong();
    private ProgressReporter reporter;

    /** What a step has found so far, for its progress lines; counts one execution of the step. */
    public interface Tally<T> extends Consumer<T>, Supplier<String> {
        void reset();
    }

    public StepProgressListener(String unit, Duration interval, Function<StepExecution, Extent> extent, Tally<T> tally) {
        this.unit = unit;
        this.interval = interval;
        this.extent = extent;
        this.tally = tally;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        Extent work = extent.apply(stepExecution);
        if (tally != null) {
            tally.reset();
        }
        MDC.put("step", stepExecution.getStepName());
        remoteWritten.set(0);
        progress = Progress.start(stepExecution.getStepName(), unit, work.total(), work.doneBefore(), tally);
        if (work.total() != Progress.UNKNOWN) {
            log.info("{}: {} {} to do{}", stepExecution.getStepName(), work.total() - work.doneBefore(), unit,
                    work.doneBefore() > 0 ? " (" + work.doneBefore() + " done before the resume)" : "");
        }
        Map<String, String> context = MDC.getCopyOfContextMap();
        reporter = ProgressReporter.every(interval, progress, StepProgressListener::report,
                () -> MDC.setContextMap(context == null ? Map.of() : context));
    }

    @Override
    public void afterWrite(Chunk<? extends T> items) {
        Progress current = progress;
        if (current == null) {
            return;
        }
        if (tally != null) {
            items.forEach(tally);
        }
        current.advance(items.size());
    }

    /**
     * For partitions that run in other processes (remote workers): what they have written so far, all together, as the
     * job repository says; the progress advances by what is new.
     */
    public void partitionsWrote(long total) {
        Progress current = progress;
        long before = remoteWritten.get();
        if (current != null && total > before && remoteWritten.compareAndSet(before, total)) {
            current.advance(total - before);
        }
    }

    /**
     * What the partitions of a partitioned step register: their writes advance this step's progress (the
     * step itself is registered with this listener, which starts and ends the progress once for all of them).
     */
    public ItemWriteListener<T> forPartitions() {
        StepProgressListener<T> step = this;
        return new ItemWriteListener<>() {
            @Override
            public void afterWrite(Chunk<? extends T> items) {
                step.afterWrite(items);
            }
        };
    }

    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        if (reporter != null) {
            reporter.close();
            reporter = null;
        }
        if (progress == null) {
            return null; // an earlier listener's beforeStep failed: that failure is the one to report
        }
        Progress.Snapshot end = progress.snapshot();
        log.atInfo().setMessage(() -> end.summary() + ", " + stepExecution.getStatus())
                .addKeyValue("event", "step_end").addKeyValue("done", end.done()).addKeyValue("rate", round(end.rate()))
                .addKeyValue("elapsed_seconds", round(end.elapsed().toMillis() / 1000.0)).log();
        MDC.remove("step");
        progress = null;
        return null;
    }

    private static void report(Progress.Snapshot snapshot) {
        var event = log.atInfo().setMessage(snapshot::message).addKeyValue("event", "progress")
                .addKeyValue("done", snapshot.done()).addKeyValue("rate", round(snapshot.rate()));
        if (snapshot.total() != Progress.UNKNOWN) {
            event = event.addKeyValue("total", snapshot.total());
        }
        if (snapshot.left() != null) {
            event = event.addKeyValue("seconds_left", snapshot.left().toSeconds());
        }
        event.log();
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
