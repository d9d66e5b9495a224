package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.GcResult;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.S3Server;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end scenario of {@link RegistryGcEndToEndIT} on S3: the real registry writes its storage through its own
 * S3 driver into s3proxy (a real S3 server), registry-gc collects it through the S3 API, and the registry serves every
 * tag whole afterwards. s3proxy keeps objects as files, so the storage is also checked as files.
 */
class S3EndToEndIT {

    @Test
    void theScenarioCollectedOnS3LeavesEveryTagWholeAndNothingUnreachable() throws Exception {
        Path work = E2eDirs.newWorkDir("s3");
        try (S3Server s3 = S3Server.start(work);
                RegistryServer server = RegistryServer.startOnS3(s3, "/registry-root", work.resolve("registry"))) {
            RegistryGcEndToEndIT.Scenario s = new RegistryGcEndToEndIT.Scenario(new ImageFactory(new RegistryClient(server), 42));
            server.stop();
            Path objects = server.storageRoot();
            String config = server.configFile().toString();

            Set<io.registrygc.storage.Digest> blobsBefore = StorageSnapshot.blobDigests(objects);
            Gc.Result dry = Gc.run("run", "--registry-config", config, "--delete-untagged", "--dry-run", "--min-age", "0");
            assertThat(dry.exitCode()).as(dry.toString()).isZero();
            assertThat(dry.out()).contains("would delete manifest library/app@" + s.appV1.manifest());
            assertThat(StorageSnapshot.blobDigests(objects)).isEqualTo(blobsBefore);
            long dryRun = lastRunId("s3://registry/registry-root");

            // the dry run's plan carried out later, as an operator reviews it first
            long dryExecution = Gc.jdbc().queryForObject(
                    "SELECT MAX(job_execution_id) FROM gc_execution WHERE run_id = ?", Long.class, dryRun);
            Gc.Result real = Gc.run("apply", Long.toString(dryExecution), "--registry-config", config);
            assertThat(real.exitCode()).as(real.toString()).isZero();
            assertThat(real.out()).as("requests are counted: on S3 they are billed").containsPattern("S3 requests: LIST \\d+");
            long realRun = lastRunId("s3://registry/registry-root");
            Gc.Result shown = Gc.run("show", Long.toString(Gc.jdbc().queryForObject(
                    "SELECT MAX(job_execution_id) FROM gc_execution WHERE run_id = ?", Long.class, realRun)), "--json");
            assertThat(shown.out()).as("the report names the requests too").contains("\"storageRequests\"", "\"LIST\"");
            assertThat(RegistryGcEndToEndIT.deletions(realRun, "DELETED")).as("what the real run deleted equals the dry run's plan")
                    .isEqualTo(RegistryGcEndToEndIT.deletions(dryRun, "PLANNED")).isNotEmpty();

            server.restart();
            RegistryClient client = new RegistryClient(server);
            s.assertSurvivorsWhole(client);
            s.assertGone(client);
            assertThat(StorageSnapshot.blobDigests(objects)).as("no blob is left that no surviving manifest reaches")
                    .isEqualTo(RegistryGcEndToEndIT.reachableFromSurvivingManifests(objects));

            // a deleted image can be pushed again and is served whole
            s.factory.pushBlobs("library/app", s.appV1);
            client.pushManifest("library/app", "again", s.appV1.mediaType(), s.appV1.manifestBytes());
            assertThat(client.headManifest("library/app", "again")).contains(s.appV1.manifest());
            s.appV1.layers().forEach(layer -> client.verifyBlob("library/app", layer));
            server.stop();

            GcResult reference = server.garbageCollect(true, false);
            assertThat(reference.exitCode()).as(reference.output()).isZero();
            assertThat(reference.output()).as("the reference GC on S3 finds nothing left to delete")
                    .contains("0 blobs and 0 manifests eligible for deletion");
        }
    }

    @Test
    void anS3StorageRootWithTheStandardAwsEnvironmentCollectsInAProcessOfItsOwn() throws Exception {
        Path work = E2eDirs.newWorkDir("s3-root");
        try (S3Server s3 = S3Server.start(work);
                RegistryServer server = RegistryServer.startOnS3(s3, "/", work.resolve("registry"))) {
            ImageFactory factory = new ImageFactory(new RegistryClient(server), 5);
            var old = factory.dockerImage("app", "latest");
            var current = factory.image("app").docker().tag("latest").reuseLayers(old.layers().get(0)).freshLayers(1).push();
            var orphan = factory.pushRandomBlob("app", 4096);
            server.stop();

            Map<String, String> environment = new HashMap<>();
            s3.awsEnvironment().forEach(entry -> environment.put(entry.substring(0, entry.indexOf('=')),
                    entry.substring(entry.indexOf('=') + 1)));
            environment.put("SPRING_DATASOURCE_URL", TestDatabase.get().url());
            environment.put("SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", ""));
            JarProcess run = JarProcess.start(work, List.of(), environment,
                    "run", "--storage-root", "s3://registry", "--delete-untagged", "--min-age", "0");
            assertThat(run.process().waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(run.process().exitValue()).as(run.stdout() + run.stderr()).isZero();

            server.restart();
            RegistryClient client = new RegistryClient(server);
            assertThat(client.headManifest("app", "latest")).contains(current.manifest());
            current.layers().forEach(layer -> client.verifyBlob("app", layer));
            assertThat(client.getManifest("app", old.manifest().toString())).isEmpty();
            assertThat(client.getBlob("app", old.layers().get(1))).isEmpty();
            assertThat(client.getBlob("app", orphan)).isEmpty();
            assertThat(Files.exists(server.storageRoot().resolve("docker/registry/v2"))).isTrue();
        }
    }

    private static long lastRunId(String location) {
        return Gc.jdbc().queryForObject("SELECT MAX(run_id) FROM gc_run WHERE storage_root = ?", Long.class, location);
    }
}
