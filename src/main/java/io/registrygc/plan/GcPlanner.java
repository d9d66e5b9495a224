package io.registrygc.plan;

import io.registrygc.db.RunPartitions;
import io.registrygc.db.SqlLists;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.policy.Verdict;
import io.registrygc.plan.PlanItem.Action;
import io.registrygc.plan.PlanItem.Phase;
import io.registrygc.db.BulkCopy;
import io.registrygc.scan.ScanStateStore;
import io.registrygc.scan.ScannedManifest;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.Digest;
import io.registrygc.storage.StorageProblem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/**
 * Decides, in SQL over the scanned state, what a run deletes and why, and writes that down as the plan
 * ({@code gc_plan_item}). Every manifest gets a keep or a delete reason. Planning is repeatable: it
 * starts by forgetting any earlier, unfinished plan of the run.
 *
 * <p>The rules: a tag goes when {@code --image} selects it or its retention policy deleted it (at scan time), unless
 * it was written after the cutoff. A manifest is a root (kept) when a surviving tag points at it, when it is
 * younger than the cutoff, when its repository holds something unreadable, or when nothing selects it (its tags,
 * {@code --image}, {@code --delete-untagged}, a policy's delete-untagged rule). Roots keep what they reach: an index
 * its children, a subject its referrers (same repository); what a deleted manifest reaches goes with it. Everything
 * else goes. A blob survives when a kept manifest is it or references it, or when a fresh {@code _layers} link
 * points at it (a push in flight).
 *
 * <p>A run that applies a dry run's plan ({@code gc_run.applies_run_id}) plans from its own, fresh scan but deletes
 * no tag, manifest or repository the dry run's plan did not list; its plan is then exactly the dry run's items,
 * each either confirmed by the fresh plan or marked with the drift that makes it wrong now.
 *
 * <p>Every statement is linear or n log n in the scanned rows whatever the registry's shape: sets are
 * computed once (the kept digests per repository, the repositories deleted whole, the live tags per manifest)
 * and joined by hash, never probed row by row (planning turns nested loops and merge joins off); freshly filled
 * tables get statistics before they are queried.
 */
public final class GcPlanner {

    private static final Logger log = LoggerFactory.getLogger(GcPlanner.class);

    /**
     * Manifest-to-manifest edges along which "kept" and "deleted together" travel: written once per planning, where a
     * walk needs them, into {@code gc_edge} (temporary), indexed by the manifest they start from.
     */
    private static final String EDGES = """
            SELECT repository, manifest_digest AS from_digest, target_digest AS to_digest, 'child of' AS relation
              FROM gc_reference WHERE run_id = :run AND kind IN (:child, :named)
            UNION ALL
            SELECT repository, target_digest, manifest_digest, 'referrer of' FROM gc_reference
             WHERE run_id = :run AND kind = :subject""";

    /** A tag that survives the run ({@link #decideTags} has set why the others go). */
    private static final String LIVE_TAG = "(t.delete_reason IS NULL)";

    /**
     * Repositories selected whole ({@code --image REPO}) in which nothing is kept and nothing was written after
     * the cutoff (a manifest, a tag or a layer link of a push in flight): they go entirely, folder included; where
     * the run applies a plan ({@code applied}, else null), only those that plan deletes. The applied plan's partition
     * is named, not joined on: joined, every statement with this clause was planned over each run's partition of the
     * plans, which are all kept (0.1 to 0.4 s a statement with a hundred runs in the history, and growing with it).
     */
    private static String deletedRepository(Long applied) {
        String inAppliedPlan = applied == null ? "" : applying(applied, """
                   AND EXISTS (SELECT 1 FROM :appliedPlan p WHERE p.run_id = :applied
                                AND p.action = :deleteRepository AND p.repository = s.repository)""");
        return """
                deleted_repository (repository) AS (
                    SELECT s.repository FROM gc_selection s JOIN gc_run r ON r.run_id = s.run_id
                     WHERE s.run_id = :run AND s.tag IS NULL
                       AND NOT EXISTS (SELECT 1 FROM gc_manifest k WHERE k.run_id = :run AND k.repository = s.repository
                                        AND k.keep_reason IS NOT NULL)
                       AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = :run AND t.repository = s.repository
                                        AND t.modified_at > r.cutoff)
                       AND NOT EXISTS (SELECT 1 FROM gc_layer_link l WHERE l.run_id = :run AND l.repository = s.repository
                                        AND l.modified_at > r.cutoff)%s
                )""".formatted(inAppliedPlan);
    }

    /**
     * The partition of a plan item, 0 to 15. Manifest phase: a hash of the repository, so that a repository's
     * tags, manifests, links and folder go in order in one partition. Blob phase: the value of the digest's first
     * hex digit, so that a blob's links and the blob itself go in order in one partition.
     */
    private static final String MANIFEST_PART = "(hashtext(p.repository) & 15)";
    private static final String BLOB_PART = blobPart("p.digest");

    /** The blob phase's partition of the item with digest {@code digest} (an SQL expression). */
    private static String blobPart(String digest) {
        return "GREATEST(strpos('0123456789abcdef', substr(split_part(" + digest + ", ':', 2), 1, 1)) - 1, 0)";
    }

    private static final String UNREADABLE = SqlLists.of(ScannedManifest.State.UNKNOWN_REFERENCES);

    /**
     * For accounting: the deleted manifest a digest is charged to (itself, or one that references it; the first by
     * repository), with that manifest's rule. A blob goes only when no kept manifest references it, so what a
     * survivor shares is never charged.
     */
    private static final String OWNER = """
            dropped (repository, digest, rule) AS (
                SELECT repository, digest, COALESCE(delete_rule, :unreachableRule) FROM gc_manifest
                 WHERE run_id = :run AND keep_reason IS NULL
            ),
            owner (digest, repository, rule) AS (
                SELECT DISTINCT ON (digest) digest, repository, rule FROM (
                    SELECT digest, repository, rule FROM dropped
                    UNION ALL
                    SELECT ref.target_digest, d.repository, d.rule FROM gc_reference ref
                      JOIN dropped d ON d.repository = ref.repository AND d.digest = ref.manifest_digest
                     WHERE ref.run_id = :run
                ) charged ORDER BY digest, repository
            )""";

