package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.testsupport.StorageWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch that tells a live run where to read again, and the write-back of what a pushed manifest needs. */
class RepositoryWatchTest {

    @TempDir
    Path root;

    private StorageWriter storage;
    private RepositoryWatch watch;
    private final List<StorageProblem> problems = new ArrayList<>();
    private Digest manifest;

    @BeforeEach
    void storageWithTwoRepositories() throws Exception {
        storage = new StorageWriter(root);
        manifest = storage.blob("{\"schemaVersion\":2}");
        storage.revision("team/app", manifest);
        storage.layerLink("team/app", storage.blob("layer"));
        storage.revision("team/api", manifest);
        watch = new RepositoryWatch(new StorageReader(new FileSystemDriver(root)));
    }

    @Test
    void theFirstLookReadsEveryRepositoryThenOnlyWhereSomethingWasWritten() throws Exception {
        RepositoryWatch.Changes first = watch.changedRepositories(problems::add);
        assertThat(first.revisions()).containsExactly("team/api", "team/app");
        assertThat(first.layers()).containsExactly("team/api", "team/app");

        RepositoryWatch.Changes quiet = watch.changedRepositories(problems::add);
        assertThat(quiet.revisions()).isEmpty();
        assertThat(quiet.layers()).isEmpty();

        storage.revision("team/app", storage.blob("{\"schemaVersion\":2,\"n\":1}"));
        RepositoryWatch.Changes revision = watch.changedRepositories(problems::add);
        assertThat(revision.revisions()).containsExactly("team/app");
        assertThat(revision.layers()).isEmpty();

        storage.layerLink("team/api", storage.blob("uploaded"));
        RepositoryWatch.Changes layer = watch.changedRepositories(problems::add);
        assertThat(layer.revisions()).isEmpty();
        assertThat(layer.layers()).containsExactly("team/api");
        assertThat(problems).isEmpty();
    }

    @Test
    void aNewRepositoryIsReadWholeAndAnUnsettledOneAgain() {
        watch.changedRepositories(problems::add);
        storage.revision("team/new/service", manifest);
        RepositoryWatch.Changes changes = watch.changedRepositories(problems::add);
        assertThat(changes.revisions()).containsExactly("team/new/service");
        assertThat(changes.layers()).containsExactly("team/new/service");

        watch.unsettled("team/app");
        assertThat(watch.changedRepositories(problems::add).revisions()).containsExactly("team/app");
        assertThat(watch.changedRepositories(problems::add).revisions()).isEmpty();
    }

    @Test
    void aLinkIsWrittenBackOnlyWhenItIsMissingAndItsBlobIsThere() throws Exception {
        FileSystemDriver files = new FileSystemDriver(root);
        WriteBack restorer = new WriteBack(files);
        RegistryPaths paths = RegistryPaths.LAYOUT;
        Digest layer = storage.blob("another layer");
        assertThat(restorer.layerLink("team/app", layer)).isTrue();
        assertThat(Files.readString(files.file(paths.layerLinkFolder("team/app", layer) + "/link"))).isEqualTo(layer.toString());
        assertThat(restorer.layerLink("team/app", layer)).as("present already").isFalse();

        Digest gone = Digest.sha256("never stored".getBytes());
        assertThat(restorer.revision("team/app", gone)).as("no data: nothing to serve").isFalse();
        assertThat(files.file(paths.revisionFolder("team/app", gone))).doesNotExist();
        assertThat(restorer.revision("team/api", storage.blob("{\"child\":1}"))).isTrue();
        try (var listed = Files.list(files.file(paths.revisionFolder("team/api", Digest.sha256("{\"child\":1}".getBytes()))))) {
            assertThat(listed.map(f -> f.getFileName().toString())).containsExactly("link");
        }
    }

    @Test
    void blobDataIsWrittenBackOnlyWhenItIsMissingAndOnlyFromContentMatchingItsDigest() throws Exception {
        FileSystemDriver files = new FileSystemDriver(root);
        WriteBack writeBack = new WriteBack(files);
        byte[] manifest = "{\"schemaVersion\":2,\"pushed\":\"again\"}".getBytes();
        Digest digest = Digest.sha256(manifest);
        Path data = files.file(RegistryPaths.LAYOUT.blobData(digest));
        assertThat(writeBack.hasData(digest)).isFalse();

        assertThat(writeBack.data(digest, manifest)).as("its folder is gone too").isTrue();
        assertThat(data).hasBinaryContent(manifest);
        assertThat(writeBack.hasData(digest)).isTrue();
        assertThat(writeBack.data(digest, manifest)).as("present already").isFalse();
        try (var listed = Files.list(data.getParent())) {
            assertThat(listed.map(f -> f.getFileName().toString())).as("no file left half written").containsExactly("data");
        }

        Digest other = Digest.sha256("{}".getBytes());
        assertThatThrownBy(() -> writeBack.data(other, manifest)).isInstanceOf(IllegalArgumentException.class);
        assertThat(writeBack.hasData(other)).isFalse();
    }
}
