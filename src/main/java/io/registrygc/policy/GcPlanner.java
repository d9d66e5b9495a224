package io.registrygc.policy;

import io.registrygc.db.SqlLists;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.plan.PlanItem.Action;
import io.registrygc.plan.PlanItem.Phase;
import io.registrygc.scan.ScannedManifest;
import io.registrygc.storage.StorageProblem;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Decides, in SQL over the scanned state, what a run deletes and why, and writes that down as the plan
 * ({@code gc_plan_item}). Every manifest gets a keep or a delete reason. Planning is repeatable: it
 * starts by forgetting any earlier, unfinished plan of the run.
 *
 * <p>The rules: a manifest is a root (kept) when a live tag points at it, when it is younger than the
 * cutoff, when its repository holds something unreadable, or when nothing selects it. Roots keep what
 * they reach: an index its children, a subject its referrers (same repository). Everything else goes.
 * A blob survives when a kept manifest is it or references it, or when a fresh {@code _layers} link
 * points at it (a push in flight).
 *
 * <p>Every statement is linear or n log n in the scanned rows whatever the registry's shape: sets are
 * computed once (the kept digests per repository, the repositories deleted whole, the live tags per manifest)
 * and joined by hash, never probed row by row; freshly filled tables get statistics before they are queried.
 */
public final class GcPlanner {

    /** Manifest-to-manifest edges along which "kept" and "deleted together" travel. */
    private static final String EDGES = """
            edge (repository, from_digest, to_digest, relation) AS (
                SELECT repository, manifest_digest, target_digest, 'child of' FROM gc_reference
                 WHERE run_id = :run AND kind = :child
                UNION ALL
                SELECT repository, target_digest, manifest_digest, 'referrer of' FROM gc_reference
                 WHERE run_id = :run AND kind = :subject
            )""";

    /**
     * A tag that survives the run: written after the cutoff (a push in flight: nothing younger than --min-age
     * goes, whatever selects it), or neither selected itself nor in a selected repository.
     */
    private static final String LIVE_TAG = """
            (t.modified_at > (SELECT cutoff FROM gc_run WHERE run_id = :run)
             OR NOT EXISTS (SELECT 1 FROM gc_selection s WHERE s.run_id = t.run_id AND s.repository = t.repository
                             AND (s.tag IS NULL OR s.tag = t.tag)))""";

    /**
     * Repositories selected whole ({@code --image REPO}) in which nothing is kept and nothing was written after
     * the cutoff (a manifest, a tag or a layer link of a push in flight): they go entirely, folder included.
     */
    private static final String DELETED_REPOSITORY = """
            deleted_repository (repository) AS (
                SELECT s.repository FROM gc_selection s JOIN gc_run r ON r.run_id = s.run_id
                 WHERE s.run_id = :run AND s.tag IS NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_manifest k WHERE k.run_id = :run AND k.repository = s.repository
                                    AND k.keep_reason IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = :run AND t.repository = s.repository
                                    AND t.modified_at > r.cutoff)
                   AND NOT EXISTS (SELECT 1 FROM gc_layer_link l WHERE l.run_id = :run AND l.repository = s.repository
                                    AND l.modified_at > r.cutoff)
            )""";

    /**
     * The partition of a plan item, 0 to 15. Manifest phase: a hash of the repository, so that a repository's
     * tags, manifests, links and folder go in order in one partition. Blob phase: the value of the digest's first
     * hex digit, so that a blob's links and the blob itself go in order in one partition.
     */
    private static final String MANIFEST_PART = "(hashtext(p.repository) & 15)";
    private static final String BLOB_PART = "GREATEST(strpos('0123456789abcdef', substr(split_part(p.digest, ':', 2), 1, 1)) - 1, 0)";

    private static final String UNREADABLE = SqlLists.of(ScannedManifest.State.UNKNOWN_REFERENCES);

    /** Carries out one planning statement; tests run them under EXPLAIN ANALYZE to check their shape. */
    @FunctionalInterface
    public interface Statements {
        void run(String sql);
    }

    private final JdbcTemplate jdbc;
    private final Statements statements;

    public GcPlanner(JdbcTemplate jdbc) {
        this(jdbc, jdbc::update);
    }

    public GcPlanner(JdbcTemplate jdbc, Statements statements) {
        this.jdbc = jdbc;
        this.statements = statements;
    }

