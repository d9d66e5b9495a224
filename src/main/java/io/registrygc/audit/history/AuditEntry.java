package io.registrygc.audit.history;

import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One audit row of a job execution. {@code referencedBy} is set for {@code DELETE_BLOB} rows only: the
 * repositories whose scanned manifests, manifest revisions or layer links pointed at the blob in that run
 * (empty when none did). {@code rule} is what the deletion is accounted to (see {@code PlanItem}); null for rows
 * written before rules were recorded.
 */
public record AuditEntry(long seq, PlanItem.Action action, String repository, String tag, String digest, long bytes,
        String reason, String rule, Outcome outcome, OffsetDateTime recordedAt, List<String> referencedBy) {

    public AuditEntry {
        referencedBy = referencedBy == null ? List.of() : List.copyOf(referencedBy);
    }
}