    /**
     * The kept manifests and everything they reference, per repository: what the sweep must not touch. Written once
     * per planning into a table of the session ({@code gc_kept_rows}: temporary, no WAL, read through the view
     * {@code gc_kept}) and only ever anti-joined or looked up by hash. A pair may be there twice (two kept manifests
     * share a layer); no sort removes it.
     */
    private static final String KEPT = """
            SELECT repository, digest FROM gc_manifest WHERE run_id = :run AND keep_reason IS NOT NULL
            UNION ALL
            SELECT ref.repository, ref.target_digest
              FROM gc_reference ref JOIN gc_manifest k
                ON k.run_id = ref.run_id AND k.repository = ref.repository AND k.digest = ref.manifest_digest
             WHERE ref.run_id = :run AND k.keep_reason IS NOT NULL""";

    /**
     * {@link #KEPT} where every manifest is kept: every scanned manifest and reference. Read in place (a view), not
     * copied: its two uses hash it straight from the scanned tables, and copying 1.4 million pairs at a million blobs
     * cost as much as both uses.
     */
    private static final String EVERYTHING_SCANNED = """
            SELECT repository, digest FROM gc_manifest WHERE run_id = :run
            UNION ALL
            SELECT repository, target_digest FROM gc_reference WHERE run_id = :run""";

    /** A layer link the scan named by its folder only: the repository's link to {@code digest}. */
    public record NamedLink(String repository, Digest digest) {
    }

    /**
     * Looks at what the scan only named (on a filesystem): layer links and blob folders. What is not what such a folder
     * should be goes to {@code problems} (called from several threads).
     */
    @FunctionalInterface
    public interface StorageLook {
        /** For each layer link, when it was written, or empty where there is no link to count. */
        List<Optional<Instant>> times(List<NamedLink> links, Consumer<StorageProblem> problems) throws IOException;

        /** For each blob, its folder as it is now (size and time), or empty where there is no blob to count. */
        default List<Optional<BlobEntry>> blobs(List<Digest> digests, Consumer<StorageProblem> problems)
                throws IOException {
            throw new IllegalStateException("the scan named " + digests.size() + " blobs without looking at them, and"
                    + " planning was given no storage to look at them");
        }

        /** For a scan that names nothing without looking at it (an object store's, a test's). */
        StorageLook NONE = (links, problems) -> {
            throw new IllegalStateException("the scan named " + links.size() + " layer links without their times, and"
                    + " planning was given no storage to look at them");
        };
    }

    /**
     * Layer links and blobs of a run from which the candidates are found by parallel workers: at 100,000 blobs planning
     * took the same time with them or without (2.8 to 3.0 s), at 10,000 too.
     */
    private static final long PARALLEL_CANDIDATES_FROM_ROWS = 100_000;

    /** How many named links or blobs are looked at, and written, at once: bounds the memory whatever the size. */
    private static final int LINKS_PER_LOOK = 5000;

    /** Carries out one planning statement; tests run them under EXPLAIN ANALYZE to check their shape. */
    @FunctionalInterface
    public interface Statements {
        void run(String sql);
    }

    private final JdbcTemplate jdbc;
    private final Statements statements;

    public GcPlanner(JdbcTemplate jdbc) {
        this(jdbc, timed(jdbc::update));
    }

    public GcPlanner(JdbcTemplate jdbc, Statements statements) {
        this.jdbc = jdbc;
        this.statements = statements;
    }

    /** {@link #plan(long, StorageLook)} of a scan that named no layer link without its time. */
    public void plan(long runId) {
        plan(runId, StorageLook.NONE);
    }

