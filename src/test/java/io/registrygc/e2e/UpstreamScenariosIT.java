package io.registrygc.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream (CNCF Distribution) garbage-collection test scenarios, reproduced on storage written by the
 * real registry 2.8.2 through its HTTP API. One storage holds one repository per scenario; the runs are:
 * <ol>
 *   <li>run 0, no selection, before any orphan exists: must change nothing (scenario a);</li>
 *   <li>then API deletions, an orphan upload, a repository without tags and one with only {@code _layers};</li>
 *   <li>run 1, no selection: only orphan blobs and unreferenced {@code _layers} links go;</li>
 *   <li>run 2, {@code --delete-untagged}: untagged manifests go, with what only they reference.</li>
 * </ol>
 * After each run the registry is restarted and every remaining tag must resolve with its blobs served.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamScenariosIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String RETAG = "upstream/retag";
    private static final String TAGGED_INDEX = "upstream/tagged-index";
    private static final String UNTAGGED_INDEX = "upstream/untagged-index";
    private static final String GONE_CHILDREN = "upstream/gone-children";
    private static final String API_DELETED = "upstream/api-deleted";
    private static final String ORPHAN = "upstream/orphan";
    private static final String NO_TAGS = "upstream/no-tags";
    private static final String LAYERS_ONLY = "upstream/layers-only";
    private static final String UNTAGGED_IMAGE = "upstream/untagged-image";
    private static final String SIGNED = "upstream/signed";

    private Path storage;
    private RegistryServer server;
    private RegistryClient client;
    private ImageFactory images;

    // (a)/(b) re-tagged: retagOld was "latest" before retagNew replaced it; stable is a second tag on retagNew
    private Image retagOld;
    private Image retagNew;
    // (c)
    private Index taggedIndex;
    // (d) untagged manifest list; its first child is tagged "amd64" on its own
    private Index untaggedIndex;
    // (e) tagged index whose children were deleted through the API
    private Index goneChildren;
    // (f)
    private Image apiLive;
    private Image apiDoomed;
    // (g)
    private Image orphanRepoImage;
    private Digest orphanBlob;
    // (h)
    private Image noTagsImage;
    // (i) blobs uploaded to a repository that never got a manifest, one of them shared with apiLive
    private Image layersOnly;
    // (j)
    private Image untaggedImageTagged;
    private Image untaggedImageUntagged;
    // (k)
    private Image signedImage;
    private Image signedReferrer;
    private Image unsignedImage;
    private Image unsignedReferrer;

    private Map<String, String> beforeRun0;
    private Gc.Result run0;
    private Map<String, String> afterRun0;
    private String run0Verification;

    private Set<Digest> blobsBeforeRun1;
    private Map<String, Set<Digest>> linksBeforeRun1;
    private Gc.Result run1;
    private Set<Digest> blobsAfterRun1;
    private Map<String, Set<Digest>> linksAfterRun1;
    private Map<String, Set<Digest>> revisionsAfterRun1;
    private String run1Verification;

    private Gc.Result run2;
    private Set<Digest> blobsAfterRun2;
    private Map<String, Set<Digest>> linksAfterRun2;
    private Map<String, Set<Digest>> revisionsAfterRun2;
    private Map<String, Map<String, Digest>> tagsAfterRun2;
    private String run2Verification;

    private Gc.Result run3;
    private String run3Diff;

    @BeforeAll
    void buildStorageAndCollect() throws IOException {
        RegistryServer.requireRegistry(); // skipped without the registry, except in CI where it must run
        storage = E2eDirs.newWorkDir("upstream-scenarios").resolve("storage");
        server = RegistryServer.start(storage);
        client = new RegistryClient(server);
        images = new ImageFactory(client, 20240501L);

        // (a)+(b): push, then re-tag: latest moves to a new image sharing one layer, and a second tag is added
        retagOld = images.dockerImage(RETAG, "latest");
        retagNew = images.image(RETAG).docker().reuseLayers(retagOld.layers().get(0)).freshLayers(1).tag("latest").push();
        images.tag(retagNew, "stable");
        // (c)
        taggedIndex = images.ociIndex(TAGGED_INDEX, "v1", 2);
        // (d): children pushed untagged, the list by digest, then one child tagged on its own
        untaggedIndex = images.dockerManifestList(UNTAGGED_INDEX, null, 2);
        images.tag(untaggedIndex.children().get(0), "amd64");
        // (e): tagged index (its children are deleted after run 0)
        goneChildren = images.ociIndex(GONE_CHILDREN, "v1", 2);
        // (f): two images sharing a layer (the second is deleted through the API after run 0)
        apiLive = images.dockerImage(API_DELETED, "live");
        apiDoomed = images.image(API_DELETED).docker().reuseLayers(apiLive.layers().get(0)).freshLayers(1)
                .tag("doomed").push();
        // (g)
        orphanRepoImage = images.dockerImage(ORPHAN, "v1");
        // (h)
        noTagsImage = images.ociImage(NO_TAGS, "v1");
        // (j): untagged image sharing one layer with the tagged one
        untaggedImageTagged = images.dockerImage(UNTAGGED_IMAGE, "v1");
        untaggedImageUntagged = images.image(UNTAGGED_IMAGE).docker().untagged()
                .reuseLayers(untaggedImageTagged.layers().get(1)).freshLayers(1).push();
        // (k)
        signedImage = images.dockerImage(SIGNED, "v1");
        signedReferrer = images.referrer(signedImage);
        unsignedImage = images.image(SIGNED).oci().untagged().push();
        unsignedReferrer = images.referrer(unsignedImage);

        // ---- run 0: no selection, nothing orphaned yet: nothing may change
        server.stop();
        beforeRun0 = StorageSnapshot.of(storage);
        run0 = Gc.run(storage, "--min-age", "0");
        afterRun0 = StorageSnapshot.of(storage);
        server.restart();
        run0Verification = verifyEveryTag(Set.of());

        // ---- make orphans the upstream ways
        for (Image child : goneChildren.children()) {
            client.deleteManifest(GONE_CHILDREN, child.manifest());          // (e)
        }
        client.deleteManifest(API_DELETED, apiDoomed.manifest());           // (f)
        orphanBlob = images.pushRandomBlob(ORPHAN, 2048);                   // (g)
        layersOnly = images.image(LAYERS_ONLY).docker().build();            // (i)
        images.pushBlobs(LAYERS_ONLY, layersOnly);
        client.pushBlob(LAYERS_ONLY, images.content(apiLive.layers().get(0)));
        server.stop();
        deleteTree(repo(NO_TAGS).resolve("_manifests").resolve("tags")); // (h)
        deleteTree(repo(LAYERS_ONLY).resolve("_uploads"));

        // ---- run 1: no selection
        blobsBeforeRun1 = StorageSnapshot.blobDigests(storage);
        linksBeforeRun1 = layerLinksOfAll();
        run1 = Gc.run(storage, "--min-age", "0");
        blobsAfterRun1 = StorageSnapshot.blobDigests(storage);
        linksAfterRun1 = layerLinksOfAll();
        revisionsAfterRun1 = revisionsOfAll();
        server.restart();
        run1Verification = verifyEveryTag(Set.of(GONE_CHILDREN));
        server.stop();

        // ---- run 2: --delete-untagged
        run2 = Gc.run(storage, "--delete-untagged", "--min-age", "0");
        blobsAfterRun2 = StorageSnapshot.blobDigests(storage);
        linksAfterRun2 = layerLinksOfAll();
        revisionsAfterRun2 = revisionsOfAll();
        tagsAfterRun2 = tagsOfAll();
        server.restart();
        run2Verification = verifyEveryTag(Set.of(GONE_CHILDREN));
        server.stop();

        // ---- run 3: the same again finds nothing left to do
        Map<String, String> beforeRun3 = StorageSnapshot.of(storage);
        run3 = Gc.run(storage, "--delete-untagged", "--min-age", "0");
        run3Diff = StorageSnapshot.diff(beforeRun3, StorageSnapshot.of(storage));
    }

    @AfterAll
    void stopRegistry() {
        if (server != null) {
            server.close();
        }
    }

    // ------------------------------------------------------------------------------------------ (a)

    @Test
    void a_withoutSelectionNothingChangesWhenNothingIsOrphaned() {
        assertEquals(0, run0.exitCode(), run0.toString());
        assertTrue(run0.out().contains("deleted: 0 tags, 0 manifests, 0 layer links, 0 repositories, 0 blobs"), run0.toString());
        assertEquals("", StorageSnapshot.diff(beforeRun0, afterRun0), "run without selection changed the storage");
        // the re-tagged-away image is still there, untagged, as are untagged index children and referrers
        String oldRevision = "docker/registry/v2/repositories/" + RETAG + "/_manifests/revisions/sha256/"
                + retagOld.manifest().hex() + "/link";
        assertTrue(beforeRun0.containsKey(oldRevision), "precondition: " + oldRevision);
        assertTrue(afterRun0.containsKey(oldRevision), oldRevision + " deleted without selection");
        assertEquals("", run0Verification);
    }

    // ------------------------------------------------------------------------------------------ (b)

    @Test
    void b_reTaggedManifestBecomesUntaggedAndGoesWithItsExclusiveLayers() {
        assertEquals(0, run2.exitCode(), run2.toString());
        Digest shared = retagOld.layers().get(0);
        Digest exclusive = retagOld.layers().get(1);
        // precondition: before the runs the old image and its links were there
        assertTrue(blobsBeforeRun1.containsAll(retagOld.allBlobs()));
        assertEquals(union(retagOld.contentBlobs(), retagNew.contentBlobs()), linksBeforeRun1.get(RETAG));
        // run 1 (no selection) keeps the untagged old image
        assertTrue(revisionsAfterRun1.get(RETAG).contains(retagOld.manifest()), "untagged manifest deleted without --delete-untagged");
        assertTrue(blobsAfterRun1.containsAll(retagOld.allBlobs()));

        assertEquals(Set.of(retagNew.manifest()), revisionsAfterRun2.get(RETAG));
        assertEquals(Map.of("latest", retagNew.manifest(), "stable", retagNew.manifest()), tagsAfterRun2.get(RETAG));
        for (Digest gone : List.of(retagOld.manifest(), retagOld.config(), exclusive)) {
            assertFalse(blobsAfterRun2.contains(gone), gone + " of the untagged image survived\n" + run2);
        }
        assertTrue(blobsAfterRun2.containsAll(retagNew.allBlobs()));
        assertTrue(blobsAfterRun2.contains(shared));
        assertEquals(set(retagNew.contentBlobs()), linksAfterRun2.get(RETAG), "_layers links of " + RETAG);
        assertTrue(linksAfterRun2.get(RETAG).contains(shared));
        // the tag's history no longer names the deleted manifest
        Path oldIndexEntry = repo(RETAG).resolve("_manifests/tags/latest/index/sha256").resolve(retagOld.manifest().hex());
        assertFalse(Files.exists(oldIndexEntry), oldIndexEntry + " survived");
        assertEquals("", run2Verification);
    }

    // ------------------------------------------------------------------------------------------ (c)

    @Test
    void c_taggedIndexKeepsItsUntaggedChildren() {
        assertEquals(set(taggedIndex.manifests()), revisionsAfterRun2.get(TAGGED_INDEX));
        assertTrue(blobsAfterRun2.containsAll(taggedIndex.allBlobs()), "blobs of the tagged index missing");
        Set<Digest> childBlobs = new TreeSet<>();
        taggedIndex.children().forEach(c -> childBlobs.addAll(c.contentBlobs()));
        assertEquals(childBlobs, linksAfterRun2.get(TAGGED_INDEX));
        assertEquals(Map.of("v1", taggedIndex.digest()), tagsAfterRun2.get(TAGGED_INDEX));
        assertEquals("", run2Verification);
    }

    // ------------------------------------------------------------------------------------------ (d)

    @Test
    void d_untaggedIndexGoesWithItsUntaggedChildrenButNotTaggedOnes() {
        Image taggedChild = untaggedIndex.children().get(0);
        Image untaggedChild = untaggedIndex.children().get(1);
        assertTrue(revisionsAfterRun1.get(UNTAGGED_INDEX).containsAll(untaggedIndex.manifests()));

        assertEquals(Set.of(taggedChild.manifest()), revisionsAfterRun2.get(UNTAGGED_INDEX));
        assertEquals(Map.of("amd64", taggedChild.manifest()), tagsAfterRun2.get(UNTAGGED_INDEX));
        assertFalse(blobsAfterRun2.contains(untaggedIndex.digest()), "untagged index blob survived");
        for (Digest gone : untaggedChild.allBlobs()) {
            assertFalse(blobsAfterRun2.contains(gone), gone + " of the untagged child survived");
        }
        assertTrue(blobsAfterRun2.containsAll(taggedChild.allBlobs()), "blobs of the tagged child deleted");
        assertEquals(set(taggedChild.contentBlobs()), linksAfterRun2.get(UNTAGGED_INDEX));
        assertEquals("", run2Verification);
    }

    // ------------------------------------------------------------------------------------------ (e)

    @Test
    void e_taggedIndexWhoseChildrenWereDeletedStaysAndIsNoError() {
        assertEquals(0, run1.exitCode(), run1.toString());
        assertEquals(0, run2.exitCode(), run2.toString());
        for (Gc.Result r : List.of(run1, run2)) {
            assertFalse(r.out().contains("BLOB SWEEP SKIPPED"), r.toString());
        }
        long runId = Gc.lastRunId(storage);
        assertEquals(0, Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_problem WHERE run_id = ? AND impact <> 'NOTED'",
                Long.class, runId));
        assertEquals(Set.of(goneChildren.digest()), revisionsAfterRun1.get(GONE_CHILDREN));
        assertEquals(Set.of(goneChildren.digest()), revisionsAfterRun2.get(GONE_CHILDREN));
        assertEquals(Map.of("v1", goneChildren.digest()), tagsAfterRun2.get(GONE_CHILDREN));
        assertTrue(blobsAfterRun2.contains(goneChildren.digest()));
        // the children's configs and layers are referenced by nothing kept any more: they go in run 1 already,
        // with the repository's _layers links to them
        for (Image child : goneChildren.children()) {
            for (Digest gone : child.contentBlobs()) {
                assertFalse(blobsAfterRun1.contains(gone), gone + " of a deleted child survived run 1");
            }
            // the kept index still names the child digests, and the reference collector marks them too:
            // the child manifest blobs stay while the index does
            assertTrue(blobsAfterRun2.contains(child.manifest()), "child manifest blob referenced by a kept index deleted");
        }
        assertEquals(Set.of(), linksAfterRun1.get(GONE_CHILDREN));
        assertEquals("", run2Verification);
    }

    // ------------------------------------------------------------------------------------------ (f)

    @Test
    void f_manifestDeletedThroughTheApiReleasesItsLayersButNotSharedOnes() {
        assertEquals(0, run1.exitCode(), run1.toString());
        Digest shared = apiLive.layers().get(0);
        Digest exclusive = apiDoomed.layers().get(1);
        assertTrue(blobsBeforeRun1.containsAll(apiDoomed.allBlobs()), "precondition: the API deletes no blob");
        for (Digest gone : List.of(apiDoomed.manifest(), apiDoomed.config(), exclusive)) {
            assertFalse(blobsAfterRun1.contains(gone), gone + " of the API-deleted manifest survived run 1");
        }
        assertTrue(blobsAfterRun2.containsAll(apiLive.allBlobs()));
        assertTrue(blobsAfterRun2.contains(shared));
        assertEquals(set(apiLive.contentBlobs()), linksAfterRun1.get(API_DELETED));
        assertEquals(set(apiLive.contentBlobs()), linksAfterRun2.get(API_DELETED));
        assertEquals(Set.of(apiLive.manifest()), revisionsAfterRun2.get(API_DELETED));
        assertEquals(Map.of("live", apiLive.manifest()), tagsAfterRun2.get(API_DELETED));
        assertEquals("", run2Verification);
    }

    // ------------------------------------------------------------------------------------------ (g)

    @Test
    void g_uploadedBlobNeverReferencedIsDeletedWithoutDeleteUntagged() {
        assertTrue(blobsBeforeRun1.contains(orphanBlob));
        assertTrue(linksBeforeRun1.get(ORPHAN).contains(orphanBlob));
        assertFalse(blobsAfterRun1.contains(orphanBlob), "orphan blob survived a run without selection\n" + run1);
        assertEquals(set(orphanRepoImage.contentBlobs()), linksAfterRun1.get(ORPHAN));
        assertTrue(blobsAfterRun1.containsAll(orphanRepoImage.allBlobs()));

        // run 1 deleted exactly the orphans of (e), (f), (g) and (i): untagged manifests all stayed
        Set<Digest> orphans = new TreeSet<>();
        goneChildren.children().forEach(c -> orphans.addAll(c.contentBlobs()));
        orphans.addAll(List.of(apiDoomed.manifest(), apiDoomed.config(), apiDoomed.layers().get(1)));
        orphans.add(orphanBlob);
        orphans.addAll(layersOnly.contentBlobs());
        Set<Digest> expected = new TreeSet<>(blobsBeforeRun1);
        expected.removeAll(orphans);
        assertEquals(expected, blobsAfterRun1, "blobs after run 1\n" + run1);
        assertEquals(Set.of(retagOld.manifest(), retagNew.manifest()), revisionsAfterRun1.get(RETAG));
        assertEquals(set(untaggedIndex.manifests()), revisionsAfterRun1.get(UNTAGGED_INDEX));
        assertEquals(Set.of(untaggedImageTagged.manifest(), untaggedImageUntagged.manifest()),
                revisionsAfterRun1.get(UNTAGGED_IMAGE));
        assertEquals(Set.of(signedImage.manifest(), signedReferrer.manifest(), unsignedImage.manifest(),
                unsignedReferrer.manifest()), revisionsAfterRun1.get(SIGNED));
        assertEquals("", run1Verification);
    }

    // ------------------------------------------------------------------------------------------ (h)

    @Test
    void h_repositoryWithoutTagsFolderIsNoCrash() {
        assertFalse(Files.exists(repo(NO_TAGS).resolve("_manifests/tags")));
        assertEquals(0, run1.exitCode(), run1.toString());
        assertEquals(0, run2.exitCode(), run2.toString());
        // without selection its (now untagged) manifest is kept ...
        assertEquals(Set.of(noTagsImage.manifest()), revisionsAfterRun1.get(NO_TAGS));
        assertTrue(blobsAfterRun1.containsAll(noTagsImage.allBlobs()));
        assertEquals(set(noTagsImage.contentBlobs()), linksAfterRun1.get(NO_TAGS));
        // ... with --delete-untagged it goes, with its blobs and links
        assertEquals(Set.of(), revisionsAfterRun2.get(NO_TAGS));
        for (Digest gone : noTagsImage.allBlobs()) {
            assertFalse(blobsAfterRun2.contains(gone), gone + " of the untagged image survived");
        }
        assertEquals(Set.of(), linksAfterRun2.get(NO_TAGS));
    }

    // ------------------------------------------------------------------------------------------ (i)

    @Test
    void i_repositoryWithoutManifestsFolderLosesItsUnreferencedLinksAndOrphans() {
        assertFalse(Files.exists(repo(LAYERS_ONLY).resolve("_manifests")), "precondition: no _manifests");
        Set<Digest> uploaded = union(layersOnly.contentBlobs(), List.of(apiLive.layers().get(0)));
        assertEquals(uploaded, linksBeforeRun1.get(LAYERS_ONLY));
        assertEquals(0, run1.exitCode(), run1.toString());
        assertEquals(Set.of(), linksAfterRun1.get(LAYERS_ONLY), "unreferenced _layers links of " + LAYERS_ONLY);
        for (Digest gone : layersOnly.contentBlobs()) {
            assertFalse(blobsAfterRun1.contains(gone), gone + " uploaded to " + LAYERS_ONLY + " survived");
        }
        // the layer it shares with a live image elsewhere keeps its data
        assertTrue(blobsAfterRun2.contains(apiLive.layers().get(0)));
        assertEquals(0, run2.exitCode(), run2.toString());
    }

    // ------------------------------------------------------------------------------------------ (j)

    @Test
    void j_untaggedImageLayerLinksAreRemoved() {
        Digest shared = untaggedImageTagged.layers().get(1);
        assertEquals(union(untaggedImageTagged.contentBlobs(), untaggedImageUntagged.contentBlobs()),
                linksAfterRun1.get(UNTAGGED_IMAGE));
        assertEquals(set(untaggedImageTagged.contentBlobs()), linksAfterRun2.get(UNTAGGED_IMAGE));
        assertTrue(linksAfterRun2.get(UNTAGGED_IMAGE).contains(shared));
        assertEquals(Set.of(untaggedImageTagged.manifest()), revisionsAfterRun2.get(UNTAGGED_IMAGE));
        for (Digest gone : List.of(untaggedImageUntagged.manifest(), untaggedImageUntagged.config(),
                untaggedImageUntagged.layers().get(1))) {
            assertFalse(blobsAfterRun2.contains(gone), gone + " of the untagged image survived");
        }
        assertTrue(blobsAfterRun2.containsAll(untaggedImageTagged.allBlobs()));
    }

    // ------------------------------------------------------------------------------------------ (k)

    @Test
    void k_referrerOfKeptImageStaysReferrerOfDeletedImageGoes() {
        assertEquals(Set.of(signedImage.manifest(), signedReferrer.manifest()), revisionsAfterRun2.get(SIGNED));
        assertTrue(blobsAfterRun2.containsAll(signedImage.allBlobs()));
        assertTrue(blobsAfterRun2.containsAll(signedReferrer.allBlobs()), "referrer of a kept image lost blobs");
        for (Digest gone : union(unsignedImage.allBlobs(), List.of(unsignedReferrer.manifest(),
                unsignedReferrer.layers().get(0)))) {
            assertFalse(blobsAfterRun2.contains(gone), gone + " of the deleted image or its referrer survived");
        }
        assertEquals(union(signedImage.contentBlobs(), signedReferrer.contentBlobs()), linksAfterRun2.get(SIGNED));
        assertEquals(Map.of("v1", signedImage.manifest()), tagsAfterRun2.get(SIGNED));
        assertEquals("", run2Verification);
    }

    // --------------------------------------------------------------------------- whole-storage checks

    @Test
    void run2DeletesExactlyWhatOnlyUntaggedManifestsHeld() {
        assertEquals(0, run2.exitCode(), run2.toString());
        Set<Digest> gone = new TreeSet<>();
        gone.addAll(List.of(retagOld.manifest(), retagOld.config(), retagOld.layers().get(1)));
        gone.add(untaggedIndex.digest());
        gone.addAll(untaggedIndex.children().get(1).allBlobs());
        gone.addAll(noTagsImage.allBlobs());
        gone.addAll(List.of(untaggedImageUntagged.manifest(), untaggedImageUntagged.config(),
                untaggedImageUntagged.layers().get(1)));
        gone.addAll(unsignedImage.allBlobs());
        gone.addAll(List.of(unsignedReferrer.manifest(), unsignedReferrer.layers().get(0)));
        Set<Digest> expected = new TreeSet<>(blobsAfterRun1);
        expected.removeAll(gone);
        assertEquals(expected, blobsAfterRun2, "blobs after run 2\n" + run2);
        assertTrue(run2.out().contains(gone.size() + " blobs"), run2.toString());
    }

    @Test
    void aSecondRunWithTheSameOptionsFindsNothingToDo() {
        assertEquals(0, run3.exitCode(), run3.toString());
        assertEquals("", run3Diff, "run 3 changed the storage\n" + run3);
        assertTrue(run3.out().contains("deleted: 0 tags, 0 manifests, 0 layer links, 0 repositories, 0 blobs"), run3.toString());
    }

    // ------------------------------------------------------------------------------------------ helpers

    /**
     * Every tag of every repository must resolve to its digest, with the exact bytes, and the blobs of the
     * manifest (and of the index children) must be served. Children missing in {@code danglingAllowed}
     * repositories are tolerated. Returns the failures, empty when all is well.
     */
    private String verifyEveryTag(Set<String> danglingAllowed) {
        StringBuilder failures = new StringBuilder();
        for (String repository : StorageSnapshot.repositories(storage)) {
            for (Map.Entry<String, Digest> tag : StorageSnapshot.tags(storage, repository).entrySet()) {
                String where = repository + ":" + tag.getKey();
                try {
                    Digest served = client.headManifest(repository, tag.getKey()).orElse(null);
                    if (!tag.getValue().equals(served)) {
                        failures.append(where).append(" resolves to ").append(served).append(", expected ")
                                .append(tag.getValue()).append('\n');
                        continue;
                    }
                    verifyManifest(repository, tag.getValue(), danglingAllowed.contains(repository), failures);
                } catch (RuntimeException | AssertionError e) {
                    failures.append(where).append(": ").append(e).append('\n');
                }
            }
        }
        return failures.toString();
    }

    private void verifyManifest(String repository, Digest digest, boolean danglingAllowed, StringBuilder failures) {
        byte[] bytes = client.getManifest(repository, digest.toString()).orElse(null);
        if (bytes == null) {
            if (!danglingAllowed) {
                failures.append(repository).append("@").append(digest).append(" not served\n");
            }
            return;
        }
        if (!Digest.sha256(bytes).equals(digest)) {
            failures.append(repository).append("@").append(digest).append(" served other bytes\n");
            return;
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            failures.append(repository).append("@").append(digest).append(" unparseable: ").append(e).append('\n');
            return;
        }
        List<JsonNode> blobs = new ArrayList<>();
        if (root.hasNonNull("config")) {
            blobs.add(root.get("config"));
        }
        root.path("layers").forEach(blobs::add);
        for (JsonNode descriptor : blobs) {
            if (descriptor.has("urls")) {
                continue;
            }
            Digest blob = Digest.parse(descriptor.get("digest").asText());
            try {
                client.verifyBlob(repository, blob);
            } catch (AssertionError e) {
                failures.append(repository).append("@").append(digest).append(": ").append(e.getMessage()).append('\n');
            }
        }
        for (JsonNode child : root.path("manifests")) {
            verifyManifest(repository, Digest.parse(child.get("digest").asText()), danglingAllowed, failures);
        }
    }

    private static final List<String> ALL = List.of(RETAG, TAGGED_INDEX, UNTAGGED_INDEX, GONE_CHILDREN, API_DELETED,
            ORPHAN, NO_TAGS, LAYERS_ONLY, UNTAGGED_IMAGE, SIGNED);

    private Map<String, Set<Digest>> layerLinksOfAll() {
        Map<String, Set<Digest>> out = new java.util.TreeMap<>();
        ALL.forEach(r -> out.put(r, StorageSnapshot.layerLinks(storage, r)));
        return out;
    }

    private Map<String, Set<Digest>> revisionsOfAll() {
        Map<String, Set<Digest>> out = new java.util.TreeMap<>();
        ALL.forEach(r -> out.put(r, StorageSnapshot.manifestRevisions(storage, r)));
        return out;
    }

    private Map<String, Map<String, Digest>> tagsOfAll() {
        Map<String, Map<String, Digest>> out = new java.util.TreeMap<>();
        ALL.forEach(r -> out.put(r, StorageSnapshot.tags(storage, r)));
        return out;
    }

    private Path repo(String name) {
        return StorageSnapshot.v2(storage).resolve("repositories").resolve(name);
    }

    private static Set<Digest> set(Collection<Digest> digests) {
        return new TreeSet<>(digests);
    }

    private static Set<Digest> union(Collection<Digest> a, Collection<Digest> b) {
        Set<Digest> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
