package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The registry keeps accepting pushes while a run goes on. A run is frozen (SIGSTOP) right after it planned to
 * drop untagged images; meanwhile a client pushes those images again under new tags (their blobs and layer links
 * still exist, so only the manifests and tags are written); the run is thawed (SIGCONT) and finishes. Every image
 * pushed again must pull whole afterwards, every digest verified: the run re-reads the manifests written since its
 * cutoff before each deletion phase and keeps what they hold.
 */
class OnlineGcIT {

    private static final String REPO = "live/app";

    @Test
    void imagesPushedAgainDuringARunPullWholeAfterwards() throws Exception {
        Path root = E2eDirs.newWorkDir("online-gc").resolve("storage");
        List<Image> dropped = new ArrayList<>();
        Image tagged;
        try (RegistryServer server = RegistryServer.start(root)) {
            ImageFactory images = new ImageFactory(new RegistryClient(server), 2024L);
            for (int i = 0; i < 8; i++) {
                dropped.add(images.dockerImage(REPO, "current")); // each push leaves the previous one untagged
            }
            tagged = dropped.remove(dropped.size() - 1);
            // a longer manifest phase: more untagged images elsewhere
            for (int i = 0; i < 30; i++) {
                images.image("live/noise").docker().freshLayers(1).untagged().push();
            }
        }
        List<Image> pushedAgain = dropped.subList(0, 5);

        JarProcess run = JarProcess.start(root.getParent(), List.of("-Dregistry-gc.delete.chunk-size=1"),
                Map.of("SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                        "SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", "")),
                "run", "--storage-root", root.toString(), "--delete-untagged", "--min-age", "0", "--threads", "1");
        awaitPlanned(root);
        signal("STOP", run.process());
        try (RegistryServer server = RegistryServer.start(root)) {
            RegistryClient client = new RegistryClient(server);
            for (int i = 0; i < pushedAgain.size(); i++) {
                Image image = pushedAgain.get(i);
                client.pushManifest(REPO, "again-" + i, image.mediaType(), image.manifestBytes());
            }
        } finally {
            signal("CONT", run.process());
        }
        assertThat(run.process().waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).as(run.output()).isZero();

        try (RegistryServer server = RegistryServer.start(root)) {
            RegistryClient client = new RegistryClient(server);
            for (int i = 0; i < pushedAgain.size(); i++) {
                Image image = pushedAgain.get(i);
                assertThat(client.headManifest(REPO, "again-" + i, image.mediaType())).contains(image.manifest());
                for (Digest blob : image.contentBlobs()) {
                    client.verifyBlob(REPO, blob); // present, and its content matches its digest
                }
            }
            for (Digest blob : tagged.contentBlobs()) {
                client.verifyBlob(REPO, blob);
            }
            // the images not pushed again went as planned
            for (Image gone : dropped.subList(5, dropped.size())) {
                assertThat(client.headManifest(REPO, gone.manifest().toString(), gone.mediaType())).isEmpty();
            }
        }
        long runId = Gc.lastRunId(root);
        Long kept = Gc.jdbc().queryForObject("""
                SELECT COUNT(*) FROM gc_audit WHERE run_id = ? AND outcome IN ('DRIFTED', 'KEPT_CHANGED')""", Long.class, runId);
        assertThat(kept).as("plan items kept because the storage changed during the run").isPositive();
    }

    private static void awaitPlanned(Path root) throws Exception {
        String storageRoot = root.toAbsolutePath().normalize().toString();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            Long planned = Gc.jdbc().queryForObject("""
                    SELECT COUNT(*) FROM gc_run WHERE storage_root = ? AND planned_at IS NOT NULL""", Long.class, storageRoot);
            if (planned != null && planned > 0) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the run did not plan in time");
    }

    private static void signal(String signal, Process process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}
