package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryApiException;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import io.registrygc.storage.RegistryPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The registry keeps accepting pushes while a run goes on. A run is frozen (SIGSTOP) right after it planned to
 * drop untagged images; meanwhile a client pushes those images again under new tags (their blobs and layer links
 * still exist, so only the manifests and tags are written); the run is thawed (SIGCONT) and finishes. Every image
 * pushed again must pull whole afterwards, every digest verified: the run re-reads the manifests written since its
 * cutoff before each deletion phase and keeps what they hold; unless it was told the registry is offline.
 */
class OnlineGcIT {

    /** These runs collect while a client pushes: they wait the production grace (JarProcess sets none by default). */
    private static final String ONLINE_GRACE = "-Dregistry-gc.online.grace=1s";

    private static final String REPO = "live/app";

    @Test
    void imagesPushedAgainDuringARunPullWholeAfterwards() throws Exception {
        PushedAgain scenario = pushAgainWhileARunIsFrozen("online-gc");

        try (RegistryServer server = RegistryServer.start(scenario.root())) {
            RegistryClient client = new RegistryClient(server);
            for (int i = 0; i < scenario.pushedAgain().size(); i++) {
                Image image = scenario.pushedAgain().get(i);
                assertThat(client.headManifest(REPO, "again-" + i, image.mediaType())).contains(image.manifest());
                for (Digest blob : image.contentBlobs()) {
                    client.verifyBlob(REPO, blob); // present, and its content matches its digest
                }
            }
            for (Digest blob : scenario.tagged().contentBlobs()) {
                client.verifyBlob(REPO, blob);
            }
            // the images not pushed again went as planned
            for (Image gone : scenario.notPushedAgain()) {
                assertThat(client.headManifest(REPO, gone.manifest().toString(), gone.mediaType())).isEmpty();
            }
        }
        assertThat(kept(scenario.root(), "DRIFTED")).as("plan items a look kept: the storage changed during the run")
                .isPositive();
    }

    /**
     * What {@code --registry-offline} promises the operator and costs when it is untrue: the same pushes during the
     * run are not looked for. Each manifest pushed again is still kept by the check every deletion makes (its link
     * was written after the cutoff), but nothing keeps its layers: the images pushed again lose blobs. The run says
     * that it was told so when it starts.
     */
    @Test
    void aRunToldTheRegistryIsOfflineDoesNotLookForPushes() throws Exception {
        PushedAgain scenario = pushAgainWhileARunIsFrozen("online-gc-offline", "--registry-offline");

        assertThat(scenario.output()).contains("the registry is offline (--registry-offline)");
        assertThat(kept(scenario.root(), "DRIFTED")).as("no look, so nothing kept by one").isZero();
        assertThat(kept(scenario.root(), "KEPT_CHANGED")).as("the manifests pushed again, kept by the check before each"
                + " deletion").isEqualTo(scenario.pushedAgain().size());
        Set<Digest> left = StorageSnapshot.blobDigests(scenario.root());
        assertThat(scenario.pushedAgain().stream().flatMap(image -> image.contentBlobs().stream()))
                .as("layers of the images pushed again, swept").anyMatch(blob -> !left.contains(blob));
        assertThat(left).containsAll(scenario.tagged().contentBlobs());
    }

