package io.registrygc.audit.history;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One step execution of a job execution. {@code skipCount} is read, process and write skips together; {@code worker}
 * ({@code host:pid}, null for steps that are not partitions) is the process that executed a partition.
 */
public record StepSummary(long stepExecutionId, String name, String status, String exitCode, long readCount,
        long writeCount, long filterCount, long skipCount, long commitCount, long rollbackCount,
        OffsetDateTime started, OffsetDateTime ended, String worker) {

    public Duration duration() {
        return started == null || ended == null ? null : Duration.between(started, ended);
    }
}
