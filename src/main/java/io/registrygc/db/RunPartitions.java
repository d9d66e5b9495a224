package io.registrygc.db;

import java.util.List;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The scan state of each run lives in partitions of its own ({@code gc_manifest_r<run>}, ...; see V9): made when the
 * run is recorded, dropped when it is pruned. What the run's statements need to name them directly: statistics
 * gathered on the run's rows alone, and a scan cleared at once.
 */
public final class RunPartitions {

    private RunPartitions() {
    }

    /** The partition of {@code table} that holds run {@code runId}'s rows. */
    public static String of(String table, long runId) {
        return table + "_r" + runId;
    }

    /** Statistics on the run's partitions of these tables only: earlier runs' rows say nothing about this one's. */
    public static void analyze(JdbcTemplate jdbc, long runId, String... tables) {
        jdbc.execute("ANALYZE " + List.of(tables).stream().map(t -> of(t, runId)).collect(Collectors.joining(", ")));
    }

    /** The rows the run's partitions of these tables held when they were last analyzed (none before that). */
    public static long analyzedRows(JdbcTemplate jdbc, long runId, String... tables) {
        String partitions = List.of(tables).stream().map(t -> "'" + of(t, runId) + "'::regclass")
                .collect(Collectors.joining(", "));
        Long rows = jdbc.queryForObject("SELECT COALESCE(SUM(GREATEST(reltuples, 0)), 0)::bigint FROM pg_class"
                + " WHERE oid IN (" + partitions + ")", Long.class);
        return rows == null ? 0 : rows;
    }

    /** Empties every scan partition of the run (a scan started again from the beginning). */
    public static void truncate(JdbcTemplate jdbc, long runId) {
        List<String> tables = jdbc.queryForList("SELECT unnest(gc_scan_tables())", String.class);
        jdbc.execute("TRUNCATE " + tables.stream().map(t -> of(t, runId)).collect(Collectors.joining(", ")));
    }

    /** Drops the scan partitions of a run whose scan state is no longer wanted (its history stays). */
    public static void drop(JdbcTemplate jdbc, long runId) {
        jdbc.queryForList("SELECT gc_drop_scan_partitions(?)", runId);
    }
}
