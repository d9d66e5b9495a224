package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.GcResult;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.Index;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The whole job against storage written by the real Distribution registry: push through the HTTP API,
 * stop the registry, collect, start it again and check through the API that every tag is whole.
 */
class RegistryGcEndToEndIT {

    private static final Pattern ELIGIBLE = Pattern.compile("(\\d+) blobs and (\\d+) manifests eligible for deletion");

    @Test
    void deleteUntaggedRemovesExactlyTheUnreachableAndKeepsEveryTagWhole() throws Exception {
        Path work = E2eDirs.newWorkDir("full");
        Path root = work.resolve("storage");
        Files.createDirectories(root);
        Scenario s;
        try (RegistryServer server = RegistryServer.start(root)) {
            s = new Scenario(new ImageFactory(new RegistryClient(server), 42));
            server.stop();

            // a dry run changes nothing and records the plan
            Map<String, String> before = StorageSnapshot.of(root);
            Gc.Result dry = Gc.run(root, "--delete-untagged", "--dry-run", "--min-age", "0");
            assertThat(dry.exitCode()).as(dry.toString()).isZero();
            StorageSnapshot.assertUnchanged(before, root);
            long dryRun = Gc.lastRunId(root);
            assertThat(dry.out()).contains("would delete manifest library/app@" + s.appV1.manifest());

            Map<Digest, Long> sizesBefore = StorageSnapshot.blobSizes(root);
            Gc.Result real = Gc.run(root, "--delete-untagged", "--min-age", "0");
            assertThat(real.exitCode()).as(real.toString()).isZero();
            long realRun = Gc.lastRunId(root);
            assertThat(realRun).isNotEqualTo(dryRun);
            assertThat(deletions(realRun, "DELETED")).as("what the real run deleted equals the dry run's plan")
                    .isEqualTo(deletions(dryRun, "PLANNED")).isNotEmpty();

            server.restart();
            RegistryClient client = new RegistryClient(server);
            s.assertSurvivorsWhole(client);
            s.assertGone(client);
            assertThat(StorageSnapshot.blobDigests(root)).as("no blob data is left that no surviving manifest reaches")
                    .isEqualTo(reachableFromSurvivingManifests(root));

            // bytes reclaimed equal what the deleted blob files held
            Long reclaimed = Gc.jdbc().queryForObject("SELECT SUM(bytes) FROM gc_audit WHERE run_id = ? AND action = 'DELETE_BLOB'",
                    Long.class, realRun);
            Set<Digest> remaining = StorageSnapshot.blobDigests(root);
            long expected = sizesBefore.entrySet().stream().filter(e -> !remaining.contains(e.getKey()))
                    .mapToLong(Map.Entry::getValue).sum();
            assertThat(expected).isPositive();
            assertThat(reclaimed).isEqualTo(expected);

            // a deleted image can be pushed again and is served whole
            s.factory.pushBlobs("library/app", s.appV1);
            client.pushManifest("library/app", "again", s.appV1.mediaType(), s.appV1.manifestBytes());
            assertThat(client.headManifest("library/app", "again")).contains(s.appV1.manifest());
            s.appV1.layers().forEach(layer -> client.verifyBlob("library/app", layer));
            server.stop();
        }

        GcResult reference = RegistryServer.garbageCollect(work.resolve("config.yml"), true, false);
        assertThat(reference.exitCode()).as(reference.output()).isZero();
        Matcher eligible = ELIGIBLE.matcher(reference.output());
        assertThat(eligible.find()).as(reference.output()).isTrue();
        assertThat(eligible.group(1) + "/" + eligible.group(2)).as("reference GC finds nothing left to delete").isEqualTo("0/0");
    }

    /**
     * A run that can delete no manifest (no --delete-untagged, --image or retention policy) keeps every manifest
     * whatever its tags, so it reads none: a broken tag is neither read nor reported, and every manifest's keep
     * reason says why. A run that can delete manifests reads every tag, the broken one included.
     */
    @Test
    void aRunThatCanDeleteNoManifestReadsNoTagAndSaysSo() throws Exception {
        Path root = E2eDirs.newWorkDir("tags-unread").resolve("storage");
        Files.createDirectories(root);
        try (RegistryServer server = RegistryServer.start(root)) {
            new Scenario(new ImageFactory(new RegistryClient(server), 7));
            server.stop();
        }
        Path broken = root.resolve("docker/registry/v2/repositories/library/app/_manifests/tags/broken/current/link");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "not a digest");

