package io.registrygc.audit;

import io.registrygc.storage.RequestCounts;
import io.registrygc.policy.ImageSelector;
import io.registrygc.run.GcSettings;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Our own record of runs and their job executions ({@code gc_run}, {@code gc_execution}), written by the run
 * itself as it starts and ends: what the launcher and {@code history} find runs by, instead of reading the
 * layout of Spring Batch's parameter tables.
 */
public final class RunJournal {

    private final JdbcTemplate jdbc;

    public RunJournal(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Records the run (once: a resumed run finds it there) and one of its executions. */
    public void executionStarted(long runId, long jobExecutionId, GcSettings settings) {
        int created = jdbc.update("""
                INSERT INTO gc_run (run_id, storage_root, dry_run, delete_untagged, min_age_seconds, cutoff, applies_run_id,
                                    tags_read)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING""",
                runId, settings.storageRoot().toString(), settings.dryRun(), settings.deleteUntagged(),
                settings.minAge().getSeconds(), OffsetDateTime.ofInstant(settings.cutoff(), ZoneOffset.UTC),
                settings.appliesRun().isPresent() ? settings.appliesRun().getAsLong() : null, settings.readsTags());
        if (created == 1) {
            for (ImageSelector image : settings.images()) {
                jdbc.update("INSERT INTO gc_selection (run_id, repository, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        runId, image.repository(), image.tag().orElse(null));
            }
            jdbc.batchUpdate("INSERT INTO gc_protection (run_id, repository, tag, digest, source) VALUES (?, ?, ?, ?, ?)",
                    settings.protect().stream().map(p -> new Object[] {runId, p.repository(), p.tag().orElse(null),
                            p.digest().orElse(null), p.source()}).toList());
        }
        jdbc.update("""
                INSERT INTO gc_execution (job_execution_id, run_id) VALUES (?, ?)
                ON CONFLICT (job_execution_id) DO NOTHING""", jobExecutionId, runId);
    }

    /**
     * Adds requests an execution made to an object store, by kind (none on a filesystem): the manager's at the end
     * of the execution, each remote worker's when it finished its partitions of it.
     */
    public void storageRequests(long runId, long jobExecutionId, java.util.Map<RequestCounts.Kind, Long> requests) {
        requests.forEach((kind, count) -> jdbc.update("""
                INSERT INTO gc_storage_request (job_execution_id, run_id, kind, requests) VALUES (?, ?, ?, ?)
                ON CONFLICT (job_execution_id, kind) DO UPDATE SET requests = gc_storage_request.requests + EXCLUDED.requests""",
                jobExecutionId, runId, kind.name(), count));
    }

    /** The requests an execution made to an object store, by kind; empty when it made none (a filesystem). */
    public java.util.Map<RequestCounts.Kind, Long> storageRequests(long jobExecutionId) {
        java.util.Map<RequestCounts.Kind, Long> requests = new java.util.EnumMap<>(RequestCounts.Kind.class);
        jdbc.query("SELECT kind, requests FROM gc_storage_request WHERE job_execution_id = ?",
                rs -> {
                    requests.put(RequestCounts.Kind.valueOf(rs.getString(1)), rs.getLong(2));
                }, jobExecutionId);
        return requests;
    }

    /** How the execution ended, as it saw it (an execution killed on its way has no end here). */
    public void executionEnded(long jobExecutionId, String status) {
        jdbc.update("UPDATE gc_execution SET status = ?, ended_at = now() WHERE job_execution_id = ?", status,
                jobExecutionId);
    }

    /**
     * Drops the scan state of the runs on this storage root older than its newest {@code keep}, so the database
     * does not grow with every run: their partitions go at once, while their plans, audit, problems and history stay.
     * A run whose partitions cannot be locked quickly (another run is reading the same tables) is pruned next time.
     * Returns the runs pruned.
     */
    public List<Long> pruneScanState(String storageRoot, int keep) {
        List<Long> old = jdbc.queryForList("""
                SELECT run_id FROM gc_run WHERE storage_root = ? AND scan_pruned_at IS NULL
                 ORDER BY run_id DESC OFFSET ?""", Long.class, storageRoot, keep);
        List<Long> pruned = new ArrayList<>();
        for (long runId : old) {
            boolean dropped = Boolean.TRUE.equals(jdbc.execute((ConnectionCallback<Boolean>) connection -> {
                boolean autoCommit = connection.getAutoCommit();
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET LOCAL lock_timeout = '2s'");
                    statement.execute("SELECT gc_drop_scan_partitions(" + runId + ")");
                    statement.execute("DELETE FROM gc_repository WHERE run_id = " + runId);
                    statement.execute("UPDATE gc_run SET scan_pruned_at = now() WHERE run_id = " + runId);
                    connection.commit();
                    return true;
                } catch (SQLException e) {
                    connection.rollback();
                    return false;
                } finally {
                    connection.setAutoCommit(autoCommit);
                }
            }));
            if (dropped) {
                pruned.add(runId);
            }
        }
        return pruned;
    }

    /** The newest job execution recorded on a storage root. */
    public Optional<Long> lastExecution(String storageRoot) {
        return Optional.ofNullable(jdbc.queryForObject("""
                SELECT MAX(e.job_execution_id) FROM gc_execution e JOIN gc_run r ON r.run_id = e.run_id
                 WHERE r.storage_root = ?""", Long.class, storageRoot));
    }

    /** The newest job executions of all runs, newest first. */
    public List<Long> lastExecutions(int limit) {
        return jdbc.queryForList("SELECT job_execution_id FROM gc_execution ORDER BY job_execution_id DESC LIMIT ?",
                Long.class, limit);
    }

    /** When the newest execution that completed a real (not dry) run on this storage root ended. */
    public Optional<OffsetDateTime> lastCompletedRealRun(String storageRoot) {
        return Optional.ofNullable(jdbc.queryForObject("""
                SELECT MAX(e.ended_at) FROM gc_execution e JOIN gc_run r ON r.run_id = e.run_id
                 WHERE r.storage_root = ? AND NOT r.dry_run AND e.status = 'COMPLETED'""", OffsetDateTime.class,
                storageRoot));
    }
}
