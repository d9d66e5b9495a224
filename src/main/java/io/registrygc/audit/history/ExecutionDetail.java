package io.registrygc.audit.history;

import java.util.List;

/** One job execution in full, as {@code show} prints it. */
public record ExecutionDetail(ExecutionSummary summary, List<StepSummary> steps, List<AuditEntry> audit,
        List<RepositoryBytes> bytesByRepository, List<RuleBytes> bytesByRule) {

    public ExecutionDetail {
        steps = List.copyOf(steps);
        audit = List.copyOf(audit);
        bytesByRepository = List.copyOf(bytesByRepository);
        bytesByRule = List.copyOf(bytesByRule);
    }
}
