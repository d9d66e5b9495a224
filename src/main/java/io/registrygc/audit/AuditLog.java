package io.registrygc.audit;

import io.registrygc.db.BulkCopy;
import io.registrygc.plan.ExecutedItem;
import io.registrygc.plan.PlanItem;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/** Writes one audit row per plan item carried out (or, in a dry run, planned), in bulk, in the chunk's transaction. */
public final class AuditLog {

    private final BulkCopy copy;

    public AuditLog(JdbcTemplate jdbc) {
        this.copy = new BulkCopy(jdbc.getDataSource());
    }

    public void record(long runId, long jobExecutionId, boolean dryRun, List<ExecutedItem> entries) {
        if (entries.isEmpty()) {
            return;
        }
        copy.copy("gc_audit", "run_id, job_execution_id, seq, action, repository, tag, digest, bytes, reason, rule, outcome,"
                + " dry_run", entries.stream().map(e -> new Object[] {runId, jobExecutionId, e.item().seq(), e.item().action().name(),
                        e.item().repository(), e.item().tag(), e.item().digest(), e.bytes(), auditedReason(e),
                        e.item().rule(), e.outcome().name(), dryRun}).toList());
    }

    /** A drifted item keeps the reason it was planned for, after what changed. */
    private static String auditedReason(ExecutedItem executed) {
        PlanItem item = executed.item();
        return item.drift() == null ? item.reason() : item.drift() + " (planned: " + item.reason() + ")";
    }
}
