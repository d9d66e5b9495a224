package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The S3 driver and the S3 lease against a real S3 server (s3proxy), listing in pages of 7 keys so that every
 * listing crosses pages; what it reads is checked against the files s3proxy keeps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3DriverIT {

    private S3Server server;
    private S3Settings settings;

    @BeforeAll
    void start() {
        server = S3Server.start(E2eDirs.newWorkDir("s3-driver"));
        settings = new S3Settings(Optional.of(server.endpoint()), "us-east-1", Optional.of(S3Server.ACCESS_KEY),
                Optional.of(S3Server.SECRET_KEY), true);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private S3Driver driver(String root) {
        return S3Driver.open(new S3Location(S3Server.BUCKET, root), settings, 7);
    }

    @Test
    void listsFoldersAndFilesAcrossPagesAndReadsBranchesInOneRangedListing() throws Exception {
        try (S3Driver s3 = driver("listing")) {
            List<String> names = IntStream.range(0, 30).mapToObj(i -> String.format("%02x", i * 7)).toList();
            for (String name : names) {
                s3.write("shard/" + name + "/data", name.getBytes(StandardCharsets.UTF_8));
            }
            s3.write("shard/0e/extra", new byte[] {1});
            s3.write("shard/stray", new byte[] {1, 2});
            s3.write("shard/zz/other", new byte[] {3});

            assertThat(s3.names("shard")).hasSize(32).startsWith("00", "07").endsWith("stray", "zz");
            List<StorageDriver.Entry> entries = s3.list("shard");
            assertThat(entries.stream().filter(StorageDriver.Entry::isFile).map(StorageDriver.Entry::name)).containsExactly("stray");
            assertThat(s3.names("nothing-here")).isEmpty();

            List<String> wanted = new ArrayList<>(names.subList(3, 13));
            wanted.add(5, "16"); // not there
            long before = s3.requests().orElseThrow().get(RequestCounts.Kind.LIST);
            List<StorageDriver.Branch> branches = s3.branches("shard", wanted, "data");
            long lists = s3.requests().orElseThrow().get(RequestCounts.Kind.LIST) - before;
            assertThat(branches).extracting(StorageDriver.Branch::name).containsExactlyElementsOf(names.subList(3, 13));
            assertThat(branches.get(0).file().size()).isEqualTo(2);
            assertThat(branches).allMatch(branch -> branch.folder().isFolder() && branch.folder().modified() != null);
            assertThat(lists).as("a ranged listing from the first name, stopped after the last: 10 keys in pages of 7")
                    .isEqualTo(2);
            List<StorageDriver.Branch> zz = s3.branches("shard", List.of("zz"), "data");
            assertThat(zz).singleElement().satisfies(branch -> {
                assertThat(branch.folder().isFolder()).isTrue();
                assertThat(branch.file()).as("zz holds no data file").isNull();
            });

            assertThat(s3.isFolder("shard/0e")).isTrue();
            assertThat(s3.isFolder("shard/0e/data")).isFalse();
            assertThat(s3.stat("shard/0e/data")).hasValueSatisfying(e -> assertThat(e.size()).isEqualTo(2));
            assertThat(s3.stat("shard/0e")).hasValueSatisfying(e -> assertThat(e.isFolder()).isTrue());
            assertThat(s3.stat("shard/ff")).isEmpty();
        }
    }

    @Test
    void readsAtMostTheLimitAndDeletesFoldersInBatches() throws Exception {
        try (S3Driver s3 = driver("deleting")) {
            s3.write("big/data", new byte[5000]);
            assertThat(s3.read("big/data", 100)).hasSize(101);
            assertThatThrownBy(() -> s3.read("big/none", 100)).isInstanceOf(NoSuchFileException.class);

            for (int i = 0; i < 20; i++) {
                s3.write("tree/sub" + i + "/file", new byte[] {(byte) i});
            }
            s3.write("tree/link", "sha256:x".getBytes(StandardCharsets.US_ASCII));
            assertThat(s3.deleteFolder("tree", "link")).isEqualTo(StorageDriver.Removal.FOLDER_AND_MAIN_FILE);
            assertThat(s3.names("tree")).isEmpty();
            assertThat(s3.deleteFolder("tree", "link")).as("gone already: nothing, and no error").isEqualTo(StorageDriver.Removal.NOTHING);
            assertThat(s3.deleteFolder("big", "link")).isEqualTo(StorageDriver.Removal.FOLDER);
            // a chunk's deletions: each says at once what it found, all go with one request at the commit
            for (int i = 0; i < 5; i++) {
                s3.write("links/l" + i + "/link", new byte[] {(byte) i});
            }
            StorageDriver.Deletions chunk = s3.deletions();
            long deletes = s3.requests().orElseThrow().get(RequestCounts.Kind.DELETE);
            assertThat(chunk.deleteFolder("links/l0", "link")).isEqualTo(StorageDriver.Removal.FOLDER_AND_MAIN_FILE);
            assertThat(chunk.deleteFolder("links", null)).isEqualTo(StorageDriver.Removal.FOLDER);
            assertThat(chunk.deleteFolder("links/none", "link")).isEqualTo(StorageDriver.Removal.NOTHING);
            assertThat(s3.names("links")).as("nothing removed before the commit").hasSize(5);
            chunk.commit();
            assertThat(s3.names("links")).isEmpty();
            assertThat(s3.requests().orElseThrow().get(RequestCounts.Kind.DELETE) - deletes).as("one DeleteObjects").isEqualTo(1);

            Path files = server.bucketFolder().resolve("deleting");
            assertThat(Files.exists(files.resolve("tree/link"))).isFalse();
            assertThat(Files.exists(files.resolve("big/data"))).isFalse();
        }
    }

    @Test
    void onAnObjectStoreALookListsTheTreeOnceAndReadsOnlyWhereALinkWasWritten() throws Exception {
        try (S3Driver s3 = driver("watched")) {
            RegistryPaths paths = RegistryPaths.LAYOUT;
            Digest manifest = Digest.sha256("{}".getBytes(StandardCharsets.UTF_8));
            Digest layer = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));
            for (String repository : List.of("team/app", "team/api", "other")) {
                s3.write(paths.revisionFolder(repository, manifest) + "/link", manifest.toString().getBytes(StandardCharsets.US_ASCII));
                s3.write(paths.tagCurrentLink(repository, "latest"), manifest.toString().getBytes(StandardCharsets.US_ASCII));
            }
            // a margin of a second: S3 keeps times to the second
            RepositoryWatch watch = new RepositoryWatch(new StorageReader(s3), null, Duration.ofSeconds(1));
            List<StorageProblem> problems = new ArrayList<>();
            RepositoryWatch.Changes first = watch.changedRepositories(problems::add);
            assertThat(first.revisions()).containsExactlyInAnyOrder("team/app", "team/api", "other");
            Thread.sleep(2100);
            watch.changedRepositories(problems::add); // links written within a second before the first look began
            assertThat(watch.changedRepositories(problems::add).revisions()).isEmpty();

            s3.write(paths.layerLinkFolder("team/api", layer) + "/link", layer.toString().getBytes(StandardCharsets.US_ASCII));
            s3.write(paths.revisionFolder("new/one", manifest) + "/link", manifest.toString().getBytes(StandardCharsets.US_ASCII));
            long lists = s3.requests().orElseThrow().get(RequestCounts.Kind.LIST);
            RepositoryWatch.Changes changes = watch.changedRepositories(problems::add);
            assertThat(changes.layers()).containsExactlyInAnyOrder("team/api", "new/one");
            assertThat(changes.revisions()).containsExactly("new/one");
            assertThat(s3.requests().orElseThrow().get(RequestCounts.Kind.LIST) - lists)
                    .as("one listing of the top level, one of each top-level folder (team, other, new)").isEqualTo(4);
            assertThat(problems).isEmpty();
        }
    }

    @Test
    void theLeaseIsHeldByOneRunTakenOverOnlyWhenStaleAndALosingHolderFindsOut() throws Exception {
        try (S3Driver s3 = driver("lease")) {
            try (S3Lease first = S3Lease.acquire(s3, Duration.ofMinutes(5), "first", () -> { })) {
                assertThatThrownBy(() -> S3Lease.acquire(s3, Duration.ofMinutes(5), "second", () -> { }))
                        .isInstanceOf(StorageLease.HeldException.class)
                        .hasMessageContaining("pid " + ProcessHandle.current().pid() + " (first)");
                first.verify();
            }
            assertThat(s3.stat(RegistryPaths.LAYOUT.lease())).as("released on close").isEmpty();

            // another host's lease, silent for longer than the stale time: taken over, and its holder finds out
            AtomicBoolean lost = new AtomicBoolean();
            S3Lease paused = S3Lease.acquire(s3, Duration.ofSeconds(60), "paused", () -> lost.set(true));
            s3.write(RegistryPaths.LAYOUT.lease(), ("id=elsewhere\nhost=elsewhere.example\npid=7\nprocess-start=\nacquired="
                    + java.time.Instant.now() + "\nnote=other\n").getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(paused::verify).isInstanceOf(StorageLease.LostException.class)
                    .hasMessageContaining("host elsewhere.example");
            paused.close();
            assertThat(new String(s3.read(RegistryPaths.LAYOUT.lease(), 4096), StandardCharsets.UTF_8))
                    .as("the loser leaves the new holder's lease alone").contains("host=elsewhere.example");
            assertThatThrownBy(() -> S3Lease.acquire(s3, Duration.ofSeconds(60), "me", () -> { }))
                    .isInstanceOf(StorageLease.HeldException.class);
            Thread.sleep(2100);
            try (S3Lease me = S3Lease.acquire(s3, Duration.ofSeconds(1), "me", () -> { })) {
                assertThat(new String(s3.read(RegistryPaths.LAYOUT.lease(), 4096), StandardCharsets.UTF_8))
                        .contains("id=" + me.holder().id());
            }
        }
    }
}
