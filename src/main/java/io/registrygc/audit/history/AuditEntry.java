package io.registrygc.audit.history;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;

/**
 * One audit row of a job execution. {@code referencedBy} is set for {@code DELETE_BLOB} rows only: the
 * repositories whose scanned manifests, manifest revisions or layer links pointed at the blob in that run
 * (empty when none did).
 */
public record AuditEntry(long seq, String action, String repository, String tag, String digest, long bytes,
        String reason, String outcome, OffsetDateTime recordedAt, List<String> referencedBy) {

    /** The outcomes that count as a deletion: carried out, found already gone, or (dry run) planned. */
    public static final Set<String> COUNTED = Set.of("DELETED", "ALREADY_GONE", "PLANNED");

    public AuditEntry {
        referencedBy = referencedBy == null ? List.of() : List.copyOf(referencedBy);
    }

    /** Whether it counts as done (or, in a dry run, as planned): not kept. */
    public boolean counts() {
        return COUNTED.contains(outcome);
    }
}
