package io.registrygc.e2e;

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
import java.util.Collection;
import java.util.LinkedHashMap;
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
 * {@code --image REPO} and {@code --image REPO:TAG} on storage written by the real registry. One storage;
 * the runs, in order: invalid selections (refused), an unknown repository (nothing deleted), then one run
 * with four selections ({@code --image} repeated).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageSelectionIT {

    private static final String APP = "team/app";
    private static final String SUB = "team/app/sub";
    private static final String BASE = "other/base";
    private static final String WEB = "web";
    private static final String SHARED = "shared";
    private static final String SOLO = "solo/app";
    private static final String MIRROR = "mirror/app";
    private static final String MULTI = "multi";

    private Path storage;
    private RegistryServer server;
    private RegistryClient client;

    private Image base;      // other/base:latest, layers s1 s2
    private Image appV1;     // team/app:v1, layers a1 a2
    private Image appV2;     // team/app:v2, layers s1 (shared with other/base) b1
    private Image appOld;    // team/app untagged
    private Image appSig;    // referrer of team/app:v1
    private Image sub;       // team/app/sub:latest, layers a1 (shared with team/app) c1
    private Image webV1;
    private Image webV2;
    private Image shared;    // shared:a and shared:b
    private Image solo;      // solo/app:latest
    private Image mirror;    // team/app:v1 copied to mirror/app:v1 (same manifest, config and layers)
    private Image webV1Sig;  // referrer of web:v1
    private Index multi;     // multi:v1, an index whose first child is also tagged multi:amd64

    private Map<String, String> initial;
    private final Map<String, Gc.Result> invalid = new LinkedHashMap<>();
    private final Map<String, String> invalidDiffs = new LinkedHashMap<>();
    private long runsBeforeInvalid;
    private long runsAfterInvalid;

    private Gc.Result unknown;
    private String unknownDiff;
    private long unknownRunId;

    private Set<Digest> blobsBeforeMain;
    private Gc.Result main;
    private Set<Digest> blobsAfterMain;
    private Set<String> catalogAfter;
    private String verification;

    @BeforeAll
    void buildStorageAndCollect() throws IOException {
        RegistryServer.requireRegistry(); // skipped without the registry, except in CI where it must run
        storage = E2eDirs.newWorkDir("image-selection").resolve("storage");
        server = RegistryServer.start(storage);
        client = new RegistryClient(server);
        ImageFactory images = new ImageFactory(client, 777L);

        base = images.dockerImage(BASE, "latest");
        appV1 = images.dockerImage(APP, "v1");
        appV2 = images.image(APP).docker().reuseLayers(base.layers().get(0)).freshLayers(1).tag("v2").push();
        appOld = images.image(APP).oci().untagged().push();
        appSig = images.referrer(appV1);
        sub = images.image(SUB).docker().reuseLayers(appV1.layers().get(0)).freshLayers(1).tag("latest").push();
        webV1 = images.dockerImage(WEB, "v1");
        webV2 = images.ociImage(WEB, "v2");
        webV1Sig = images.referrer(webV1);
        mirror = images.copyTo(appV1, MIRROR, "v1");
        multi = images.ociIndex(MULTI, "v1", 2);
        images.tag(multi.children().get(0), "amd64");
        shared = images.dockerImage(SHARED, "a");
        images.tag(shared, "b");
        solo = images.ociImage(SOLO, "latest");
        server.stop();
        initial = StorageSnapshot.of(storage);

        // invalid selections: refused before anything runs
        runsBeforeInvalid = runCount();
        for (String bad : List.of("Bad/Repo", APP + "@" + appV1.manifest(), APP + ":", ":v1", "localhost:5000/" + APP,
                APP + ":bad/tag", "-")) {
            invalid.put(bad, Gc.run(storage, "--image", bad, "--min-age", "0"));
            invalidDiffs.put(bad, StorageSnapshot.diff(initial, StorageSnapshot.of(storage)));
        }
        runsAfterInvalid = runCount();

        // an unknown repository (and an unknown tag of a known one): completed, reported, nothing deleted
        // "team" is a folder that holds repositories but is none itself
        unknown = Gc.run(storage, "--image", "nosuch/repo", "--image", WEB + ":nope", "--image", "team", "--min-age", "0");
        unknownRunId = Gc.lastRunId(storage);
        unknownDiff = StorageSnapshot.diff(initial, StorageSnapshot.of(storage));

        // the main run: --image repeated
        blobsBeforeMain = StorageSnapshot.blobDigests(storage);
        main = Gc.run(storage, "--image", APP, "--image", WEB + ":v1", "--image", SHARED + ":a", "--image", SOLO,
                "--image", MULTI + ":v1", "--min-age", "0");
        blobsAfterMain = StorageSnapshot.blobDigests(storage);
        server.restart();
        catalogAfter = new TreeSet<>(client.catalog());
        verification = verifyEveryTag();
    }

    @AfterAll
    void stopRegistry() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void invalidImageSyntaxIsRefusedWithExit2AndNothingChanges() {
        invalid.forEach((value, result) -> {
            assertEquals(2, result.exitCode(), "--image " + value + "\n" + result);
            assertTrue(result.err().contains("registry-gc:"), "--image " + value + "\n" + result);
            assertEquals("", invalidDiffs.get(value), "--image " + value + " changed the storage");
        });
        assertTrue(invalid.get("Bad/Repo").err().contains("Bad/Repo"), invalid.get("Bad/Repo").toString());
        assertEquals(runsBeforeInvalid, runsAfterInvalid, "an invalid --image created a run");
    }

    @Test
    void unknownRepositoryCompletesReportsAProblemAndDeletesNothing() {
        assertEquals(0, unknown.exitCode(), unknown.toString());
        assertEquals("", unknownDiff, "a run selecting an unknown repository changed the storage");
        String all = unknown.all();
        assertTrue(all.contains("--image nosuch/repo") && all.contains("repository not found"), all);
        assertTrue(all.contains("--image web:nope") && all.contains("tag not found"), all);
        assertTrue(all.contains("deleted: 0 tags, 0 manifests, 0 layer links, 0 repositories, 0 blobs"), all);
        List<String> problems = Gc.jdbc().queryForList(
                "SELECT path || ' | ' || message FROM gc_problem WHERE run_id = ? ORDER BY path", String.class, unknownRunId);
        assertEquals(List.of("--image nosuch/repo | repository not found", "--image team | repository not found",
                "--image web:nope | tag not found"), problems);
    }

    @Test
    void wholeRepositoryGoesWithItsExclusiveBlobsButNotNestedOrSharedOnes() {
        assertEquals(0, main.exitCode(), main.toString());
        Path app = repo(APP);
        assertFalse(Files.exists(app.resolve("_manifests")), "team/app/_manifests survived");
        assertFalse(Files.exists(app.resolve("_layers")), "team/app/_layers survived");
        assertFalse(Files.exists(app.resolve("_uploads")), "team/app/_uploads survived");
        assertEquals(List.of("sub"), children(app), "team/app must only hold the nested repository");
        assertFalse(StorageSnapshot.repositories(storage).contains(APP));

        for (Digest gone : union(appV1.allBlobs(), appV2.allBlobs(), appOld.allBlobs(), appSig.allBlobs())) {
            // team/app:v1 lives on in mirror/app (manifest, config, layers), s1 in other/base, a1 in team/app/sub
            boolean sharedElsewhere = appV1.allBlobs().contains(gone) || gone.equals(base.layers().get(0));
            assertEquals(sharedElsewhere, blobsAfterMain.contains(gone), gone + " (shared elsewhere: " + sharedElsewhere + ")");
        }
        // the nested repository is untouched and still serves the layer it shares with the deleted one
        assertEquals(Map.of("latest", sub.manifest()), StorageSnapshot.tags(storage, SUB));
        assertEquals(Set.of(sub.manifest()), StorageSnapshot.manifestRevisions(storage, SUB));
        assertEquals(new TreeSet<>(sub.contentBlobs()), StorageSnapshot.layerLinks(storage, SUB));
        assertEquals(new TreeSet<>(base.contentBlobs()), StorageSnapshot.layerLinks(storage, BASE));
        assertTrue(client.tags(APP).isEmpty(), "registry still lists tags of team/app: " + client.tags(APP));
        assertTrue(client.headManifest(APP, "v1").isEmpty());
        assertTrue(client.getManifest(APP, appV2.manifest().toString()).isEmpty());
        client.verifyBlob(SUB, appV1.layers().get(0));
        client.verifyBlob(BASE, base.layers().get(0));
        assertEquals(Set.of(mirror.manifest()), StorageSnapshot.manifestRevisions(storage, MIRROR));
        assertEquals(mirror.manifest(), client.headManifest(MIRROR, "v1").orElseThrow());
        for (Digest blob : mirror.contentBlobs()) {
            client.verifyBlob(MIRROR, blob);
        }
        assertEquals("", verification);
    }

    @Test
    void wholeRepositoryFolderIsRemovedWithEmptyParents() {
        assertFalse(Files.exists(StorageSnapshot.v2(storage).resolve("repositories").resolve("solo")),
                "repositories/solo survived");
        for (Digest gone : solo.allBlobs()) {
            assertFalse(blobsAfterMain.contains(gone), gone + " of solo/app survived");
        }
        assertEquals(Set.of(BASE, MIRROR, MULTI, SHARED, SUB, WEB), catalogAfter);
    }

    @Test
    void selectedTagGoesWithItsManifest() {
        assertEquals(Map.of("v2", webV2.manifest()), StorageSnapshot.tags(storage, WEB));
        assertFalse(Files.exists(repo(WEB).resolve("_manifests/tags/v1")), "tag folder web:v1 survived");
        assertEquals(Set.of(webV2.manifest()), StorageSnapshot.manifestRevisions(storage, WEB));
        assertEquals(new TreeSet<>(webV2.contentBlobs()), StorageSnapshot.layerLinks(storage, WEB));
        for (Digest gone : union(webV1.allBlobs(), webV1Sig.allBlobs())) {
            assertFalse(blobsAfterMain.contains(gone), gone + " of web:v1 or its referrer survived");
        }
        assertTrue(blobsAfterMain.containsAll(webV2.allBlobs()));
        assertTrue(client.headManifest(WEB, "v1").isEmpty());
        assertEquals(webV2.manifest(), client.headManifest(WEB, "v2").orElseThrow());
    }

    @Test
    void selectedIndexTagTakesItsUntaggedChildrenButNotTaggedOnes() {
        Image taggedChild = multi.children().get(0);
        Image untaggedChild = multi.children().get(1);
        assertEquals(Map.of("amd64", taggedChild.manifest()), StorageSnapshot.tags(storage, MULTI));
        assertEquals(Set.of(taggedChild.manifest()), StorageSnapshot.manifestRevisions(storage, MULTI));
        assertEquals(new TreeSet<>(taggedChild.contentBlobs()), StorageSnapshot.layerLinks(storage, MULTI));
        for (Digest gone : union(List.of(multi.digest()), untaggedChild.allBlobs())) {
            assertFalse(blobsAfterMain.contains(gone), gone + " of multi:v1 survived");
        }
        assertTrue(blobsAfterMain.containsAll(taggedChild.allBlobs()));
        assertEquals(taggedChild.manifest(), client.headManifest(MULTI, "amd64").orElseThrow());
        assertTrue(client.headManifest(MULTI, "v1").isEmpty());
    }

    @Test
    void selectedTagWhoseManifestHasAnotherTagOnlyLosesTheTag() {
        assertEquals(Map.of("b", shared.manifest()), StorageSnapshot.tags(storage, SHARED));
        assertEquals(Set.of(shared.manifest()), StorageSnapshot.manifestRevisions(storage, SHARED));
        assertEquals(new TreeSet<>(shared.contentBlobs()), StorageSnapshot.layerLinks(storage, SHARED));
        assertTrue(blobsAfterMain.containsAll(shared.allBlobs()));
        assertTrue(client.headManifest(SHARED, "a").isEmpty(), "shared:a still resolves");
        assertEquals(shared.manifest(), client.headManifest(SHARED, "b").orElseThrow());
        // the kept manifest's history entry under the surviving tag is still there
        assertTrue(Files.exists(repo(SHARED).resolve("_manifests/tags/b/index/sha256").resolve(shared.manifest().hex())));
    }

    @Test
    void repeatedImageOptionsDeleteExactlyTheSelectedContent() {
        assertEquals(0, main.exitCode(), main.toString());
        Set<Digest> gone = union(appV2.allBlobs(), appOld.allBlobs(), appSig.allBlobs(), webV1.allBlobs(),
                webV1Sig.allBlobs(), solo.allBlobs(), List.of(multi.digest()), multi.children().get(1).allBlobs());
        gone.remove(base.layers().get(0));
        gone.remove(appV1.layers().get(0));
        Set<Digest> expected = new TreeSet<>(blobsBeforeMain);
        expected.removeAll(gone);
        assertEquals(expected, blobsAfterMain, main.toString());
        // tags: team/app v1 v2, web v1, shared a, solo/app latest, multi v1;
        // manifests: 4 of team/app, web:v1 and its referrer, solo/app:latest, multi:v1 and one child
        assertTrue(main.out().contains("deleted: 6 tags, 9 manifests, "), main.toString());
        assertTrue(main.out().contains(" 2 repositories, " + gone.size() + " blobs"), main.toString());
        long runId = Gc.lastRunId(storage);
        List<String> repositoriesDeleted = Gc.jdbc().queryForList("""
                SELECT repository FROM gc_audit WHERE run_id = ? AND action = 'DELETE_REPOSITORY' AND outcome = 'DELETED'
                 ORDER BY repository""", String.class, runId);
        assertEquals(List.of(SOLO, APP), repositoriesDeleted);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private String verifyEveryTag() {
        StringBuilder failures = new StringBuilder();
        Map<String, Image> byManifest = new LinkedHashMap<>();
        for (Image i : List.of(base, appV1, appV2, appOld, appSig, sub, webV1, webV2, shared, solo, mirror,
                multi.children().get(0))) {
            byManifest.put(i.repo() + "@" + i.manifest(), i);
        }
        for (String repository : StorageSnapshot.repositories(storage)) {
            for (Map.Entry<String, Digest> tag : StorageSnapshot.tags(storage, repository).entrySet()) {
                String where = repository + ":" + tag.getKey();
                try {
                    if (!tag.getValue().equals(client.headManifest(repository, tag.getKey()).orElse(null))) {
                        failures.append(where).append(" does not resolve to ").append(tag.getValue()).append('\n');
                        continue;
                    }
                    Image image = byManifest.get(repository + "@" + tag.getValue());
                    if (image == null) {
                        failures.append(where).append(" points at an unknown manifest\n");
                        continue;
                    }
                    for (Digest blob : image.contentBlobs()) {
                        client.verifyBlob(repository, blob);
                    }
                } catch (RuntimeException | AssertionError e) {
                    failures.append(where).append(": ").append(e.getMessage()).append('\n');
                }
            }
        }
        return failures.toString();
    }

    private long runCount() {
        if (Gc.jdbc().queryForObject("SELECT to_regclass('gc_run') IS NULL", Boolean.class)) {
            return 0; // schema not migrated yet: no run at all
        }
        return Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_run WHERE storage_root = ?", Long.class,
                storage.toAbsolutePath().normalize().toString());
    }

    private Path repo(String name) {
        return StorageSnapshot.v2(storage).resolve("repositories").resolve(name);
    }

    private static List<String> children(Path folder) {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SafeVarargs
    private static Set<Digest> union(Collection<Digest>... sets) {
        Set<Digest> out = new TreeSet<>();
        for (Collection<Digest> s : sets) {
            out.addAll(s);
        }
        return out;
    }
}
