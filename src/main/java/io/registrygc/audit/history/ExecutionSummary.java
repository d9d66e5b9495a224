package io.registrygc.audit.history;

import io.registrygc.plan.Totals;
import io.registrygc.run.GcSettings;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One job execution of a run, as {@code history} lists it. Times are those Spring Batch recorded, in this
 * machine's time zone; {@code ended} and {@code duration} are null while it has not ended. {@code settings} is
 * null when the execution's job parameters cannot be read as a run's settings.
 */
public record ExecutionSummary(long executionId, long runId, OffsetDateTime created, OffsetDateTime started,
        OffsetDateTime ended, String status, String exitCode, String exitMessage, GcSettings settings, Totals totals) {

    public boolean dryRun() {
        return settings != null && settings.dryRun();
    }

    public Duration duration() {
        return started == null || ended == null ? null : Duration.between(started, ended);
    }
}
