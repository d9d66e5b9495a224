package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Storage written by the real registry, then damaged one way per test; each run is {@code --delete-untagged
 * --min-age 0}. The invariant every time: what a surviving tag needs survives, the run ends with a documented exit
 * code, and the damage is reported by its path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileStorageIT {

    private static final String APP = "app";
    private static final String OTHER = "other";

    private Path built;
    private Image a;      // app:v1
    private Image b;      // app:v2
    private Image u;      // app, untagged
    private Image c;      // other:latest
    private Digest orphan;

    @BeforeAll
    void buildStorage() {
        RegistryServer.requireRegistry();
        built = E2eDirs.newWorkDir("hostile").resolve("storage");
        try (RegistryServer server = RegistryServer.start(built)) {
            ImageFactory images = new ImageFactory(new RegistryClient(server), 31337L);
            a = images.dockerImage(APP, "v1");
            b = images.ociImage(APP, "v2");
            u = images.image(APP).docker().freshLayers(2).untagged().push();
            c = images.dockerImage(OTHER, "latest");
            orphan = images.pushRandomBlob(APP, 2048);
        }
    }

    @Test
    void emptyOrGarbageTagLinksKeepTheirRepositoryWhole() throws IOException {
        for (String content : List.of("", "not a digest at all", "sha256:" + "z".repeat(64))) {
            Path storage = copy("bad-tag-link");
            Path link = tagLink(storage, APP, "v2");
            Files.writeString(link, content);
            Gc.Result result = collect(storage);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.all()).as("names the link").contains(link.toString());
            // which manifest v2 means is unknown: nothing of app goes
            assertWhole(storage, a, b, u, c);
        }
    }

    @Test
    void aLinkEndingInANewlineIsRead() throws IOException {
        Path storage = copy("newline-link");
        Files.writeString(tagLink(storage, APP, "v2"), b.manifest() + "\n");
        Gc.Result result = collect(storage);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertWhole(storage, a, b, c);
        assertGone(storage, u);
    }

    @Test
    void aTaggedManifestWhoseDataIsMissingIsReportedAndHoldsNothing() throws IOException {
        Path storage = copy("missing-data");
        Path data = StorageSnapshot.blobData(storage, b.manifest());
        Files.delete(data);
        Gc.Result result = collect(storage);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.all()).contains(data.toString());
        assertThat(StorageSnapshot.tags(storage, APP)).containsEntry("v2", b.manifest());
        assertWhole(storage, a, c);
        assertGone(storage, u);
    }

    @Test
    void jsonOfAnUnknownKindKeepsEveryDigestItNames() throws IOException {
        Path storage = copy("unknown-kind");
        byte[] odd = ("{\"mediaType\":\"application/vnd.example.bundle+json\",\"schemaVersion\":2,"
                + "\"parts\":[{\"ref\":\"" + u.layers().get(0) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        Digest oddDigest = writeManifest(storage, APP, "odd", odd);
        Gc.Result result = collect(storage);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.all()).contains("unknown kind");
        assertThat(StorageSnapshot.blobDigests(storage)).contains(oddDigest, u.layers().get(0))
                .doesNotContain(u.manifest(), u.config(), u.layers().get(1));
        assertWhole(storage, a, b, c);
    }

    @Test
    void schema1ManifestsSignedOrNotKeepTheirLayers() throws IOException {
        Path storage = copy("schema1");
        String layers = "\"fsLayers\":[{\"blobSum\":\"" + u.layers().get(1) + "\"}],\"history\":[{\"v1Compatibility\":\"{}\"}]";
        byte[] unsigned = ("{\"schemaVersion\":1,\"name\":\"app\",\"tag\":\"old\",\"architecture\":\"amd64\"," + layers + "}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] signed = ("{\"schemaVersion\":1,\"name\":\"app\",\"tag\":\"signed\",\"architecture\":\"amd64\","
                + "\"fsLayers\":[{\"blobSum\":\"" + u.config() + "\"}],\"history\":[{\"v1Compatibility\":\"{}\"}],"
                + "\"signatures\":[{\"header\":{\"alg\":\"ES256\"},\"signature\":\"abc\",\"protected\":\"def\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        writeManifest(storage, APP, "old", unsigned);
        writeManifest(storage, APP, "signed", signed);
        Gc.Result result = collect(storage);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(StorageSnapshot.blobDigests(storage)).contains(u.layers().get(1), u.config())
                .doesNotContain(u.manifest(), u.layers().get(0));
        assertWhole(storage, a, b, c);
    }

    @Test
    void legacySignatureFoldersAndTemporaryLinkFilesAreNoTrouble() throws IOException {
        Path storage = copy("legacy-files");
        Path revision = repository(storage, APP).resolve("_manifests/revisions/sha256").resolve(a.manifest().hex());
        Digest signature = Digest.sha256("a signature".getBytes(StandardCharsets.UTF_8));
        Path signatureLink = revision.resolve("signatures/sha256").resolve(signature.hex()).resolve("link");
        Files.createDirectories(signatureLink.getParent());
        Files.writeString(signatureLink, signature.toString());
        Files.writeString(tagLink(storage, APP, "v1").resolveSibling("link.6f1c2d.tmp"), "sha256:" + "0".repeat(64));
        Path layerFolder = repository(storage, APP).resolve("_layers/sha256").resolve(u.layers().get(0).hex());
        Files.writeString(layerFolder.resolve("link.0a9b.tmp"), "partial");
        Gc.Result result = collect(storage);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(StorageSnapshot.tags(storage, APP)).containsEntry("v1", a.manifest()).containsEntry("v2", b.manifest());
        assertWhole(storage, a, b, c);
        assertGone(storage, u);
    }

    @Test
    void symbolicLinksAreNeverFollowedOutOfTheRoot() throws IOException {
        Path storage = copy("symlinks");
        Path outside = storage.resolveSibling("outside");
        // a folder outside the storage that looks like a repository with an unreferenced layer link, and a blob shard
        Path fakeLayer = outside.resolve("repo/_layers/sha256").resolve(orphan.hex()).resolve("link");
        Files.createDirectories(fakeLayer.getParent());
        Files.writeString(fakeLayer, orphan.toString());
        Digest outsideBlob = Digest.sha256("outside".getBytes(StandardCharsets.UTF_8));
        Path outsideData = outside.resolve("shard").resolve(outsideBlob.hex()).resolve("data");
        Files.createDirectories(outsideData.getParent());
        Files.writeString(outsideData, "outside");
        Map<String, String> outsideBefore = StorageSnapshot.of(outside);
        Files.createSymbolicLink(StorageSnapshot.v2(storage).resolve("repositories/evil"), outside.resolve("repo"));
        // a blob folder in a real shard that links out: it would be an orphan if it were followed
        Path blobLink = StorageSnapshot.blobData(storage, outsideBlob).getParent();
        Files.createDirectories(blobLink.getParent());
        Files.createSymbolicLink(blobLink, outsideData.getParent());

        Set<Digest> blobsBefore = StorageSnapshot.blobDigests(storage);
        Gc.Result result = collect(storage);
        // the registry would follow the linked repository: what it needs is unknown, so no blob goes (exit 4)
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.all()).as(result.toString()).contains("repositories/evil", "symbolic link");
        StorageSnapshot.assertUnchanged(outsideBefore, outside);
        assertThat(Files.isSymbolicLink(StorageSnapshot.v2(storage).resolve("repositories/evil"))).isTrue();
        assertThat(Files.isSymbolicLink(blobLink)).as("the linked blob folder is left alone").isTrue();
        assertThat(StorageSnapshot.blobDigests(storage)).containsAll(blobsBefore);
        assertWhole(storage, a, b, c);

        // without the linked repository, the linked blob folder is still left alone while the rest is collected
        Files.delete(StorageSnapshot.v2(storage).resolve("repositories/evil"));
        Gc.Result second = collect(storage);
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(Files.isSymbolicLink(blobLink)).isTrue();
        StorageSnapshot.assertUnchanged(outsideBefore, outside);
        assertWhole(storage, a, b, c);
        assertGone(storage, u);
    }

    /**
     * Files the run cannot read, for real: the run goes through {@code unshare -U}, where root's files are only as
     * readable as their permission bits say. An unreadable tag keeps its repository whole (exit 0); a revisions
     * folder that cannot be listed hides which blobs are needed, so no blob goes (exit 4).
     */
    @Test
    void filesThatCannotBeReadAreReportedAndNeverAReasonToDelete() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(canRunWithoutRootsPermissions(), "unshare -U is not available");
        Path storage = copy("unreadable");
        Path link = tagLink(storage, APP, "v2");
        Files.setPosixFilePermissions(link, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        JarProcess run = runWithoutRootsPermissions(storage);
        assertThat(run.process().exitValue()).as(run.output()).isZero();
        assertThat(run.output()).contains(link.toString());
        assertWhole(storage, a, b, u, c);

        Path revisions = repository(storage, OTHER).resolve("_manifests/revisions");
        Files.setPosixFilePermissions(revisions, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        Set<Digest> blobsBefore = StorageSnapshot.blobDigests(storage);
        run = runWithoutRootsPermissions(storage);
        Files.setPosixFilePermissions(revisions, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(run.process().exitValue()).as(run.output()).isEqualTo(4);
        assertThat(run.output()).contains(revisions.toString());
        assertThat(StorageSnapshot.blobDigests(storage)).isEqualTo(blobsBefore);
        assertWhole(storage, a, b, u, c);
    }

    private static boolean canRunWithoutRootsPermissions() {
        try {
            return "root".equals(System.getProperty("user.name"))
                    && new ProcessBuilder("unshare", "-U", "true").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static JarProcess runWithoutRootsPermissions(Path storage) throws Exception {
        JarProcess run = JarProcess.startWrapped(List.of("unshare", "-U"), storage.getParent(), List.of(),
                Map.of("SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                        "SPRING_DATASOURCE_USERNAME", System.getProperty("spring.datasource.username", "")),
                "run", "--storage-root", storage.toString(), "--delete-untagged", "--min-age", "0");
        assertThat(run.process().waitFor(300, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return run;
    }

    // ------------------------------------------------------------------ helpers

    private Gc.Result collect(Path storage) {
        return Gc.run(storage, "--delete-untagged", "--min-age", "0");
    }

    private static void assertWhole(Path storage, Image... images) {
        Set<Digest> blobs = StorageSnapshot.blobDigests(storage);
        for (Image image : images) {
            assertThat(StorageSnapshot.manifestRevisions(storage, image.repo())).as(image.toString()).contains(image.manifest());
            assertThat(blobs).as(image.toString()).containsAll(image.allBlobs());
        }
    }

    private static void assertGone(Path storage, Image image) {
        assertThat(StorageSnapshot.manifestRevisions(storage, image.repo())).doesNotContain(image.manifest());
        assertThat(StorageSnapshot.blobDigests(storage)).doesNotContainAnyElementsOf(image.allBlobs());
    }

    private static Path repository(Path storage, String name) {
        return StorageSnapshot.v2(storage).resolve("repositories").resolve(name);
    }

    private static Path tagLink(Path storage, String repository, String tag) {
        return repository(storage, repository).resolve("_manifests/tags").resolve(tag).resolve("current/link");
    }

    /** Writes a manifest the way the registry stores one: its blob, its revision link and a tag. */
    private static Digest writeManifest(Path storage, String repository, String tag, byte[] content) throws IOException {
        Digest digest = Digest.sha256(content);
        Path data = StorageSnapshot.blobData(storage, digest);
        Files.createDirectories(data.getParent());
        Files.write(data, content);
        Path revision = repository(storage, repository).resolve("_manifests/revisions/sha256").resolve(digest.hex()).resolve("link");
        Files.createDirectories(revision.getParent());
        Files.writeString(revision, digest.toString());
        Path tagLink = tagLink(storage, repository, tag);
        Files.createDirectories(tagLink.getParent());
        Files.writeString(tagLink, digest.toString());
        Path index = tagLink.getParent().resolveSibling("index/sha256").resolve(digest.hex()).resolve("link");
        Files.createDirectories(index.getParent());
        Files.writeString(index, digest.toString());
        return digest;
    }

    private Path copy(String name) throws IOException {
        Path target = E2eDirs.newWorkDir("hostile-" + name).resolve("storage");
        StorageSnapshot.copyTree(built, target);
        return target;
    }
}
