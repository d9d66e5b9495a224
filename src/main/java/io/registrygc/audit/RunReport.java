package io.registrygc.audit;

import io.registrygc.db.SqlLists;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.scan.ScannedManifest;
import io.registrygc.storage.RequestCounts;
import io.registrygc.units.ByteSize;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/** What a run (a job instance, over all its executions) did, read back from the audit tables. */
public record RunReport(long runId, boolean dryRun, Totals totals, List<String> problems, long problemCount,
        String sweepBlocked, List<String> pullLogs, Map<RequestCounts.Kind, Long> storageRequests) {

    private static final int PROBLEMS_SHOWN = 20;

    public static RunReport load(JdbcTemplate jdbc, long runId) {
        Map<String, Object> run = jdbc.queryForMap("SELECT dry_run, sweep_blocked FROM gc_run WHERE run_id = ?", runId);
        Totals.Builder totals = new Totals.Builder();
        jdbc.query("""
                SELECT action, outcome, COUNT(*), COALESCE(SUM(bytes), 0) FROM gc_audit WHERE run_id = ?
                 GROUP BY action, outcome""", rs -> {
            totals.add(PlanItem.Action.valueOf(rs.getString(1)), Outcome.valueOf(rs.getString(2)), rs.getLong(3), rs.getLong(4));
        }, runId);
        String unreadable = SqlLists.of(ScannedManifest.State.UNKNOWN_REFERENCES);
        List<String> problems = new ArrayList<>(jdbc.queryForList("""
                SELECT impact || ' ' || path || ': ' || message FROM gc_problem WHERE run_id = ?
                 ORDER BY CASE impact WHEN 'SWEEP_BLOCKED' THEN 0 WHEN 'REPOSITORY_KEPT' THEN 1 ELSE 2 END, path
                 LIMIT ?""", String.class, runId, PROBLEMS_SHOWN));
        problems.addAll(jdbc.queryForList("""
                SELECT 'UNREADABLE manifest ' || repository || '@' || digest || ': ' || problem FROM gc_manifest
                 WHERE run_id = ? AND state IN %s ORDER BY repository, digest LIMIT ?""".formatted(unreadable),
                String.class, runId, PROBLEMS_SHOWN));
        Long problemCount = jdbc.queryForObject("""
                SELECT (SELECT COUNT(*) FROM gc_problem WHERE run_id = ?)
                     + (SELECT COUNT(*) FROM gc_manifest WHERE run_id = ? AND state IN %s)""".formatted(unreadable),
                Long.class, runId, runId);
        List<String> pullLogs = jdbc.queryForList("""
                SELECT path || ': ' || lines_read || ' new lines, ' || pulls || ' pulls, ' || malformed || ' malformed'
                       || CASE WHEN unresolved > 0 THEN ', ' || unresolved || ' of tags or repositories not found' ELSE '' END
                       || COALESCE('; warning: ' || warnings, '')
                  FROM gc_pull_read WHERE run_id = ? ORDER BY path""", String.class, runId);
        Map<RequestCounts.Kind, Long> requests = new EnumMap<>(RequestCounts.Kind.class);
        jdbc.query("SELECT kind, SUM(requests) FROM gc_storage_request WHERE run_id = ? GROUP BY kind",
                rs -> {
                    requests.put(RequestCounts.Kind.valueOf(rs.getString(1)), rs.getLong(2));
                }, runId);
        return new RunReport(runId, Boolean.TRUE.equals(run.get("dry_run")), totals.build(), problems,
                problemCount == null ? 0 : problemCount, (String) run.get("sweep_blocked"), pullLogs, requests);
    }

    public String format() {
        StringBuilder out = new StringBuilder();
        String verb = dryRun ? "would delete" : "deleted";
        out.append("registry-gc run ").append(runId).append(dryRun ? " (dry run: nothing was changed)" : "").append('\n');
        out.append("  ").append(verb).append(": ").append(describeCounts(totals)).append('\n');
        out.append("  bytes ").append(dryRun ? "to reclaim" : "reclaimed").append(": ").append(totals.bytes())
                .append(" (").append(ByteSize.format(totals.bytes())).append(")\n");
        if (totals.keptChanged() > 0) {
            out.append("  kept because they changed after the scan: ").append(totals.keptChanged()).append('\n');
        }
        if (totals.drifted() > 0) {
            out.append("  skipped because the storage changed since the applied plan: ").append(totals.drifted()).append('\n');
        }
        if (!storageRequests.isEmpty()) {
            out.append("  S3 requests: ").append(describeRequests(storageRequests)).append('\n');
        }
        if (sweepBlocked != null) {
            out.append("  BLOB SWEEP SKIPPED: ").append(sweepBlocked).append('\n');
        }
        if (!pullLogs.isEmpty()) {
            out.append("  pull logs read:\n");
            pullLogs.forEach(p -> out.append("    ").append(p).append('\n'));
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

    /** {@code LIST 12, GET 340, HEAD 0, PUT 0, DELETE 3} (every kind, in one order). */
    public static String describeRequests(Map<RequestCounts.Kind, Long> requests) {
        StringBuilder out = new StringBuilder();
        for (RequestCounts.Kind kind : RequestCounts.Kind.values()) {
            out.append(out.isEmpty() ? "" : ", ").append(kind).append(' ').append(requests.getOrDefault(kind, 0L));
        }
        return out.toString();
    }

    /** {@code 1 tags, 2 manifests, 0 layer links, 0 repositories, 5 blobs}: the counts of every action. */
    public static String describeCounts(Totals totals) {
        return totals.count(PlanItem.Action.DELETE_TAG) + " tags, " + totals.count(PlanItem.Action.DELETE_MANIFEST)
                + " manifests, " + totals.count(PlanItem.Action.DELETE_LAYER_LINK) + " layer links, "
                + totals.count(PlanItem.Action.DELETE_REPOSITORY) + " repositories, "
                + totals.count(PlanItem.Action.DELETE_BLOB) + " blobs";
    }
}
