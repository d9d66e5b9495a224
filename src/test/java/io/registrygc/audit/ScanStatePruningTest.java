package io.registrygc.audit;

import static io.registrygc.testsupport.ScanFixture.digest;
import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.plan.GcPlanner;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.MigratedDatabase;
import io.registrygc.testsupport.PlannedRun;
import io.registrygc.testsupport.ScanFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Each run's scan state lives in partitions of its own; once newer runs exist on the same storage, the older runs'
 * partitions are dropped while their plans, problems and history stay.
 */
class ScanStatePruningTest {

    private static final Instant CREATED = Instant.parse("2025-06-01T12:00:00Z");
    private static final Instant OLD = CREATED.minus(Duration.ofDays(30));

    private final JdbcTemplate jdbc = MigratedDatabase.jdbc();
    private final List<Long> runs = new ArrayList<>();

    @AfterEach
    void forgetRuns() {
        runs.forEach(MigratedDatabase::forgetRun);
    }

    @Test
    void aRunGetsItsOwnPartitionsAndOnlyTheNewestRunsOfAStorageKeepTheirScanState() {
        Path storage = Path.of("/storage-" + UUID.randomUUID());
        Path other = Path.of("/other-" + UUID.randomUUID());
        List<Long> onStorage = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            onStorage.add(scannedAndPlanned(storage));
        }
        long onOther = scannedAndPlanned(other);
        for (long run : runs) {
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM gc_manifest_r" + run, Long.class))
                    .as("run %d's manifests in its own partition", run).isEqualTo(2);
        }

        List<Long> pruned = new RunJournal(jdbc).pruneScanState(storage.toString(), 3);

        assertThat(pruned).containsExactlyInAnyOrder(onStorage.get(0), onStorage.get(1));
        for (long run : pruned) {
            assertThat(partitions(run)).as("run %d's partitions: its plan's only", run)
                    .containsExactly("gc_plan_item_r" + run);
            assertThat(count("gc_repository", run)).isZero();
            assertThat(jdbc.queryForObject("SELECT scan_pruned_at IS NOT NULL FROM gc_run WHERE run_id = ?",
                    Boolean.class, run)).isTrue();
            assertThat(count("gc_plan_item", run)).as("its plan stays").isPositive();
        }
        for (long run : List.of(onStorage.get(2), onStorage.get(3), onStorage.get(4), onOther)) {
            assertThat(partitions(run)).as("run %d's partitions", run).containsExactlyInAnyOrder(
                    "gc_manifest_r" + run, "gc_tag_r" + run, "gc_tag_index_r" + run, "gc_reference_r" + run,
                    "gc_layer_link_r" + run, "gc_blob_r" + run, "gc_fresh_reference_r" + run, "gc_withdrawn_content_r" + run,
                    "gc_plan_item_r" + run);
            assertThat(count("gc_manifest", run)).isEqualTo(2);
            // room on the pages for the planner's updates in place of manifests (V14); the layer links and blobs, which
            // planning no longer updates, fill their pages (V20)
            assertThat(fillfactor("gc_manifest_r" + run)).containsExactly("fillfactor=35");
            assertThat(fillfactor("gc_layer_link_r" + run)).isEmpty();
            assertThat(fillfactor("gc_blob_r" + run)).isEmpty();
        }
        assertThat(new RunJournal(jdbc).pruneScanState(storage.toString(), 3)).as("nothing left to prune").isEmpty();
    }

    /** A run with two manifests (one tagged, one not) and an orphan blob, scanned and planned. */
    private long scannedAndPlanned(Path storage) {
        long run = MigratedDatabase.startRun(new GcSettings(storage.toString(), true, true, Duration.ofHours(1), List.of(), CREATED));
        runs.add(run);
        Digest tagged = digest("tagged"), untagged = digest("untagged"), layer = digest("layer"), orphan = digest("orphan");
        ScanFixture scan = new ScanFixture();
        scan.repository("app").image(tagged, OLD, layer).tag("latest", tagged, OLD).image(untagged, OLD, layer)
                .layerLink(layer, OLD);
        scan.blob(tagged, 10, OLD).blob(untagged, 10, OLD).blob(layer, 100, OLD).blob(orphan, 5, OLD);
        scan.storeInto(jdbc, run);
        PlannedRun.planAsTheJobDoes(jdbc, new GcPlanner(jdbc), run);
        return run;
    }

    private List<String> fillfactor(String partition) {
        return jdbc.queryForList("SELECT unnest(reloptions) FROM pg_class WHERE relname = ?", String.class, partition);
    }

    private List<String> partitions(long run) {
        return jdbc.queryForList("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE c.relname ~ ('_r' || ? || '$') AND c.relnamespace = current_schema()::regnamespace""",
                String.class, Long.toString(run));
    }

    private long count(String table, long run) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM " + table + " WHERE run_id = ?", Long.class, run);
    }
}
