package io.registrygc.audit;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which process executes each partition ({@code gc_partition}): recorded by the process as it starts the partition,
 * beaten while it runs, closed when it ends. Heartbeats and their ages are the database's clock, so hosts with
 * skewed clocks still agree on what is stale.
 */
public final class PartitionJournal {

    /** A partition of a partitioned step, as the job repository and the worker that took it (if any) record it. */
    public record Partition(long stepExecutionId, String stepName, String status, String worker, Duration sinceHeartbeat,
            boolean ended, long written) {

        /** Taken by no worker yet. */
        public boolean waiting() {
            return worker == null && "STARTING".equals(status);
        }

        /** Running on a worker whose heartbeat is older than {@code timeout}: killed, or cut off from the database. */
        public boolean silentFor(Duration timeout) {
            return onWorker() && sinceHeartbeat.compareTo(timeout) > 0;
        }

        /** Taken by a worker that has not ended it. */
        public boolean onWorker() {
            return worker != null && !ended && isRunning();
        }

        public boolean isRunning() {
            return "STARTED".equals(status) || "STARTING".equals(status) || "STOPPING".equals(status);
        }
    }

    private final JdbcTemplate jdbc;

    public PartitionJournal(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void started(long stepExecutionId, long jobExecutionId, String stepName, String host, long pid, boolean remote) {
        jdbc.update("""
                INSERT INTO gc_partition (step_execution_id, job_execution_id, step_name, worker_host, worker_pid, remote)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (step_execution_id) DO UPDATE SET worker_host = EXCLUDED.worker_host,
                    worker_pid = EXCLUDED.worker_pid, remote = EXCLUDED.remote, started_at = now(), heartbeat_at = now(),
                    ended_at = NULL""", stepExecutionId, jobExecutionId, stepName, host, pid, remote);
    }

    /** A remote worker takes a partition: false when another one has (a request delivered twice). */
    public boolean claim(long stepExecutionId, long jobExecutionId, String stepName, String host, long pid) {
        return jdbc.update("""
                INSERT INTO gc_partition (step_execution_id, job_execution_id, step_name, worker_host, worker_pid, remote)
                VALUES (?, ?, ?, ?, ?, true) ON CONFLICT (step_execution_id) DO NOTHING""",
                stepExecutionId, jobExecutionId, stepName, host, pid) == 1;
    }

    public void beat(Collection<Long> stepExecutionIds) {
        if (!stepExecutionIds.isEmpty()) {
            jdbc.update("UPDATE gc_partition SET heartbeat_at = now() WHERE step_execution_id = ANY(?)",
                    (Object) stepExecutionIds.toArray(Long[]::new));
        }
    }

    public void ended(long stepExecutionId) {
        jdbc.update("UPDATE gc_partition SET ended_at = now(), heartbeat_at = now() WHERE step_execution_id = ?",
                stepExecutionId);
    }

    /** The partitions of {@code workerStep} in a job execution, with their workers' heartbeats. */
    public List<Partition> partitions(long jobExecutionId, String workerStep) {
        return jdbc.query("""
                SELECT s.step_execution_id, s.step_name, s.status, p.worker_host, p.worker_pid,
                       EXTRACT(EPOCH FROM (now() - p.heartbeat_at)) * 1000, p.ended_at IS NOT NULL, s.write_count
                  FROM batch_step_execution s
                  LEFT JOIN gc_partition p ON p.step_execution_id = s.step_execution_id
                 WHERE s.job_execution_id = ? AND s.step_name LIKE ?
                 ORDER BY s.step_execution_id""", (rs, row) -> {
            String host = rs.getString(4);
            return new Partition(rs.getLong(1), rs.getString(2), rs.getString(3),
                    host == null ? null : host + ":" + rs.getLong(5),
                    host == null ? Duration.ZERO : Duration.ofMillis(rs.getLong(6)), rs.getBoolean(7), rs.getLong(8));
        }, jobExecutionId, workerStep + ":%");
    }

    /** Partitions of a job execution that a remote worker still runs: heartbeat within {@code timeout}, not ended. */
    public List<Partition> stillBeating(long jobExecutionId, Duration timeout) {
        return jdbc.query("""
                SELECT s.step_execution_id, s.step_name, s.status, p.worker_host || ':' || p.worker_pid,
                       EXTRACT(EPOCH FROM (now() - p.heartbeat_at)) * 1000, s.write_count
                  FROM gc_partition p JOIN batch_step_execution s ON s.step_execution_id = p.step_execution_id
                 WHERE p.job_execution_id = ? AND p.remote AND p.ended_at IS NULL
                   AND p.heartbeat_at > now() - ? * interval '1 millisecond'
                 ORDER BY s.step_execution_id""", (rs, row) -> new Partition(rs.getLong(1), rs.getString(2),
                rs.getString(3), rs.getString(4), Duration.ofMillis(rs.getLong(5)), false, rs.getLong(6)), jobExecutionId,
                timeout.toMillis());
    }

    /** The worker ({@code host:pid}) of each partition of a job execution that was recorded. */
    public Map<Long, String> workers(long jobExecutionId) {
        return jdbc.query("""
                SELECT step_execution_id, worker_host || ':' || worker_pid || CASE WHEN remote THEN '' ELSE ' (local)' END
                  FROM gc_partition WHERE job_execution_id = ?""", (rs, row) -> Map.entry(rs.getLong(1), rs.getString(2)),
                jobExecutionId).stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
