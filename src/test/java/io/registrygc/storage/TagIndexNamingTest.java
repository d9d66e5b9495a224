package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filesystem scan names a tag's index entries by their folders, without a look inside each: the index only tells
 * which folders to remove with a deleted manifest. Removing what the names point at never follows a symbolic link.
 */
class TagIndexNamingTest {

    @TempDir
    Path root;

    private final Digest current = digest("current");
    private final Digest earlier = digest("earlier");
    private final Digest emptied = digest("emptied");
    private final Digest symlinked = digest("symlinked");
    private final List<StorageProblem> problems = new ArrayList<>();

    @Test
    void theScanNamesEveryIndexFolderAndReportsOtherNames() throws IOException {
        StorageReader reader = new StorageReader(new FileSystemDriver(root));

        RepositoryListing listing = reader.readRepository("team/app", true, problems::add);

        assertThat(listing.tags()).singleElement().satisfies(tag -> {
            assertThat(tag.name()).isEqualTo("latest");
            assertThat(tag.current()).isEqualTo(Optional.of(current));
            assertThat(tag.index()).containsExactlyInAnyOrder(current, earlier, emptied, symlinked);
        });
        assertThat(problems).extracting(StorageProblem::message).containsExactly("not a digest folder; left alone");
        assertThat(problems.get(0).path()).endsWith("_manifests/tags/latest/index/sha256/not-a-digest");
    }

    @Test
    void withoutTagsNothingUnderTheTagsIsReadOrReported() throws IOException {
        StorageReader reader = new StorageReader(new FileSystemDriver(root));

        RepositoryListing listing = reader.readRepository("team/app", false, problems::add);

        assertThat(listing.tags()).isEmpty();
        assertThat(problems).as("the folder that is no digest is not even looked at").isEmpty();
    }

    @Test
    void removingANamedEntryRemovesItsFolderAndNeverFollowsALink() throws IOException {
        StorageDeleter deleter = new StorageDeleter(new FileSystemDriver(root));
        Path index = root.resolve("docker/registry/v2/repositories/team/app/_manifests/tags/latest/index/sha256");

        assertThat(deleter.deleteTagIndexEntry("team/app", "latest", earlier)).isTrue();
        assertThat(deleter.deleteTagIndexEntry("team/app", "latest", emptied)).as("a folder that lost its link").isTrue();
        assertThat(deleter.deleteTagIndexEntry("team/app", "latest", symlinked)).isFalse();

        assertThat(index.resolve(earlier.hex())).doesNotExist();
        assertThat(index.resolve(emptied.hex())).doesNotExist();
        assertThat(index.resolve(symlinked.hex())).isSymbolicLink();
        assertThat(root.resolve("outside/link")).exists();
        assertThat(index.resolve(current.hex()).resolve("link")).exists();
    }

    @BeforeEach
    void writeTag() throws IOException {
        Path tag = root.resolve("docker/registry/v2/repositories/team/app/_manifests/tags/latest");
        write(tag.resolve("current/link"), current);
        Path index = tag.resolve("index/sha256");
        write(index.resolve(current.hex()).resolve("link"), current);
        write(index.resolve(earlier.hex()).resolve("link"), earlier);
        Files.createDirectories(index.resolve(emptied.hex()));
        Path outside = root.resolve("outside");
        write(outside.resolve("link"), symlinked);
        Files.createSymbolicLink(index.resolve(symlinked.hex()), outside);
        Files.createDirectories(index.resolve("not-a-digest"));
    }

    private static void write(Path link, Digest digest) throws IOException {
        Files.createDirectories(link.getParent());
        Files.writeString(link, digest.toString());
    }

    private static Digest digest(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }
}
