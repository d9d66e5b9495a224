package io.registrygc.e2e;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Input that must be refused (exit 2, nothing touched, no run recorded) and input that must stop the blob
 * sweep (exit 4). The "valid" storage holds an orphan blob and an untagged image, so any run that got as
 * far as deleting would change it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvalidInputIT {

    private Path work;
    private Path valid;
    private Path broken;
    private Image appLatest;
    private Image appStable;
    private Image otherUntagged;
    private Digest orphan;

    @BeforeAll
    void buildStorages() {
        RegistryServer.requireRegistry(); // skipped without the registry, except in CI where it must run
        work = E2eDirs.newWorkDir("invalid-input");
        broken = work.resolve("broken");
        try (RegistryServer server = RegistryServer.start(broken)) {
            RegistryClient client = new RegistryClient(server);
            ImageFactory images = new ImageFactory(client, 99L);
            appLatest = images.dockerImage("app", "latest");
            appStable = images.ociImage("app", "stable");
            images.dockerImage("other", "v1");
            otherUntagged = images.image("other").docker().untagged().push();
            orphan = images.pushRandomBlob("other", 4096);
        }
        valid = work.resolve("valid");
        StorageSnapshot.copyTree(broken, valid);
        Gc.jdbc(); // start the database before the first count
    }

    // ------------------------------------------------------------------------ not a registry storage

    @Test
    void emptyFolderIsRefused() throws IOException {
        assertRefusedAsStorage(Files.createDirectories(work.resolve("empty")));
    }

    @Test
    void folderWithRandomFilesIsRefused() throws IOException {
        Path root = Files.createDirectories(work.resolve("random"));
        Random random = new Random(5);
        for (String name : List.of("notes.txt", "data.bin", "blobs/sha256/ab/cd/data", "docker/registry/readme.md",
                "repositories/app/_layers/sha256/ef/link")) {
            Path file = root.resolve(name);
            Files.createDirectories(file.getParent());
            byte[] bytes = new byte[512];
            random.nextBytes(bytes);
            Files.write(file, bytes);
        }
        assertRefusedAsStorage(root);
    }

    @Test
    void nonExistentPathIsRefused() {
        Path root = work.resolve("does-not-exist");
        assertRefusedAsStorage(root);
        assertFalse(Files.exists(root), "the run created the storage root");
    }

    @Test
    void v2FolderWithoutBlobsOrRepositoriesIsRefused() throws IOException {
        Path root = work.resolve("bare-v2");
        Files.createDirectories(StorageSnapshot.v2(root));
        assertRefusedAsStorage(root);
    }

    @Test
    void theV2FolderOfARealStorageIsRefusedAsRoot() {
        // a common mistake: pointing --storage-root at .../docker/registry/v2 instead of the rootdirectory
        Map<String, String> before = StorageSnapshot.of(valid);
        assertRefusedAsStorage(StorageSnapshot.v2(valid));
        StorageSnapshot.assertUnchanged(before, valid);
    }

    @Test
    void aRegularFileIsRefused() throws IOException {
        Path file = Files.writeString(work.resolve("plain-file"), "not a folder");
        assertRefusedAsStorage(file);
        assertEquals("not a folder", Files.readString(file));
    }

    private void assertRefusedAsStorage(Path root) {
        Map<String, String> before = StorageSnapshot.of(root);
        boolean existed = Files.exists(root);
        Gc.Result result = Gc.run(root, "--delete-untagged", "--min-age", "0");
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains(root.toAbsolutePath().normalize().toString()), result.toString());
        assertTrue(result.err().contains("not a registry storage") || result.err().contains("is not a directory"),
                result.toString());
        StorageSnapshot.assertUnchanged(before, root);
        assertEquals(existed, Files.exists(root));
        assertEquals(0, runsOn(root), "a gc_run row was created for " + root);
        assertEquals(0, jobExecutionsOn(root), "a job execution was created for " + root);
    }

    // ------------------------------------------------------------------------------ invalid policy files

    @Test
    void invalidPolicyFilesAreRefusedNamingFileLineAndKey() throws IOException {
        Map<String, String> before = StorageSnapshot.of(valid);
        Map<String, List<String>> cases = new java.util.LinkedHashMap<>();
        cases.put("policies:\n  - repositories: ['app']\n    rules: [ {keep-last: 2\n", List.of(":4:", "(syntax)"));
        cases.put("policies:\n  - repositories: ['app']\n    rules:\n      - keep-last: 2\n    keep-forever: true\n",
                List.of(":5:", "policies[1].keep-forever", "unknown key"));
        cases.put("policies:\n  - repositories: ['app']\n    rules:\n      - keep-tags: 'v('\n",
                List.of(":4:", "policies[1].rules[1].keep-tags", "Unclosed group"));
        cases.put("policies:\n  - repositories: ['app']\n    rules:\n      - delete-tags: '.*'\n        older-than: 3 days\n",
                List.of(":5:", "policies[1].rules[1].older-than"));
        cases.put("policies:\n  - repositories: ['app']\n    rules:\n      - keep-last: 0\n",
                List.of(":4:", "policies[1].rules[1].keep-last"));
        int n = 0;
        for (Map.Entry<String, List<String>> bad : cases.entrySet()) {
            Path policy = work.resolve("policy-" + (++n) + ".yml");
            Files.writeString(policy, bad.getKey());
            long runsBefore = runsOn(valid);
            Gc.Result result = Gc.run(valid, "--policy", policy.toString(), "--min-age", "0");
            assertEquals(2, result.exitCode(), result.toString());
            assertTrue(result.err().contains(policy.toString()), result.toString());
            for (String expected : bad.getValue()) {
                assertTrue(result.err().contains(expected), "'" + expected + "' missing in " + result);
            }
            assertEquals(runsBefore, runsOn(valid), "a run was created for an invalid policy");
        }
        Gc.Result missing = Gc.run(valid, "--policy", work.resolve("no-such-policy.yml").toString());
        assertEquals(2, missing.exitCode(), missing.toString());
        Gc.Result mixed = Gc.run(valid, "--policy", work.resolve("policy-1.yml").toString(), "--keep-last", "3");
        assertEquals(2, mixed.exitCode(), mixed.toString());
        assertTrue(mixed.err().contains("--policy cannot be combined"), mixed.toString());
        Gc.Result protectOnly = Gc.run(valid, "--keep-tags", "latest");
        assertEquals(2, protectOnly.exitCode(), protectOnly.toString());
        assertTrue(protectOnly.err().contains("only protect or limit"), protectOnly.toString());
        StorageSnapshot.assertUnchanged(before, valid);
    }

    // --------------------------------------------------------------------------- unparseable manifest

    @Test
    void unparseableTaggedManifestBlocksTheSweepWithExit4AndDeletesNoBlob() throws IOException {
        byte[] content = "not a manifest".getBytes(StandardCharsets.UTF_8);
        Digest bad = Digest.sha256(content);
        Path data = StorageSnapshot.blobData(broken, bad);
        Files.createDirectories(data.getParent());
        Files.write(data, content);
        Path app = StorageSnapshot.v2(broken).resolve("repositories/app/_manifests");
        writeLink(app.resolve("revisions/sha256").resolve(bad.hex()).resolve("link"), bad);
        writeLink(app.resolve("tags/latest/current/link"), bad);
        writeLink(app.resolve("tags/latest/index/sha256").resolve(bad.hex()).resolve("link"), bad);

        Set<Digest> blobsBefore = StorageSnapshot.blobDigests(broken);
        assertTrue(blobsBefore.contains(orphan) && blobsBefore.contains(bad) && blobsBefore.containsAll(otherUntagged.allBlobs()));

        Gc.Result result = Gc.run(broken, "--delete-untagged", "--min-age", "0");

        assertEquals(4, result.exitCode(), result.toString());
        assertTrue(result.all().contains(data.toString()), "output does not name " + data + "\n" + result);
        assertTrue(result.out().contains("BLOB SWEEP SKIPPED"), result.toString());
        assertEquals(blobsBefore, StorageSnapshot.blobDigests(broken), "blob data deleted although the sweep was blocked");
        long runId = Gc.lastRunId(broken);
        String sweepBlocked = Gc.jdbc().queryForObject("SELECT sweep_blocked FROM gc_run WHERE run_id = ?", String.class, runId);
        assertNotNull(sweepBlocked, "gc_run.sweep_blocked");
        assertTrue(sweepBlocked.contains(bad.toString()), sweepBlocked);
        assertEquals(0L, Gc.jdbc().queryForObject(
                "SELECT COUNT(*) FROM gc_audit WHERE run_id = ? AND action = 'DELETE_BLOB'", Long.class, runId));
        // the repository holding it keeps everything: the image "latest" pointed at before is untagged now, but stays
        assertEquals(Set.of(appLatest.manifest(), appStable.manifest(), bad),
                StorageSnapshot.manifestRevisions(broken, "app"));
        assertEquals(Map.of("latest", bad, "stable", appStable.manifest()), StorageSnapshot.tags(broken, "app"));
    }

    /**
     * A 3 GiB file in a tagged revision's place (sparse, so the test is cheap): never read into memory (a manifest
     * is at most 4 MiB), reported by path, kept with its repository, the sweep blocked: exit 4, no crash.
     */
    @Test
    void hugeFileInARevisionsPlaceIsNotReadAndBlocksTheSweep() throws IOException {
        Path huge = work.resolve("huge");
        StorageSnapshot.copyTree(valid, huge);
        Digest claimed = Digest.sha256("a manifest that is not there".getBytes(StandardCharsets.UTF_8));
        Path data = StorageSnapshot.blobData(huge, claimed);
        Files.createDirectories(data.getParent());
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(data.toFile(), "rw")) {
            file.setLength(3L << 30);
        }
        Path app = StorageSnapshot.v2(huge).resolve("repositories/app/_manifests");
        writeLink(app.resolve("revisions/sha256").resolve(claimed.hex()).resolve("link"), claimed);
        writeLink(app.resolve("tags/huge/current/link"), claimed);
        Set<Digest> blobsBefore = StorageSnapshot.blobDigests(huge);

        Gc.Result result = Gc.run(huge, "--delete-untagged", "--min-age", "0");

        assertEquals(4, result.exitCode(), result.toString());
        assertTrue(result.all().contains(data.toString()), "output does not name " + data + "\n" + result);
        assertTrue(result.all().contains("larger than a manifest may be"), result.toString());
        assertEquals(blobsBefore, StorageSnapshot.blobDigests(huge), "blob data deleted although the sweep was blocked");
        assertEquals(3L << 30, Files.size(data));
        assertTrue(StorageSnapshot.manifestRevisions(huge, "app").contains(claimed));
    }

    // ------------------------------------------------------------------------------------ options

    @Test
    void invalidMinAgeIsRefusedWithExit2() {
        Map<String, String> before = StorageSnapshot.of(valid);
        long runs = runsOn(valid);
        for (String value : List.of("abc", "-1h", "10", "1y", "", "1.5h", "-PT1H", "h", "5x")) {
            Gc.Result result = Gc.run(valid, "--min-age", value);
            assertEquals(2, result.exitCode(), "--min-age '" + value + "'\n" + result);
            assertTrue(result.err().contains("--min-age"), "--min-age '" + value + "'\n" + result);
        }
        StorageSnapshot.assertUnchanged(before, valid);
        assertEquals(runs, runsOn(valid));
    }

    @Test
    void invalidOperationOptionsAreRefusedWithExit2() {
        Map<String, String> before = StorageSnapshot.of(valid);
        long runs = runsOn(valid);
        Map<List<String>, String> refused = Map.of(
                List.of("--progress-interval", "soon"), "--progress-interval",
                List.of("--progress-interval", "10"), "--progress-interval",
                List.of("--progress-interval", "-1s"), "--progress-interval",
                List.of("--log-format", "xml"), "--log-format",
                List.of("--metrics-push-gateway", "http://[bad"), "--metrics-push-gateway",
                List.of("--metrics-push-gateway", "pushgateway:9091"), "--metrics-push-gateway",
                List.of("--metrics-push-gateway", "http://pushgateway:9091/metrics"), "--metrics-push-gateway");
        refused.forEach((options, named) -> {
            List<String> args = new java.util.ArrayList<>(List.of("--min-age", "0"));
            args.addAll(options);
            Gc.Result result = Gc.run(valid, args.toArray(String[]::new));
            assertEquals(2, result.exitCode(), options + "\n" + result);
            assertTrue(result.err().contains(named), options + "\n" + result);
        });
        StorageSnapshot.assertUnchanged(before, valid);
        assertEquals(runs, runsOn(valid));
    }

    // Overflowing values once threw (exit 1) or wrapped to a negative age that the job then failed on.
    @Test
    void overflowingMinAgeIsRefusedWithExit2() {
        Path root = work.resolve("overflow");
        StorageSnapshot.copyTree(valid, root);
        Map<String, String> before = StorageSnapshot.of(root);
        long runs = runsOn(root);
        // too many digits for a long (refused today); days whose seconds overflow a long; weeks whose day count wraps
        List<org.junit.jupiter.api.function.Executable> checks = new java.util.ArrayList<>();
        for (String value : List.of("99999999999999999999d", "99999999999999999d", "2635249153387078802w")) {
            Gc.Result result = Gc.run(root, "--min-age", value);
            long runsAfter = runsOn(root);
            checks.add(() -> assertEquals(2, result.exitCode(), "--min-age '" + value + "'\n" + result));
            checks.add(() -> assertEquals(runs, runsAfter, "--min-age '" + value + "' started a run\n" + result));
        }
        checks.add(() -> StorageSnapshot.assertUnchanged(before, root));
        // a refused value leaves nothing behind: an ordinary run afterwards just works
        Gc.Result ordinary = Gc.run(root, "--min-age", "1h");
        checks.add(() -> assertEquals(0, ordinary.exitCode(), "ordinary run after the refused ones\n" + ordinary));
        org.junit.jupiter.api.Assertions.assertAll(checks);
    }

    @Test
    void dryRunWithoutStorageRootIsAUsageError() {
        Gc.Result result = Gc.run("run", "--dry-run");
        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains("--storage-root"), result.toString());
        Gc.Result withOtherOptions = Gc.run("run", "--dry-run", "--delete-untagged", "--min-age", "0");
        assertEquals(2, withOtherOptions.exitCode(), withOtherOptions.toString());
    }

    // ------------------------------------------------------------------------------------ helpers

    private static long runsOn(Path root) {
        if (!schemaReady()) {
            return 0;
        }
        return Gc.jdbc().queryForObject("SELECT COUNT(*) FROM gc_run WHERE storage_root = ?", Long.class,
                root.toAbsolutePath().normalize().toString());
    }

    private static long jobExecutionsOn(Path root) {
        if (!schemaReady()) {
            return 0;
        }
        return Gc.jdbc().queryForObject("""
                SELECT COUNT(*) FROM batch_job_execution_params WHERE parameter_name = 'storageRoot' AND parameter_value = ?""",
                Long.class, root.toAbsolutePath().normalize().toString());
    }

    private static boolean schemaReady() {
        return Boolean.TRUE.equals(Gc.jdbc().queryForObject(
                "SELECT to_regclass('gc_run') IS NOT NULL AND to_regclass('batch_job_execution_params') IS NOT NULL",
                Boolean.class));
    }

    private static void writeLink(Path link, Digest digest) throws IOException {
        Files.createDirectories(link.getParent());
        Files.writeString(link, digest.toString(), StandardCharsets.US_ASCII);
    }

}
