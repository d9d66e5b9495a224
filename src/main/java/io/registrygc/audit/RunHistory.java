package io.registrygc.audit;

import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.Decision;
import io.registrygc.audit.history.ExecutionDetail;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.RuleBytes;
import io.registrygc.audit.history.StepSummary;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.policy.Verdict;
import io.registrygc.run.GcJobNames;
import io.registrygc.run.GcJobParameters;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.explore.JobExplorer;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Past runs, one job execution at a time: the executions, their parameters and steps through Spring Batch's own
 * API, which of them are ours from {@link RunJournal}, and what each deleted from our audit table. A run (job
 * instance) that failed and was resumed has several executions, each with the deletions it carried out.
 * Read-only; it takes no lock, so it can be used while a run is in progress.
 */
public final class RunHistory {

    private final JobExplorer jobs;
    private final RunJournal journal;
    private final JdbcTemplate jdbc;
    private final NamedParameterJdbcTemplate named;
    private final ZoneId zone;

    public RunHistory(JobExplorer jobs, JdbcTemplate jdbc) {
        this(jobs, jdbc, ZoneId.systemDefault());
    }

    /** {@code zone}: the time zone Spring Batch's times (local date-times) were written in. */
    public RunHistory(JobExplorer jobs, JdbcTemplate jdbc, ZoneId zone) {
        this.jobs = jobs;
        this.journal = new RunJournal(jdbc);
        this.jdbc = jdbc;
        this.named = new NamedParameterJdbcTemplate(jdbc);
        this.zone = zone;
    }

    /** The newest {@code limit} executions, newest first. */
    public List<ExecutionSummary> list(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        List<JobExecution> executions = journal.lastExecutions(limit).stream().map(this::ours)
                .filter(Objects::nonNull).toList();
        return summaries(executions);
    }

    /** When the newest execution that completed a real (not dry) run on this storage root ended. */
    public Optional<OffsetDateTime> lastCompletedRealRun(String storageRoot) {
        return journal.lastCompletedRealRun(storageRoot);
    }

    /** One execution in full, or empty when there is no execution of our job with that id. */
    public Optional<ExecutionDetail> show(long executionId) {
        JobExecution execution = ours(executionId);
        if (execution == null) {
            return Optional.empty();
        }
        List<AuditEntry> audit = audit(execution.getJobInstance().getInstanceId(), executionId);
        return Optional.of(new ExecutionDetail(summaries(List.of(execution)).get(0), steps(execution), audit,
                bytesByRepository(audit), bytesByRule(audit), journal.storageRequests(executionId)));
    }

    /**
     * Every tag and manifest the execution's run scanned, with what the run decided about it and why: kept or
     * deleted, and by which rule. Empty when the execution is not ours.
     */
    public List<Decision> decisions(long executionId) {
        JobExecution execution = ours(executionId);
        if (execution == null) {
            return List.of();
        }
        long runId = execution.getJobInstance().getInstanceId();
        List<Decision> out = new ArrayList<>(jdbc.query("""
                SELECT t.repository, t.tag, t.digest, t.delete_reason IS NULL AS kept,
                       CASE WHEN t.delete_reason IS NOT NULL THEN t.delete_rule
                            WHEN t.policy_verdict = 'KEEP' THEN t.policy_rule END AS rule,
                       CASE WHEN t.delete_reason IS NOT NULL THEN t.delete_reason
                            WHEN t.policy_verdict = 'DELETE' AND t.modified_at > r.cutoff THEN 'younger than --min-age'
                            WHEN t.policy_verdict = 'DELETE' THEN 'kept: ' || t.policy_reason
                            WHEN t.policy_reason IS NOT NULL THEN t.policy_reason
                            WHEN t.digest IS NULL THEN 'its link is missing or unreadable'
                            ELSE 'no retention rule or selection applies to it' END AS reason
                  FROM gc_tag t JOIN gc_run r ON r.run_id = t.run_id
                 WHERE t.run_id = ? ORDER BY t.repository, t.tag""", (rs, n) -> new Decision(Decision.Subject.TAG,
                rs.getString("repository"), rs.getString("tag"), rs.getString("digest"),
                rs.getBoolean("kept") ? Verdict.KEEP : Verdict.DELETE, rs.getString("rule"), rs.getString("reason")),
                runId));
        out.addAll(jdbc.query("""
                SELECT repository, digest, keep_reason IS NOT NULL AS kept, CASE WHEN keep_reason IS NULL THEN delete_rule END,
                       COALESCE(keep_reason, delete_reason, 'not reachable from a kept manifest')
                  FROM gc_manifest WHERE run_id = ? ORDER BY repository, digest""", (rs, n) -> new Decision(
                Decision.Subject.MANIFEST, rs.getString(1), null, rs.getString(2),
                rs.getBoolean(3) ? Verdict.KEEP : Verdict.DELETE, rs.getString(4), rs.getString(5)), runId));
        return out;
    }

