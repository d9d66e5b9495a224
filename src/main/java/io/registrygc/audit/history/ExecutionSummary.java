package io.registrygc.audit.history;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One job execution of a run, as {@code history} lists it. Times are those Spring Batch recorded, in this
 * machine's time zone; {@code ended} and {@code duration} are null while it has not ended.
 */
public record ExecutionSummary(long executionId, long runId, OffsetDateTime created, OffsetDateTime started,
        OffsetDateTime ended, String status, String exitCode, String exitMessage, boolean dryRun,
        RunParameters parameters, Totals totals) {

    public Duration duration() {
        return started == null || ended == null ? null : Duration.between(started, ended);
    }
}
