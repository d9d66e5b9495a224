package io.registrygc.audit;

import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.ExecutionDetail;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.RunParameters;
import io.registrygc.audit.history.StepSummary;
import io.registrygc.audit.history.Totals;
import io.registrygc.job.GcJobConfiguration;
import io.registrygc.job.GcJobParameters;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Past runs read back from the Spring Batch job history and our audit table, one job execution at a time:
 * a run (job instance) that failed and was resumed has several executions, each with the deletions it carried out.
 * Read-only; it takes no lock, so it can be used while a run is in progress.
 */
public final class RunHistory {

    /** Outcomes that count as a deletion, as SQL: carried out, found already gone, or (dry run) planned. */
    private static final String COUNTED = "('DELETED', 'ALREADY_GONE', 'PLANNED')";

    private static final String EXECUTIONS = """
            SELECT e.job_execution_id, e.job_instance_id, e.create_time, e.start_time, e.end_time, e.status,
                   e.exit_code, e.exit_message, r.dry_run AS run_dry_run
              FROM batch_job_execution e
              JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
              LEFT JOIN gc_run r ON r.run_id = e.job_instance_id
             WHERE i.job_name = :job""";

    private final JdbcTemplate jdbc;
    private final NamedParameterJdbcTemplate named;
    private final ZoneId zone;

    public RunHistory(JdbcTemplate jdbc) {
        this(jdbc, ZoneId.systemDefault());
    }

    /** {@code zone}: the time zone the job history's times (TIMESTAMP without zone, local time) were written in. */
    public RunHistory(JdbcTemplate jdbc, ZoneId zone) {
        this.jdbc = jdbc;
        this.named = new NamedParameterJdbcTemplate(jdbc);
        this.zone = zone;
    }

    /** The newest {@code limit} executions, newest first. */
    public List<ExecutionSummary> list(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        List<Row> rows = named.query(EXECUTIONS + " ORDER BY e.create_time DESC, e.job_execution_id DESC LIMIT :limit",
                new MapSqlParameterSource("job", GcJobConfiguration.JOB_NAME).addValue("limit", limit),
                (rs, n) -> row(rs));
        return summaries(rows);
    }

    /**
     * When the newest job execution that completed a real (not dry) run on this storage root ended: what an
     * alert on "no successful GC for N days" watches.
     */
    public Optional<OffsetDateTime> lastCompletedRealRun(String storageRoot) {
        List<OffsetDateTime> ends = jdbc.query("""
                SELECT e.end_time FROM batch_job_execution e
                  JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
                  JOIN batch_job_execution_params root ON root.job_execution_id = e.job_execution_id
                   AND root.parameter_name = ? AND root.parameter_value = ?
                  JOIN batch_job_execution_params dry ON dry.job_execution_id = e.job_execution_id
                   AND dry.parameter_name = ? AND dry.parameter_value = 'false'
                 WHERE i.job_name = ? AND e.status = 'COMPLETED' AND e.end_time IS NOT NULL
                 ORDER BY e.end_time DESC LIMIT 1""", (rs, n) -> local(rs, "end_time"),
                GcJobParameters.STORAGE_ROOT, storageRoot, GcJobParameters.DRY_RUN, GcJobConfiguration.JOB_NAME);
        return ends.stream().findFirst();
    }

    /** One execution in full, or empty when there is no execution of our job with that id. */
    public Optional<ExecutionDetail> show(long executionId) {
        Optional<ExecutionSummary> found = summary(executionId);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ExecutionSummary summary = found.get();
        List<AuditEntry> audit = audit(executionId);
        return Optional.of(new ExecutionDetail(summary, steps(executionId), audit, bytesByRepository(audit)));
    }

    /** One execution as {@code history} lists it, without its audit rows (cheap whatever the run's size). */
    public Optional<ExecutionSummary> summary(long executionId) {
        List<Row> rows = named.query(EXECUTIONS + " AND e.job_execution_id = :id",
                new MapSqlParameterSource("job", GcJobConfiguration.JOB_NAME).addValue("id", executionId),
                (rs, n) -> row(rs));
        return summaries(rows).stream().findFirst();
    }

