package io.registrygc.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.manifest.Reference;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.scan.RecentManifests.Look;
import io.registrygc.scan.RecentManifests.Recent;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.Digest;
import io.registrygc.storage.StorageProblem;
import io.registrygc.testsupport.MigratedDatabase;
import io.registrygc.testsupport.PlannedRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The planner's statements, run under EXPLAIN ANALYZE on the scanned state of a 90,000-blob registry of the
 * shape that once made one statement run for minutes: none of them may loop over a large input once per row
 * of another large input. A check of the plans' shapes with their real row counts, not a timing.
 */
class PlannerShapeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows above which a nested loop's inner side, repeated per outer row, makes a statement quadratic. */
    private static final long LARGE = 1000;

    /**
     * The storage's answer for every layer link and blob the planner looks at (the shape's are named only, as a
     * filesystem scan leaves them): written long before the cutoff, blobs of 1,000 bytes.
     */
    private static final GcPlanner.StorageLook OLD_LINKS = new GcPlanner.StorageLook() {
        @Override
        public List<Optional<Instant>> times(List<GcPlanner.NamedLink> links, Consumer<StorageProblem> problems) {
            return Collections.nCopies(links.size(), Optional.of(Instant.now().minus(Duration.ofDays(2))));
        }

        @Override
        public List<Optional<BlobEntry>> blobs(List<Digest> digests, Consumer<StorageProblem> problems) {
            return digests.stream().map(d -> Optional.of(new BlobEntry(d, 1000, Instant.now().minus(Duration.ofDays(2)))))
                    .toList();
        }
    };

    private static Connection connection;
    private static JdbcTemplate jdbc;
    private static long runId;

    @BeforeAll
    static void scanAShapeOf90000Blobs() throws IOException, SQLException {
        // one connection: the shape's script fills temporary tables first
        connection = MigratedDatabase.jdbc().getDataSource().getConnection();
        jdbc = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
        runId = jdbc.queryForObject("SELECT nextval('batch_job_instance_seq')", Long.class);
        for (String statement : shapeStatements("/planner-shape.sql", runId, Map.of("repos", 2000))) {
            jdbc.execute(statement);
        }
    }

    /** The other tests share the database: they should not plan next to 90,000 extra rows. */
    @AfterAll
    static void forgetTheShape() throws SQLException {
        try {
            MigratedDatabase.forgetRun(runId);
        } finally {
            connection.close();
        }
    }

    @Test
    void noPlanningStatementLoopsOverTwoLargeInputs() {
        List<String> quadratic = new ArrayList<>();
        List<String> explained = new ArrayList<>();
        Set<String> jit = new HashSet<>();
        Map<String, String> setupCosts = new TreeMap<>();
        PlannedRun.planAsTheJobDoes(jdbc, new GcPlanner(jdbc, sql -> {
            // a server with LLVM would compile each of these once-run statements (seconds at 100,000 blobs)
            jit.add(jdbc.queryForObject("SELECT current_setting('jit')", String.class));
            setupCosts.put(firstLine(sql), parallelSetupCost(jdbc));
            JsonNode plan = readPlan(jdbc.queryForObject("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, String.class));
            explained.add(sql);
            quadraticLoops(plan.get(0).get("Plan"), firstLine(sql), quadratic);
        }), runId, OLD_LINKS);

        assertThat(explained).as("statements explained").hasSizeGreaterThan(10);
        assertThat(quadratic).as("nested loops over two large inputs").isEmpty();
        assertThat(jit).as("JIT compilation during planning").containsExactly("off");
        assertThat(candidateStatements(setupCosts)).as("the candidates of the 90,000-blob shape, found by parallel"
                + " workers").hasSize(2).allSatisfy((statement, cost) -> assertThat(cost).isEqualTo("0"));
        Map<String, Object> plan = jdbc.queryForMap("""
                SELECT COUNT(*) FILTER (WHERE action = 'DELETE_MANIFEST') AS manifests,
                       COUNT(*) FILTER (WHERE action = 'DELETE_LAYER_LINK') AS links,
                       COUNT(*) FILTER (WHERE action = 'DELETE_BLOB') AS blobs FROM gc_plan_item WHERE run_id = ?""", runId);
        // six of nine manifests per repository are untagged: they, their configs and the layers only they use go
        assertThat(plan).containsEntry("manifests", 12_000L).containsEntry("links", 48_000L).containsEntry("blobs", 56_030L);
    }

    /**
     * The sweep reads a partition by seq alone and must meet its layer links before its blobs; the partitions are
     * numbered one after the other, so that attaching the plan indexes presorted rows.
     */
    @Test
    void everyPartitionOfTheBlobPhaseNumbersItsLinksBeforeItsBlobsAndIsNumberedInOneRun() {
        PlannedRun.planAsTheJobDoes(jdbc, new GcPlanner(jdbc), runId, OLD_LINKS);
        List<Map<String, Object>> partitions = jdbc.queryForList("""
                SELECT part, COUNT(*) FILTER (WHERE action = ?) AS links, COUNT(*) FILTER (WHERE action = ?) AS blobs,
                       MAX(seq) FILTER (WHERE action = ?) < MIN(seq) FILTER (WHERE action = ?) AS links_first,
                       COUNT(*) = MAX(seq) - MIN(seq) + 1 AS numbered_together
                  FROM gc_plan_item WHERE run_id = ? AND phase = 'BLOBS' GROUP BY part ORDER BY part""",
                PlanItem.Action.DELETE_LAYER_LINK.name(), PlanItem.Action.DELETE_BLOB.name(),
                PlanItem.Action.DELETE_LAYER_LINK.name(), PlanItem.Action.DELETE_BLOB.name(), runId);

        assertThat(partitions).hasSize(16).allSatisfy(partition -> {
            assertThat((Long) partition.get("links")).as("links of partition %s", partition.get("part")).isPositive();
            assertThat((Long) partition.get("blobs")).as("blobs of partition %s", partition.get("part")).isPositive();
            assertThat(partition.get("links_first")).as("links first in partition %s", partition.get("part")).isEqualTo(true);
            // one run of numbers per partition: the rows come in the order of the plan's index by partition
            assertThat(partition.get("numbered_together")).as("partition %s numbered as one run", partition.get("part"))
                    .isEqualTo(true);
        });
    }

    /** Starting parallel workers took longer than the rest of a small run's planning. */
    @Test
    void aSmallRunFindsItsCandidatesWithoutParallelWorkers() throws IOException, SQLException {
        onARunOfItsOwn(List.of(new Shape("/planner-shape.sql", Map.of("repos", 10))), (small, smallRun) -> {
            Map<String, String> setupCosts = new TreeMap<>();
            PlannedRun.planAsTheJobDoes(small, new GcPlanner(small, sql -> {
                setupCosts.put(firstLine(sql), parallelSetupCost(small));
                small.update(sql);
            }), smallRun, OLD_LINKS);

            assertThat(candidateStatements(setupCosts)).as("the candidates of a few hundred links and blobs").hasSize(2)
                    .allSatisfy((statement, cost) -> assertThat(cost).isEqualTo("1000"));
        });
    }

    /** A shape's SQL resource and the values of its {@code :name} placeholders besides the run. */
    private record Shape(String resource, Map<String, Integer> values) {
    }

    /** Chains of 2,000 manifests and a manifest under 2,000 tags, next to a small registry of the planner shape. */
    private static final List<Shape> EXTREME_SHAPES = List.of(new Shape("/planner-shape.sql", Map.of("repos", 10)),
            new Shape("/planner-extreme-shapes.sql", Map.of("depth", 2000)));

    @FunctionalInterface
    private interface RunCheck {
        void check(JdbcTemplate session, long runId);
    }

    /**
     * Checks a run of its own, filled with these shapes on one connection of its own (their scripts fill temporary
     * tables first), and forgets it afterwards.
     */
    private static void onARunOfItsOwn(List<Shape> shapes, RunCheck check) throws IOException, SQLException {
        try (Connection own = MigratedDatabase.jdbc().getDataSource().getConnection()) {
            JdbcTemplate session = new JdbcTemplate(new SingleConnectionDataSource(own, true));
            long run = session.queryForObject("SELECT nextval('batch_job_instance_seq')", Long.class);
            try {
                for (Shape shape : shapes) {
                    shapeStatements(shape.resource(), run, shape.values()).forEach(session::execute);
                }
                check.check(session, run);
            } finally {
                MigratedDatabase.forgetRun(run);
            }
        }
    }

    private static String parallelSetupCost(JdbcTemplate session) {
        return session.queryForObject("SELECT current_setting('parallel_setup_cost')", String.class);
    }

    private static String firstLine(String sql) {
        return sql.strip().lines().findFirst().orElse("");
    }

    private static Map<String, String> candidateStatements(Map<String, String> settingByStatement) {
        Map<String, String> candidates = new TreeMap<>(settingByStatement);
        candidates.keySet().removeIf(statement -> !statement.startsWith("CREATE TEMPORARY TABLE gc_candidate_"));
        return candidates;
    }

    @Test
    void theCheckFindsALoopOverTwoLargeInputs() {
        jdbc.execute("SET enable_hashjoin = off");
        jdbc.execute("SET enable_mergejoin = off");
        try {
            String join = """
                    SELECT COUNT(*) FROM (SELECT digest FROM gc_blob WHERE run_id = %1$d LIMIT 2000) b
                      JOIN (SELECT target_digest FROM gc_reference WHERE run_id = %1$d LIMIT 2000) r
                        ON lower(r.target_digest) = b.digest""".formatted(runId);
            List<String> found = new ArrayList<>();
            quadraticLoops(readPlan(jdbc.queryForObject("EXPLAIN (ANALYZE, FORMAT JSON) " + join, String.class)).get(0)
                    .get("Plan"), "forced nested loop", found);
            assertThat(found).hasSize(1);
        } finally {
            jdbc.execute("RESET enable_hashjoin");
            jdbc.execute("RESET enable_mergejoin");
        }
    }

    /**
     * Walking from a manifest to what it reaches takes a step per link of the longest chain, and each step must cost
     * what it reaches: joined by hash, each step read every edge of the registry (2,000 steps of 8,000 edges here).
     * And 2,000 tags on one manifest, one of them deleted, are not compared with each other.
     */
    @Test
    void chainsOf2000ManifestsAndAManifestUnder2000TagsArePlannedWithoutRereading() throws IOException, SQLException {
        onARunOfItsOwn(EXTREME_SHAPES, (deep, deepRun) -> {
            List<String> quadratic = new ArrayList<>();
            List<String> explained = new ArrayList<>();
            Map<String, String> nestedLoops = new TreeMap<>();
            PlannedRun.planAsTheJobDoes(deep, new GcPlanner(deep, sql -> {
                explained.add(firstLine(sql));
                nestedLoops.merge(firstLine(sql), deep.queryForObject("SELECT current_setting('enable_nestloop') || '/'"
                        + " || current_setting('enable_hashjoin')", String.class), (a, b) -> a.equals(b) ? a : a + " " + b);
                JsonNode plan = readPlan(deep.queryForObject("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, String.class));
                quadraticLoops(plan.get(0).get("Plan"), firstLine(sql), quadratic);
            }), deepRun, OLD_LINKS);

            assertThat(quadratic).as("steps that read many rows, many times").isEmpty();
            assertThat(explained).as("the walks").filteredOn(s -> s.startsWith("CREATE TEMPORARY TABLE gc_walked"))
                    .hasSize(2);
            // nested loops and no hash join for the walks' steps, and for nothing else
            assertThat(nestedLoops).as("enable_nestloop/enable_hashjoin by statement")
                    .containsEntry("CREATE TEMPORARY TABLE gc_walked AS", "on/off")
                    .allSatisfy((statement, settings) -> assertThat(settings).as(statement)
                            .isEqualTo(statement.startsWith("CREATE TEMPORARY TABLE gc_walked") ? "on/off" : "off/on"));
            Map<String, Object> deleted = new TreeMap<>();
            deep.query("""
                    SELECT repository, COUNT(*) FROM gc_plan_item WHERE run_id = ? AND action = ?
                       AND repository LIKE 'deep/%' GROUP BY repository""", row -> {
                deleted.put(row.getString(1), row.getLong(2));
            }, deepRun, PlanItem.Action.DELETE_MANIFEST.name());
            assertThat(deleted).as("manifests deleted").isEqualTo(Map.of("deep/untagged", 2000L, "deep/selected", 2000L));
            assertThat(deep.queryForList("""
                    SELECT repository || ': ' || keep_reason FROM gc_manifest
                     WHERE run_id = ? AND repository IN ('deep/tagged', 'deep/referrers')
                       AND digest = 'sha256:' || encode(sha256((repository || ' manifest 1999')::bytea), 'hex')
                     ORDER BY repository""", String.class, deepRun)).containsExactly(
                    "deep/referrers: referrer of kept manifest sha256:" + sha256Hex("deep/referrers manifest 1998"),
                    "deep/tagged: child of kept manifest sha256:" + sha256Hex("deep/tagged manifest 1998"));
            assertThat(deep.queryForList("SELECT tag FROM gc_plan_item WHERE run_id = ? AND action = ?", String.class,
                    deepRun, PlanItem.Action.DELETE_TAG.name())).containsExactlyInAnyOrder("tag-17", "latest");
            assertThat(deep.queryForObject("SELECT keep_reason FROM gc_manifest WHERE run_id = ? AND repository = ?",
                    String.class, deepRun, "crowd/tags")).startsWith("tagged tag-0, tag-1, tag-10, tag-100,")
                    .doesNotContain("tag-17,").hasSizeGreaterThan(2000 * 6);
        });
    }

    /**
     * A push during the run that holds a chain of 2,000 manifests, 4,000 plan items: the online re-check matches them by
     * hash. With a plan never analyzed, the optimizer took its 20,000 items for a row or two and compared each with
     * each digest held (7 s for one look at 200 repositories of the planner shape, 44 s at 2,000).
     */
    @Test
    void aPushThatHoldsAChainOf2000ManifestsIsMatchedWithThePlanByHash() throws IOException, SQLException {
        onARunOfItsOwn(EXTREME_SHAPES, (session, run) -> {
            PlannedRun.planAsTheJobDoes(session, new GcPlanner(session), run, OLD_LINKS);
            long items = session.queryForObject("SELECT COUNT(*) FROM gc_plan_item WHERE run_id = ?", Long.class, run);
            JsonNode estimate = readPlan(session.queryForObject("EXPLAIN (FORMAT JSON) SELECT seq FROM gc_plan_item"
                    + " WHERE run_id = " + run + " AND drift IS NULL", String.class));
            assertThat(estimate.get(0).get("Plan").get("Plan Rows").asLong()).as("the rows the optimizer expects of %s"
                    + " plan items without drift", items).isGreaterThan(items / 2);

            Recent fresh = new Recent("deep/untagged", Digest.of("sha256", "fresh".getBytes(StandardCharsets.UTF_8)),
                    List.of(new Reference(ReferenceKind.CHILD, Digest.of("sha256",
                            "deep/untagged manifest 0".getBytes(StandardCharsets.UTF_8)), "application/vnd.oci.image.index.v1+json",
                            100)), Optional.empty());
            int held = new PlanRecheck(session).holdWhatRecentManifestsReference(run, new Look(List.of(fresh), List.of()));

            // the untagged chain's 2,000 manifests and their 2,000 blobs
            assertThat(held).isEqualTo(4000);
        });
    }

    private static String sha256Hex(String text) {
        return Digest.of("sha256", text.getBytes(StandardCharsets.UTF_8)).toString().substring("sha256:".length());
    }

    /**
     * A shape's SQL (also usable with psql), with the run and the {@code :name} values filled in, one statement each
     * (its closing report left out).
     */
    private static List<String> shapeStatements(String resource, long runId, Map<String, Integer> values) throws IOException {
        String script;
        try (var in = PlannerShapeTest.class.getResourceAsStream(resource)) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String filled = String.join("\n", script.lines().filter(l -> !l.startsWith("--")).toList())
                .replace(":run", Long.toString(runId));
        for (Map.Entry<String, Integer> value : values.entrySet()) {
            filled = filled.replace(":" + value.getKey(), value.getValue().toString());
        }
        return Arrays.stream(filled.split(";\\s*\n")).map(String::strip)
                .filter(s -> !s.isEmpty() && !s.startsWith("SELECT")).toList();
    }

    private static JsonNode readPlan(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Nodes run many times that read many rows each time: the inner side of a nested loop over a large input, or a
     * step of a recursive walk that reads a whole large input once per step. What such a node runs is not looked at
     * again (it is the same loop).
     */
    private static void quadraticLoops(JsonNode node, String statement, List<String> found) {
        long loops = node.path("Actual Loops").asLong();
        // both figures are averages per run of the node
        long readPerLoop = node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong();
        if (loops > LARGE && readPerLoop > 100) {
            found.add(statement + ": " + node.path("Node Type").asText() + " run " + loops + " times, reading "
                    + readPerLoop + " rows each time");
            return;
        }
        node.path("Plans").forEach(child -> quadraticLoops(child, statement, found));
    }
}
