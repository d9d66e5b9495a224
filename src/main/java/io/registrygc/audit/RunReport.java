package io.registrygc.audit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/** What a run (a job instance, over all its executions) did, read back from the audit tables. */
public record RunReport(long runId, boolean dryRun, Map<String, Long> countsByAction, long bytesReclaimed,
        long keptChanged, List<String> problems, long problemCount, String sweepBlocked) {

    private static final int PROBLEMS_SHOWN = 20;

    public static RunReport load(JdbcTemplate jdbc, long runId) {
        Map<String, Object> run = jdbc.queryForMap("SELECT dry_run, sweep_blocked FROM gc_run WHERE run_id = ?", runId);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String action : List.of("DELETE_TAG", "DELETE_MANIFEST", "DELETE_LAYER_LINK", "DELETE_REPOSITORY", "DELETE_BLOB")) {
            counts.put(action, 0L);
        }
        jdbc.query("""
                SELECT action, COUNT(*) FROM gc_audit WHERE run_id = ? AND outcome IN ('DELETED', 'ALREADY_GONE', 'PLANNED')
                 GROUP BY action""", rs -> {
            counts.put(rs.getString(1), rs.getLong(2));
        }, runId);
        Long bytes = jdbc.queryForObject("""
                SELECT COALESCE(SUM(bytes), 0) FROM gc_audit WHERE run_id = ? AND action = 'DELETE_BLOB'
                   AND outcome IN ('DELETED', 'ALREADY_GONE', 'PLANNED')""", Long.class, runId);
        Long kept = jdbc.queryForObject("SELECT COUNT(*) FROM gc_audit WHERE run_id = ? AND outcome = 'KEPT_CHANGED'",
                Long.class, runId);
        List<String> problems = new ArrayList<>(jdbc.queryForList("""
                SELECT impact || ' ' || path || ': ' || message FROM gc_problem WHERE run_id = ?
                 ORDER BY CASE impact WHEN 'SWEEP_BLOCKED' THEN 0 WHEN 'REPOSITORY_KEPT' THEN 1 ELSE 2 END, path
                 LIMIT ?""", String.class, runId, PROBLEMS_SHOWN));
        problems.addAll(jdbc.queryForList("""
                SELECT 'UNREADABLE manifest ' || repository || '@' || digest || ': ' || problem FROM gc_manifest
                 WHERE run_id = ? AND state IN ('UNREADABLE', 'UNPARSEABLE') ORDER BY repository, digest LIMIT ?""",
                String.class, runId, PROBLEMS_SHOWN));
        Long problemCount = jdbc.queryForObject("""
                SELECT (SELECT COUNT(*) FROM gc_problem WHERE run_id = ?)
                     + (SELECT COUNT(*) FROM gc_manifest WHERE run_id = ? AND state IN ('UNREADABLE', 'UNPARSEABLE'))""",
                Long.class, runId, runId);
        return new RunReport(runId, Boolean.TRUE.equals(run.get("dry_run")), counts, bytes == null ? 0 : bytes,
                kept == null ? 0 : kept, problems, problemCount == null ? 0 : problemCount, (String) run.get("sweep_blocked"));
    }

    public String format() {
        StringBuilder out = new StringBuilder();
        String verb = dryRun ? "would delete" : "deleted";
        out.append("registry-gc run ").append(runId).append(dryRun ? " (dry run: nothing was changed)" : "").append('\n');
        out.append(String.format("  %s: %d tags, %d manifests, %d layer links, %d repositories, %d blobs%n", verb,
                countsByAction.get("DELETE_TAG"), countsByAction.get("DELETE_MANIFEST"),
                countsByAction.get("DELETE_LAYER_LINK"), countsByAction.get("DELETE_REPOSITORY"),
                countsByAction.get("DELETE_BLOB")));
        out.append(String.format("  bytes %s: %d (%s)%n", dryRun ? "to reclaim" : "reclaimed", bytesReclaimed, human(bytesReclaimed)));
        if (keptChanged > 0) {
            out.append("  kept because they changed after the scan: ").append(keptChanged).append('\n');
        }
        if (sweepBlocked != null) {
            out.append("  BLOB SWEEP SKIPPED: ").append(sweepBlocked).append('\n');
        }
        if (problemCount > 0) {
            out.append("  problems found (").append(problemCount).append("):\n");
            problems.forEach(p -> out.append("    ").append(p).append('\n'));
            if (problemCount > problems.size()) {
                out.append("    ... (see table gc_problem, run_id ").append(runId).append(")\n");
            }
        }
        return out.toString();
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format("%.1f %s", value, units[unit]);
    }
}
