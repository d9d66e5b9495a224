package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.FaultyHttpProxy;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.S3Server;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.testsupport.Gc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * S3 misbehaving: throttling ({@code 503 Slow Down}) and connections reset in the middle of a {@code DeleteObjects}
 * (the store deleted, the client never heard). Retried where the SDK's backoff outlasts them; where it does not, the run
 * fails with exit 1 and the same command finishes it. Either way the storage ends as an undisturbed run leaves it.
 */
class S3FaultsIT {

    @Test
    void throttlingAndResetsAreRetriedAndARunTheyFailIsFinishedByItsRerun() throws Exception {
        Path work = E2eDirs.newWorkDir("s3-faults");
        try (S3Server s3 = S3Server.start(work)) {
            try (RegistryServer server = RegistryServer.startOnS3(s3, "/pushed", work.resolve("registry"))) {
                new RegistryGcEndToEndIT.Scenario(new ImageFactory(new RegistryClient(server), 17));
            }
            for (String copy : new String[] {"undisturbed", "retried", "failed"}) {
                StorageSnapshot.copyTree(s3.bucketFolder().resolve("pushed"), s3.bucketFolder().resolve(copy));
            }
            Gc.Result undisturbed = Gc.run("run", "--registry-config", config(work, s3, "undisturbed", s3.endpoint().toString()),
                    "--delete-untagged", "--min-age", "0");
            assertThat(undisturbed.exitCode()).as(undisturbed.toString()).isZero();
            Map<String, String> expected = files(s3.bucketFolder().resolve("undisturbed"));

            try (FaultyHttpProxy proxy = FaultyHttpProxy.inFrontOf(s3.endpoint(), 0)) {
                proxy.slowDownNext(4);
                proxy.resetAfterForwarding(2, FaultyHttpProxy::isDeleteObjects);
                Gc.Result retried = Gc.run("run", "--registry-config", config(work, s3, "retried", proxy.endpoint().toString()),
                        "--delete-untagged", "--min-age", "0");
                assertThat(retried.exitCode()).as(retried.toString()).isZero();
                assertThat(files(s3.bucketFolder().resolve("retried"))).isEqualTo(expected);

                // resets on every DeleteObjects for longer than the retries last: the run fails, its rerun finishes it
                proxy.resetAfterForwarding(Integer.MAX_VALUE, FaultyHttpProxy::isDeleteObjects);
                String failedConfig = config(work, s3, "failed", proxy.endpoint().toString());
                Gc.Result failed = Gc.run("run", "--registry-config", failedConfig, "--delete-untagged", "--min-age", "0");
                assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
                assertThat(failed.err()).contains("Rerun the same command");
                proxy.resetAfterForwarding(0, FaultyHttpProxy::isDeleteObjects);
                Gc.Result rerun = Gc.run("run", "--registry-config", failedConfig, "--delete-untagged", "--min-age", "0");
                assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
                assertThat(Gc.jdbc().queryForObject("""
                        SELECT COUNT(*) FROM gc_execution WHERE run_id =
                               (SELECT MAX(run_id) FROM gc_run WHERE storage_root = 's3://registry/failed')""", Long.class))
                        .as("the rerun resumed the failed run").isEqualTo(2);
                assertThat(files(s3.bucketFolder().resolve("failed"))).isEqualTo(expected);
            }
        }
    }

    /** A registry config for the storage under {@code root}, reached at {@code endpoint}. */
    private static String config(Path work, S3Server s3, String root, String endpoint) throws Exception {
        Path config = work.resolve(root + ".yml");
        Files.writeString(config, "version: 0.1\nstorage:\n"
                + s3.registryStorageYaml("/" + root).replace(s3.endpoint().toString(), endpoint));
        return config.toString();
    }

    /** The files of a storage (s3proxy may leave empty folders where objects were). */
    private static Map<String, String> files(Path root) {
        Map<String, String> files = new TreeMap<>(StorageSnapshot.of(root));
        files.values().removeIf(StorageSnapshot.DIRECTORY::equals);
        files.keySet().removeIf(path -> path.startsWith("registry-gc.lease"));
        return files;
    }
}
