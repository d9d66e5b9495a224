package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar as a scheduler starts it: a real {@code java -jar} process, stopped with SIGTERM,
 * killed with SIGKILL, or started twice at once.
 */
class ProcessIT {

    private static final int ORPHANS = 1200;

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
        assertOnlyKeptBlobsRemain(root);
    }

    @Test
    void killedRunIsRecoveredAndResumed() throws Exception {
        Path root = storageWithManyOrphans("kill9");
        Process run = start(root);
        awaitDeletions(root, 20);
        run.destroyForcibly(); // SIGKILL: the execution stays STARTED in the history
        run.waitFor(60, TimeUnit.SECONDS);
        long runId = Gc.lastRunId(root);
        assertThat(statuses(runId)).containsExactly("STARTED");

        Process rerun = start(root);
        assertThat(rerun.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(rerun.exitValue()).as(output(rerun)).isZero();
        assertThat(statuses(runId)).as("the killed execution recovered as failed, then resumed")
                .containsExactly("FAILED", "COMPLETED");
        assertOnlyKeptBlobsRemain(root);
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

    private Image kept;

    /** A real image pushed through the registry, and many orphan blob folders beside it. */
    private Path storageWithManyOrphans(String name) throws Exception {
        Path root = E2eDirs.newWorkDir(name).resolve("storage");
        Files.createDirectories(root);
        try (RegistryServer server = RegistryServer.start(root)) {
            kept = new ImageFactory(new RegistryClient(server), 3).dockerImage("keep/me", "1");
        }
        for (int i = 0; i < ORPHANS; i++) {
            byte[] content = new byte[64];
            ThreadLocalRandom.current().nextBytes(content);
            Path data = StorageSnapshot.blobData(root, Digest.sha256(content));
            Files.createDirectories(data.getParent());
            Files.write(data, content);
        }
        return root;
    }

    private void assertOnlyKeptBlobsRemain(Path root) {
        Set<Digest> remaining = StorageSnapshot.blobDigests(root);
        List<Digest> expected = new ArrayList<>(kept.layers());
        expected.add(kept.config());
        expected.add(kept.manifest());
        assertThat(remaining).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static Process start(Path root) throws Exception {
        TestDatabase database = TestDatabase.get();
        Path log = Files.createTempFile(root.getParent(), "run", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dregistry-gc.delete.chunk-size=1", "-jar", jar(), "run", "--storage-root", root.toString(),
                "--min-age", "0")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPRING_DATASOURCE_URL", database.url());
        builder.environment().put("SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", ""));
        Process process = builder.start();
        LOGS.put(process, log);
        return process;
    }

    private static final java.util.Map<Process, Path> LOGS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String output(Process process) throws Exception {
        return Files.readString(LOGS.get(process));
    }

    private static String jar() {
        String jar = System.getProperty("registrygc.jar", "target/registry-gc.jar");
        assertThat(Path.of(jar)).exists();
        return jar;
    }

    private static void awaitDeletions(Path root, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String storageRoot = root.toAbsolutePath().normalize().toString();
        while (System.nanoTime() < deadline) {
            Long done = Gc.jdbc().queryForObject("""
                    SELECT COUNT(*) FROM gc_audit a JOIN gc_run r ON r.run_id = a.run_id
                     WHERE r.storage_root = ? AND a.action = 'DELETE_BLOB'""", Long.class, storageRoot);
            if (done != null && done >= count) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the run did not reach the blob sweep in time");
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
