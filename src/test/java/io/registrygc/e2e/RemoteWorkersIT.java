package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.Broker;
import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.S3Server;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.e2e.support.TcpProxy;
import io.registrygc.storage.StorageLease;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Remote partitioning with real processes: a manager ({@code run --broker}) and worker processes
 * ({@code registry-gc worker}) meeting in a real RabbitMQ and the shared PostgreSQL, on storage the real registry
 * wrote (on a filesystem, and on S3 through s3proxy). Each collected storage must equal what a local run leaves.
 */
class RemoteWorkersIT {

    private static final List<String> FAST_HEARTBEAT = List.of("-Dregistry-gc.heartbeat-interval=1s");
    private final List<JarProcess> processes = new ArrayList<>();
    private String broker;

    @BeforeEach
    void broker() {
        RegistryServer.requireRegistry();
        broker = Broker.require();
    }

    @AfterEach
    void stopProcesses() {
        processes.forEach(p -> p.process().destroyForcibly());
    }

    @Test
    void aManagerAndTwoWorkersCollectLikeALocalRun() throws Exception {
        Path work = E2eDirs.newWorkDir("remote");
        Path root = work.resolve("remote/storage");
        Path reference = pushedAndCollectedLocally(root, work.resolve("local/storage"), 31);

        JarProcess a = startWorker(work, Map.of(), List.of(), "--threads", "2");
        JarProcess b = startWorker(work, Map.of(), List.of(), "--threads", "2");
        awaitReady(a, b);
        JarProcess manager = manager(work, Map.of(), "--storage-root", root.toString());
        assertExits(manager, Duration.ofMinutes(5), 0);
        assertThat(manager.stdout()).contains("deleted:");

        assertThat(StorageSnapshot.diff(StorageSnapshot.of(reference), StorageSnapshot.of(root)))
                .as("the remote run leaves the storage a local run leaves").isEmpty();
        long execution = lastExecution(root.toRealPath().toString());
        assertThat(Gc.jdbc().queryForList("SELECT DISTINCT worker_pid FROM gc_partition WHERE job_execution_id = ? AND remote",
                Long.class, execution)).as("partitions ran on both workers")
                .containsExactlyInAnyOrder(a.process().pid(), b.process().pid());
        long partitions = Gc.jdbc().queryForObject("SELECT COUNT(*) FROM batch_step_execution WHERE job_execution_id = ?"
                + " AND step_name LIKE '%Partition:%'", Long.class, execution);
        assertThat(partitions).as("partitions of the scan, and of both phases").isGreaterThan(3);
        assertThat(Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_partition WHERE job_execution_id = ? AND ended_at IS NOT NULL",
                Long.class, execution)).as("every partition of the three steps, recorded and ended").isEqualTo(partitions);
        Gc.Result shown = Gc.run("show", Long.toString(execution), "--json");
        assertThat(shown.out()).contains("\"worker\" : \"" + StorageLease.hostName() + ":" + a.process().pid() + "\"",
                "\"worker\" : \"" + StorageLease.hostName() + ":" + b.process().pid() + "\"");

