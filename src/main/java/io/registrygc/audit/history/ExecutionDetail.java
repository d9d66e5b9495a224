package io.registrygc.audit.history;

import io.registrygc.storage.RequestCounts;
import java.util.List;
import java.util.Map;

/**
 * One job execution in full, as {@code show} prints it. {@code storageRequests}: the requests it made to an object
 * store, by kind (empty on a filesystem).
 */
public record ExecutionDetail(ExecutionSummary summary, List<StepSummary> steps, List<AuditEntry> audit,
        List<RepositoryBytes> bytesByRepository, List<RuleBytes> bytesByRule, Map<RequestCounts.Kind, Long> storageRequests) {

    public ExecutionDetail {
        steps = List.copyOf(steps);
        audit = List.copyOf(audit);
        bytesByRepository = List.copyOf(bytesByRepository);
        bytesByRule = List.copyOf(bytesByRule);
        storageRequests = Map.copyOf(storageRequests);
    }

    public ExecutionDetail(ExecutionSummary summary, List<StepSummary> steps, List<AuditEntry> audit,
            List<RepositoryBytes> bytesByRepository, List<RuleBytes> bytesByRule) {
        this(summary, steps, audit, bytesByRepository, bytesByRule, Map.of());
    }
}