    /** When the scan state of the execution's run was dropped (after newer runs), if it was. */
    public Optional<OffsetDateTime> scanPrunedAt(long executionId) {
        return jdbc.query("""
                SELECT r.scan_pruned_at FROM gc_run r JOIN gc_execution e ON e.run_id = r.run_id
                 WHERE e.job_execution_id = ? AND r.scan_pruned_at IS NOT NULL""",
                (rs, n) -> rs.getObject(1, OffsetDateTime.class), executionId).stream().findFirst();
    }

    /** One execution as {@code history} lists it, without its audit rows (cheap whatever the run's size). */
    public Optional<ExecutionSummary> summary(long executionId) {
        JobExecution execution = ours(executionId);
        return execution == null ? Optional.empty() : Optional.of(summaries(List.of(execution)).get(0));
    }

    private JobExecution ours(long executionId) {
        JobExecution execution;
        try {
            execution = jobs.getJobExecution(executionId);
        } catch (EmptyResultDataAccessException unknown) {
            return null; // the JDBC job repository throws where its contract says null
        }
        return execution != null && GcJobNames.JOB.equals(execution.getJobInstance().getJobName()) ? execution : null;
    }

    private List<ExecutionSummary> summaries(List<JobExecution> executions) {
        if (executions.isEmpty()) {
            return List.of();
        }
        Map<Long, Totals.Builder> totals = new HashMap<>();
        named.query("""
                SELECT job_execution_id, action, outcome, COUNT(*), COALESCE(SUM(bytes), 0)
                  FROM gc_audit WHERE job_execution_id IN (:ids)
                 GROUP BY job_execution_id, action, outcome""",
                new MapSqlParameterSource("ids", executions.stream().map(JobExecution::getId).toList()), rs -> {
            totals.computeIfAbsent(rs.getLong(1), id -> new Totals.Builder()).add(PlanItem.Action.valueOf(rs.getString(2)),
                    Outcome.valueOf(rs.getString(3)), rs.getLong(4), rs.getLong(5));
        });
        List<ExecutionSummary> out = new ArrayList<>(executions.size());
        for (JobExecution e : executions) {
            Totals.Builder counted = totals.get(e.getId());
            out.add(new ExecutionSummary(e.getId(), e.getJobInstance().getInstanceId(), local(e.getCreateTime()),
                    local(e.getStartTime()), local(e.getEndTime()), e.getStatus().name(), e.getExitStatus().getExitCode(),
                    e.getExitStatus().getExitDescription(),
                    GcJobParameters.readableSettings(e.getJobParameters()).orElse(null),
                    counted == null ? Totals.NONE : counted.build()));
        }
        return out;
    }

    private List<StepSummary> steps(JobExecution execution) {
        Map<Long, String> workers = new PartitionJournal(jdbc).workers(execution.getId());
        return execution.getStepExecutions().stream().sorted(Comparator.comparingLong(StepExecution::getId))
                .map(s -> new StepSummary(s.getId(), s.getStepName(), s.getStatus().name(), s.getExitStatus().getExitCode(),
                        s.getReadCount(), s.getWriteCount(), s.getFilterCount(), s.getSkipCount(), s.getCommitCount(),
                        s.getRollbackCount(), local(s.getStartTime()), local(s.getEndTime()), workers.get(s.getId())))
                .toList();
    }

