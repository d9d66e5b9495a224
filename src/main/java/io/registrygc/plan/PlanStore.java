package io.registrygc.plan;

import io.registrygc.db.RunPartitions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/**
 * Reads the plan of a run, written by the planner. Every statement names the run's own partition of
 * {@code gc_plan_item} (V20): through the parent, a connection's first statement loads a partition descriptor of every
 * run's plan, and plans are kept for good (80 ms a connection at 3,000 kept plans; 4 ms through the partition).
 */
public final class PlanStore {

    /** The columns {@link #ROW} maps, in its order. */
    public static final String COLUMNS = "seq, phase, action, repository, tag, digest, bytes, reason, rule, drift";
    public static final RowMapper<PlanItem> ROW = (rs, i) -> new PlanItem(rs.getLong(1),
            PlanItem.Phase.valueOf(rs.getString(2)), PlanItem.Action.valueOf(rs.getString(3)), rs.getString(4),
            rs.getString(5), rs.getString(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10));

    private final JdbcTemplate jdbc;

    public PlanStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The run's own partition of the plans (V20): planning makes it, and nothing reads a run's plan before that. */
    public static String planOf(long runId) {
        return RunPartitions.of("gc_plan_item", runId);
    }

    public List<PlanItem> page(long runId, PlanItem.Phase phase, long afterSeq, int size) {
        return jdbc.query("SELECT " + COLUMNS + " FROM " + planOf(runId) + " WHERE run_id = ? AND phase = ? AND seq > ? ORDER BY seq LIMIT ?",
                ROW, runId, phase.name(), afterSeq, size);
    }

    public long count(long runId, PlanItem.Phase phase) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM " + planOf(runId) + " WHERE run_id = ? AND phase = ?",
                Long.class, runId, phase.name());
        return count == null ? 0 : count;
    }

    /** The parts (0 to {@code parts - 1}) of a phase that hold at least one item: one look into the index each. */
    public List<Integer> partsWithItems(long runId, PlanItem.Phase phase, int parts) {
        return jdbc.queryForList("""
                SELECT g.part FROM generate_series(0, ? - 1) AS g (part)
                 WHERE EXISTS (SELECT 1 FROM %s p WHERE p.run_id = ? AND p.phase = ? AND p.part = g.part)
                 ORDER BY g.part""".formatted(planOf(runId)), Integer.class, parts, runId, phase.name());
    }

    /** How many job executions the run (job instance) has had, this one included. */
    public long executionsOf(long runId) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM batch_job_execution WHERE job_instance_id = ?", Long.class, runId);
        return count == null ? 0 : count;
    }

    /** Items of a phase already carried out (audited) by earlier executions of the run: what a resume skips. */
    public long countAudited(long runId, PlanItem.Phase phase) {
        // one probe of gc_audit's (run_id, seq) key per item: a join here once ran for minutes as a nested loop
        Long count = jdbc.queryForObject("""
                SELECT COUNT(*) FROM %s p
                 WHERE p.run_id = ? AND p.phase = ?
                   AND EXISTS (SELECT 1 FROM gc_audit a WHERE a.run_id = p.run_id AND a.seq = p.seq)""".formatted(planOf(runId)),
                Long.class, runId, phase.name());
        return count == null ? 0 : count;
    }

    /** The tags whose index lists each of these manifests ({@code repository@digest}), in one query for a whole chunk. */
    public Map<String, List<String>> tagsIndexing(long runId, List<? extends PlanItem> manifests) {
        Map<String, List<String>> tags = new HashMap<>();
        if (manifests.isEmpty()) {
            return tags;
        }
        jdbc.query("""
                SELECT t.repository, t.digest, t.tag
                  FROM unnest(?::text[], ?::text[]) AS m (repository, digest)
                  JOIN gc_tag_index t ON t.run_id = ? AND t.repository = m.repository AND t.digest = m.digest""",
                rs -> {
                    tags.computeIfAbsent(rs.getString(1) + "@" + rs.getString(2), k -> new ArrayList<>()).add(rs.getString(3));
                }, manifests.stream().map(PlanItem::repository).toArray(String[]::new),
                manifests.stream().map(PlanItem::digest).toArray(String[]::new), runId);
        return tags;
    }

    /** The items as the plan holds them now: a look at the storage during the phase may have marked some as drift since they were read. */
    public List<PlanItem> withCurrentDrift(long runId, List<? extends PlanItem> items) {
        Map<Long, String> drift = new HashMap<>();
        jdbc.query("SELECT seq, drift FROM " + planOf(runId) + " WHERE run_id = ? AND seq = ANY(?) AND drift IS NOT NULL",
                rs -> {
                    drift.put(rs.getLong(1), rs.getString(2));
                }, runId, items.stream().map(PlanItem::seq).toArray(Long[]::new));
        return items.stream().map(i -> drift.containsKey(i.seq()) ? i.withDrift(drift.get(i.seq())) : (PlanItem) i).toList();
    }
}
