package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.RecordingHttpServer;
import io.registrygc.testsupport.StorageWriter;
import io.registrygc.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar as a scheduler starts it: a real {@code java -jar} process, stopped with SIGTERM,
 * killed with SIGKILL, started twice at once, or watched through its JSON logs and exported metrics.
 */
class ProcessIT {

    private static final int ORPHANS = 600;

    @Test
    void sigtermStopsAtAChunkBoundaryAndTheRerunResumes() throws Exception {
        Path root = storageWithManyOrphans("sigterm");
        Process run = start(root);
        awaitDeletions(root, 20);
        run.destroy(); // SIGTERM
        assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(output(run)).isEqualTo(1);
        long runId = Gc.lastRunId(root);
        assertThat(statuses(runId)).containsExactly("STOPPED");

        Process rerun = start(root);
        assertThat(rerun.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(rerun.exitValue()).as(output(rerun)).isZero();
        assertThat(Gc.lastRunId(root)).isEqualTo(runId);
        assertThat(statuses(runId)).containsExactly("STOPPED", "COMPLETED");
        assertThat(output(rerun)).as("the resumed sweep counts what the stopped one did")
                .containsPattern("deleteOrphanBlobs: \\d+ plan items to do \\(\\d+ done before the resume\\)");
        assertSameAsUninterrupted(root);
    }

    @Test
    void killedRunIsRecoveredAndResumed() throws Exception {
        Path root = storageWithManyOrphans("kill9");
        // two threads for sixteen sweep partitions: when half the orphans are gone, some partitions are done
        Process run = start(root, "--threads", "2");
        awaitDeletions(root, ORPHANS / 2);
        run.destroyForcibly(); // SIGKILL: the execution stays STARTED in the history
        run.waitFor(60, TimeUnit.SECONDS);
        long runId = Gc.lastRunId(root);
        assertThat(statuses(runId)).containsExactly("STARTED");
        long killed = executionIds(runId).get(0);
        List<String> doneBeforeTheKill = sweepPartitions(killed, "COMPLETED");
        List<String> splitBeforeTheKill = sweepPartitions(killed, null);
        assertThat(splitBeforeTheKill).as("the sweep had begun, in more than one partition").hasSizeGreaterThan(1);

        Process rerun = start(root);
        assertThat(rerun.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(rerun.exitValue()).as(output(rerun)).isZero();
        assertThat(statuses(runId)).as("the killed execution recovered as failed, then resumed")
                .containsExactly("FAILED", "COMPLETED");
        List<String> rerunPartitions = sweepPartitions(executionIds(runId).get(1), null);
        assertThat(rerunPartitions).as("only the partitions the kill left unfinished run again")
                .hasSize(splitBeforeTheKill.size() - doneBeforeTheKill.size())
                .doesNotContainAnyElementsOf(doneBeforeTheKill);
        assertSameAsUninterrupted(root);
    }

    @Test
    void twoRunsOnOneStorageOneWorksTheOtherExits3() throws Exception {
        Path root = storageWithManyOrphans("lock");
        Process first = start(root);
        awaitDeletions(root, 1);
        // freeze the first run mid-sweep (SIGSTOP) so the second surely meets it, whatever the machine's speed
        signal("STOP", first);
        Process second = start(root);
        assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
        signal("CONT", first);
        String secondOutput = output(second);
        assertThat(second.exitValue()).as(secondOutput).isEqualTo(3);
        assertThat(secondOutput).contains("another registry-gc run is in progress").contains("pid " + first.pid());
        assertThat(first.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(output(first)).isZero();
        assertOnlyKeptBlobsRemain(root);
    }

    /**
     * Two runs that share no database (the second has its own embedded PostgreSQL): the storage's own lease keeps the
     * second out while the first is alive; once the first's lease is stale (here: its file's time set back, as after
     * a pause longer than the stale time), the second takes it over and collects, and the first, resumed, finds it
     * lost and stops before deleting more (exit 1); the storage ends as an uninterrupted run leaves it.
     */
    @Test
    void runsWithTwoDatabasesOnOneStorageAreExcludedByTheStorageLease() throws Exception {
        Path root = storageWithManyOrphans("lease");
        Path lease = root.resolve("registry-gc.lease");
        Process first = start(root);
        awaitDeletions(root, 1);
        signal("STOP", first);
        assertThat(Files.readString(lease)).contains("pid=" + first.pid());

        Path ownDatabase = root.resolveSibling("own-database");
        JarProcess blocked = startWithOwnDatabase(root, ownDatabase);
        assertThat(blocked.process().waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(blocked.process().exitValue()).as(blocked.output()).isEqualTo(3);
        assertThat(blocked.stderr()).contains("being collected by another registry-gc run").contains("pid " + first.pid());

        Files.setLastModifiedTime(lease, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        JarProcess takeover = startWithOwnDatabase(root, ownDatabase);
        assertThat(takeover.process().waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(takeover.process().exitValue()).as(takeover.output()).isZero();
        assertThat(lease).doesNotExist();

        signal("CONT", first);
        assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(output(first)).isEqualTo(1);
        assertThat(output(first)).contains("lost the storage lease");
        assertOnlyKeptBlobsRemain(root);
    }

    private static JarProcess startWithOwnDatabase(Path root, Path databaseDir) throws Exception {
        return JarProcess.start(root.getParent(), List.of(), Map.of("SPRING_DATASOURCE_URL", ""),
                "run", "--storage-root", root.toString(), "--min-age", "0", "--database-dir", databaseDir.toString());
    }

    /**
     * The database drops every connection of the run (all its sessions terminated by the server) while a given step
     * runs: the run fails with exit 1, nothing is lost, and the rerun finishes with the storage an uninterrupted run
     * leaves.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"scanPartition", "deleteManifestsPartition", "deleteOrphanBlobsPartition"})
    void theDatabaseDroppingItsConnectionsInAStepFailsTheRunAndTheRerunFinishes(String step) throws Exception {
        Path root = storageWithManyOrphans("db-drop-" + step, 300);
        for (Path storage : List.of(root, twin(root))) {
            StorageWriter writer = new StorageWriter(storage);
            for (int i = 0; i < 150; i++) {
                Digest config = writer.blob("{\"n\":" + i + "}");
                Digest manifest = writer.blob("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config
                        + "\",\"size\":1},\"layers\":[]}");
                writer.layerLink("drop/me", config);
                writer.revision("drop/me", manifest);
            }
        }
        Process run = start(root, "--delete-untagged");
        awaitStep(root, step);
        Long dropped = Gc.jdbc().queryForObject("""
                SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend') t""",
                Long.class);
        assertThat(dropped).isPositive();
        assertThat(run.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(output(run)).isEqualTo(1);

        Process rerun = start(root, "--delete-untagged");
        assertThat(rerun.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(rerun.exitValue()).as(output(rerun)).isZero();
        assertSameAsUninterrupted(root, "--delete-untagged");
    }

    /** Waits until a step (or a partition of it) of the run on this storage is running. */
    private static void awaitStep(Path root, String step) throws Exception {
        awaitCount("the run did not reach " + step + " in time", 1, """
                SELECT COUNT(*) FROM batch_step_execution s JOIN gc_execution g ON g.job_execution_id = s.job_execution_id
                  JOIN gc_run r ON r.run_id = g.run_id
                 WHERE r.storage_root = ? AND s.step_name LIKE ? AND s.status = 'STARTED'""",
                root.toAbsolutePath().normalize().toString(), step + "%");
    }

    @Test
    void jsonLogsShowProgressAndTheMetricsMatchTheAudit() throws Exception {
        Path root = storageWithManyOrphans("observe");
        Map<Digest, Long> sizesBefore = StorageSnapshot.blobSizes(root);
        Path metricsFile = root.resolveSibling("registry_gc.prom");
        Process run;
        List<String> pushed;
        try (RecordingHttpServer gateway = RecordingHttpServer.start()) {
            run = start(root, "--log-format", "json", "--progress-interval", "200ms", "--metrics-file", metricsFile.toString(),
                    "--metrics-push-gateway", gateway.address(null).toString());
            assertThat(run.waitFor(300, TimeUnit.SECONDS)).isTrue();
            pushed = gateway.requests().stream().map(r -> r.method() + " " + r.rawPath() + "\n" + r.body()).toList();
        }
        assertThat(run.exitValue()).as(output(run)).isZero();
        long runId = Gc.lastRunId(root);
        long executionId = Gc.jdbc().queryForObject(
                "SELECT MAX(job_execution_id) FROM batch_job_execution WHERE job_instance_id = ?", Long.class, runId);

        // stderr is JSON lines only, each with the standard fields
        List<JsonNode> events = new ArrayList<>();
        for (String line : errors(run).split("\n")) {
            JsonNode event = new ObjectMapper().readTree(line);
            assertThat(event.has("@timestamp") && event.has("level") && event.has("message")).as(line).isTrue();
            events.add(event);
        }
        long planned = Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_plan_item WHERE run_id = ? AND phase = 'BLOBS'",
                Long.class, runId);
        List<JsonNode> sweep = events.stream().filter(e -> "progress".equals(e.path("event").asText())
                && "deleteOrphanBlobs".equals(e.path("step").asText())).toList();
        assertThat(sweep).as("progress of the blob sweep every 200 ms").hasSizeGreaterThanOrEqualTo(2);
        long previous = -1;
        for (JsonNode progress : sweep) {
            assertThat(progress.get("total").asLong()).isEqualTo(planned);
            assertThat(progress.get("done").asLong()).isBetween(previous, planned);
            assertThat(progress.get("run_id").asLong()).isEqualTo(runId);
            assertThat(progress.get("job_execution_id").asLong()).isEqualTo(executionId);
            assertThat(progress.get("message").asText()).contains(" of " + planned + " plan items");
            previous = progress.get("done").asLong();
        }
        assertThat(sweep).anySatisfy(progress -> assertThat(progress.has("seconds_left")).isTrue());
        assertThat(events.stream().filter(e -> "step_end".equals(e.path("event").asText()))
                .map(e -> e.get("step").asText())).containsExactly("scan", "deleteManifests", "deleteOrphanBlobs");
        // the summary is a log event too: a collector that merges stdout and stderr meets JSON lines only
        assertThat(RUNS.get(run).stdout()).isEmpty();
        JsonNode summary = events.stream().filter(e -> "run_summary".equals(e.path("event").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no run_summary event"));
        assertThat(summary.get("run_id").asLong()).isEqualTo(runId);
        assertThat(summary.get("blobs").asLong()).isEqualTo(Gc.jdbc().queryForObject(
                "SELECT COUNT(*) FROM gc_audit WHERE run_id = ? AND action = 'DELETE_BLOB'", Long.class, runId));
        assertThat(summary.get("dry_run").asBoolean()).isFalse();

        // the metrics count what the audit rows say this execution removed; the bytes are those of the files gone
        Map<Digest, Long> sizesAfter = StorageSnapshot.blobSizes(root);
        long bytesRemoved = sizesBefore.entrySet().stream().filter(e -> !sizesAfter.containsKey(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        long blobsAudited = Gc.jdbc().queryForObject("""
                SELECT COUNT(*) FROM gc_audit WHERE job_execution_id = ? AND action = 'DELETE_BLOB'
                   AND outcome IN ('DELETED', 'ALREADY_GONE')""", Long.class, executionId);
        Map<String, Double> metrics = metrics(Files.readString(metricsFile));
        assertThat(metrics.get("registry_gc_blobs_deleted_total")).isEqualTo((double) blobsAudited)
                .isEqualTo((double) (sizesBefore.size() - sizesAfter.size()));
        assertThat(metrics.get("registry_gc_reclaimed_bytes_total")).isEqualTo((double) bytesRemoved);
        assertThat(metrics.get("registry_gc_run_exit_code")).isZero();
        assertThat(metrics).containsKey("registry_gc_run_info{job_execution_id=\"" + executionId + "\",run_id=\"" + runId
                + "\",status=\"COMPLETED\"}");
        assertThat(metrics.get("registry_gc_last_success_time_seconds")).isPositive();
        assertThat(metrics.keySet()).filteredOn(name -> name.startsWith("spring_batch_step_seconds_count{"))
                .anySatisfy(name -> assertThat(name).contains("deleteOrphanBlobs").contains("COMPLETED"));
        String root64 = Base64.getUrlEncoder().encodeToString(root.toAbsolutePath().normalize().toString()
                .getBytes(StandardCharsets.UTF_8));
        assertThat(pushed).hasSize(1);
        assertThat(pushed.get(0)).startsWith("PUT /metrics/job/registry-gc/storage_root@base64/" + root64)
                .contains("registry_gc_blobs_deleted_total " + (double) blobsAudited);

        // a push gateway that is down is reported, and the run still exits with its own result
        Process again = start(root, "--metrics-file", metricsFile.toString(), "--metrics-push-gateway", "http://127.0.0.1:1");
        assertThat(again.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as(output(again)).isZero();
        assertThat(errors(again)).contains("registry-gc: could not push the metrics to http://127.0.0.1:1");
        Map<String, Double> second = metrics(Files.readString(metricsFile));
        assertThat(second.get("registry_gc_blobs_deleted_total")).isZero();
        assertThat(second.get("registry_gc_last_success_time_seconds"))
                .isGreaterThanOrEqualTo(metrics.get("registry_gc_last_success_time_seconds"));
    }

    /** Samples of a Prometheus text file: "name{labels}" to value. */
    private static Map<String, Double> metrics(String text) {
        Map<String, Double> samples = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    private Image kept;

    /** A real image pushed through the registry, and many orphan blob folders beside it. */
    private Path storageWithManyOrphans(String name) throws Exception {
        return storageWithManyOrphans(name, ORPHANS);
    }

    private Path storageWithManyOrphans(String name, int orphans) throws Exception {
        Path root = E2eDirs.newWorkDir(name).resolve("storage");
        Files.createDirectories(root);
        try (RegistryServer server = RegistryServer.start(root)) {
            kept = new ImageFactory(new RegistryClient(server), 3).dockerImage("keep/me", "1");
        }
        for (int i = 0; i < orphans; i++) {
            byte[] content = new byte[64];
            ThreadLocalRandom.current().nextBytes(content);
            Path data = StorageSnapshot.blobData(root, Digest.sha256(content));
            Files.createDirectories(data.getParent());
            Files.write(data, content);
        }
        StorageSnapshot.copyTree(root, twin(root));
        return root;
    }

    /** A copy of the storage as it was before any run, for the uninterrupted run to compare with. */
    private static Path twin(Path root) {
        return root.resolveSibling("uninterrupted");
    }

    /** The interrupted and resumed storage equals what one uninterrupted run makes of the same start. */
    private void assertSameAsUninterrupted(Path root, String... options) {
        List<String> args = new ArrayList<>(List.of("--min-age", "0"));
        args.addAll(List.of(options));
        Gc.Result uninterrupted = Gc.run(twin(root), args.toArray(String[]::new));
        assertThat(uninterrupted.exitCode()).as(uninterrupted.toString()).isZero();
        assertThat(StorageSnapshot.of(root)).isEqualTo(StorageSnapshot.of(twin(root)));
        assertOnlyKeptBlobsRemain(root);
    }

    private void assertOnlyKeptBlobsRemain(Path root) {
        Set<Digest> remaining = StorageSnapshot.blobDigests(root);
        List<Digest> expected = new ArrayList<>(kept.layers());
        expected.add(kept.config());
        expected.add(kept.manifest());
        assertThat(remaining).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static Process start(Path root, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--storage-root", root.toString(), "--min-age", "0"));
        args.addAll(List.of(options));
        JarProcess run = JarProcess.start(root.getParent(), List.of("-Dregistry-gc.delete.chunk-size=1"),
                Map.of("SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                        "SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", "")),
                args.toArray(String[]::new));
        RUNS.put(run.process(), run);
        return run.process();
    }

    private static final Map<Process, JarProcess> RUNS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String output(Process process) throws Exception {
        return RUNS.get(process).output();
    }

    private static String errors(Process process) throws Exception {
        return RUNS.get(process).stderr();
    }

    private static List<Long> executionIds(long runId) {
        return Gc.jdbc().queryForList("SELECT job_execution_id FROM batch_job_execution WHERE job_instance_id = ? ORDER BY 1",
                Long.class, runId);
    }

    /** The sweep partitions an execution ran, with the given status (null: any). */
    private static List<String> sweepPartitions(long jobExecutionId, String status) {
        return Gc.jdbc().queryForList("""
                SELECT step_name FROM batch_step_execution WHERE job_execution_id = ?
                   AND step_name LIKE 'deleteOrphanBlobsPartition:%' AND (CAST(? AS TEXT) IS NULL OR status = ?)""",
                String.class, jobExecutionId, status, status);
    }

    private static void awaitDeletions(Path root, int count) throws Exception {
        awaitCount("the run did not reach the blob sweep in time", count, """
                SELECT COUNT(*) FROM gc_audit a JOIN gc_run r ON r.run_id = a.run_id
                 WHERE r.storage_root = ? AND a.action = 'DELETE_BLOB'""", root.toAbsolutePath().normalize().toString());
    }

    /** Polls a count until it reaches {@code count}, for up to two minutes. */
    private static void awaitCount(String failure, long count, String sql, Object... arguments) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (Gc.countOnceTablesExist(sql, arguments) >= count) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(failure);
    }

    private static void signal(String signal, Process process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private static List<String> statuses(long runId) {
        return Gc.jdbc().queryForList(
                "SELECT status FROM batch_job_execution WHERE job_instance_id = ? ORDER BY job_execution_id", String.class, runId);
    }
}
