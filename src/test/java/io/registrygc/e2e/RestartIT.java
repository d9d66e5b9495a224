package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run that fails in the middle of the blob sweep (a real I/O error: a blob folder that cannot be
 * removed) is resumed by rerunning the same command: same job instance, a second execution, the
 * scan not repeated, and the final storage equal to an uninterrupted run's.
 */
class RestartIT {

    private final List<Path> frozen = new ArrayList<>();

    @AfterEach
    void unfreeze() throws Exception {
        for (Path folder : frozen) {
            Fault.release(folder);
        }
        System.clearProperty("registry-gc.delete.chunk-size");
    }

    @Test
    void failedBlobSweepResumesFromItsLastCheckpoint() throws Exception {
        Path work = E2eDirs.newWorkDir("restart");
        Path root = work.resolve("interrupted/storage");
        Path reference = work.resolve("uninterrupted/storage");
        Files.createDirectories(root);
        List<Digest> orphans = new ArrayList<>();
        try (RegistryServer server = RegistryServer.start(root)) {
            ImageFactory factory = new ImageFactory(new RegistryClient(server), 11);
            factory.dockerImage("keep/me", "1");
            for (int i = 0; i < 40; i++) {
                orphans.add(factory.pushRandomBlob("uploads/orphans", 512 + i));
            }
        }
        StorageSnapshot.copyTree(root, reference);
        orphans.sort(null);
        // freeze the shard folder of a blob in the middle of the sweep order: its removal fails
        Digest victim = orphans.get(orphans.size() / 2);
        Path shard = StorageSnapshot.blobData(root, victim).getParent().getParent();
        frozen.add(shard);
        Fault.freeze(shard);
        System.setProperty("registry-gc.delete.chunk-size", "4");

        Gc.Result failed = Gc.run(root, "--min-age", "0");
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.err()).contains("Rerun the same command");
        long runId = Gc.lastRunId(root);
        // the sweep runs in partitions by the digest's first hex digit: the victim's partition stopped part-way
        char victimPart = victim.hex().charAt(0);
        List<Digest> otherPartitions = orphans.stream().filter(d -> d.hex().charAt(0) != victimPart).toList();
        assertThat(StorageSnapshot.blobDigests(root)).as("the other partitions finished").doesNotContainAnyElementsOf(otherPartitions);
        assertThat(StorageSnapshot.blobData(root, victim).getParent()).as("the victim's partition stopped at it").isDirectory();

        Fault.release(shard);
        frozen.remove(shard);
        Gc.Result resumed = Gc.run(root, "--min-age", "0");
        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();

        assertThat(Gc.lastRunId(root)).as("same job instance").isEqualTo(runId);
        List<Map<String, Object>> executions = Gc.jdbc().queryForList(
                "SELECT job_execution_id, status FROM batch_job_execution WHERE job_instance_id = ? ORDER BY job_execution_id", runId);
        assertThat(executions).extracting(e -> e.get("status")).containsExactly("FAILED", "COMPLETED");
        long second = ((Number) executions.get(1).get("job_execution_id")).longValue();
        assertThat(stepCount(second, "scan")).as("scan is not repeated").isZero();
        Long sweptSecondTime = Gc.jdbc().queryForObject("""
                SELECT write_count FROM batch_step_execution WHERE job_execution_id = ? AND step_name = 'deleteOrphanBlobs'""",
                Long.class, second);
        assertThat(sweptSecondTime).isPositive().isLessThan(orphans.size());
        assertThat(Gc.jdbc().queryForList("""
                SELECT step_name FROM batch_step_execution WHERE job_execution_id = ? AND step_name LIKE 'deleteOrphanBlobsPartition:%'""",
                String.class, second)).as("only the partition that failed runs again")
                .containsExactly("deleteOrphanBlobsPartition:digests-" + victimPart);
        Long audited = Gc.jdbc().queryForObject(
                "SELECT COUNT(*) FROM gc_audit WHERE run_id = ? AND action = 'DELETE_BLOB'", Long.class, runId);
        assertThat(audited).as("every orphan deleted exactly once across both executions").isEqualTo(orphans.size());

        Gc.Result uninterrupted = Gc.run(reference, "--min-age", "0");
        assertThat(uninterrupted.exitCode()).as(uninterrupted.toString()).isZero();
        assertThat(StorageSnapshot.of(root)).isEqualTo(StorageSnapshot.of(reference));
        assertThat(StorageSnapshot.blobDigests(root)).doesNotContainAnyElementsOf(orphans);
    }

    private static long stepCount(long jobExecutionId, String step) {
        Long count = Gc.jdbc().queryForObject(
                "SELECT COUNT(*) FROM batch_step_execution WHERE job_execution_id = ? AND step_name = ?", Long.class,
                jobExecutionId, step);
        return count == null ? 0 : count;
    }

}