        Gc.Result orphans = Gc.run(root, "--dry-run", "--min-age", "0");
        assertThat(orphans.exitCode()).as(orphans.toString()).isZero();
        long orphansRun = Gc.lastRunId(root);
        assertThat(Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_tag WHERE run_id = ?", Integer.class, orphansRun))
                .isZero();
        assertThat(orphans.all()).doesNotContain("tags/broken");
        assertThat(Gc.jdbc().queryForList("SELECT DISTINCT keep_reason FROM gc_manifest WHERE run_id = ?", String.class,
                orphansRun)).containsExactly("every manifest is kept without --delete-untagged, --image or a retention"
                        + " policy (so its tags were not read)");

        Gc.Result untagged = Gc.run(root, "--delete-untagged", "--dry-run", "--min-age", "0");
        assertThat(untagged.exitCode()).as(untagged.toString()).isZero();
        long untaggedRun = Gc.lastRunId(root);
        assertThat(Gc.jdbc().queryForList("SELECT tag FROM gc_tag WHERE run_id = ? AND repository = 'library/app'",
                String.class, untaggedRun)).contains("latest", "v2", "broken");
        assertThat(untagged.all()).contains("tags/broken");
    }

    @Test
    void referenceGcBreaksTaggedMultiArchImagesWhereOursDoesNot() throws Exception {
        Path work = E2eDirs.newWorkDir("multiarch");
        Path ours = work.resolve("ours/storage");
        Path theirs = work.resolve("theirs/storage");
        Files.createDirectories(ours);
        Index oci;
        Index list;
        try (RegistryServer server = RegistryServer.start(ours)) {
            ImageFactory factory = new ImageFactory(new RegistryClient(server), 7);
            oci = factory.ociIndex("multi/oci", "1.0", 2);
            list = factory.dockerManifestList("multi/docker", "1.0", 2);
        }
        StorageSnapshot.copyTree(ours, theirs);

        GcResult reference = RegistryServer.garbageCollect(writeConfigLike(work.resolve("ours/config.yml"), ours, theirs,
                work.resolve("theirs/config.yml")), false, true);
        assertThat(reference.exitCode()).as(reference.output()).isZero();
        // ours reads the registry's own config, as an operator points it at the registry
        Gc.Result result = Gc.run("run", "--registry-config", work.resolve("ours/config.yml").toString(),
                "--delete-untagged", "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(Gc.lastRunId(ours)).as("the run is known by the storage root the config names").isPositive();

        try (RegistryServer server = RegistryServer.start(theirs)) {
            RegistryClient client = new RegistryClient(server);
            long broken = List.of(oci, list).stream().flatMap(i -> i.children().stream())
                    .filter(child -> client.getManifest(child.repo(), child.manifest().toString()).isEmpty()).count();
            assertThat(broken).as("the reference GC (2.8 --delete-untagged) deletes children of tagged indexes").isEqualTo(4);
        }
        try (RegistryServer server = RegistryServer.start(ours)) {
            RegistryClient client = new RegistryClient(server);
            for (Index index : List.of(oci, list)) {
                assertThat(client.headManifest(index.repo(), "1.0")).contains(index.digest());
                for (Image child : index.children()) {
                    assertThat(client.getManifest(child.repo(), child.manifest().toString())).isPresent();
                    child.layers().forEach(layer -> client.verifyBlob(child.repo(), layer));
                    client.verifyBlob(child.repo(), child.config());
                }
            }
        }
    }

    /** The storage of our e2e scenario, with what must survive and what must go. */
    static final class Scenario {
        final ImageFactory factory;
        final Image appV1;
        final Image appV2;
        final Index ociIndex;
        final Index dockerList;
        final Index stableOld;
        final Index stableNew;
        final Image exclusiveChild;
        final Image nestedParent;
        final Image nestedChild;
        final Image apiDeleted;
        final Digest orphanUpload;
        final Image copyA;
        final Image copyBNew;
        final Image signatureOfLive;
        final Image signatureOfDeleted;

        Scenario(ImageFactory f) {
            this.factory = f;
            RegistryClient client = f.client();
            // re-tagged image: v1 becomes untagged
            appV1 = f.dockerImage("library/app", "latest");
            appV2 = f.image("library/app").docker().tag("latest").reuseLayers(appV1.layers().get(0)).freshLayers(1).push();
            f.tag(appV2, "v2");
            signatureOfLive = f.referrer(appV2);
            signatureOfDeleted = f.referrer(appV1);
            // tagged multi-arch images with untagged children
            ociIndex = f.ociIndex("multi/arch", "oci", 2);
            dockerList = f.dockerManifestList("multi/arch", "docker", 2);
            // an index re-tagged: its old version and its exclusive child become untagged
            Image shared = f.image("multi/stable").oci().untagged().platform("linux", "amd64", null).push();
            exclusiveChild = f.image("multi/stable").oci().untagged().platform("linux", "arm64", "v8").push();
            Image newChild = f.image("multi/stable").oci().untagged().platform("linux", "arm64", "v8").push();
            stableOld = f.ociIndex("multi/stable", "stable", List.of(shared, exclusiveChild));
            stableNew = f.ociIndex("multi/stable", "stable", List.of(shared, newChild));
            // nested repository names
            nestedParent = f.ociImage("team/project", "1");
            nestedChild = f.image("team/project/service").oci().tag("1").reuseLayers(nestedParent.layers().get(0)).freshLayers(1).push();
            // a manifest deleted through the API; one of its layers is shared with a live image
            apiDeleted = f.image("deleted/api").docker().tag("gone").reuseLayers(appV2.layers().get(1)).freshLayers(1).push();
            client.deleteManifest("deleted/api", apiDeleted.manifest());
            // an upload that no manifest references
            orphanUpload = f.pushRandomBlob("uploads/only", 2048);
            // the same manifest in two repositories; in one of them it becomes untagged
            copyA = f.dockerImage("copy/a", "tag");
            f.copyTo(copyA, "copy/b", "tag");
            copyBNew = f.image("copy/b").docker().tag("tag").push();
        }

        void assertSurvivorsWhole(RegistryClient client) {
            Set<String> tagged = new HashSet<>();
            for (String repo : client.catalog()) {
                for (String tag : client.tags(repo)) {
                    tagged.add(repo + ":" + tag);
                    assertReachableServed(client, repo, tag, new HashSet<>());
                }
            }
            assertThat(tagged).contains("library/app:latest", "library/app:v2", "multi/arch:oci", "multi/arch:docker",
                    "multi/stable:stable", "team/project:1", "team/project/service:1", "copy/a:tag", "copy/b:tag");
            assertThat(client.headManifest("library/app", "latest")).contains(appV2.manifest());
            assertThat(client.headManifest("multi/stable", "stable")).contains(stableNew.digest());
            assertThat(client.headManifest("copy/b", "tag")).contains(copyBNew.manifest());
            assertThat(client.getManifest("library/app", signatureOfLive.manifest().toString()))
                    .as("a referrer of a kept image stays").isPresent();
            // layers shared with deleted images are still served
            client.verifyBlob("library/app", appV1.layers().get(0));
            client.verifyBlob("library/app", appV2.layers().get(1));
            // the copy untagged in copy/b is still whole in copy/a
            copyA.layers().forEach(layer -> client.verifyBlob("copy/a", layer));
        }

        void assertGone(RegistryClient client) {
            assertThat(client.getManifest("library/app", appV1.manifest().toString())).isEmpty();
            assertThat(client.getManifest("library/app", signatureOfDeleted.manifest().toString())).isEmpty();
            assertThat(client.getManifest("multi/stable", stableOld.digest().toString())).isEmpty();
            assertThat(client.getManifest("multi/stable", exclusiveChild.manifest().toString())).isEmpty();
            assertThat(client.getManifest("copy/b", copyA.manifest().toString())).isEmpty();
            assertThat(client.getBlob("uploads/only", orphanUpload)).isEmpty();
            // layers only the deleted manifests used are gone from disk too
            assertThat(client.getBlob("library/app", appV1.layers().get(1))).isEmpty();
            assertThat(client.getBlob("deleted/api", apiDeleted.layers().get(1))).isEmpty();
        }

        private void assertReachableServed(RegistryClient client, String repo, String reference, Set<Digest> seen) {
            var response = client.getManifestResponse(repo, reference).orElseThrow(
                    () -> new AssertionError(repo + ":" + reference + " does not resolve"));
            assertThat(Digest.sha256(response.content())).isEqualTo(response.digest());
            if (!seen.add(response.digest())) {
                return;
            }
            ParsedManifest parsed = parse(response.content());
            for (Reference ref : parsed.references()) {
                switch (ref.kind()) {
                    case CHILD -> assertReachableServed(client, repo, ref.digest().toString(), seen);
                    case CONFIG, LAYER -> client.verifyBlob(repo, ref.digest());
                    default -> { }
                }
            }
        }
    }

    /** Every blob that a manifest revision on disk is or references. */
    static Set<Digest> reachableFromSurvivingManifests(Path root) throws Exception {
        Set<Digest> reachable = new HashSet<>();
        for (String repo : StorageSnapshot.repositories(root)) {
            for (Digest manifest : StorageSnapshot.manifestRevisions(root, repo)) {
                reachable.add(manifest);
                parse(Files.readAllBytes(StorageSnapshot.blobData(root, manifest))).blobs()
                        .forEach(ref -> reachable.add(ref.digest()));
            }
        }
        return reachable;
    }

    private static ParsedManifest parse(byte[] content) {
        try {
            return new ManifestParser().parse(content);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What a run's audit records with this outcome: action, repository, tag and digest of each item. */
    static Set<String> deletions(long runId, String outcome) {
        return new HashSet<>(Gc.jdbc().queryForList("""
                SELECT action || ' ' || COALESCE(repository, '') || ' ' || COALESCE(tag, '') || ' ' || COALESCE(digest, '')
                  FROM gc_audit WHERE run_id = ? AND outcome = ?""", String.class, runId, outcome));
    }

    /** A registry config for another storage root, made from an existing one. */
    private static Path writeConfigLike(Path config, Path oldRoot, Path newRoot, Path target) throws Exception {
        String text = Files.readString(config).replace(oldRoot.toAbsolutePath().toString(), newRoot.toAbsolutePath().toString());
        Files.createDirectories(target.getParent());
        Files.writeString(target, text);
        return target;
    }
}
