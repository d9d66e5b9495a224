package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.cli.ShowCommand;
import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.db.RunLock;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * {@code history}, {@code show} and {@code run --report} against a dry run and a real run of storage written by
 * the real registry, checked against the audit table and against what actually left the disk.
 */
class HistoryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COUNTED = "('DELETED', 'ALREADY_GONE', 'PLANNED')";

    @Test
    void historyAndShowReportWhatEachExecutionDid() throws Exception {
        Path work = E2eDirs.newWorkDir("history");
        Path root = work.resolve("storage");
        Files.createDirectories(root);
        String rootKey = root.toAbsolutePath().normalize().toString();

        Image appV1;
        Image appV2;
        Image copied;
        Digest orphanUpload;
        try (RegistryServer server = RegistryServer.start(root)) {
            ImageFactory f = new ImageFactory(new RegistryClient(server), 2024);
            // an image re-tagged: v1 becomes untagged, the layer it shares with v2 stays
            appV1 = f.dockerImage("hist/app", "latest");
            appV2 = f.image("hist/app").docker().tag("latest").reuseLayers(appV1.layers().get(0)).freshLayers(1).push();
            // one orphan blob: uploaded, referenced by no manifest
            orphanUpload = f.pushRandomBlob("hist/uploads", 3000);
            // the same image in two repositories, re-tagged in both: its blobs were referenced by both
            copied = f.dockerImage("hist/one", "t");
            f.copyTo(copied, "hist/two", "t");
            f.image("hist/one").docker().tag("t").push();
            f.image("hist/two").docker().tag("t").push();
            server.stop();
        }
        // blob data that no repository links to any more (as after removing a repository folder by hand)
        byte[] stray = "stray blob with no repository".repeat(10).getBytes(StandardCharsets.UTF_8);
        Digest strayDigest = Digest.sha256(stray);
        Path strayData = StorageSnapshot.blobData(root, strayDigest);
        Files.createDirectories(strayData.getParent());
        Files.write(strayData, stray);

        Map<Digest, Long> sizesBefore = StorageSnapshot.blobSizes(root);
        Map<String, String> before = StorageSnapshot.of(root);

        // a dry run, then the real run with a report
        Gc.Result dry = Gc.run(root, "--delete-untagged", "--min-age", "0", "--dry-run");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        StorageSnapshot.assertUnchanged(before, root);
        long dryRunId = Gc.lastRunId(root);
        long dryExecution = lastExecution(dryRunId);

        Path reportFile = work.resolve("report.json");
        Gc.Result real = Gc.run(root, "--delete-untagged", "--min-age", "0", "--report", reportFile.toString());
        assertThat(real.exitCode()).as(real.toString()).isZero();
        assertThat(real.err()).doesNotContain("report");
        long realRunId = Gc.lastRunId(root);
        long realExecution = lastExecution(realRunId);
        assertThat(realRunId).isNotEqualTo(dryRunId);

        // what left the disk, by blob
        Set<Digest> remaining = StorageSnapshot.blobDigests(root);
        Map<Digest, Long> removed = new HashMap<>(sizesBefore);
        removed.keySet().removeAll(remaining);
        Set<Digest> appGone = new LinkedHashSet<>(appV1.allBlobs());
        appGone.removeAll(appV2.allBlobs());
        Set<Digest> expectedGone = new HashSet<>(appGone);
        expectedGone.addAll(copied.allBlobs());
        expectedGone.add(orphanUpload);
        expectedGone.add(strayDigest);
        assertThat(removed.keySet()).as("the blobs the scenario leaves unreferenced, and only those").isEqualTo(expectedGone);
        long removedBytes = removed.values().stream().mapToLong(Long::longValue).sum();
        assertThat(removedBytes).isPositive();

        // ------------------------------------------------------------ history --json
        Gc.Result history = Gc.run("history", "--json", "--limit", "2");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode list = JSON.readTree(history.out());
        assertThat(list.isArray()).isTrue();
        assertThat(list).hasSize(2);
        JsonNode newest = list.get(0);
        JsonNode older = list.get(1);
        assertThat(newest.get("executionId").asLong()).as("newest first").isEqualTo(realExecution);
        assertThat(older.get("executionId").asLong()).isEqualTo(dryExecution);

        assertThat(newest.get("runId").asLong()).isEqualTo(realRunId);
        assertThat(newest.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(newest.get("exitCode").asText()).isEqualTo("COMPLETED");
        assertThat(newest.get("dryRun").asBoolean()).isFalse();
        assertThat(newest.at("/parameters/storageRoot").asText()).isEqualTo(rootKey);
        assertThat(newest.at("/parameters/dryRun").asBoolean()).isFalse();
        assertThat(newest.at("/parameters/deleteUntagged").asBoolean()).isTrue();
        assertThat(newest.at("/parameters/minAge").asText()).isEqualTo("0");
        assertThat(newest.at("/parameters/images")).isEmpty();
        OffsetDateTime started = OffsetDateTime.parse(newest.get("started").asText());
        OffsetDateTime ended = OffsetDateTime.parse(newest.get("ended").asText());
        assertThat(Duration.parse(newest.get("duration").asText())).isEqualTo(Duration.between(started, ended));
        assertThat(ended).isAfterOrEqualTo(started);
        assertThat(OffsetDateTime.parse(older.get("ended").asText())).isBeforeOrEqualTo(started);

        assertThat(newest.at("/deleted/manifests").asLong()).isEqualTo(count(realExecution, "DELETE_MANIFEST")).isEqualTo(3);
        assertThat(newest.at("/deleted/blobs").asLong()).isEqualTo(count(realExecution, "DELETE_BLOB")).isEqualTo(removed.size());
        assertThat(newest.at("/deleted/layerLinks").asLong()).isEqualTo(count(realExecution, "DELETE_LAYER_LINK")).isPositive();
        assertThat(newest.at("/deleted/tags").asLong()).isZero();
        assertThat(newest.get("bytesReclaimed").asLong()).as("bytes reclaimed = sizes of the blob files removed from disk")
                .isEqualTo(removedBytes).isEqualTo(auditBytes(realExecution));
        assertThat(newest.get("keptChanged").asLong()).isZero();

        assertThat(older.get("dryRun").asBoolean()).isTrue();
        assertThat(older.get("runId").asLong()).isEqualTo(dryRunId);
        assertThat(older.at("/parameters/dryRun").asBoolean()).isTrue();
        assertThat(older.at("/deleted/manifests").asLong()).isEqualTo(count(dryExecution, "DELETE_MANIFEST")).isEqualTo(3);
        assertThat(older.at("/deleted/blobs").asLong()).isEqualTo(count(dryExecution, "DELETE_BLOB")).isEqualTo(removed.size());
        assertThat(older.get("bytesReclaimed").asLong()).as("what the dry run planned is what the real run reclaimed")
                .isEqualTo(removedBytes);

        // ------------------------------------------------------------ history (text)
        Gc.Result table = Gc.run("history", "--limit", "2");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        List<String> lines = table.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("EXECUTION").contains("RUN", "STARTED", "ENDED", "DURATION", "STATUS",
                "EXIT CODE", "MANIFESTS", "BLOBS", "RECLAIMED", "STORAGE ROOT", "OPTIONS");
        assertThat(lines.get(1).trim()).startsWith(realExecution + " ").contains(" delete ", rootKey,
                "--delete-untagged --min-age 0");
        assertThat(lines.get(2).trim()).startsWith(dryExecution + " ").contains(" dry run ");
        int statusColumn = lines.get(0).indexOf("STATUS");
        assertThat(lines.get(1).substring(statusColumn)).as("aligned").startsWith("COMPLETED");
        assertThat(lines.get(2).substring(statusColumn)).as("aligned").startsWith("COMPLETED");
        assertThat(Gc.run("history", "--limit", "1").out().lines()).hasSize(2);

        // ------------------------------------------------------------ show --json
        Gc.Result show = Gc.run("show", Long.toString(realExecution), "--json");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(Files.readString(reportFile)).as("run --report writes what show --json prints").isEqualTo(show.out());
        JsonNode detail = JSON.readTree(show.out());
        assertThat(detail.get("executionId").asLong()).isEqualTo(realExecution);
        // the summary fields are those of history
        newest.fieldNames().forEachRemaining(name -> assertThat(detail.get(name)).as(name).isEqualTo(newest.get(name)));
        assertThat(texts(jobSteps(detail), "name")).containsExactly("readPullLogs", "scan", "recheckBeforeManifests", "deleteManifests",
                "recheckBeforeSweep", "deleteOrphanBlobs", "recheckAfterSweep");
        // the sweep's partitions are the parts of its plan that hold items; the last repository run is open-ended
        List<String> sweepPartitions = Gc.jdbc().queryForList("""
                SELECT DISTINCT 'deleteOrphanBlobsPartition:digests-' || to_hex(part::int) FROM gc_plan_item
                 WHERE run_id = ? AND phase = 'BLOBS'""", String.class, realRunId);
        assertThat(sweepPartitions).isNotEmpty();
        assertThat(texts(detail.get("steps"), "name")).as("the partitions of the scan and of the sweep")
                .contains("scanPartition:blobs-00", "scanPartition:repositories-15")
                .containsAll(sweepPartitions)
                .filteredOn(name -> name.startsWith("deleteOrphanBlobsPartition:")).hasSameSizeAs(sweepPartitions);
        for (JsonNode step : detail.get("steps")) {
            assertThat(step.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(step.get("readCount").asLong()).isEqualTo(step.get("writeCount").asLong()
                    + step.get("filterCount").asLong() + step.get("skipCount").asLong());
            assertThat(step.get("skipCount").asLong()).isZero();
        }
        for (JsonNode step : jobSteps(detail)) {
            if (step.get("name").asText().startsWith("recheck") || step.get("name").asText().equals("readPullLogs")) {
                continue; // tasklets: they read the storage, not items
            }
            assertThat(step.get("readCount").asLong()).as(step.get("name").asText()).isPositive();
            assertThat(step.get("commitCount").asLong()).as(step.get("name").asText()).isPositive();
        }
        JsonNode sweep = jobSteps(detail).get(5);
        assertThat(sweep.get("writeCount").asLong()).as("the blob step wrote its plan items")
                .isEqualTo(count(realExecution, "DELETE_BLOB") + countInPhase(realRunId, "BLOBS", "DELETE_LAYER_LINK"));

        assertThat(auditRows(detail.get("audit"))).as("every audit row of the execution")
                .isEqualTo(jdbcAuditRows(realExecution)).hasSize(jdbcCount(realExecution));
        for (JsonNode row : detail.get("audit")) {
            assertThat(row.get("outcome").asText()).isEqualTo("DELETED");
            if (row.get("action").asText().equals("DELETE_BLOB")) {
                Digest digest = Digest.parse(row.get("digest").asText());
                assertThat(row.get("bytes").asLong()).as("bytes of " + digest).isEqualTo(removed.get(digest));
            }
        }
        // blob bytes by repository
        Map<String, JsonNode> byRepository = new HashMap<>();
        detail.get("bytesByRepository").forEach(r -> byRepository.put(r.get("repository").asText(), r));
        assertThat(byRepository).containsOnlyKeys("hist/app", "hist/one", "hist/two", "hist/uploads", "(shared)", "(blobs)");
        assertThat(byRepository.get("hist/app").get("bytes").asLong()).isEqualTo(sum(removed, appGone));
        assertThat(byRepository.get("hist/app").get("blobs").asLong()).isEqualTo(appGone.size());
        assertThat(byRepository.get("hist/app").get("manifests").asLong()).isEqualTo(1);
        assertThat(byRepository.get("hist/one").get("manifests").asLong()).isEqualTo(1);
        assertThat(byRepository.get("hist/two").get("manifests").asLong()).isEqualTo(1);
        assertThat(byRepository.get("hist/one").get("bytes").asLong()).as("its blobs are shared with hist/two").isZero();
        assertThat(byRepository.get("(shared)").get("bytes").asLong()).isEqualTo(sum(removed, Set.copyOf(copied.allBlobs())));
        assertThat(byRepository.get("(shared)").get("blobs").asLong()).isEqualTo(copied.allBlobs().size());
        assertThat(byRepository.get("hist/uploads").get("bytes").asLong()).isEqualTo(3000);
        assertThat(byRepository.get("(blobs)").get("bytes").asLong()).isEqualTo(stray.length);
        long sumByRepository = StreamSupport.stream(detail.get("bytesByRepository").spliterator(), false)
                .mapToLong(r -> r.get("bytes").asLong()).sum();
        assertThat(sumByRepository).isEqualTo(removedBytes);
        for (JsonNode row : detail.get("audit")) {
            if (row.get("action").asText().equals("DELETE_BLOB")) {
                Digest digest = Digest.parse(row.get("digest").asText());
                List<String> by = texts(row.get("referencedBy"));
                if (copied.allBlobs().contains(digest)) {
                    assertThat(by).containsExactly("hist/one", "hist/two");
                } else if (digest.equals(strayDigest)) {
                    assertThat(by).isEmpty();
                } else if (digest.equals(orphanUpload)) {
                    assertThat(by).containsExactly("hist/uploads");
                } else {
                    assertThat(by).containsExactly("hist/app");
                }
            } else {
                assertThat(row.get("referencedBy").isNull()).isTrue();
            }
        }

        // ------------------------------------------------------------ show --csv
        Gc.Result csv = Gc.run("show", Long.toString(dryExecution), "--csv");
        assertThat(csv.exitCode()).as(csv.toString()).isZero();
        List<List<String>> records = parseCsv(csv.out());
        assertThat(String.join(",", records.get(0))).isEqualTo(ShowCommand.CSV_HEADER);
        List<String> header = records.get(0);
        Set<String> fromCsv = new TreeSet<>();
        for (List<String> record : records.subList(1, records.size())) {
            assertThat(record).hasSameSizeAs(header);
            assertThat(record.get(header.indexOf("outcome"))).isEqualTo("PLANNED");
            fromCsv.add(String.join(" ", record.get(header.indexOf("seq")), record.get(header.indexOf("action")),
                    record.get(header.indexOf("repository")), record.get(header.indexOf("tag")),
                    record.get(header.indexOf("digest")), record.get(header.indexOf("bytes")),
                    record.get(header.indexOf("outcome")), record.get(header.indexOf("reason"))));
        }
        assertThat(fromCsv).isEqualTo(jdbcAuditRows(dryExecution)).hasSize(jdbcCount(dryExecution));

        // ------------------------------------------------------------ show (text)
        Gc.Result text = Gc.run("show", Long.toString(realExecution));
        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).contains("job execution " + realExecution + " of run " + realRunId,
                "bytes reclaimed:   " + removedBytes + " ", "storage root:      " + rootKey, "deleteOrphanBlobs",
                "(shared)", "(blobs)", "audit (" + jdbcCount(realExecution) + " rows)", strayDigest.toString());
        Gc.Result dryText = Gc.run("show", Long.toString(dryExecution));
        assertThat(dryText.out()).contains("(dry run: nothing was changed)", "bytes to reclaim:  " + removedBytes + " ");

        // ------------------------------------------------------------ usage errors
        Gc.Result unknown = Gc.run("show", "987654321");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains("no job execution 987654321");
        assertThat(unknown.out()).isEmpty();
        assertThat(Gc.run("show", Long.toString(realExecution), "--json", "--csv").exitCode()).isEqualTo(2);
        assertThat(Gc.run("show", "latest").exitCode()).isEqualTo(2);
        assertThat(Gc.run("history", "--limit", "0").exitCode()).isEqualTo(2);

        // ------------------------------------------------------------ no lock taken; report only of this run
        Path lockedReport = work.resolve("locked-report.json");
        try (RunLock lock = RunLock.acquire(TestDatabase.get().dataSource(), rootKey)) {
            Gc.Result locked = Gc.run(root, "--min-age", "0", "--report", lockedReport.toString());
            assertThat(locked.exitCode()).as("the lock is really held: " + locked).isEqualTo(3);
            assertThat(lockedReport).as("a run that did not start writes no report").doesNotExist();
            Gc.Result whileLocked = Gc.run("history", "--limit", "1");
            assertThat(whileLocked.exitCode()).as(whileLocked.toString()).isZero();
            Gc.Result showWhileLocked = Gc.run("show", Long.toString(realExecution), "--json");
            assertThat(showWhileLocked.exitCode()).as(showWhileLocked.toString()).isZero();
            // the same storage through a symbolic link is the same storage: locked too
            Path alias = Files.createSymbolicLink(work.resolve("alias"), root.toAbsolutePath());
            Gc.Result throughAlias = Gc.run(alias, "--min-age", "0");
            assertThat(throughAlias.exitCode()).as(throughAlias.toString()).isEqualTo(3);
        }

        // a report that cannot be written does not change the exit code
        Path unwritable = work.resolve("no/such/folder/report.json");
        Gc.Result noReport = Gc.run(root, "--min-age", "0", "--dry-run", "--report", unwritable.toString());
        assertThat(noReport.exitCode()).as(noReport.toString()).isZero();
        assertThat(noReport.err()).contains("could not write the report to " + unwritable);
        assertThat(unwritable).doesNotExist();
    }

    @Test
    void aResumedRunShowsEachOfItsExecutionsWithWhatThatExecutionDid() throws Exception {
        Path work = E2eDirs.newWorkDir("history-resume");
        Path root = work.resolve("storage");
        Files.createDirectories(root);
        List<Digest> orphans = new ArrayList<>();
        try (RegistryServer server = RegistryServer.start(root)) {
            ImageFactory factory = new ImageFactory(new RegistryClient(server), 99);
            factory.dockerImage("resume/keep", "1");
            for (int i = 0; i < 24; i++) {
                orphans.add(factory.pushRandomBlob("resume/orphans", 700 + i));
            }
        }
        Map<Digest, Long> sizesBefore = StorageSnapshot.blobSizes(root);
        orphans.sort(null);
        // a blob folder that cannot be removed, in the middle of the sweep: the first execution fails there
        Path shard = StorageSnapshot.blobData(root, orphans.get(orphans.size() / 2)).getParent().getParent();
        Path failedReport = work.resolve("failed-report.json");
        long runId;
        long failedExecution;
        long resumedExecution;
        System.setProperty("registry-gc.delete.chunk-size", "4");
        Fault.freeze(shard);
        boolean frozen = true;
        try {
            Gc.Result failed = Gc.run(root, "--min-age", "0", "--report", failedReport.toString());
            assertThat(failed.exitCode()).as("the report does not change the exit code: " + failed).isEqualTo(1);
            runId = Gc.lastRunId(root);
            failedExecution = lastExecution(runId);
            Fault.release(shard);
            frozen = false;
            Gc.Result resumed = Gc.run(root, "--min-age", "0");
            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
            assertThat(Gc.lastRunId(root)).as("same run").isEqualTo(runId);
            resumedExecution = lastExecution(runId);
        } finally {
            if (frozen) {
                Fault.release(shard);
            }
            System.clearProperty("registry-gc.delete.chunk-size");
        }
        assertThat(resumedExecution).isNotEqualTo(failedExecution);
        Map<Digest, Long> removed = new HashMap<>(sizesBefore);
        removed.keySet().removeAll(StorageSnapshot.blobDigests(root));
        assertThat(removed.keySet()).isEqualTo(Set.copyOf(orphans));
        long removedBytes = removed.values().stream().mapToLong(Long::longValue).sum();

        Gc.Result history = Gc.run("history", "--json", "--limit", "2");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode list = JSON.readTree(history.out());
        assertThat(list).hasSize(2);
        JsonNode second = list.get(0);
        JsonNode first = list.get(1);
        assertThat(second.get("executionId").asLong()).isEqualTo(resumedExecution);
        assertThat(first.get("executionId").asLong()).isEqualTo(failedExecution);
        assertThat(first.get("runId").asLong()).isEqualTo(runId);
        assertThat(second.get("runId").asLong()).isEqualTo(runId);
        assertThat(first.get("status").asText()).isEqualTo("FAILED");
        assertThat(first.get("exitCode").asText()).isEqualTo("FAILED");
        assertThat(first.get("exitMessage").isNull()).isFalse();
        assertThat(second.get("status").asText()).isEqualTo("COMPLETED");

        long firstBlobs = first.at("/deleted/blobs").asLong();
        long secondBlobs = second.at("/deleted/blobs").asLong();
        assertThat(firstBlobs).as("each execution counts its own deletions").isEqualTo(count(failedExecution, "DELETE_BLOB"))
                .isPositive().isLessThan(orphans.size());
        assertThat(secondBlobs).isEqualTo(count(resumedExecution, "DELETE_BLOB")).isPositive();
        assertThat(firstBlobs + secondBlobs).isEqualTo(orphans.size());
        assertThat(first.get("bytesReclaimed").asLong()).isEqualTo(auditBytes(failedExecution)).isPositive();
        assertThat(second.get("bytesReclaimed").asLong()).isEqualTo(auditBytes(resumedExecution)).isPositive();
        assertThat(first.get("bytesReclaimed").asLong() + second.get("bytesReclaimed").asLong())
                .as("together, the sizes of the blob files removed from disk").isEqualTo(removedBytes);

        Gc.Result showFailed = Gc.run("show", Long.toString(failedExecution), "--json");
        assertThat(showFailed.exitCode()).as(showFailed.toString()).isZero();
        assertThat(Files.readString(failedReport)).as("a failed run's report").isEqualTo(showFailed.out());
        JsonNode failedDetail = JSON.readTree(showFailed.out());
        assertThat(texts(jobSteps(failedDetail), "name")).containsExactly("readPullLogs", "scan", "recheckBeforeManifests", "deleteManifests",
                "recheckBeforeSweep", "deleteOrphanBlobs");
        assertThat(jobSteps(failedDetail).get(5).get("status").asText()).isEqualTo("FAILED");
        assertThat(auditRows(failedDetail.get("audit"))).isEqualTo(jdbcAuditRows(failedExecution));

        JsonNode resumedDetail = JSON.readTree(Gc.run("show", Long.toString(resumedExecution), "--json").out());
        assertThat(texts(jobSteps(resumedDetail), "name")).as("the re-checks (always) and the step that had failed")
                .containsExactly("recheckBeforeManifests", "recheckBeforeSweep", "deleteOrphanBlobs", "recheckAfterSweep");
        assertThat(texts(resumedDetail.get("steps"), "name")).as("and of it only the partitions that had failed")
                .hasSizeBetween(4, 19).allMatch(name -> name.equals("deleteOrphanBlobs") || name.startsWith("recheck")
                        || name.startsWith("deleteOrphanBlobsPartition:digests-"));
        assertThat(auditRows(resumedDetail.get("audit"))).isEqualTo(jdbcAuditRows(resumedExecution));
        assertThat(resumedDetail.at("/bytesByRepository/0/repository").asText()).isEqualTo("resume/orphans");
        assertThat(resumedDetail.at("/bytesByRepository/0/bytes").asLong()).isEqualTo(second.get("bytesReclaimed").asLong());
    }

    // ---------------------------------------------------------------- helpers

    private static long lastExecution(long runId) {
        return Gc.jdbc().queryForObject("SELECT MAX(job_execution_id) FROM batch_job_execution WHERE job_instance_id = ?",
                Long.class, runId);
    }

    private static long count(long execution, String action) {
        return Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_audit WHERE job_execution_id = ? AND action = ? AND outcome IN "
                + COUNTED, Long.class, execution, action);
    }

    private static long countInPhase(long runId, String phase, String action) {
        return Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_plan_item WHERE run_id = ? AND phase = ? AND action = ?",
                Long.class, runId, phase, action);
    }

    private static long auditBytes(long execution) {
        return Gc.jdbc().queryForObject("SELECT COALESCE(SUM(bytes), 0) FROM gc_audit WHERE job_execution_id = ?"
                + " AND action = 'DELETE_BLOB' AND outcome IN " + COUNTED, Long.class, execution);
    }

    private static int jdbcCount(long execution) {
        return Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_audit WHERE job_execution_id = ?", Integer.class, execution);
    }

    private static Set<String> jdbcAuditRows(long execution) {
        return new TreeSet<>(Gc.jdbc().queryForList("""
                SELECT seq || ' ' || action || ' ' || COALESCE(repository, '') || ' ' || COALESCE(tag, '') || ' '
                       || COALESCE(digest, '') || ' ' || bytes || ' ' || outcome || ' ' || reason
                  FROM gc_audit WHERE job_execution_id = ?""", String.class, execution));
    }

    private static Set<String> auditRows(JsonNode audit) {
        Set<String> out = new TreeSet<>();
        for (JsonNode row : audit) {
            out.add(String.join(" ", row.get("seq").asText(), row.get("action").asText(), text(row.get("repository")),
                    text(row.get("tag")), text(row.get("digest")), row.get("bytes").asText(), row.get("outcome").asText(),
                    row.get("reason").asText()));
        }
        return out;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? "" : node.asText();
    }

    /** The job's own steps, without the executions of their partitions ({@code WORKER:PARTITION}). */
    private static List<JsonNode> jobSteps(JsonNode detail) {
        List<JsonNode> steps = new ArrayList<>();
        detail.get("steps").forEach(step -> {
            if (!step.get("name").asText().contains(":")) {
                steps.add(step);
            }
        });
        return steps;
    }

    private static List<String> texts(Iterable<JsonNode> array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.get(field).asText()));
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private static long sum(Map<Digest, Long> sizes, Set<Digest> digests) {
        return digests.stream().mapToLong(d -> sizes.get(d)).sum();
    }

    /** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        if (field.length() > 0 || !record.isEmpty()) {
            record.add(field.toString());
            records.add(record);
        }
        return records;
    }
}