        // SIGTERM: an idle worker stops at once, exit 0
        for (JarProcess worker : List.of(a, b)) {
            worker.process().destroy();
            assertExits(worker, Duration.ofSeconds(60), 0);
        }
    }

    @Test
    void aWorkerStoppedAndAWorkerKilledInTheMiddleEachFailTheRunAndTheRerunsFinishIt() throws Exception {
        Path work = E2eDirs.newWorkDir("remote-stop-kill");
        Path root = work.resolve("remote/storage");
        Path reference = pushedAndCollectedLocally(root, work.resolve("local/storage"), 32);
        String location = root.toRealPath().toString();

        // SIGTERM: its sweep chunks wait 8s between their layer links and their blob data, the signal comes meanwhile
        JarProcess stopped = startWorker(work, Map.of(), List.of("-Dregistry-gc.online.grace=8s", "-Dregistry-gc.delete.chunk-size=2"),
                "--threads", "16");
        JarProcess manager = manager(work, Map.of(), "--storage-root", root.toString());
        await(Duration.ofMinutes(3), () -> running(location, "deleteOrphanBlobsPartition") > 0, manager);
        long first = lastExecution(location);
        await(Duration.ofMinutes(1), () -> Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_audit WHERE job_execution_id = ?"
                + " AND action = 'DELETE_LAYER_LINK'", Long.class, first) > 0, manager);
        Thread.sleep(2000);
        stopped.process().destroy();
        assertExits(stopped, Duration.ofMinutes(2), 0);
        assertThat(stopped.stderr()).contains("stopped on request");
        assertExits(manager, Duration.ofMinutes(2), 1);
        assertThat(Gc.jdbc().queryForList("SELECT DISTINCT status FROM batch_step_execution WHERE job_execution_id = ?"
                + " AND step_name LIKE 'deleteOrphanBlobsPartition:%' AND status <> 'COMPLETED'", String.class, first))
                .as("its partitions stopped at a chunk boundary, resumable").containsExactly("STOPPED");
        assertThat(Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_audit WHERE job_execution_id = ? AND action = 'DELETE_BLOB'",
                Long.class, first)).as("the chunk in progress finished: its blob data went").isPositive();

        // kill -9: the resumed run's worker waits long in each sweep partition, and dies there
        JarProcess doomed = startWorker(work, Map.of(), List.of("-Dregistry-gc.online.grace=300s"), "--threads", "16");
        JarProcess resumed = manager(work, Map.of(), "--storage-root", root.toString());
        await(Duration.ofMinutes(2), () -> lastExecution(location) != first
                && running(location, "deleteOrphanBlobsPartition") > 0, resumed);
        long second = lastExecution(location);
        doomed.process().destroyForcibly();
        long killedAt = System.nanoTime();
        assertThat(resumed.process().waitFor(2, TimeUnit.MINUTES)).isTrue();
        Duration toFail = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(resumed.process().exitValue()).as(resumed.output()).isEqualTo(1);
        assertThat(resumed.stderr()).contains("worker " + StorageLease.hostName() + ":" + doomed.process().pid()
                + " stopped beating", "Rerun the same command");
        assertThat(toFail).as("the manager fails within the heartbeat timeout (5s) and its polls").isLessThan(Duration.ofSeconds(45));

        startWorker(work, Map.of(), List.of(), "--threads", "4"); // its start overlaps the manager's
        JarProcess rerun = manager(work, Map.of(), "--storage-root", root.toString());
        assertExits(rerun, Duration.ofMinutes(5), 0);
        long third = lastExecution(location);
        assertThat(Gc.jdbc().queryForList("SELECT DISTINCT job_instance_id FROM batch_job_execution WHERE job_execution_id"
                + " IN (?, ?, ?)", Long.class, first, second, third)).as("one run, resumed twice").hasSize(1);
        for (long later : List.of(second, third)) {
            List<String> done = Gc.jdbc().queryForList("SELECT step_name FROM batch_step_execution WHERE job_execution_id < ?"
                    + " AND job_execution_id >= ? AND status = 'COMPLETED' AND step_name LIKE '%Partition:%'",
                    String.class, later, first);
            assertThat(Gc.jdbc().queryForList("SELECT step_name FROM batch_step_execution WHERE job_execution_id = ?"
                    + " AND step_name LIKE '%Partition:%'", String.class, later))
                    .as("completed partitions are not redone").doesNotContainAnyElementsOf(done)
                    .isNotEmpty().allMatch(name -> name.startsWith("deleteOrphanBlobsPartition:"));
        }
        assertThat(StorageSnapshot.diff(StorageSnapshot.of(reference), StorageSnapshot.of(root)))
                .as("the resumed run leaves the storage an uninterrupted run leaves").isEmpty();
    }

    @Test
    void aBrokerDownAtStartOrGoneInTheMiddleFailsTheRunAndTheRerunFinishes() throws Exception {
        Path work = E2eDirs.newWorkDir("remote-broker");
        Path root = work.resolve("remote/storage");
        Path reference = pushedAndCollectedLocally(root, work.resolve("local/storage"), 33);
        String location = root.toRealPath().toString();

        int closed = freePort();
        Gc.Result down = Gc.run(root, "--delete-untagged", "--min-age", "0", "--broker", "amqp://guest:secret@127.0.0.1:" + closed);
        assertThat(down.exitCode()).as(down.toString()).isEqualTo(1);
        assertThat(down.err()).contains("the broker amqp://guest:***@127.0.0.1:" + closed + " cannot be reached")
                .doesNotContain("secret");
        assertThat(Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_run WHERE storage_root = ?", Long.class, location))
                .as("nothing started").isZero();

        // no worker at all: the run fails after the worker timeout, naming the broker
        Gc.Result noWorker = Gc.run(root, "--delete-untagged", "--min-age", "0", "--broker", broker, "--worker-timeout", "3s");
        assertThat(noWorker.exitCode()).as(noWorker.toString()).isEqualTo(1);
        assertThat(noWorker.err()).containsPattern("no worker took any of the [1-9][0-9]* waiting partitions of scanPartition");

        // a partition of the failed execution still beating on a worker: the rerun waits for it (exit 3)
        long failed = lastExecution(location);
        long partition = Gc.jdbc().queryForObject("SELECT MIN(step_execution_id) FROM batch_step_execution"
                + " WHERE job_execution_id = ? AND step_name LIKE 'scanPartition:%'", Long.class, failed);
        Gc.jdbc().update("INSERT INTO gc_partition (step_execution_id, job_execution_id, step_name, worker_host, worker_pid,"
                + " remote) VALUES (?, ?, 'scanPartition:straggler', 'elsewhere', 42, true)", partition, failed);
        Gc.Result straggling = Gc.run(root, "--delete-untagged", "--min-age", "0", "--broker", broker);
        assertThat(straggling.exitCode()).as(straggling.toString()).isEqualTo(3);
        assertThat(straggling.err()).contains("still has partitions running on remote workers", "elsewhere:42");
        Gc.jdbc().update("DELETE FROM gc_partition WHERE step_execution_id = ?", partition);

        // the manager reaches the broker through a proxy that goes away while the workers scan
        URI direct = URI.create(broker);
        try (TcpProxy proxy = TcpProxy.start(direct.getHost(), direct.getPort() < 0 ? 5672 : direct.getPort())) {
            String throughProxy = broker.replace(direct.getHost() + ":" + direct.getPort(), "127.0.0.1:" + proxy.port());
            Broker.purge(); // the failed run's requests
            JarProcess manager = managerVia(throughProxy, work, "--storage-root", root.toString());
            await(Duration.ofMinutes(1), () -> Broker.queued() > 0 && Broker.queued() == scanPartitions(location), manager);
            proxy.close();
            startWorker(work, Map.of(), List.of(), "--threads", "4"); // its start overlaps the manager's
            assertExits(manager, Duration.ofMinutes(3), 1);
            assertThat(manager.stderr()).contains("cannot send the partitions of deleteManifestsPartition to the broker amqp://guest:***@127.0.0.1:" + proxy.port());
        }
        JarProcess rerun = manager(work, Map.of(), "--storage-root", root.toString());
        assertExits(rerun, Duration.ofMinutes(5), 0);
        assertThat(StorageSnapshot.diff(StorageSnapshot.of(reference), StorageSnapshot.of(root))).isEmpty();
    }

    @Test
    void aManagerAndTwoWorkersCollectAnS3StorageLikeALocalRun() throws Exception {
        S3Server.requireS3Proxy();
        Path work = E2eDirs.newWorkDir("remote-s3");
        try (S3Server s3 = S3Server.start(work)) {
            try (RegistryServer server = RegistryServer.startOnS3(s3, "/remote", work.resolve("registry"))) {
                populate(new ImageFactory(new RegistryClient(server), 34));
            }
            Path objects = s3.bucketFolder().resolve("remote");
            StorageSnapshot.copyTree(objects, s3.bucketFolder().resolve("local"));
            Map<String, String> aws = new HashMap<>();
            s3.awsEnvironment().forEach(e -> aws.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1)));
            Path localConfig = work.resolve("local.yml");
            Files.writeString(localConfig, "version: 0.1\nstorage:\n" + s3.registryStorageYaml("/local"));
            Gc.Result local = Gc.run("run", "--registry-config", localConfig.toString(), "--delete-untagged", "--min-age", "0");
            assertThat(local.exitCode()).as(local.toString()).isZero();

            JarProcess a = startWorker(work, aws, List.of(), "--threads", "2");
            JarProcess b = startWorker(work, aws, List.of(), "--threads", "2");
            awaitReady(a, b);
            JarProcess manager = manager(work, aws, "--storage-root", "s3://registry/remote");
            assertExits(manager, Duration.ofMinutes(5), 0);
            assertThat(manager.stdout()).as("the workers' requests count with the run's").containsPattern("S3 requests: LIST \\d+");

            assertThat(StorageSnapshot.diff(StorageSnapshot.of(s3.bucketFolder().resolve("local")), StorageSnapshot.of(objects)))
                    .as("the remote run leaves the storage a local run leaves").isEmpty();
            long execution = lastExecution("s3://registry/remote");
            assertThat(Gc.jdbc().queryForList("SELECT DISTINCT worker_pid FROM gc_partition WHERE job_execution_id = ? AND remote",
                    Long.class, execution)).containsExactlyInAnyOrder(a.process().pid(), b.process().pid());
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /**
     * Pushes a storage to {@code root} with the real registry, and a copy of it to {@code reference} collected by a
     * local run: what the remote runs must leave.
     */
    private static Path pushedAndCollectedLocally(Path root, Path reference, long seed) throws IOException {
        Files.createDirectories(root);
        try (RegistryServer server = RegistryServer.start(root)) {
            populate(new ImageFactory(new RegistryClient(server), seed));
        }
        StorageSnapshot.copyTree(root, reference);
        Gc.Result local = Gc.run(reference, "--delete-untagged", "--min-age", "0");
        assertThat(local.exitCode()).as(local.toString()).isZero();
        return reference;
    }

    /** Repositories of re-tagged images (the old ones untagged), shared layers and orphan uploads. */

    private static void populate(ImageFactory factory) {
        Image base = factory.dockerImage("base/os", "stable");
        for (int i = 0; i < 10; i++) {
            String repo = (i % 2 == 0 ? "team-a/" : "team-b/service/") + "app-" + i;
            Image old = factory.image(repo).docker().tag("latest").reuseLayers(base.layers().get(0)).freshLayers(2).push();
            factory.image(repo).docker().tag("latest").reuseLayers(old.layers().get(1)).freshLayers(1).push();
            factory.pushRandomBlob(repo, 1024 + i);
        }
    }

    private JarProcess startWorker(Path work, Map<String, String> environment, List<String> jvmOptions, String... options)
            throws IOException {
        List<String> jvm = new ArrayList<>(FAST_HEARTBEAT);
        jvm.addAll(jvmOptions);
        List<String> args = new ArrayList<>(List.of("worker", "--broker", broker));
        args.addAll(List.of(options));
        JarProcess worker = JarProcess.start(work, jvm, database(environment), args.toArray(String[]::new));
        processes.add(worker);
        return worker;
    }

    /** Until each worker listens to the queue. */
    private static void awaitReady(JarProcess... workers) throws Exception {
        for (JarProcess worker : workers) {
            await(Duration.ofMinutes(1), () -> {
                try {
                    return worker.stderr().contains("takes partitions from");
                } catch (IOException e) {
                    return false;
                }
            }, worker);
        }
    }

    private JarProcess manager(Path work, Map<String, String> environment, String... storage) throws IOException {
        return start(work, environment, broker, storage);
    }

    private JarProcess managerVia(String brokerUrl, Path work, String... storage) throws IOException {
        return start(work, Map.of(), brokerUrl, storage);
    }

    private JarProcess start(Path work, Map<String, String> environment, String brokerUrl, String... storage)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(List.of(storage));
        args.addAll(List.of("--delete-untagged", "--min-age", "0", "--broker", brokerUrl, "--heartbeat-timeout", "5s",
                "--worker-timeout", "2m", "--progress-interval", "5s"));
        JarProcess manager = JarProcess.start(work, List.of(), database(environment), args.toArray(String[]::new));
        processes.add(manager);
        return manager;
    }

    private static Map<String, String> database(Map<String, String> environment) {
        Map<String, String> all = new HashMap<>(environment);
        all.put("SPRING_DATASOURCE_URL", TestDatabase.get().url());
        all.put("SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", ""));
        return all;
    }

    private static void assertExits(JarProcess process, Duration within, int exitCode) throws Exception {
        assertThat(process.process().waitFor(within.toMillis(), TimeUnit.MILLISECONDS)).as("ends within " + within).isTrue();
        assertThat(process.process().exitValue()).as(process.output()).isEqualTo(exitCode);
    }

    private static long lastExecution(String location) {
        return Gc.jdbc().queryForObject("SELECT MAX(e.job_execution_id) FROM gc_execution e JOIN gc_run r ON r.run_id = e.run_id"
                + " WHERE r.storage_root = ?", Long.class, location);
    }

    /** How many scan partitions the newest execution on {@code location} has (-1 before it has any). */
    private static long scanPartitions(String location) {
        Long count = Gc.jdbc().queryForObject("SELECT COUNT(*) FROM batch_step_execution WHERE job_execution_id = ?"
                + " AND step_name LIKE 'scanPartition:%'", Long.class, lastExecution(location));
        return count == null || count == 0 ? -1 : count;
    }

    /** Partitions of {@code step} running on a worker in the newest execution on {@code location}. */
    private static long running(String location, String step) {
        Long count = Gc.jdbc().queryForObject("""
                SELECT COUNT(*) FROM gc_partition p JOIN gc_execution e ON e.job_execution_id = p.job_execution_id
                  JOIN gc_run r ON r.run_id = e.run_id
                 WHERE r.storage_root = ? AND p.step_name LIKE ? AND p.ended_at IS NULL""", Long.class, location, step + ":%");
        return count == null ? 0 : count;
    }

    private static void await(Duration limit, BooleanSupplier condition, JarProcess process) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.process().isAlive()) {
                throw new AssertionError("the process ended first:\n" + process.output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ":\n" + process.output());
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
