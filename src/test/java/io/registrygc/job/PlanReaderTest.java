package io.registrygc.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.db.RunPartitions;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.testsupport.MigratedDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.database.JdbcPagingItemReader;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The sweep reads its partitions of the plan page by page with the reader built here. A later page must be a range of
 * the index that ends at the page's size; once it sorted the partition's remaining rows for every page, which made a
 * million-blob sweep quadratic. Reads a partition of a real plan table and explains the query of its later pages.
 */
class PlanReaderTest {

    private static final int PARTS = 4;
    private static final int LINKS_PER_PART = 3000;
    private static final int BLOBS_PER_PART = 3000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static long runId;

    /** A blob phase as the planner numbers it: every partition's layer links, then every partition's blobs. */
    @BeforeAll
    static void planOfFourPartitions() {
        JdbcTemplate db = MigratedDatabase.jdbc();
        runId = db.queryForObject("SELECT nextval('batch_job_instance_seq')", Long.class);
        int links = PARTS * LINKS_PER_PART;
        // the plan's partition, which planning makes for a run (V20)
        db.execute("CREATE TABLE " + RunPartitions.of("gc_plan_item", runId) + " PARTITION OF gc_plan_item FOR VALUES IN ("
                + runId + ")");
        db.update("""
                INSERT INTO gc_plan_item (run_id, seq, phase, action, repository, tag, digest, bytes, reason, rule, part)
                SELECT ?, i, 'BLOBS', CASE WHEN i <= ? THEN 'DELETE_LAYER_LINK' ELSE 'DELETE_BLOB' END,
                       CASE WHEN i <= ? THEN 'team/app' END, NULL, 'sha256:' || lpad(to_hex(i), 64, '0'), 10,
                       'no kept manifest references it', 'orphan', i % ?
                  FROM generate_series(1, ?) AS i""", runId, links, links, PARTS, links + PARTS * BLOBS_PER_PART);
        db.execute("ANALYZE " + RunPartitions.of("gc_plan_item", runId));
    }

    @AfterAll
    static void forgetThePlan() {
        MigratedDatabase.forgetRun(runId);
    }

    @Test
    void aPartitionIsReadInPlanOrderItsLinksBeforeItsBlobs() throws Exception {
        JdbcPagingItemReader<PlanItem> reader = GcJobConfiguration.planReader(runId, PlanItem.Phase.BLOBS, 1, dataSource());
        reader.afterPropertiesSet();
        reader.open(new ExecutionContext());
        List<PlanItem> items = new ArrayList<>();
        for (PlanItem item = reader.read(); item != null; item = reader.read()) {
            items.add(item);
        }
        reader.close();

        assertThat(items).hasSize(LINKS_PER_PART + BLOBS_PER_PART);
        assertThat(items).extracting(PlanItem::seq).isSorted().allMatch(seq -> seq % PARTS == 1);
        assertThat(items.subList(0, LINKS_PER_PART)).extracting(PlanItem::action)
                .containsOnly(PlanItem.Action.DELETE_LAYER_LINK);
        assertThat(items.subList(LINKS_PER_PART, items.size())).extracting(PlanItem::action)
                .containsOnly(PlanItem.Action.DELETE_BLOB);
    }

    @Test
    void onlyThePartsThatHoldItemsGetAPartitionAndARestartNamesTheSame() {
        List<Integer> parts = new PlanStore(MigratedDatabase.jdbc()).partsWithItems(runId, PlanItem.Phase.BLOBS,
                PlanPartitioner.PARTITIONS);
        assertThat(parts).containsExactly(0, 1, 2, 3);
        assertThat(new PlanStore(MigratedDatabase.jdbc()).partsWithItems(runId, PlanItem.Phase.MANIFESTS,
                PlanPartitioner.PARTITIONS)).isEmpty();

        PlanPartitioner partitioner = new PlanPartitioner("digests", parts);
        Map<String, ExecutionContext> split = partitioner.partition(PlanPartitioner.PARTITIONS);
        assertThat(split.keySet()).containsExactly("digests-0", "digests-1", "digests-2", "digests-3");
        assertThat(split.get("digests-2").getInt(PlanPartitioner.PART)).isEqualTo(2);
        assertThat(partitioner.getPartitionNames(PlanPartitioner.PARTITIONS)).containsExactlyElementsOf(split.keySet());
    }

    @Test
    void aLaterPageReadsOnlyItsOwnRowsFromTheIndex() throws Exception {
        // the page after the partition's last link: the blobs are what remains
        long lastSeqRead = (long) PARTS * LINKS_PER_PART - PARTS + 1;
        String page = GcJobConfiguration.planQuery(dataSource(), runId).generateRemainingPagesQuery(GcJobConfiguration.PLAN_PAGE)
                .replace(":run", Long.toString(runId)).replace(":phase", "'BLOBS'").replace(":part", "1")
                .replace(":_seq", Long.toString(lastSeqRead));
        JsonNode plan = JSON.readTree(MigratedDatabase.jdbc().queryForObject("EXPLAIN (ANALYZE, FORMAT JSON) " + page,
                String.class)).get(0).get("Plan");

        List<String> nodes = new ArrayList<>();
        long[] rowsVisited = {0};
        visit(plan, nodes, rowsVisited);
        assertThat(page).as("the run's own plan, not every kept run's through the parent").contains("FROM gc_plan_item_r" + runId + " ");
        assertThat(nodes).as(page).doesNotContain("Sort", "Incremental Sort").contains("Index Scan");
        assertThat(rowsVisited[0]).as("rows the page's scans visit").isEqualTo(GcJobConfiguration.PLAN_PAGE);
    }

    private static void visit(JsonNode node, List<String> nodes, long[] rowsVisited) {
        String type = node.get("Node Type").asText();
        nodes.add(type);
        if (type.endsWith("Scan")) {
            rowsVisited[0] += node.get("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong();
        }
        node.path("Plans").forEach(child -> visit(child, nodes, rowsVisited));
    }

    private static DataSource dataSource() {
        return MigratedDatabase.jdbc().getDataSource();
    }
}
