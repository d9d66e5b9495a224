package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filesystem scan names the blobs of a shard by their folders, without a look inside each; planning then looks at
 * the few it may delete. What the look answers for each thing a blob shard may hold: the same as the look the scan of
 * an object store makes in its listing.
 */
class BlobNamingTest {

    private static final Instant WRITTEN = Instant.parse("2025-03-01T10:00:00Z");

    @TempDir
    Path root;

    private final List<StorageProblem> problems = new ArrayList<>();

    @Test
    void theScanNamesEveryDigestFolderOfTheShardWithoutLookingInside() throws IOException {
        Digest blob = blob("data", true);
        Path shard = shardOf(blob);
        Files.createDirectories(shard.resolve("not-a-digest"));
        StorageReader reader = new StorageReader(new FileSystemDriver(root));
        BlobShard blobShard = new BlobShard("sha256", blob.hex().substring(0, 2));

        List<BlobEntry> named = reader.listBlobs(blobShard, reader.blobNames(blobShard, problems::add), problems::add);

        assertThat(named).extracting(BlobEntry::digest).containsExactly(blob);
        assertThat(named).noneMatch(BlobEntry::lookedAt);
        assertThat(problems).extracting(StorageProblem::message).containsExactly("not a blob folder; left alone");
        assertThat(problems.get(0).path()).endsWith("/not-a-digest");
    }

    @Test
    void aLookFindsTheDataOrThatThereIsNoBlobToCount() throws IOException {
        Digest blob = blob("data", true);
        Digest empty = blob("no data", false);
        Digest absent = digest("never written");
        Digest file = digest("a file, not a folder");
        Files.createDirectories(folderOf(file).getParent());
        Files.writeString(folderOf(file), "stray");
        Digest symlinked = digest("a symbolic link");
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("data"), "elsewhere");
        Files.createDirectories(folderOf(symlinked).getParent());
        Files.createSymbolicLink(folderOf(symlinked), outside);
        StorageReader reader = new StorageReader(new FileSystemDriver(root));

        assertThat(reader.blob(blob, problems::add)).contains(new BlobEntry(blob, 4, WRITTEN));
        assertThat(reader.blob(empty, problems::add)).hasValueSatisfying(entry -> {
            assertThat(entry.size()).isEqualTo(-1);
            assertThat(entry.lookedAt()).isTrue();
        });
        assertThat(reader.blob(absent, problems::add)).isEmpty();
        assertThat(problems).isEmpty();

        assertThat(reader.blob(file, problems::add)).isEmpty();
        assertThat(reader.blob(symlinked, problems::add)).as("never followed").isEmpty();
        assertThat(problems).extracting(StorageProblem::message)
                .containsExactly("not a blob folder; left alone", "a symbolic link: never followed, left alone");
        assertThat(problems).allMatch(p -> p.impact() == StorageProblem.Impact.NOTED);
    }

    private Digest blob(String content, boolean withData) throws IOException {
        Digest digest = digest(content);
        Path folder = Files.createDirectories(folderOf(digest));
        if (withData) {
            Path data = folder.resolve("data");
            Files.writeString(data, "blob");
            Files.setLastModifiedTime(data, FileTime.from(WRITTEN));
        }
        return digest;
    }

    private Path shardOf(Digest digest) {
        return root.resolve("docker/registry/v2/blobs/sha256").resolve(digest.hex().substring(0, 2));
    }

    private Path folderOf(Digest digest) {
        return shardOf(digest).resolve(digest.hex());
    }

    private static Digest digest(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }
}