    private List<AuditEntry> audit(long runId, long executionId) {
        // the repositories that pointed at each deleted blob in the run's scan: by a manifest's reference,
        // as a manifest revision, or by a layer link. The run is named, not only joined on: each join then reads
        // that run's partition alone (joined only, it hashed every kept run's scan state: a second at 300,000 rows)
        Map<Long, List<String>> referencedBy = new HashMap<>();
        String blob = PlanItem.Action.DELETE_BLOB.name();
        jdbc.query("""
                SELECT a.seq, x.repository FROM gc_audit a
                  JOIN gc_reference x ON x.run_id = a.run_id AND x.target_digest = a.digest
                 WHERE a.run_id = ? AND a.job_execution_id = ? AND a.action = ?
                UNION
                SELECT a.seq, x.repository FROM gc_audit a
                  JOIN gc_manifest x ON x.run_id = a.run_id AND x.digest = a.digest
                 WHERE a.run_id = ? AND a.job_execution_id = ? AND a.action = ?
                UNION
                SELECT a.seq, x.repository FROM gc_audit a
                  JOIN gc_layer_link x ON x.run_id = a.run_id AND x.digest = a.digest
                 WHERE a.run_id = ? AND a.job_execution_id = ? AND a.action = ?
                 ORDER BY 1, 2""", rs -> {
            referencedBy.computeIfAbsent(rs.getLong(1), seq -> new ArrayList<>()).add(rs.getString(2));
        }, runId, executionId, blob, runId, executionId, blob, runId, executionId, blob);
        return jdbc.query("""
                SELECT seq, action, repository, tag, digest, bytes, reason, rule, outcome, recorded_at
                  FROM gc_audit WHERE job_execution_id = ? ORDER BY seq""", (rs, n) -> {
            OffsetDateTime recorded = rs.getObject("recorded_at", OffsetDateTime.class);
            long seq = rs.getLong("seq");
            PlanItem.Action action = PlanItem.Action.valueOf(rs.getString("action"));
            return new AuditEntry(seq, action, rs.getString("repository"), rs.getString("tag"), rs.getString("digest"),
                    rs.getLong("bytes"), rs.getString("reason"), rs.getString("rule"), Outcome.valueOf(rs.getString("outcome")),
                    recorded == null ? null : recorded.atZoneSameInstant(zone).toOffsetDateTime(),
                    action == PlanItem.Action.DELETE_BLOB ? referencedBy.getOrDefault(seq, List.of()) : null);
        }, executionId);
    }

    /** Per repository, in name order, then the shared and the unreferenced blobs; kept rows do not count. */
    static List<RepositoryBytes> bytesByRepository(List<AuditEntry> audit) {
        Map<String, Totals.Builder> byRepository = new TreeMap<>();
        Map<String, Totals.Builder> special = new LinkedHashMap<>();
        for (AuditEntry entry : audit) {
            if (!entry.outcome().countsAsDone()) {
                continue;
            }
            String key;
            if (entry.action() == PlanItem.Action.DELETE_BLOB) {
                List<String> repositories = entry.referencedBy();
                key = repositories.isEmpty() ? RepositoryBytes.UNREFERENCED
                        : repositories.size() == 1 ? repositories.get(0) : RepositoryBytes.SHARED;
            } else {
                key = entry.repository() == null ? RepositoryBytes.UNREFERENCED : entry.repository();
            }
            boolean isSpecial = key.equals(RepositoryBytes.SHARED) || key.equals(RepositoryBytes.UNREFERENCED);
            (isSpecial ? special : byRepository).computeIfAbsent(key, k -> new Totals.Builder())
                    .add(entry.action(), entry.outcome(), 1, entry.bytes());
        }
        List<RepositoryBytes> out = new ArrayList<>();
        byRepository.forEach((name, totals) -> out.add(new RepositoryBytes(name, totals.build())));
        for (String name : List.of(RepositoryBytes.SHARED, RepositoryBytes.UNREFERENCED)) {
            if (special.containsKey(name)) {
                out.add(new RepositoryBytes(name, special.get(name).build()));
            }
        }
        return out;
    }

    /** Per rule, most bytes first (then by name); kept rows do not count. */
    static List<RuleBytes> bytesByRule(List<AuditEntry> audit) {
        Map<String, Totals.Builder> byRule = new TreeMap<>();
        for (AuditEntry entry : audit) {
            if (entry.outcome().countsAsDone()) {
                byRule.computeIfAbsent(entry.rule() == null ? RuleBytes.UNKNOWN : entry.rule(), k -> new Totals.Builder())
                        .add(entry.action(), entry.outcome(), 1, entry.bytes());
            }
        }
        List<RuleBytes> out = new ArrayList<>();
        byRule.forEach((rule, totals) -> out.add(new RuleBytes(rule, totals.build())));
        out.sort(Comparator.comparingLong((RuleBytes r) -> -r.totals().bytes()).thenComparing(RuleBytes::rule));
        return out;
    }

    private OffsetDateTime local(LocalDateTime value) {
        return value == null ? null : value.atZone(zone).toOffsetDateTime();
    }
}