    private record Row(long executionId, long runId, OffsetDateTime created, OffsetDateTime started,
            OffsetDateTime ended, String status, String exitCode, String exitMessage, Boolean runDryRun) {
    }

    private Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getLong("job_execution_id"), rs.getLong("job_instance_id"), local(rs, "create_time"),
                local(rs, "start_time"), local(rs, "end_time"), rs.getString("status"), rs.getString("exit_code"),
                rs.getString("exit_message"), (Boolean) rs.getObject("run_dry_run"));
    }

    private List<ExecutionSummary> summaries(List<Row> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        List<Long> ids = rows.stream().map(Row::executionId).toList();
        Map<Long, Map<String, String>> parameters = new HashMap<>();
        named.query("""
                SELECT job_execution_id, parameter_name, parameter_value FROM batch_job_execution_params
                 WHERE job_execution_id IN (:ids)""", new MapSqlParameterSource("ids", ids), rs -> {
            parameters.computeIfAbsent(rs.getLong(1), id -> new HashMap<>()).put(rs.getString(2), rs.getString(3));
        });
        Map<Long, Totals> totals = new HashMap<>();
        named.query("""
                SELECT job_execution_id,
                       COUNT(*) FILTER (WHERE action = 'DELETE_TAG' AND outcome IN %1$s),
                       COUNT(*) FILTER (WHERE action = 'DELETE_MANIFEST' AND outcome IN %1$s),
                       COUNT(*) FILTER (WHERE action = 'DELETE_LAYER_LINK' AND outcome IN %1$s),
                       COUNT(*) FILTER (WHERE action = 'DELETE_REPOSITORY' AND outcome IN %1$s),
                       COUNT(*) FILTER (WHERE action = 'DELETE_BLOB' AND outcome IN %1$s),
                       COALESCE(SUM(bytes) FILTER (WHERE action = 'DELETE_BLOB' AND outcome IN %1$s), 0),
                       COUNT(*) FILTER (WHERE outcome = 'KEPT_CHANGED')
                  FROM gc_audit WHERE job_execution_id IN (:ids)
                 GROUP BY job_execution_id""".formatted(COUNTED), new MapSqlParameterSource("ids", ids), rs -> {
            totals.put(rs.getLong(1), new Totals(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                    rs.getLong(6), rs.getLong(7), rs.getLong(8)));
        });
        List<ExecutionSummary> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            RunParameters params = RunParameters.of(parameters.getOrDefault(row.executionId(), Map.of()));
            boolean dryRun = params.dryRun() != null ? params.dryRun() : Boolean.TRUE.equals(row.runDryRun());
            out.add(new ExecutionSummary(row.executionId(), row.runId(), row.created(), row.started(), row.ended(),
                    row.status(), row.exitCode(), row.exitMessage(), dryRun, params,
                    totals.getOrDefault(row.executionId(), Totals.NONE)));
        }
        return out;
    }

    private List<StepSummary> steps(long executionId) {
        return jdbc.query("""
                SELECT step_execution_id, step_name, status, exit_code, read_count, write_count, filter_count,
                       read_skip_count + process_skip_count + write_skip_count AS skip_count, commit_count,
                       rollback_count, start_time, end_time
                  FROM batch_step_execution WHERE job_execution_id = ?
                 ORDER BY step_execution_id""", (rs, n) -> new StepSummary(rs.getLong("step_execution_id"),
                rs.getString("step_name"), rs.getString("status"), rs.getString("exit_code"), rs.getLong("read_count"),
                rs.getLong("write_count"), rs.getLong("filter_count"), rs.getLong("skip_count"),
                rs.getLong("commit_count"), rs.getLong("rollback_count"), local(rs, "start_time"),
                local(rs, "end_time")), executionId);
    }

    private List<AuditEntry> audit(long executionId) {
        // the repositories that pointed at each deleted blob in the run's scan: by a manifest's reference,
        // as a manifest revision, or by a layer link
        Map<Long, List<String>> referencedBy = new HashMap<>();
        jdbc.query("""
                SELECT a.seq, x.repository FROM gc_audit a
                  JOIN gc_reference x ON x.run_id = a.run_id AND x.target_digest = a.digest
                 WHERE a.job_execution_id = ? AND a.action = 'DELETE_BLOB'
                UNION
                SELECT a.seq, x.repository FROM gc_audit a
                  JOIN gc_manifest x ON x.run_id = a.run_id AND x.digest = a.digest
                 WHERE a.job_execution_id = ? AND a.action = 'DELETE_BLOB'
                UNION
                SELECT a.seq, x.repository FROM gc_audit a
                  JOIN gc_layer_link x ON x.run_id = a.run_id AND x.digest = a.digest
                 WHERE a.job_execution_id = ? AND a.action = 'DELETE_BLOB'
                 ORDER BY 1, 2""", rs -> {
            referencedBy.computeIfAbsent(rs.getLong(1), seq -> new ArrayList<>()).add(rs.getString(2));
        }, executionId, executionId, executionId);
        return jdbc.query("""
                SELECT seq, action, repository, tag, digest, bytes, reason, outcome, recorded_at
                  FROM gc_audit WHERE job_execution_id = ? ORDER BY seq""", (rs, n) -> {
            OffsetDateTime recorded = rs.getObject("recorded_at", OffsetDateTime.class);
            long seq = rs.getLong("seq");
            String action = rs.getString("action");
            return new AuditEntry(seq, action, rs.getString("repository"), rs.getString("tag"), rs.getString("digest"),
                    rs.getLong("bytes"), rs.getString("reason"), rs.getString("outcome"),
                    recorded == null ? null : recorded.atZoneSameInstant(zone).toOffsetDateTime(),
                    "DELETE_BLOB".equals(action) ? referencedBy.getOrDefault(seq, List.of()) : null);
        }, executionId);
    }

    /** Per repository, in name order, then the shared and the unreferenced blobs; kept rows do not count. */
    static List<RepositoryBytes> bytesByRepository(List<AuditEntry> audit) {
        Map<String, long[]> byRepository = new TreeMap<>();
        Map<String, long[]> special = new LinkedHashMap<>();
        special.put(RepositoryBytes.SHARED, null);
        special.put(RepositoryBytes.UNREFERENCED, null);
        for (AuditEntry entry : audit) {
            if (!entry.counts()) {
                continue;
            }
            String key;
            if ("DELETE_BLOB".equals(entry.action())) {
                List<String> repositories = entry.referencedBy();
                key = repositories.isEmpty() ? RepositoryBytes.UNREFERENCED
                        : repositories.size() == 1 ? repositories.get(0) : RepositoryBytes.SHARED;
            } else {
                key = entry.repository() == null ? RepositoryBytes.UNREFERENCED : entry.repository();
            }
            Map<String, long[]> target = special.containsKey(key) ? special : byRepository;
            long[] c = target.get(key);
            if (c == null) {
                c = new long[5];
                target.put(key, c);
            }
            switch (entry.action()) {
                case "DELETE_TAG" -> c[0]++;
                case "DELETE_MANIFEST" -> c[1]++;
                case "DELETE_LAYER_LINK" -> c[2]++;
                case "DELETE_BLOB" -> {
                    c[3]++;
                    c[4] += entry.bytes();
                }
                default -> { }
            }
        }
        List<RepositoryBytes> out = new ArrayList<>();
        byRepository.forEach((name, c) -> out.add(new RepositoryBytes(name, c[0], c[1], c[2], c[3], c[4])));
        special.forEach((name, c) -> {
            if (c != null) {
                out.add(new RepositoryBytes(name, c[0], c[1], c[2], c[3], c[4]));
            }
        });
        return out;
    }

    private OffsetDateTime local(ResultSet rs, String column) throws SQLException {
        LocalDateTime value = rs.getObject(column, LocalDateTime.class);
        return value == null ? null : value.atZone(zone).toOffsetDateTime();
    }
}
