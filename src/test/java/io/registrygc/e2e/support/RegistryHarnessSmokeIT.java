package io.registrygc.e2e.support;

import io.registrygc.storage.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives the real Distribution registry through every harness feature, then the reference collector. */
class RegistryHarnessSmokeIT {

    private Path storage;
    private RegistryServer server;
    private RegistryClient client;
    private ImageFactory images;

    @BeforeEach
    void start() {
        RegistryServer.requireRegistry();
        Path work = E2eDirs.newWorkDir("harness-smoke");
        storage = work.resolve("storage");
        server = RegistryServer.start(storage);
        client = new RegistryClient(server);
        images = new ImageFactory(client, 42L);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pushesReadsBackAndSurvivesReferenceGc() {
        assertEquals(server.storageRoot().getParent().resolve("config.yml"), server.configFile());

        // docker schema2 image, by tag
        Image app = images.dockerImage("team/app", "v1");
        assertEquals(MediaTypes.DOCKER_MANIFEST, app.mediaType());
        assertEquals(2, app.layers().size());
        assertReadsBack(app, "v1");

        // OCI image sharing the docker image's layers, in another repository
        Image shared = images.ociImage("team/other", "shared", app.layers());
        assertEquals(3, shared.layers().size());
        assertEquals(app.layers(), shared.layers().subList(0, 2));
        assertReadsBack(shared, "shared");

        // OCI index with 2 platforms: children exist by digest, untagged
        Index oci = images.ociIndex("multi", "latest", 2);
        assertEquals(MediaTypes.OCI_INDEX, oci.mediaType());
        assertEquals(2, oci.children().size());
        assertArrayEquals(oci.bytes(), client.getManifest("multi", "latest").orElseThrow());
        assertEquals(oci.digest(), client.headManifest("multi", "latest").orElseThrow());
        RegistryClient.ManifestResponse served = client.getManifestResponse("multi", "latest").orElseThrow();
        assertEquals(MediaTypes.OCI_INDEX, served.contentType());
        assertEquals(oci.digest(), served.digest());
        for (Image child : oci.children()) {
            assertEquals(MediaTypes.OCI_MANIFEST, child.mediaType());
            assertReadsBack(child, null);
        }
        assertNotEquals(oci.children().get(0).manifest(), oci.children().get(1).manifest());
        assertEquals(List.of("latest"), client.tags("multi"));

        // Docker manifest list with schema2 children
        Index list = images.dockerManifestList("multi", "docker", 2);
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, list.mediaType());
        assertArrayEquals(list.bytes(), client.getManifest("multi", "docker").orElseThrow());
        for (Image child : list.children()) {
            assertEquals(MediaTypes.DOCKER_MANIFEST, child.mediaType());
            assertReadsBack(child, null);
        }

        // referrer: OCI artifact with subject, pushed by digest
        Image sbom = images.referrer(app);
        assertEquals(ImageFactory.EMPTY_JSON_DIGEST, sbom.config());
        assertReadsBack(sbom, null);
        String sbomJson = new String(sbom.manifestBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(sbomJson.contains(app.manifest().toString()), sbomJson);
        assertTrue(sbomJson.contains(ImageFactory.DEFAULT_ARTIFACT_TYPE), sbomJson);

        // re-tag and cross-repository copy
        images.tag(app, "stable");
        assertEquals(app.manifest(), client.headManifest("team/app", "stable").orElseThrow());
        Image copy = images.copyTo(app, "mirror/app", "v1");
        assertReadsBack(copy, "v1");
        Index listCopy = images.copyTo(list, "mirror/multi", "docker");
        assertArrayEquals(list.bytes(), client.getManifest("mirror/multi", "docker").orElseThrow());
        listCopy.children().forEach(c -> assertReadsBack(c, null));

        // delete a manifest through the API
        Image doomed = images.dockerImage("team/app", "doomed");
        assertTrue(client.tags("team/app").contains("doomed"));
        client.deleteManifest("team/app", doomed.manifest());
        assertTrue(client.getManifest("team/app", doomed.manifest().toString()).isEmpty());
        assertTrue(client.headManifest("team/app", "doomed").isEmpty());
        assertFalse(client.tags("team/app").contains("doomed"));
        assertEquals(Set.of("stable", "v1"), new HashSet<>(client.tags("team/app")));
        assertTrue(client.getBlob("team/app", Digest.parse("sha256:" + "0".repeat(64))).isEmpty());

        // an orphan blob, and errors surface with their status
        Digest orphan = images.pushRandomBlob("team/app", 2048);
        client.verifyBlob("team/app", orphan);
        RegistryApiException badManifest = assertThrows(RegistryApiException.class,
                () -> client.pushManifest("team/app", "broken", MediaTypes.DOCKER_MANIFEST, "{\"schemaVersion\":2}".getBytes()));
        assertEquals(400, badManifest.status());
        AssertionError badVerify = assertThrows(AssertionError.class,
                () -> client.verifyBlob("team/app", Digest.sha256("never pushed".getBytes())));
        assertTrue(badVerify.getMessage().contains("not found"));

        List<String> catalog = client.catalog();
        assertEquals(List.of("mirror/app", "mirror/multi", "multi", "team/app", "team/other"), catalog);
        assertEquals(new java.util.TreeSet<>(catalog), StorageSnapshot.repositories(storage));

        // storage layout agrees with the API
        Set<Digest> onDisk = StorageSnapshot.blobDigests(storage);
        List<Digest> live = new ArrayList<>();
        live.addAll(app.allBlobs());
        live.addAll(shared.allBlobs());
        live.addAll(oci.allBlobs());
        live.addAll(list.allBlobs());
        live.addAll(sbom.allBlobs());
        live.add(orphan);
        assertTrue(onDisk.containsAll(live), "blobs missing on disk: " + missing(live, onDisk));
        assertTrue(onDisk.containsAll(doomed.allBlobs()), "deleting a manifest must not delete blobs");
        assertEquals(Map.of("stable", app.manifest(), "v1", app.manifest()), StorageSnapshot.tags(storage, "team/app"));
        assertTrue(StorageSnapshot.manifestRevisions(storage, "multi").containsAll(oci.manifests()));
        assertFalse(StorageSnapshot.manifestRevisions(storage, "team/app").contains(doomed.manifest()));
        assertTrue(StorageSnapshot.layerLinks(storage, "team/other").containsAll(app.layers()));

        // restart keeps serving the same content
        server.restart();
        assertReadsBack(app, "v1");

        // reference collector: dry run changes nothing
        server.stop();
        Map<String, String> before = StorageSnapshot.of(storage);
        assertFalse(before.isEmpty());
        assertTrue(before.values().stream().anyMatch(v -> v.startsWith("sha256:")));
        GcResult dry = RegistryServer.garbageCollect(server.configFile(), true, false);
        assertEquals(0, dry.exitCode(), dry.output());
        assertTrue(dry.output().contains("blobs marked"), dry.output());
        StorageSnapshot.assertUnchanged(before, storage);

        // a real sweep removes the deleted image's and the orphan's blobs, and keeps everything live
        GcResult sweep = server.garbageCollect(false, false).requireSuccess();
        Set<Digest> afterSweep = StorageSnapshot.blobDigests(storage);
        assertTrue(afterSweep.containsAll(withoutOrphan(live, orphan)), "live blobs removed: "
                + missing(withoutOrphan(live, orphan), afterSweep) + "\n" + sweep.output());
        for (Digest gone : doomed.allBlobs()) {
            assertFalse(afterSweep.contains(gone), gone + " of the deleted image survived:\n" + sweep.output());
        }
        assertFalse(afterSweep.contains(orphan), "orphan blob survived");
        assertFalse(StorageSnapshot.diff(before, StorageSnapshot.of(storage)).isEmpty());

        server.restart();
        assertReadsBack(app, "v1");
        assertReadsBack(shared, "shared");
        assertReadsBack(sbom, null);
        oci.children().forEach(c -> assertReadsBack(c, null));
        assertArrayEquals(list.bytes(), client.getManifest("multi", "docker").orElseThrow());
    }

    @Test
    void seededFactoriesAreDeterministic() {
        Image a = new ImageFactory(client, 7L).image("det/a").oci().build();
        Image b = new ImageFactory(client, 7L).image("det/a").oci().build();
        Image c = new ImageFactory(client, 8L).image("det/a").oci().build();
        assertArrayEquals(a.manifestBytes(), b.manifestBytes());
        assertEquals(a.manifest(), b.manifest());
        assertNotEquals(a.manifest(), c.manifest());
    }

    private void assertReadsBack(Image image, String tag) {
        String repo = image.repo();
        assertArrayEquals(image.manifestBytes(), client.getManifest(repo, image.manifest().toString()).orElseThrow(),
                "manifest bytes of " + image);
        assertEquals(image.manifest(), client.headManifest(repo, image.manifest().toString()).orElseThrow());
        if (tag != null) {
            assertEquals(image.manifest(), client.headManifest(repo, tag).orElseThrow());
            assertArrayEquals(image.manifestBytes(), client.getManifest(repo, tag).orElseThrow());
            assertTrue(client.tags(repo).contains(tag), repo + " tags " + client.tags(repo));
        }
        for (Digest blob : image.contentBlobs()) {
            client.verifyBlob(repo, blob);
            assertTrue(client.blobExists(repo, blob));
        }
    }

    private static List<Digest> withoutOrphan(List<Digest> live, Digest orphan) {
        return live.stream().filter(d -> !d.equals(orphan)).toList();
    }

    private static List<Digest> missing(List<Digest> wanted, Set<Digest> present) {
        return wanted.stream().filter(d -> !present.contains(d)).toList();
    }
}