    /**
     * Computes the plan of a scanned run, replacing any earlier one. The scan step calls it when it stores the
     * scan's end, in that chunk's transaction: the plan commits together with the scan's last checkpoint.
     * {@code links} looks at the layer links the scan named without their times, where the plan may act on them.
     */
    public void plan(long runId, StorageLook links) {
        boolean deleteUntagged = Boolean.TRUE.equals(
                jdbc.queryForObject("SELECT delete_untagged FROM gc_run WHERE run_id = ?", Boolean.class, runId));
        Long applied = jdbc.queryForObject("SELECT applies_run_id FROM gc_run WHERE run_id = ?", Long.class, runId);
        // the hash joins and sorts over a scan of 100,000 blobs fit in memory (PostgreSQL's default of 4 MB sends them
        // to disk); for the planning transaction only
        jdbc.execute("SET LOCAL work_mem = '64MB'");
        // every join of planning is an equality, so every one can be a hash join: linear in its inputs whatever the
        // optimizer estimates. A nested loop is quadratic where an estimate is far too low (a join of correlated
        // columns once came out at 18 rows for 36,000 and ran for minutes); a merge join sorts both inputs (text keys
        // of 70 characters: twice the time of hashing them at 100,000 blobs). For the planning transaction only.
        jdbc.execute("SET LOCAL enable_nestloop = off");
        jdbc.execute("SET LOCAL enable_mergejoin = off");
        // fresh statistics: the scan has just bulk-loaded these tables. With every join a hash join they only size the
        // hash tables and choose the side to hash: a sample of 7,500 rows per table does that (PostgreSQL's default,
        // 30,000, took a fifth of the planning at 100,000 blobs)
        jdbc.execute("SET LOCAL default_statistics_target = 25");
        // no JIT: a server built with LLVM (Debian's, the postgres image) compiles every statement whose cost passes
        // jit_above_cost, and planning's statements run once each; at 100,000 blobs the compiling took 5 of planning's
        // 6.6 s on a 2-core machine. The embedded server has no JIT; a server of the operator's keeps its setting
        // for everything else
        jdbc.execute("SET LOCAL jit = off");
        jdbc.execute("ANALYZE gc_repository, gc_selection");
        analyze(runId, "gc_manifest", "gc_tag", "gc_reference", "gc_layer_link", "gc_blob");
        startPlan(runId);
        run(runId, "DELETE FROM gc_problem WHERE run_id = :run AND path LIKE '--image %'");
        run(runId, """
                UPDATE gc_manifest SET selected = FALSE, delete_reason = NULL, delete_rule = NULL, keep_reason = NULL
                 WHERE run_id = :run
                   AND (selected OR delete_reason IS NOT NULL OR delete_rule IS NOT NULL OR keep_reason IS NOT NULL)""");
        reportUnknownSelections(runId);
        decideTags(runId, applied);
        selectExplicitly(runId);
        selectDependents(runId);
        if (deleteUntagged) {
            run(runId, """
                    UPDATE gc_manifest m SET delete_reason = 'untagged (--delete-untagged)', delete_rule = :untaggedRule
                     WHERE m.run_id = :run AND m.delete_reason IS NULL
                       AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                        AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
        }
        markRoots(runId);
        if (applied != null) {
            keepWhatThePlanDidNotList(runId, applied);
        }
        boolean everyManifestKept = !anyManifestWhere(runId, "keep_reason IS NULL");
        if (!everyManifestKept) {
            keepWhatRootsReach(runId);
        }
        analyze(runId, "gc_manifest"); // which manifests are kept has just been decided
        // tables of this session only, dropped at the end (and before, should a failed planning have left them)
        dropPlanningTables();
        // a view, so that the statements read one name whatever it is made of (a view does no work of its own)
        if (everyManifestKept) {
            // most runs (orphans only): what is kept is all that was scanned, read where it lies instead of copied
            jdbc.execute(bind(runId, "CREATE TEMPORARY VIEW gc_kept AS " + EVERYTHING_SCANNED));
        } else {
            run(runId, "CREATE TEMPORARY TABLE gc_kept_rows AS " + KEPT);
            jdbc.execute("CREATE TEMPORARY VIEW gc_kept AS SELECT repository, digest FROM gc_kept_rows");
        }
        findCandidates(runId);
        lookAtNamedLinks(runId, links);
        lookAtNamedBlobs(runId, links);
        planManifestPhase(runId, applied);
        String blocked = sweepBlocker(runId);
        if (blocked == null) {
            planBlobPhase(runId, applied);
        }
        if (applied != null) {
            reconcileWithAppliedPlan(runId, applied);
        }
        jdbc.update("UPDATE gc_run SET planned_at = now(), sweep_blocked = ? WHERE run_id = ?", blocked, runId);
        finishPlan(runId);
        dropPlanningTables();
    }

    /**
     * Starts the run's plan afresh in a table of its own (V20), not yet part of {@code gc_plan_item}: written without
     * indexes (and, on a server without replication, without WAL: it is made in this transaction). An earlier plan of
     * the run goes first: one that the scan left when it was made again is gone already ({@code clearScan}), so this
     * is a plan committed just before the scan step failed, a rare case where the drop holds other runs' plans until
     * this planning commits.
     */
    private void startPlan(long runId) {
        String plan = PlanStore.planOf(runId);
        jdbc.execute("DROP TABLE IF EXISTS " + plan);
        jdbc.execute("CREATE TABLE " + plan + " (LIKE gc_plan_item INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
        // lets the attach see that every row belongs to the run without reading them
        jdbc.execute("ALTER TABLE " + plan + " ADD CHECK (run_id = " + runId + ")");
    }

    /**
     * Makes the finished plan the run's partition of {@code gc_plan_item}: its indexes are built now, in one go, and its
     * statistics taken.
     */
    private void finishPlan(long runId) {
        timed("ATTACH the plan", () -> jdbc.execute("ALTER TABLE gc_plan_item ATTACH PARTITION "
                + PlanStore.planOf(runId) + " FOR VALUES IN (" + runId + ")"));
        // the online re-checks join the plan with what pushes during the run hold: never analyzed, the plan looked like
        // a row or two to the optimizer, which then compared every item with every digest held (20,000 items and a
        // push that holds 2,000 manifests: 7 s a look, 44 s with 90,000 blobs)
        analyze(runId, "gc_plan_item");
    }

    private void dropPlanningTables() {
        jdbc.execute("DROP VIEW IF EXISTS gc_kept");
        jdbc.execute("DROP TABLE IF EXISTS gc_edge, gc_kept_rows, gc_candidate_link, gc_looked_link, gc_candidate_blob, gc_looked_blob");
    }

    /**
     * Which tags go, and why: selected by {@code --image}, or deleted by their retention policy at scan time. A tag
     * written after the cutoff always stays (a push in flight); applying a plan, so does every tag it did not list
     * (with the digest it pointed at then).
     */
    private void decideTags(long runId, Long applied) {
        run(runId, "UPDATE gc_tag SET delete_reason = NULL, delete_rule = NULL WHERE run_id = :run AND delete_reason IS NOT NULL");
        run(runId, """
                UPDATE gc_tag t SET delete_reason = 'tag selected by --image ' || s.repository || COALESCE(':' || s.tag, ''),
                       delete_rule = :imageRule
                  FROM gc_selection s, gc_run r
                 WHERE t.run_id = :run AND s.run_id = t.run_id AND s.repository = t.repository
                   AND (s.tag IS NULL OR s.tag = t.tag) AND r.run_id = t.run_id AND t.modified_at <= r.cutoff""");
        run(runId, """
                UPDATE gc_tag t SET delete_reason = t.policy_reason, delete_rule = t.policy_rule
                  FROM gc_run r
                 WHERE t.run_id = :run AND t.delete_reason IS NULL AND t.policy_verdict = :deleteVerdict
                   AND r.run_id = t.run_id AND t.modified_at <= r.cutoff""");
        // a tag a cluster runs (--protect) stays, whatever selected it
        run(runId, """
                UPDATE gc_tag t SET delete_reason = NULL, delete_rule = NULL
                  FROM gc_protection p
                 WHERE t.run_id = :run AND t.delete_reason IS NOT NULL
                   AND p.run_id = t.run_id AND p.repository = t.repository AND p.tag = t.tag""");
        if (applied != null) {
            run(runId, applying(applied, """
                    UPDATE gc_tag t SET delete_reason = NULL, delete_rule = NULL
                     WHERE t.run_id = :run AND t.delete_reason IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM :appliedPlan p WHERE p.run_id = :applied AND p.action = :deleteTag
                                        AND p.repository = t.repository AND p.tag = t.tag
                                        AND p.digest IS NOT DISTINCT FROM t.digest)"""));
        }
        analyze(runId, "gc_tag");
    }

    /**
     * Applying a plan: the fresh plan is cut down to the items of the applied one (a blob whose layer link had to be
     * cut stays too, so that no link is left pointing at nothing), the applied plan's reasons are kept, and every
     * item of the applied plan that the fresh one no longer confirms is added with the drift that explains it.
     */
    private void reconcileWithAppliedPlan(long runId, long applied) {
        String sameItem = """
                p.action = a.action AND p.repository IS NOT DISTINCT FROM a.repository
                AND p.tag IS NOT DISTINCT FROM a.tag AND p.digest IS NOT DISTINCT FROM a.digest""";
        run(runId, applying(applied, """
                WITH extra (seq, action, digest) AS (
                    SELECT p.seq, p.action, p.digest FROM :plan p
                     WHERE p.run_id = :run
                       AND NOT EXISTS (SELECT 1 FROM :appliedPlan a WHERE a.run_id = :applied AND %s)
                )
                DELETE FROM :plan x
                 WHERE x.run_id = :run
                   AND (x.seq IN (SELECT seq FROM extra)
                        OR (x.action = :deleteBlob AND x.digest IN (SELECT digest FROM extra WHERE action = :deleteLink)))"""
                .formatted(sameItem)));
        run(runId, applying(applied, """
                UPDATE :plan p SET reason = a.reason, rule = a.rule
                  FROM :appliedPlan a
                 WHERE p.run_id = :run AND a.run_id = :applied AND %s""".formatted(sameItem)));
        run(runId, applying(applied, """
                INSERT INTO :plan (run_id, seq, phase, action, repository, tag, digest, bytes, reason, rule, part, drift)
                SELECT :run, (SELECT COALESCE(MAX(seq), 0) FROM :plan) + ROW_NUMBER() OVER (ORDER BY a.seq),
                       a.phase, a.action, a.repository, a.tag, a.digest, a.bytes, a.reason, a.rule, a.part,
                       'changed since the plan: ' || CASE a.action
                           WHEN :deleteTag THEN CASE
                               WHEN t.tag IS NULL THEN 'the tag is gone'
                               WHEN t.digest IS DISTINCT FROM a.digest THEN 'the tag moved to ' || COALESCE(t.digest, 'an unreadable link')
                               WHEN t.modified_at > r.cutoff THEN 'the tag was written again'
                               ELSE 'the tag is kept now' || COALESCE(' (' || t.policy_reason || ')', '') END
                           WHEN :deleteManifest THEN CASE
                               WHEN m.digest IS NULL THEN 'the manifest is gone'
                               ELSE 'the manifest is kept now: ' || COALESCE(m.keep_reason, 'its deletion was not confirmed') END
                           WHEN :deleteRepository THEN 'the repository holds something kept now'
                           ELSE CASE
                               WHEN COALESCE(kb.repository, kl.repository) IS NOT NULL
                                   THEN 'a kept manifest of ' || COALESCE(kb.repository, kl.repository) || ' references it now'
                               WHEN a.action = :deleteBlob AND b.digest IS NULL THEN 'the blob is gone'
                               WHEN a.action = :deleteBlob AND b.modified_at > r.cutoff THEN 'the blob was written again'
                               WHEN a.action = :deleteLink AND l.digest IS NULL THEN 'the layer link is gone'
                               WHEN a.action = :deleteLink AND l.modified_at > r.cutoff THEN 'the layer link was written again'
                               ELSE 'a layer link written since the plan points at it' END
                           END
                  FROM :appliedPlan a
                  JOIN gc_run r ON r.run_id = :run
                  LEFT JOIN gc_tag t ON t.run_id = :run AND a.action = :deleteTag AND t.repository = a.repository AND t.tag = a.tag
                  LEFT JOIN gc_manifest m ON m.run_id = :run AND a.action = :deleteManifest
                                         AND m.repository = a.repository AND m.digest = a.digest
                  LEFT JOIN gc_blob b ON b.run_id = :run AND a.action = :deleteBlob AND b.digest = a.digest
                  LEFT JOIN gc_layer_link l ON l.run_id = :run AND a.action = :deleteLink
                                           AND l.repository = a.repository AND l.digest = a.digest
                  LEFT JOIN (SELECT digest, MIN(repository) AS repository FROM gc_kept GROUP BY digest) kb
                         ON a.action = :deleteBlob AND kb.digest = a.digest
                  LEFT JOIN (SELECT DISTINCT repository, digest FROM gc_kept) kl
                         ON a.action = :deleteLink AND kl.repository = a.repository AND kl.digest = a.digest
                 WHERE a.run_id = :applied
                   AND NOT EXISTS (SELECT 1 FROM :plan p WHERE p.run_id = :run AND %s)"""
                .formatted(sameItem)));
    }

    /** A statement that names the applied plan: its run ({@code :applied}) and its partition ({@code :appliedPlan}). */
    private static String applying(long applied, String sql) {
        return sql.replace(":appliedPlan", PlanStore.planOf(applied)).replace(":applied", Long.toString(applied));
    }

    /** Applying a plan: a manifest it did not list is kept, and so is what it reaches. */
    private void keepWhatThePlanDidNotList(long runId, long applied) {
        run(runId, applying(applied, """
                UPDATE gc_manifest m SET keep_reason = 'not in the plan of run :applied'
                 WHERE m.run_id = :run AND m.keep_reason IS NULL
                   AND NOT EXISTS (SELECT 1 FROM :appliedPlan p WHERE p.run_id = :applied AND p.action = :deleteManifest
                                    AND p.repository = m.repository AND p.digest = m.digest)"""));
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
                       delete_reason = 'repository ' || m.repository || ' selected by --image', delete_rule = :imageRule
                  FROM gc_selection s
                 WHERE m.run_id = :run AND s.run_id = m.run_id AND s.repository = m.repository AND s.tag IS NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
        // a deleted tag takes its manifest along unless another, surviving tag still points at it
        run(runId, """
                UPDATE gc_manifest m SET selected = TRUE,
                       delete_reason = 'tag ' || m.repository || ':' || dt.tag
                           || CASE WHEN dt.delete_rule = :imageRule THEN ' selected by --image' ELSE ' ' || dt.delete_reason END,
                       delete_rule = dt.delete_rule
                  FROM gc_tag dt
                 WHERE m.run_id = :run AND NOT m.selected AND dt.delete_reason IS NOT NULL
                   AND dt.run_id = m.run_id AND dt.repository = m.repository AND dt.digest = m.digest
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
        // what a retention policy's delete-untagged rule decided at scan time
        run(runId, """
                UPDATE gc_manifest m SET selected = TRUE, delete_reason = m.policy_reason, delete_rule = m.policy_rule
                 WHERE m.run_id = :run AND NOT m.selected AND m.policy_reason IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
    }

    /**
     * Untagged children and referrers of selected manifests go with them. Where nothing is selected (no {@code --image},
     * no tag deleted, no policy: orphans only and {@code --delete-untagged}) there is nothing to follow, and the walk is
     * not made: it read every edge of the run (0.46 s at a million blobs) to find nothing.
     */
    private void selectDependents(long runId) {
        if (!anyManifestWhere(runId, "selected")) {
            return;
        }
        if (!walk(runId, "deleted", """
                SELECT repository, digest, CAST(NULL AS TEXT) AS via, delete_rule AS rule FROM gc_manifest
                 WHERE run_id = :run AND selected""")) {
            return;
        }
        run(runId, """
                UPDATE gc_manifest m SET delete_reason = 'only reachable as ' || w.via, delete_rule = w.rule
                  FROM gc_walked w
                 WHERE m.run_id = :run AND m.repository = w.repository AND m.digest = w.digest
                   AND m.delete_reason IS NULL AND w.via IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM gc_tag t WHERE t.run_id = m.run_id AND t.repository = m.repository
                                    AND t.digest = m.digest AND %s)""".formatted(LIVE_TAG));
        jdbc.execute("DROP TABLE gc_walked");
    }

    private void markRoots(long runId) {
        run(runId, """
                WITH live_tags (repository, digest, tags) AS (
                    SELECT t.repository, t.digest,
                           'tagged ' || string_agg(t.tag || COALESCE(' (' || t.policy_reason || ')', '')
                               || CASE WHEN EXISTS (SELECT 1 FROM gc_protection p WHERE p.run_id = t.run_id
                                                     AND p.repository = t.repository AND p.tag = t.tag)
                                       THEN ' (protected: in use)' ELSE '' END, ', ' ORDER BY t.tag)
                      FROM gc_tag t
                     WHERE t.run_id = :run AND t.digest IS NOT NULL AND %s
                     GROUP BY t.repository, t.digest
                ),
                unreadable_repository (repository) AS (
                    SELECT DISTINCT repository FROM gc_manifest
                     WHERE run_id = :run AND state IN :unreadable AND NOT selected
                ),
                protected_digest (repository, digest, source) AS (
                    SELECT DISTINCT ON (repository, digest) repository, digest, source FROM gc_protection
                     WHERE run_id = :run AND digest IS NOT NULL ORDER BY repository, digest, source
                ),
                decision (repository, digest, keep_reason) AS (
                    SELECT m.repository, m.digest, CASE
                        WHEN pd.digest IS NOT NULL THEN 'protected: in use (--protect ' || pd.source || ')'
                        WHEN m.modified_at > r.cutoff THEN 'younger than --min-age'
                        WHEN NOT m.selected AND m.state IN :unreadable
                            THEN 'cannot be read, so it is kept: ' || m.problem
                        WHEN NOT m.selected AND repo.tainted
                            THEN 'repository has unreadable tags or links: all its manifests are kept'
                        WHEN NOT m.selected AND u.repository IS NOT NULL
                            THEN 'repository has an unreadable manifest whose references are unknown'
                        WHEN m.delete_reason IS NULL AND NOT r.tags_read
                            THEN 'every manifest is kept without --delete-untagged, --image or a retention policy'
                                 || ' (so its tags were not read)'
                        WHEN m.delete_reason IS NULL
                            THEN COALESCE(lt.tags, 'untagged, and untagged manifests are kept without --delete-untagged')
                        END
                      FROM gc_manifest m
                      JOIN gc_run r ON r.run_id = m.run_id
                      JOIN gc_repository repo ON repo.run_id = m.run_id AND repo.repository = m.repository
                      LEFT JOIN unreadable_repository u ON u.repository = m.repository
                      LEFT JOIN live_tags lt ON lt.repository = m.repository AND lt.digest = m.digest
                      LEFT JOIN protected_digest pd ON pd.repository = m.repository AND pd.digest = m.digest
                     WHERE m.run_id = :run
                )
                UPDATE gc_manifest m SET keep_reason = d.keep_reason
                  FROM decision d
                 WHERE m.run_id = :run AND m.repository = d.repository AND m.digest = d.digest
                   AND d.keep_reason IS NOT NULL""".formatted(LIVE_TAG));
    }

    /**
     * Keeps what a kept manifest reaches. Not called where every manifest is kept already (no {@code --delete-untagged},
     * no selection: most runs): there is nothing to reach, and the walk over every edge is not made.
     */
    private void keepWhatRootsReach(long runId) {
        // starts from the edges of the roots, not from every root: most manifests have none
        if (!walk(runId, "kept", """
                SELECT e.repository, e.to_digest AS digest, e.relation || ' kept manifest ' || e.from_digest AS via,
                       CAST(NULL AS TEXT) AS rule
                  FROM gc_edge e JOIN gc_manifest root
                    ON root.run_id = :run AND root.repository = e.repository AND root.digest = e.from_digest
                 WHERE root.keep_reason IS NOT NULL""")) {
            return;
        }
        run(runId, """
                UPDATE gc_manifest m SET keep_reason = w.via
                  FROM gc_walked w
                 WHERE m.run_id = :run AND m.repository = w.repository AND m.digest = w.digest
                   AND m.keep_reason IS NULL""");
        jdbc.execute("DROP TABLE gc_walked");
    }

    /**
     * Follows the edges from the rows of {@code start} (repository, digest, via, rule) as far as they lead, into
     * {@code gc_walked}: each row reached, with the edge it was reached by ("child of kept manifest ..."). Made of three
     * statements so that the walk's step alone looks edges up by index, one lookup per manifest reached: joined by hash
     * (as everything else in planning is), each step of the walk read every edge of the registry, so that a chain
     * of 2,000 indexes took seconds where it takes milliseconds (steps times edges). The start, which joins large
     * inputs, is joined by hash before the walk. False, and no {@code gc_walked}, where the registry has no edge at all
     * (no index, no referrer): there is nowhere to go.
     */
    private boolean walk(long runId, String verb, String start) {
        if (!Boolean.TRUE.equals(jdbc.queryForObject("SELECT to_regclass('pg_temp.gc_edge') IS NOT NULL", Boolean.class))) {
            run(runId, "CREATE TEMPORARY TABLE gc_edge AS " + EDGES);
            jdbc.execute("CREATE INDEX ON gc_edge (repository, from_digest)");
            analyzeTemporary("gc_edge");
        }
        if (!exists("gc_edge", "TRUE")) {
            return false;
        }
        run(runId, "CREATE TEMPORARY TABLE gc_walk_start AS " + start);
        // for this statement only (a failure rolls the planning transaction back, settings included)
        jdbc.execute("SET LOCAL enable_nestloop = on");
        jdbc.execute("SET LOCAL enable_hashjoin = off");
        run(runId, """
                CREATE TEMPORARY TABLE gc_walked AS
                WITH RECURSIVE walked (repository, digest, via, rule) AS (
                    SELECT repository, digest, via, rule FROM gc_walk_start
                    UNION
                    SELECT e.repository, e.to_digest, e.relation || ' %s manifest ' || w.digest, w.rule
                      FROM walked w JOIN gc_edge e ON e.repository = w.repository AND e.from_digest = w.digest
                )
                SELECT repository, digest, via, rule FROM walked""".formatted(verb));
        jdbc.execute("SET LOCAL enable_nestloop = off");
        jdbc.execute("SET LOCAL enable_hashjoin = on");
        jdbc.execute("DROP TABLE gc_walk_start");
        return true;
    }

    /**
     * What the sweep may touch, found once and numbered: each repository's layer links that no kept manifest of it
     * references, and the blobs no kept manifest references, with what the scan knew of them. Both anti-joins against the
     * kept digests are made here and only here: the looks and the blob phase read these tables (temporary: no WAL).
     */
    private void findCandidates(long runId) {
        // the two anti-joins hash every kept pair (1.4 million at a million blobs): with parallel workers they took
        // 3.4 s instead of 6.5 s. PostgreSQL 14 runs no INSERT in parallel but a CREATE TABLE AS, and it must be told
        // that starting workers and passing rows to the leader costs nothing next to hashing (for these two only).
        // Not for a small run: starting the workers took 35 ms a statement, twice the rest of a small run's planning
        if (RunPartitions.analyzedRows(jdbc, runId, "gc_layer_link", "gc_blob") >= PARALLEL_CANDIDATES_FROM_ROWS) {
            jdbc.execute("SET LOCAL parallel_setup_cost = 0");
            jdbc.execute("SET LOCAL parallel_tuple_cost = 0");
        }
        run(runId, """
                CREATE TEMPORARY TABLE gc_candidate_link AS
                SELECT ROW_NUMBER() OVER () AS n, l.repository, l.digest, l.modified_at
                  FROM gc_layer_link l
                 WHERE l.run_id = :run
                   AND NOT EXISTS (SELECT 1 FROM gc_kept k WHERE k.repository = l.repository AND k.digest = l.digest)""");
        run(runId, """
                CREATE TEMPORARY TABLE gc_candidate_blob AS
                SELECT ROW_NUMBER() OVER () AS n, b.digest, b.size, b.modified_at
                  FROM gc_blob b
                 WHERE b.run_id = :run AND NOT EXISTS (SELECT 1 FROM gc_kept k WHERE k.digest = b.digest)""");
        jdbc.execute("RESET parallel_setup_cost");
        jdbc.execute("RESET parallel_tuple_cost");
        // the looks read the candidates in slices of consecutive numbers
        jdbc.execute("ALTER TABLE gc_candidate_link ADD PRIMARY KEY (n)");
        jdbc.execute("ALTER TABLE gc_candidate_blob ADD PRIMARY KEY (n)");
        jdbc.execute("CREATE TEMPORARY TABLE gc_looked_link (n BIGINT, modified_at TIMESTAMPTZ)");
        jdbc.execute("CREATE TEMPORARY TABLE gc_looked_blob (n BIGINT, size BIGINT, modified_at TIMESTAMPTZ)");
        analyzeTemporary("gc_candidate_link", "gc_candidate_blob");
    }

    /**
     * Gives a time to the layer links the scan named without looking at them (on a filesystem), where the plan may act
     * on them: the candidates (a link that no kept manifest of its repository references may be cut, and its time may
     * keep its blob: a push in flight). Every other named link stays without a time, which no statement asks for: it is
     * neither cut nor a reason to keep anything more than its repository's kept manifests already keep. Looked at in
     * slices, so that memory does not grow with the registry; each answer goes to {@code gc_looked_link} by the
     * candidate's number, where the blob phase reads it. The scanned links get what decides anything elsewhere: the
     * folders found to hold no link are forgotten, as the scan forgets them, and a link written after the cutoff gets
     * its time (it keeps its blob, and its repository).
     */
    private void lookAtNamedLinks(long runId, StorageLook look) {
        List<StorageProblem> problems = lookInSlices("gc_candidate_link", "repository, digest",
                (rs, row) -> new NamedLink(rs.getString(2), Digest.parse(rs.getString(3))), look::times,
                "the layer links the plan may cut", "gc_looked_link", "n, modified_at",
                (n, time) -> new Object[] {n, time.map(ScanStateStore::timestamp).orElse(null)});
        if (exists("gc_looked_link", "modified_at IS NULL")) {
            run(runId, """
                    DELETE FROM gc_layer_link l
                     USING gc_candidate_link c JOIN gc_looked_link k ON k.n = c.n
                     WHERE l.run_id = :run AND l.repository = c.repository AND l.digest = c.digest
                       AND k.modified_at IS NULL""");
        }
        if (exists("gc_looked_link", writtenAfterTheCutoff(runId))) {
            run(runId, """
                    UPDATE gc_layer_link l SET modified_at = k.modified_at
                      FROM gc_candidate_link c JOIN gc_looked_link k ON k.n = c.n JOIN gc_run r ON r.run_id = :run
                     WHERE l.run_id = :run AND l.repository = c.repository AND l.digest = c.digest
                       AND k.modified_at > r.cutoff""");
        }
        insertProblems(runId, problems);
    }

    /**
     * Gives a size and a time to the blobs the scan named without looking at them (on a filesystem), where the plan may
     * delete them: the candidates, which no kept manifest references. Every other named blob stays without a time, which
     * no statement asks for: a kept manifest references it, so it stays whatever its time. In slices, as
     * {@link #lookAtNamedLinks}; the folders found to be no blob (gone, a symbolic link, a file) are forgotten, as the
     * scan forgets them, and a blob written after the cutoff gets its time.
     */
    private void lookAtNamedBlobs(long runId, StorageLook look) {
        List<StorageProblem> problems = lookInSlices("gc_candidate_blob", "digest",
                (rs, row) -> Digest.parse(rs.getString(2)), look::blobs, "the blobs the plan may delete",
                "gc_looked_blob", "n, size, modified_at",
                (n, blob) -> new Object[] {n, blob.map(BlobEntry::size).orElse(null),
                        blob.map(b -> ScanStateStore.timestamp(b.modified())).orElse(null)});
        if (exists("gc_looked_blob", "modified_at IS NULL")) {
            run(runId, """
                    DELETE FROM gc_blob b
                     USING gc_candidate_blob c JOIN gc_looked_blob k ON k.n = c.n
                     WHERE b.run_id = :run AND b.digest = c.digest AND k.modified_at IS NULL""");
        }
        if (exists("gc_looked_blob", writtenAfterTheCutoff(runId))) {
            run(runId, """
                    UPDATE gc_blob b SET size = k.size, modified_at = k.modified_at
                      FROM gc_candidate_blob c JOIN gc_looked_blob k ON k.n = c.n JOIN gc_run r ON r.run_id = :run
                     WHERE b.run_id = :run AND b.digest = c.digest AND k.modified_at > r.cutoff""");
        }
        insertProblems(runId, problems);
    }

    /** Asks the storage about one slice of what the scan only named; one answer per item, in order. */
    @FunctionalInterface
    private interface SliceLook<T, A> {
        List<A> look(List<T> slice, Consumer<StorageProblem> problems) throws IOException;
    }

    /**
     * Reads the candidates the scan only named (from a table of {@code n} and {@code itemColumns}, which {@code item}
     * maps from the second column on) in slices of consecutive numbers, has the storage look at each slice, and copies
     * one row per item (what {@code row} makes of its number and its answer) into {@code lookedTable}: memory bounded
     * whatever the size. Returns what the looks reported. Where the scan named none of them (an object store's scan),
     * the storage is not asked at all.
     */
    private <T, A> List<StorageProblem> lookInSlices(String candidates, String itemColumns, RowMapper<T> item,
            SliceLook<T, A> look, String what, String lookedTable, String columns, BiFunction<Long, A, Object[]> row) {
        List<StorageProblem> problems = Collections.synchronizedList(new ArrayList<>());
        if (!exists(candidates, "modified_at IS NULL")) {
            return problems;
        }
        BulkCopy copy = new BulkCopy(jdbc.getDataSource());
        long last = jdbc.queryForObject("SELECT COALESCE(MAX(n), 0) FROM " + candidates, Long.class);
        for (long from = 0; from < last; from += LINKS_PER_LOOK) {
            List<Long> numbers = new ArrayList<>();
            List<T> slice = jdbc.query("SELECT n, " + itemColumns + " FROM " + candidates
                    + " WHERE modified_at IS NULL AND n > ? AND n <= ? ORDER BY n",
                    (rs, i) -> {
                        numbers.add(rs.getLong(1));
                        return item.mapRow(rs, i);
                    }, from, from + LINKS_PER_LOOK);
            if (slice.isEmpty()) {
                continue;
            }
            List<A> answers;
            try {
                answers = look.look(slice, problems::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot look at " + what + ": " + e.getMessage(), e);
            }
            List<Object[]> rows = new ArrayList<>(slice.size());
            for (int i = 0; i < slice.size(); i++) {
                rows.add(row.apply(numbers.get(i), answers.get(i)));
            }
            copy.copy(lookedTable, columns, rows);
        }
        return problems;
    }

    /** The condition on a look's answer ({@code modified_at}) that it was written after the run's cutoff. */
    private static String writtenAfterTheCutoff(long runId) {
        return "modified_at > (SELECT cutoff FROM gc_run WHERE run_id = " + runId + ")";
    }

    /** Whether any manifest of the run meets {@code condition} (SQL over gc_manifest's columns). */
    private boolean anyManifestWhere(long runId, String condition) {
        return exists("gc_manifest", "run_id = " + runId + " AND " + condition);
    }

    /** Whether any row of {@code table} meets {@code condition}. */
    private boolean exists(String table, String condition) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM " + table + " WHERE " + condition + ")", Boolean.class));
    }

    private void insertProblems(long runId, List<StorageProblem> problems) {
        if (!problems.isEmpty()) {
            jdbc.batchUpdate("INSERT INTO gc_problem (run_id, path, message, impact) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    problems.stream().map(p -> new Object[] {runId, p.path(), p.message(), p.impact().name()}).toList());
        }
    }

    private void planManifestPhase(long runId, Long applied) {
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_TAG, """
                SELECT t.repository, t.tag, t.digest, 0, t.delete_reason, t.delete_rule
                  FROM gc_tag t
                 WHERE t.run_id = :run AND NOT %s
                 ORDER BY t.repository, t.tag""".formatted(LIVE_TAG));
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_MANIFEST, """
                SELECT m.repository, NULL, m.digest, 0, COALESCE(m.delete_reason, 'not reachable from a kept manifest'),
                       COALESCE(m.delete_rule, :unreachableRule)
                  FROM gc_manifest m
                 WHERE m.run_id = :run AND m.keep_reason IS NULL
                 ORDER BY m.repository, m.digest""");
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_LAYER_LINK, """
                WITH %s
                SELECT l.repository, NULL, l.digest, 0, 'repository ' || l.repository || ' selected by --image', :imageRule
                  FROM gc_layer_link l JOIN deleted_repository d ON d.repository = l.repository
                 WHERE l.run_id = :run
                 ORDER BY l.repository, l.digest""".formatted(deletedRepository(applied)));
        insertPlan(runId, Phase.MANIFESTS, Action.DELETE_REPOSITORY, """
                WITH %s
                SELECT d.repository, NULL, NULL, 0, 'repository ' || d.repository || ' selected by --image', :imageRule
                  FROM deleted_repository d JOIN gc_repository r ON r.run_id = :run AND r.repository = d.repository
                 ORDER BY d.repository""".formatted(deletedRepository(applied)));
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

    /**
     * The sweep: each repository's layer links that no kept manifest of it references, then every blob no kept manifest
     * references (a fresh link keeps its blob: a push in flight), from the candidates with what the scan or a look
     * found of them (a candidate found gone has no time, and so no item). One statement, so that the owners are computed once;
     * its rows are numbered in the order it gives them: partition by partition, and in each every link before every blob,
     * which is the order the sweep reads a partition in (by seq alone, a range of an index). Numbered partition by
     * partition, the rows come in the order of the plan's index by partition too, and attaching the plan builds that
     * index from presorted rows (dry runs at a million blobs: this insert 11.5 to 12.0 s and the attach 2.4 to 2.5 s,
     * against 14.3 to 16.2 s and 2.8 to 3.0 s numbered links first, then blobs).
     */
    private void planBlobPhase(long runId, Long applied) {
        insertPlan(runId, Phase.BLOBS, """
                WITH %s, %s,
                fresh_link (digest) AS (
                    SELECT DISTINCT l.digest FROM gc_layer_link l JOIN gc_run r ON r.run_id = l.run_id
                     WHERE l.run_id = :run AND l.modified_at > r.cutoff
                ),
                link (repository, digest, rule) AS (
                    SELECT c.repository, c.digest, COALESCE(o.rule, :unreachableRule)
                      FROM gc_candidate_link c
                      LEFT JOIN gc_looked_link k ON k.n = c.n
                      LEFT JOIN owner o ON o.digest = c.digest
                      JOIN gc_repository repo ON repo.run_id = :run AND repo.repository = c.repository
                      JOIN gc_run r ON r.run_id = :run
                     WHERE NOT repo.tainted AND COALESCE(c.modified_at, k.modified_at) <= r.cutoff
                       AND NOT EXISTS (SELECT 1 FROM deleted_repository d WHERE d.repository = c.repository)
                ),
                blob (digest, size, rule) AS (
                    SELECT c.digest, COALESCE(c.size, k.size), COALESCE(o.rule, :orphanRule)
                      FROM gc_candidate_blob c
                      LEFT JOIN gc_looked_blob k ON k.n = c.n
                      JOIN gc_run r ON r.run_id = :run
                      LEFT JOIN owner o ON o.digest = c.digest
                     WHERE COALESCE(c.modified_at, k.modified_at) <= r.cutoff
                       AND NOT EXISTS (SELECT 1 FROM fresh_link f WHERE f.digest = c.digest)
                )
                SELECT action, repository, tag, digest, bytes, reason, rule FROM (
                    SELECT :deleteLink AS action, 0 AS links_first, repository, NULL AS tag, digest, 0 AS bytes,
                           'no kept manifest of ' || repository || ' references it' AS reason, rule
                      FROM link
                    UNION ALL
                    SELECT :deleteBlob, 1, NULL, NULL, digest, GREATEST(size, 0),
                           CASE WHEN size < 0 THEN 'blob folder without data, referenced by no kept manifest'
                                ELSE 'no kept manifest references it' END, rule
                      FROM blob
                ) item
                 ORDER BY %s, links_first, repository, digest""".formatted(deletedRepository(applied), OWNER, blobPart("item.digest")));
    }

    /** Appends items of one action to the plan, in the order the select gives, numbered after what is there. */
    private void insertPlan(long runId, Phase phase, Action action, String select) {
        insertPlan(runId, phase, "SELECT '%s', q.* FROM (%s) AS q".formatted(action.name(), select));
    }

    /**
     * Appends items to the plan, in the order the select gives them (action, repository, tag, digest, bytes, reason,
     * rule), numbered after what is there.
     */
    private void insertPlan(long runId, Phase phase, String select) {
        run(runId, """
                INSERT INTO :plan (run_id, seq, phase, action, repository, tag, digest, bytes, reason, rule, part)
                SELECT :run, (SELECT COALESCE(MAX(seq), 0) FROM :plan) + ROW_NUMBER() OVER (),
                       '%s', p.*, %s FROM (%s) AS p (action, repository, tag, digest, bytes, reason, rule)"""
                .formatted(phase.name(), phase == Phase.MANIFESTS ? MANIFEST_PART : BLOB_PART, select));
    }

    private void run(long runId, String sql) {
        statements.run(bind(runId, sql));
    }

    /**
     * Logs (at debug) how long each statement took, with its first line: where a planning is slow on some registry,
     * the statement to look at.
     */
    static Statements timed(Statements statements) {
        return sql -> {
            long started = System.nanoTime();
            statements.run(sql);
            logTime(started, sql);
        };
    }

    private static void logTime(long started, String sql) {
        if (log.isDebugEnabled()) {
            log.debug("planning statement took {} ms: {}", (System.nanoTime() - started) / 1_000_000, firstLine(sql));
        }
    }

    /** Fresh statistics on the run's partitions of these tables, timed as the statements are. */
    private void analyze(long runId, String... tables) {
        timed("ANALYZE " + String.join(", ", tables), () -> RunPartitions.analyze(jdbc, runId, tables));
    }

    /** Statistics on tables of this session, timed as the statements are. */
    private void analyzeTemporary(String... tables) {
        String sql = "ANALYZE " + String.join(", ", tables);
        timed(sql, () -> jdbc.execute(sql));
    }

    private static void timed(String what, Runnable action) {
        long started = System.nanoTime();
        action.run();
        logTime(started, what);
    }

    private static String firstLine(String sql) {
        String line = sql.strip().lines().findFirst().orElse("");
        return line.length() > 100 ? line.substring(0, 100) + "..." : line;
    }

    /** Fills in the run and the enum constants the SQL names, so the SQL speaks our vocabulary. */
    static String bind(long runId, String sql) {
        return sql.replace(":plan", PlanStore.planOf(runId))
                .replace(":run", Long.toString(runId)).replace(":unreadable", UNREADABLE)
                .replace(":child", quoted(ReferenceKind.CHILD)).replace(":named", quoted(ReferenceKind.NAMED)).replace(":subject", quoted(ReferenceKind.SUBJECT))
                .replace(":sweepBlocked", quoted(StorageProblem.Impact.SWEEP_BLOCKED))
                .replace(":noted", quoted(StorageProblem.Impact.NOTED))
                .replace(":deleteVerdict", quoted(Verdict.DELETE))
                .replace(":deleteTag", quoted(Action.DELETE_TAG)).replace(":deleteManifest", quoted(Action.DELETE_MANIFEST))
                .replace(":deleteRepository", quoted(Action.DELETE_REPOSITORY))
                .replace(":deleteBlob", quoted(Action.DELETE_BLOB)).replace(":deleteLink", quoted(Action.DELETE_LAYER_LINK))
                .replace(":imageRule", label(BuiltInRule.IMAGE)).replace(":untaggedRule", label(BuiltInRule.DELETE_UNTAGGED))
                .replace(":unreachableRule", label(BuiltInRule.UNREACHABLE)).replace(":orphanRule", label(BuiltInRule.ORPHAN));
    }

    private static String quoted(Enum<?> constant) {
        return "'" + constant.name() + "'";
    }

    private static String label(BuiltInRule rule) {
        return "'" + rule.label().replace("'", "''") + "'";
    }
}
