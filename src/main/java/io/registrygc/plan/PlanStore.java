package io.registrygc.plan;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/** Reads the plan of a run ({@code gc_plan_item}, written by the planner). */
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

    public List<PlanItem> page(long runId, PlanItem.Phase phase, long afterSeq, int size) {
        return jdbc.query("SELECT " + COLUMNS + " FROM gc_plan_item WHERE run_id = ? AND phase = ? AND seq > ? ORDER BY seq LIMIT ?",
                ROW, runId, phase.name(), afterSeq, size);
    }

    public long count(long runId, PlanItem.Phase phase) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM gc_plan_item WHERE run_id = ? AND phase = ?",
                Long.class, runId, phase.name());
        return count == null ? 0 : count;
    }

    /** Items of a phase already carried out (audited) by earlier executions of the run: what a resume skips. */
    public long countAudited(long runId, PlanItem.Phase phase) {
        // one probe of gc_audit's (run_id, seq) key per item: a join here once ran for minutes as a nested loop
        Long count = jdbc.queryForObject("""
                SELECT COUNT(*) FROM gc_plan_item p
                 WHERE p.run_id = ? AND p.phase = ?
                   AND EXISTS (SELECT 1 FROM gc_audit a WHERE a.run_id = p.run_id AND a.seq = p.seq)""",
                Long.class, runId, phase.name());
        return count == null ? 0 : count;
    }

    public List<String> tagsIndexing(long runId, String repository, String digest) {
        return jdbc.queryForList("SELECT tag FROM gc_tag_index WHERE run_id = ? AND repository = ? AND digest = ?",
                String.class, runId, repository, digest);
    }
}
