package io.registrygc.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicReference;

/**
 * registry-gc's own meters, next to Spring Batch's. The counters count what this process did (a resumed run
 * is a new process: its earlier executions are in {@code history}); the run gauges describe this invocation.
 * Prometheus names: {@code registry_gc_manifests_deleted_total}, {@code registry_gc_blobs_deleted_total},
 * {@code registry_gc_reclaimed_bytes_total}, {@code registry_gc_plan_items_total{action,outcome}},
 * {@code registry_gc_run_*} and {@code registry_gc_last_success_time_seconds}.
 */
public final class RunMetrics {

    private final MeterRegistry registry;
    private final Counter manifestsDeleted;
    private final Counter blobsDeleted;
    private final Counter bytesReclaimed;

    public RunMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.manifestsDeleted = Counter.builder("registry.gc.manifests.deleted")
                .description("Manifests deleted (or found already gone) by this process").register(registry);
        this.blobsDeleted = Counter.builder("registry.gc.blobs.deleted")
                .description("Blobs deleted (or found already gone) by this process").register(registry);
        this.bytesReclaimed = Counter.builder("registry.gc.reclaimed").baseUnit("bytes")
                .description("Bytes of blob data deleted by this process").register(registry);
    }

    /** One audited plan item, counted once its audit row is committed. */
    public void record(PlanItem.Action action, Outcome outcome, long bytes) {
        Counter.builder("registry.gc.plan.items").description("Plan items carried out, kept or (dry run) planned")
                .tags("action", action.name(), "outcome", outcome.name()).register(registry).increment();
        if (!outcome.countsAsDone() || outcome == Outcome.PLANNED) {
            return; // kept, or only planned by a dry run: nothing left the storage
        }
        if (action == PlanItem.Action.DELETE_MANIFEST) {
            manifestsDeleted.increment();
        } else if (action == PlanItem.Action.DELETE_BLOB) {
            blobsDeleted.increment();
            bytesReclaimed.increment(bytes);
        }
    }

    /** How this invocation ended, and when the storage root last had a completed real run. */
    public void runFinished(RunEnd end) {
        gauge("registry.gc.run.exit.code", "Exit code of the last invocation", Tags.empty(), end.exitCode());
        gauge("registry.gc.run.dry.run", "1 if the last invocation was a dry run", Tags.empty(), end.dryRun() ? 1 : 0);
        if (end.started() != null) {
            gauge("registry.gc.run.start.time.seconds", "Start of the last invocation's job execution", Tags.empty(),
                    end.started().toEpochSecond());
        }
        if (end.ended() != null) {
            gauge("registry.gc.run.end.time.seconds", "End of the last invocation's job execution", Tags.empty(),
                    end.ended().toEpochSecond());
        }
        if (end.jobExecutionId() != null) {
            gauge("registry.gc.run.info", "The last invocation's run, job execution and status",
                    Tags.of("run_id", String.valueOf(end.runId()), "job_execution_id", String.valueOf(end.jobExecutionId()),
                            "status", end.status()), 1);
        }
        if (end.lastSuccess() != null) {
            gauge("registry.gc.last.success.time.seconds", "End of the newest completed run that was not a dry run",
                    Tags.empty(), end.lastSuccess().toEpochSecond());
        }
    }

    /** Requests to an object store by kind, as the driver counts them (on S3 they are billed). */
    public void storageRequests(io.registrygc.storage.RequestCounts counts) {
        for (io.registrygc.storage.RequestCounts.Kind kind : io.registrygc.storage.RequestCounts.Kind.values()) {
            io.micrometer.core.instrument.FunctionCounter.builder("registry.gc.storage.requests", counts, c -> c.get(kind))
                    .description("Requests made to the object store (S3), by kind").tags("kind", kind.name())
                    .register(registry);
        }
    }

    private void gauge(String name, String description, Tags tags, double value) {
        AtomicReference<Double> holder = new AtomicReference<>(value);
        Gauge.builder(name, holder, AtomicReference::get).description(description).tags(tags).strongReference(true)
                .register(registry);
    }

    /** The end of one invocation: {@code jobExecutionId} and the times are null when no execution ran. */
    public record RunEnd(int exitCode, boolean dryRun, Long runId, Long jobExecutionId, String status,
            OffsetDateTime started, OffsetDateTime ended, OffsetDateTime lastSuccess) {
    }
}
