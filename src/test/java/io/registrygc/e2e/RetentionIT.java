package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.Index;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Retention rules (flags and a policy file) on storage written by the real registry, with the tags' push times set
 * on their links: each rule alone, with the exact set of surviving tags; keep beats delete; multi-arch children and
 * referrers follow their roots both ways. Every scenario runs on its own copy of one storage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionIT {

    private static final String APP = "team/app";
    private static final String TOOLS = "tools/cli";
    private static final String MULTI = "team/multi";
    private static final Instant NOW = Instant.now();

    private Path built;
    private Image[] builds;            // team/app:b1..b5 (b5 the most recent), one image each
    private Image stable;              // team/app:stable and team/app:pr-9 on one digest, pushed long ago
    private Image untaggedOld;         // team/app untagged, written 5 days ago
    private Image untaggedNew;         // team/app untagged, written 1 day ago
    private Image signature;           // referrer of b1 (an OCI manifest with subject)
    private Image keptSignature;       // referrer of b5
    private Index multiOld;            // team/multi:old, an index of 2, pushed 10 days ago
    private Index multiNew;            // team/multi:new, an index of 2, pushed 1 day ago
    private Image tool;                // tools/cli:latest, pushed 30 days ago (the only tag of its repository)

    @BeforeAll
    void buildStorage() throws IOException {
        RegistryServer.requireRegistry();
        built = E2eDirs.newWorkDir("retention").resolve("storage");
        RegistryServer server = RegistryServer.start(built);
        ImageFactory images = new ImageFactory(new RegistryClient(server), 4242L);
        builds = new Image[5];
        for (int i = 0; i < 5; i++) {
            builds[i] = images.dockerImage(APP, "b" + (i + 1));
        }
        stable = images.ociImage(APP, "stable");
        images.tag(stable, "pr-9");
        untaggedOld = images.image(APP).oci().untagged().push();
        untaggedNew = images.image(APP).oci().untagged().push();
        signature = images.referrer(builds[0]);
        keptSignature = images.referrer(builds[4]);
        multiOld = images.ociIndex(MULTI, "old", 2);
        multiNew = images.ociIndex(MULTI, "new", 2);
        tool = images.dockerImage(TOOLS, "latest");
        server.stop();

        for (int i = 0; i < 5; i++) {
            pushed(built, APP, "b" + (i + 1), Duration.ofDays(10 - i)); // b1 10 days ago ... b5 6 days ago
        }
        pushed(built, APP, "stable", Duration.ofDays(40));
        pushed(built, APP, "pr-9", Duration.ofDays(40));
        written(built, APP, untaggedOld.manifest(), Duration.ofDays(5));
        written(built, APP, untaggedNew.manifest(), Duration.ofDays(1));
        pushed(built, MULTI, "old", Duration.ofDays(10));
        pushed(built, MULTI, "new", Duration.ofDays(1));
        pushed(built, TOOLS, "latest", Duration.ofDays(30));
    }

    @Test
    void keepLastKeepsTheMostRecentlyPushed() throws IOException {
        Path storage = copy("keep-last");
        Gc.Result result = Gc.run(storage, "--repository", APP, "--keep-tags", "stable", "--keep-last", "2", "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        // stable is set aside; of the rest (b1..b5, pr-9) the two most recent stay
        assertThat(StorageSnapshot.tags(storage, APP).keySet()).containsExactlyInAnyOrder("stable", "b4", "b5");
        assertThat(StorageSnapshot.tags(storage, MULTI).keySet()).containsExactlyInAnyOrder("old", "new");
        assertThat(StorageSnapshot.tags(storage, TOOLS).keySet()).containsExactly("latest");
        Set<Digest> revisions = StorageSnapshot.manifestRevisions(storage, APP);
        assertThat(revisions).contains(stable.manifest(), builds[3].manifest(), builds[4].manifest(), keptSignature.manifest())
                .doesNotContain(builds[0].manifest(), builds[1].manifest(), builds[2].manifest(),
                        signature.manifest()); // the referrer of the deleted b1 went with it
        // untagged manifests are not the flags' business without --delete-untagged
        assertThat(revisions).contains(untaggedOld.manifest(), untaggedNew.manifest());
        Set<Digest> blobs = StorageSnapshot.blobDigests(storage);
        assertThat(blobs).doesNotContainAnyElementsOf(exclusiveBlobs(builds[0]));
        assertThat(blobs).containsAll(builds[4].allBlobs()).containsAll(stable.allBlobs());

        // every tag's decision, kept or deleted, with its rule
        Gc.Result decisions = Gc.run("show", Long.toString(lastExecution()), "--decisions");
        assertThat(decisions.exitCode()).as(decisions.toString()).isZero();
        assertThat(decisions.out().lines().filter(line -> line.startsWith("TAG ")).count()).isEqualTo(7 + 2 + 1);
        assertThat(decisions.out()).contains("kept by policy 'command line' rule 2: keep-last 2: number 1 of the most recently pushed",
                "kept by policy 'command line' rule 1: keep-tags 'stable'",
                "deleted by policy 'command line' rule 3: delete-tags (all)",
                "no retention rule or selection applies to it");
        assertThat(decisions.out().lines().filter(line -> line.startsWith("TAG ") && line.contains(" b1 ")))
                .singleElement().asString().contains("deleted");
    }

    @Test
    void olderThanDeletesOnlyOldTags() throws IOException {
        Path storage = copy("older-than");
        Gc.Result result = Gc.run(storage, "--older-than", "180h", "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(StorageSnapshot.tags(storage, APP).keySet()).containsExactlyInAnyOrder("b4", "b5");
        assertThat(StorageSnapshot.tags(storage, MULTI).keySet()).containsExactly("new");
        // tools/cli:latest is older, but the last tag of its repository
        assertThat(StorageSnapshot.tags(storage, TOOLS).keySet()).containsExactly("latest");
        // the old index went with its children
        Set<Digest> multi = StorageSnapshot.manifestRevisions(storage, MULTI);
        assertThat(multi).doesNotContain(multiOld.digest()).doesNotContainAnyElementsOf(multiOld.manifests().subList(1, 3));
        assertThat(multi).contains(multiNew.digest()).containsAll(multiNew.manifests());
    }

    @Test
    void deletePatternAndKeepPatternOnOneDigest() throws IOException {
        Path storage = copy("patterns");
        Gc.Result result = Gc.run(storage, "--repository", "team/**", "--keep-tags", "stable|b.*", "--delete-tags", "pr-.*",
                "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        // pr-9 goes, but its digest stays: stable is kept and points at it
        assertThat(StorageSnapshot.tags(storage, APP).keySet()).containsExactlyInAnyOrder("stable", "b1", "b2", "b3", "b4", "b5");
        assertThat(StorageSnapshot.manifestRevisions(storage, APP)).contains(stable.manifest());
        assertThat(StorageSnapshot.blobDigests(storage)).containsAll(stable.allBlobs());
    }

    @Test
    void untaggedOlderThanFromAPolicyFile() throws IOException {
        Path storage = copy("untagged");
        Path policy = storage.resolveSibling("policy.yml");
        Files.writeString(policy, """
                policies:
                  - name: apps
                    repositories: ["team/app"]
                    rules:
                      - delete-untagged-older-than: 3d
                """);
        Gc.Result result = Gc.run(storage, "--policy", policy.toString(), "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Set<Digest> revisions = StorageSnapshot.manifestRevisions(storage, APP);
        assertThat(revisions).doesNotContain(untaggedOld.manifest()).contains(untaggedNew.manifest());
        // referrers are untagged too, but follow their (tagged, kept) subjects
        assertThat(revisions).contains(signature.manifest(), keptSignature.manifest());
        // children of a tagged index are untagged and stay with it
        assertThat(StorageSnapshot.manifestRevisions(storage, MULTI)).containsAll(multiOld.manifests());
        assertThat(StorageSnapshot.tags(storage, APP)).hasSize(7);
        String show = Gc.run("show", Long.toString(lastExecution())).out();
        assertThat(show).contains("policy 'apps' rule 1: delete-untagged older than 3d");
    }

    @Test
    void lastTagIsProtectedUnlessThePolicySaysSo() throws IOException {
        Path protectedCopy = copy("last-tag");
        Gc.Result result = Gc.run(protectedCopy, "--repository", TOOLS, "--delete-tags", ".*", "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(StorageSnapshot.tags(protectedCopy, TOOLS).keySet()).containsExactly("latest");

        Path unprotected = copy("last-tag-deleted");
        Path policy = unprotected.resolveSibling("policy.yml");
        Files.writeString(policy, """
                policies:
                  - repositories: "tools/**"
                    delete-last-tag: true
                    rules:
                      - delete-tags: ".*"
                """);
        result = Gc.run(unprotected, "--policy", policy.toString(), "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(StorageSnapshot.tags(unprotected, TOOLS)).isEmpty();
        assertThat(StorageSnapshot.manifestRevisions(unprotected, TOOLS)).isEmpty();
        assertThat(StorageSnapshot.blobDigests(unprotected)).doesNotContainAnyElementsOf(tool.allBlobs());
        assertThat(StorageSnapshot.tags(unprotected, APP)).hasSize(7);
    }

    // ------------------------------------------------------------------ helpers

    private Path copy(String name) throws IOException {
        Path target = E2eDirs.newWorkDir("retention-" + name).resolve("storage");
        StorageSnapshot.copyTree(built, target);
        return target;
    }

    /** The blobs of an image that no other image of this storage uses. */
    private List<Digest> exclusiveBlobs(Image image) {
        return image.layers();
    }

    static void pushed(Path storage, String repository, String tag, Duration ago) throws IOException {
        Path link = StorageSnapshot.v2(storage).resolve("repositories").resolve(repository)
                .resolve("_manifests/tags").resolve(tag).resolve("current/link");
        Files.setLastModifiedTime(link, FileTime.from(NOW.minus(ago)));
    }

    static void written(Path storage, String repository, Digest manifest, Duration ago) throws IOException {
        Path link = StorageSnapshot.v2(storage).resolve("repositories").resolve(repository)
                .resolve("_manifests/revisions/sha256").resolve(manifest.hex()).resolve("link");
        Files.setLastModifiedTime(link, FileTime.from(NOW.minus(ago)));
    }

    private static long lastExecution() {
        return Gc.jdbc().queryForObject("SELECT MAX(job_execution_id) FROM gc_execution", Long.class);
    }

}