    /**
     * Computes the plan of a scanned run, replacing any earlier one. The scan step calls it when it stores the
     * scan's end, in that chunk's transaction: the plan commits together with the scan's last checkpoint.
     */
    public void plan(long runId) {
        boolean deleteUntagged = Boolean.TRUE.equals(
                jdbc.queryForObject("SELECT delete_untagged FROM gc_run WHERE run_id = ?", Boolean.class, runId));
        // fresh statistics: the scan has just bulk-loaded these tables, and without them PostgreSQL plans the
        // reachability joins as nested loops over the whole registry (minutes at 100,000 blobs instead of seconds)
        jdbc.execute("ANALYZE gc_repository, gc_selection, gc_manifest, gc_tag, gc_reference, gc_layer_link, gc_blob");
        run(runId, "DELETE FROM gc_plan_item WHERE run_id = :run");
        run(runId, "DELETE FROM gc_problem WHERE run_id = :run AND path LIKE '--image %'");
        run(runId, "UPDATE gc_manifest SET selected = FALSE, delete_reason = NULL, keep_reason = NULL WHERE run_id = :run");
        reportUnknownSelections(runId);
        selectExplicitly(runId);
        selectDependents(runId);
        if (deleteUntagged) {
            run(runId, """
                    UPDATE gc_manifest m SET delete_reason = 'untagged (--delete-untagged)'
                     WHERE m.run_id = :run AND m.delete_reason IS NULL
                       AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                        AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
        }
        markRoots(runId);
        keepWhatRootsReach(runId);
        jdbc.execute("ANALYZE gc_manifest"); // which manifests are kept has just been decided
        collectKeptDigests(runId);
        planManifestPhase(runId);
        String blocked = sweepBlocker(runId);
        if (blocked == null) {
            planBlobPhase(runId);
        }
        jdbc.update("UPDATE gc_run SET planned_at = now(), sweep_blocked = ? WHERE run_id = ?", blocked, runId);
    }

    private void reportUnknownSelections(long runId) {
        run(runId, """
                INSERT INTO gc_problem (run_id, path, message, impact)
                SELECT s.run_id, '--image ' || s.repository || COALESCE(':' || s.tag, ''),
                       CASE WHEN r.repository IS NULL THEN 'repository not found' ELSE 'tag not found' END, :noted
                  FROM gc_selection s
                  LEFT JOIN gc_repository r ON r.run_id = s.run_id AND r.repository = s.repository
                  LEFT JOIN gc_tag t ON t.run_id = s.run_id AND t.repository = s.repository AND t.tag = s.tag
                 WHERE s.run_id = :run AND (r.repository IS NULL OR (s.tag IS NOT NULL AND t.tag IS NULL))
                ON CONFLICT DO NOTHING""");
    }

    private void selectExplicitly(long runId) {
        run(runId, """
                UPDATE gc_manifest m SET selected = TRUE,
                       delete_reason = 'repository ' || m.repository || ' selected by --image'
                  FROM gc_selection s
                 WHERE m.run_id = :run AND s.run_id = m.run_id AND s.repository = m.repository AND s.tag IS NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
        // a selected tag takes its manifest along unless another, surviving tag still points at it
        run(runId, """
                UPDATE gc_manifest m SET selected = TRUE,
                       delete_reason = 'tag ' || m.repository || ':' || st.tag || ' selected by --image'
                  FROM gc_tag st JOIN gc_selection s ON s.run_id = st.run_id AND s.repository = st.repository AND s.tag = st.tag
                 WHERE m.run_id = :run AND NOT m.selected
                   AND st.run_id = m.run_id AND st.repository = m.repository AND st.digest = m.digest
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
    }

    /** Untagged children and referrers of selected manifests go with them. */
    private void selectDependents(long runId) {
        run(runId, """
                WITH RECURSIVE %s,
                dependent (repository, digest, via) AS (
                    SELECT repository, digest, CAST(NULL AS TEXT) FROM gc_manifest WHERE run_id = :run AND selected
                    UNION
                    SELECT e.repository, e.to_digest, e.relation || ' deleted manifest ' || d.digest
                      FROM dependent d JOIN edge e ON e.repository = d.repository AND e.from_digest = d.digest
                )
                UPDATE gc_manifest m SET delete_reason = 'only reachable as ' || d.via
                  FROM dependent d
                 WHERE m.run_id = :run AND m.repository = d.repository AND m.digest = d.digest
                   AND m.delete_reason IS NULL AND d.via IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(EDGES, LIVE_TAG));
    }

    private void markRoots(long runId) {
        run(runId, """
                WITH live_tags (repository, digest, tags) AS (
                    SELECT t.repository, t.digest, 'tagged ' || string_agg(t.tag, ', ' ORDER BY t.tag) FROM gc_tag t
                     WHERE t.run_id = :run AND t.digest IS NOT NULL AND %s
                     GROUP BY t.repository, t.digest
                ),
                unreadable_repository (repository) AS (
                    SELECT DISTINCT repository FROM gc_manifest
                     WHERE run_id = :run AND state IN :unreadable AND NOT selected
                ),
                decision (repository, digest, keep_reason) AS (
                    SELECT m.repository, m.digest, CASE
                        WHEN m.modified_at > r.cutoff THEN 'younger than --min-age'
                        WHEN NOT m.selected AND m.state IN :unreadable
                            THEN 'cannot be read, so it is kept: ' || m.problem
                        WHEN NOT m.selected AND repo.tainted
                            THEN 'repository has unreadable tags or links: all its manifests are kept'
                        WHEN NOT m.selected AND u.repository IS NOT NULL
                            THEN 'repository has an unreadable manifest whose references are unknown'
                        WHEN m.delete_reason IS NULL
                            THEN COALESCE(lt.tags, 'untagged, and untagged manifests are kept without --delete-untagged')
                        END
                      FROM gc_manifest m
                      JOIN gc_run r ON r.run_id = m.run_id
                      JOIN gc_repository repo ON repo.run_id = m.run_id AND repo.repository = m.repository
                      LEFT JOIN unreadable_repository u ON u.repository = m.repository
                      LEFT JOIN live_tags lt ON lt.repository = m.repository AND lt.digest = m.digest
                     WHERE m.run_id = :run
                )
                UPDATE gc_manifest m SET keep_reason = d.keep_reason
                  FROM decision d
                 WHERE m.run_id = :run AND m.repository = d.repository AND m.digest = d.digest""".formatted(LIVE_TAG));
    }

    private void keepWhatRootsReach(long runId) {
        run(runId, """
                WITH RECURSIVE %s,
                kept (repository, digest, via) AS (
                    SELECT repository, digest, CAST(NULL AS TEXT) FROM gc_manifest
                     WHERE run_id = :run AND keep_reason IS NOT NULL
                    UNION
                    SELECT e.repository, e.to_digest, e.relation || ' kept manifest ' || k.digest
                      FROM kept k JOIN edge e ON e.repository = k.repository AND e.from_digest = k.digest
                )
                UPDATE gc_manifest m SET keep_reason = k.via
                  FROM kept k
                 WHERE m.run_id = :run AND m.repository = k.repository AND m.digest = k.digest
                   AND m.keep_reason IS NULL AND k.via IS NOT NULL""".formatted(EDGES));
    }

    /** The kept manifests and everything they reference, per repository: what the sweep must not touch. */
    private void collectKeptDigests(long runId) {
        run(runId, "DELETE FROM gc_kept_digest WHERE run_id = :run");
        run(runId, """
                INSERT INTO gc_kept_digest (run_id, repository, digest)
                SELECT :run, repository, digest FROM gc_manifest WHERE run_id = :run AND keep_reason IS NOT NULL
                UNION
                SELECT :run, ref.repository, ref.target_digest
                  FROM gc_reference ref JOIN gc_manifest k
                    ON k.run_id = ref.run_id AND k.repository = ref.repository AND k.digest = ref.manifest_digest
                 WHERE ref.run_id = :run AND k.keep_reason IS NOT NULL""");
        jdbc.execute("ANALYZE gc_kept_digest");
    }

    private void planManifestPhase(long runId) {
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_TAG, """
                SELECT t.repository, t.tag, t.digest, 0,
                       'tag selected by --image ' || s.repository || COALESCE(':' || s.tag, '')
                  FROM gc_tag t JOIN gc_selection s ON s.run_id = t.run_id AND s.repository = t.repository
                                                   AND (s.tag IS NULL OR s.tag = t.tag)
                 WHERE t.run_id = :run AND NOT %s
                 ORDER BY t.repository, t.tag""".formatted(LIVE_TAG));
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_MANIFEST, """
                SELECT m.repository, NULL, m.digest, 0, COALESCE(m.delete_reason, 'not reachable from a kept manifest')
                  FROM gc_manifest m
                 WHERE m.run_id = :run AND m.keep_reason IS NULL
                 ORDER BY m.repository, m.digest""");
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_LAYER_LINK, """
                WITH %s
                SELECT l.repository, NULL, l.digest, 0, 'repository ' || l.repository || ' selected by --image'
                  FROM gc_layer_link l JOIN deleted_repository d ON d.repository = l.repository
                 WHERE l.run_id = :run
                 ORDER BY l.repository, l.digest""".formatted(DELETED_REPOSITORY));
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_REPOSITORY, """
                WITH %s
                SELECT d.repository, NULL, NULL, 0, 'repository ' || d.repository || ' selected by --image'
                  FROM deleted_repository d JOIN gc_repository r ON r.run_id = :run AND r.repository = d.repository
                 ORDER BY d.repository""".formatted(DELETED_REPOSITORY));
    }

    /** Why no blob may be swept in this run, or null when the sweep is safe. */
    private String sweepBlocker(long runId) {
        return jdbc.queryForObject(bind(runId, """
                SELECT string_agg(what, '; ') FROM (
                    SELECT path || ': ' || message AS what FROM gc_problem WHERE run_id = ? AND impact = :sweepBlocked
                    UNION ALL
                    SELECT 'manifest ' || repository || '@' || digest || ' is kept but unreadable (' || problem || ')'
                      FROM gc_manifest WHERE run_id = ? AND keep_reason IS NOT NULL AND state IN :unreadable
                ) blockers"""), String.class, runId, runId);
    }

    private void planBlobPhase(long runId) {
        insertPlan(runId, Phase.BLOBS, Action.DELETE_LAYER_LINK, """
                WITH %s
                SELECT l.repository, NULL, l.digest, 0, 'no kept manifest of ' || l.repository || ' references it'
                  FROM gc_layer_link l
                  JOIN gc_repository repo ON repo.run_id = l.run_id AND repo.repository = l.repository
                  JOIN gc_run r ON r.run_id = l.run_id
                 WHERE l.run_id = :run AND NOT repo.tainted AND l.modified_at <= r.cutoff
                   AND NOT EXISTS (SELECT 1 FROM deleted_repository d WHERE d.repository = l.repository)
                   AND NOT EXISTS (SELECT 1 FROM gc_kept_digest k
                                    WHERE k.run_id = l.run_id AND k.repository = l.repository AND k.digest = l.digest)
                 ORDER BY l.repository, l.digest""".formatted(DELETED_REPOSITORY));
        insertPlan(runId, Phase.BLOBS, Action.DELETE_BLOB, """
                WITH fresh_link (digest) AS (
                    SELECT DISTINCT l.digest FROM gc_layer_link l JOIN gc_run r ON r.run_id = l.run_id
                     WHERE l.run_id = :run AND l.modified_at > r.cutoff
                )
                SELECT NULL, NULL, b.digest, GREATEST(b.size, 0),
                       CASE WHEN b.size < 0 THEN 'blob folder without data, referenced by no kept manifest'
                            ELSE 'no kept manifest references it' END
                  FROM gc_blob b JOIN gc_run r ON r.run_id = b.run_id
                 WHERE b.run_id = :run AND b.modified_at <= r.cutoff
                   AND NOT EXISTS (SELECT 1 FROM gc_kept_digest k WHERE k.run_id = b.run_id AND k.digest = b.digest)
                   AND NOT EXISTS (SELECT 1 FROM fresh_link f WHERE f.digest = b.digest)
                 ORDER BY b.digest""");
    }

    /** Appends items of one action to the plan, in the order the select gives, numbered after what is there. */
    private void insertPlan(long runId, Phase phase, Action action, String select) {
        run(runId, """
                INSERT INTO gc_plan_item (run_id, seq, phase, action, repository, tag, digest, bytes, reason, part)
                SELECT :run, (SELECT COALESCE(MAX(seq), 0) FROM gc_plan_item WHERE run_id = :run) + ROW_NUMBER() OVER (),
                       '%s', '%s', p.*, %s FROM (%s) AS p (repository, tag, digest, bytes, reason)"""
                .formatted(phase.name(), action.name(), phase == Phase.MANIFESTS ? MANIFEST_PART : BLOB_PART, select));
    }

    private void run(long runId, String sql) {
        statements.run(bind(runId, sql));
    }

    /** Fills in the run and the enum constants the SQL names, so the SQL speaks our vocabulary. */
    private static String bind(long runId, String sql) {
        return sql.replace(":run", Long.toString(runId)).replace(":unreadable", UNREADABLE)
                .replace(":child", quoted(ReferenceKind.CHILD)).replace(":subject", quoted(ReferenceKind.SUBJECT))
                .replace(":sweepBlocked", quoted(StorageProblem.Impact.SWEEP_BLOCKED))
                .replace(":noted", quoted(StorageProblem.Impact.NOTED));
    }

    private static String quoted(Enum<?> constant) {
        return "'" + constant.name() + "'";
    }
}