    /**
     * The registry's own half of a push of a manifest whose blob it finds: Distribution's {@code blobStore.Put} looks
     * at the data, finds it and writes only the revision and the tag's links, without a link to the data that the
     * run could have deleted first. Here that half lands at the worst moment, just after the sweep deleted the
     * manifest's data (in the real registry, between its look and its writes: milliseconds, which
     * {@link #imagesPushedInALoopDuringARunPullWholeAfterwards} hit once in five CI runs). The run kept the content
     * before the data went, and a look writes it back: the tag pulls whole afterwards.
     */
    @Test
    void aManifestPushedAgainJustAsTheSweepDeletesItsDataPullsWholeAfterwards() throws Exception {
        Path root = E2eDirs.newWorkDir("online-gc-manifest-data").resolve("storage");
        Image tagged;
        Image untagged;
        try (RegistryServer server = RegistryServer.start(root)) {
            RegistryClient client = new RegistryClient(server);
            ImageFactory images = new ImageFactory(client, 2026L);
            tagged = images.dockerImage(REPO, "current");
            // the same config and layers, another manifest: its own blob is all the sweep deletes of it
            byte[] bytes = (new String(tagged.manifestBytes(), StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
            untagged = new Image(REPO, Digest.sha256(bytes), tagged.mediaType(), bytes, tagged.config(), tagged.layers());
            client.pushManifest(REPO, untagged.manifest().toString(), untagged.mediaType(), bytes);
            for (int i = 0; i < 12; i++) {
                images.image("live/noise").docker().freshLayers(1).untagged().push();
            }
        }
        RegistryPaths paths = RegistryPaths.LAYOUT;
        Path data = root.resolve(paths.blobData(untagged.manifest()));
        assertThat(data).exists();

        JarProcess run = JarProcess.start(root.getParent(), List.of(ONLINE_GRACE),
                Map.of("SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                        "SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", "")),
                "run", "--storage-root", root.toString(), "--delete-untagged", "--min-age", "0", "--threads", "4");
        boolean dataWent = false;
        while (run.process().isAlive() && !(dataWent = !Files.exists(data))) {
            Thread.sleep(1);
        }
        assertThat(dataWent).as("the sweep deleted the manifest's data while the run went on").isTrue();
        String manifest = untagged.manifest().toString();
        write(root.resolve(paths.revisionFolder(REPO, untagged.manifest())).resolve("link"), manifest);
        Path tag = root.resolve(paths.tagCurrentLink(REPO, "again")).getParent().getParent();
        write(tag.resolve("index").resolve("sha256").resolve(untagged.manifest().hex()).resolve("link"), manifest);
        write(tag.resolve("current").resolve("link"), manifest);

        assertThat(run.process().waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).as(run.output()).isZero();
        try (RegistryServer server = RegistryServer.start(root)) {
            RegistryClient client = new RegistryClient(server);
            assertThat(client.getManifest(REPO, "again", untagged.mediaType())).hasValue(untagged.manifestBytes());
            for (Digest blob : untagged.contentBlobs()) {
                client.verifyBlob(REPO, blob);
            }
            assertThat(client.headManifest(REPO, "current", tagged.mediaType())).contains(tagged.manifest());
        }
        assertThat(run.output()).contains("wrote back the data of blob " + manifest + ", needed by manifest " + REPO + "@"
                + manifest);
    }

    /** A link as the registry writes it: the digest, no newline. */
    private static void write(Path link, String digest) throws Exception {
        Files.createDirectories(link.getParent());
        Files.writeString(link, digest);
    }

    private record PushedAgain(Path root, Image tagged, List<Image> pushedAgain, List<Image> notPushedAgain,
            String output) {
    }

    /**
     * Untagged images, a run that plans to drop them frozen (SIGSTOP) right after planning, five of them pushed again
     * under new tags meanwhile, then the run thawed to its end (exit 0).
     */
    private static PushedAgain pushAgainWhileARunIsFrozen(String name, String... options) throws Exception {
        Path root = E2eDirs.newWorkDir(name).resolve("storage");
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

        List<String> arguments = new ArrayList<>(List.of("run", "--storage-root", root.toString(), "--delete-untagged",
                "--min-age", "0", "--threads", "1"));
        arguments.addAll(List.of(options));
        JarProcess run = JarProcess.start(root.getParent(), List.of("-Dregistry-gc.delete.chunk-size=1", ONLINE_GRACE),
                Map.of("SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                        "SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", "")),
                arguments.toArray(String[]::new));
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
        return new PushedAgain(root, tagged, pushedAgain, dropped.subList(5, dropped.size()), run.output());
    }

    private static long kept(Path root, String outcome) {
        return Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_audit WHERE run_id = ? AND outcome = ?", Long.class,
                Gc.lastRunId(root), outcome);
    }

    /**
     * The registry runs all along, without its blob descriptor cache (see the README), while a client pushes in a
     * loop: new images, images that reuse the layers of images being collected (in their repository and in others,
     * uploading only what the repository does not have, as a real client does), and re-pushes of images being
     * collected under new tags. A push the registry refuses (a layer it checked went meanwhile) is retried as a
     * client would. Afterwards every image pushed during the run pulls whole, every digest verified.
     */
    @Test
    void imagesPushedInALoopDuringARunPullWholeAfterwards() throws Exception {
        Path root = E2eDirs.newWorkDir("online-gc-loop").resolve("storage");
        long seed = Long.getLong("online.seed", System.nanoTime());
        System.out.println("OnlineGcIT loop seed: " + seed + " (replay with -Donline.seed=" + seed + ")");
        try (RegistryServer server = RegistryServer.startForOnlineCollection(root)) {
            RegistryClient client = new RegistryClient(server);
            ImageFactory images = new ImageFactory(client, seed);
            List<Image> collected = new ArrayList<>();
            for (String repo : List.of("live/app", "live/api", "live/web")) {
                for (int i = 0; i < 15; i++) {
                    collected.add(images.image(repo).docker().freshLayers(2).tag("current").push());
                }
                collected.remove(collected.size() - 1); // the one still tagged
            }
            for (int i = 0; i < 40; i++) {
                images.image("live/noise").docker().freshLayers(1).untagged().push();
            }

            JarProcess run = JarProcess.start(root.getParent(), List.of("-Dregistry-gc.delete.chunk-size=2", ONLINE_GRACE),
                    Map.of("SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                            "SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", "")),
                    "run", "--storage-root", root.toString(), "--delete-untagged", "--min-age", "0", "--threads", "4");
            LoopingClient pusher = new LoopingClient(images, collected, new Random(seed));
            while (run.process().isAlive()) {
                pusher.pushOne();
            }
            assertThat(run.process().exitValue()).as(run.output()).isZero();
            System.out.println("OnlineGcIT loop: " + pusher.pushed.size() + " images pushed during the run, "
                    + pusher.refused + " pushes refused and retried");
            assertThat(pusher.pushed).as("images pushed during the run").hasSizeGreaterThan(20);
            assertThat(run.output()).as("a look inside a deletion phase found manifests pushed meanwhile")
                    .contains("written during the phase");

            for (Pushed pushed : pusher.pushed) {
                assertThat(client.headManifest(pushed.repo(), pushed.tag(), pushed.image().mediaType()))
                        .as(pushed.toString()).contains(pushed.image().manifest());
                for (Digest blob : pushed.image().contentBlobs()) {
                    client.verifyBlob(pushed.repo(), blob); // present, and its content matches its digest
                }
            }
        }
    }

    private record Pushed(String repo, String tag, Image image) {
    }

    /** A client pushing one image after another, as CI jobs do against a live registry. */
    private static final class LoopingClient {
        private final ImageFactory images;
        private final List<Image> collected;
        private final Random random;
        private final List<Pushed> pushed = new ArrayList<>();
        private int refused;

        LoopingClient(ImageFactory images, List<Image> collected, Random random) {
            this.images = images;
            this.collected = collected;
            this.random = random;
        }

        void pushOne() {
            int n = pushed.size();
            Image old = collected.get(random.nextInt(collected.size()));
            String tag = "during-" + n;
            switch (n % 3) {
                case 0 -> push(n % 2 == 0 ? old.repo() : "live/new-" + n, tag,
                        images.image(old.repo()).docker().freshLayers(1).build());
                case 1 -> {
                    String repo = random.nextBoolean() ? old.repo() : "live/other";
                    push(repo, tag, images.image(repo).docker().reuseLayersOf(old).build());
                }
                default -> push(old.repo(), tag, old);
            }
        }

        /** Uploads what the repository lacks, then the manifest; retries when the registry refuses it. */
        private void push(String repo, String tag, Image image) {
            RegistryClient client = images.client();
            for (int attempt = 1; ; attempt++) {
                try {
                    for (Digest blob : image.contentBlobs()) {
                        if (!client.blobExists(repo, blob)) {
                            client.pushBlob(repo, images.content(blob));
                        }
                    }
                    client.pushManifest(repo, tag, image.mediaType(), image.manifestBytes());
                    pushed.add(new Pushed(repo, tag, image.inRepo(repo)));
                    return;
                } catch (RegistryApiException e) {
                    refused++;
                    if (attempt == 5) {
                        throw e;
                    }
                }
            }
        }
    }

    private static void awaitPlanned(Path root) throws Exception {
        String storageRoot = root.toAbsolutePath().normalize().toString();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (Gc.countOnceTablesExist(
                    "SELECT COUNT(*) FROM gc_run WHERE storage_root = ? AND planned_at IS NOT NULL", storageRoot) > 0) {
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
