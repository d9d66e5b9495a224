package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filesystem scan names a repository's layer links by their folders, without a look inside each; planning then
 * looks at the few it may act on. What the look answers for each thing a {@code _layers} folder may hold.
 */
class LayerLinkNamingTest {

    private static final Instant LINKED = Instant.parse("2025-03-01T10:00:00Z");

    @TempDir
    Path root;

    private final Digest linked = digest("linked");
    private final Digest emptied = digest("emptied by the API");
    private final Digest file = digest("a file, not a folder");
    private final Digest symlinked = digest("a symbolic link");
    private final Digest absent = digest("never linked");
    private final List<StorageProblem> problems = new ArrayList<>();

    @Test
    void theScanNamesEveryDigestFolderWithoutTimesAndReportsOtherNames() throws IOException {
        StorageReader reader = storage();

        RepositoryListing listing = reader.readRepository("team/app", true, problems::add);

        assertThat(listing.layerLinks()).extracting(LinkEntry::digest)
                .containsExactlyInAnyOrder(linked, emptied, file, symlinked);
        assertThat(listing.layerLinks()).noneMatch(LinkEntry::lookedAt);
        assertThat(problems).extracting(StorageProblem::message).containsExactly("not a digest folder; left alone");
        assertThat(problems.get(0).path()).endsWith("_layers/sha256/not-a-digest");
    }

    @Test
    void aLookFindsTheLinksTimeOrThatThereIsNoLinkToCount() throws IOException {
        StorageReader reader = storage();

        assertThat(reader.layerLinkTime("team/app", linked, problems::add)).contains(LINKED);
        assertThat(reader.layerLinkTime("team/app", emptied, problems::add)).isEmpty();
        assertThat(reader.layerLinkTime("team/app", absent, problems::add)).isEmpty();
        assertThat(problems).isEmpty();

        assertThat(reader.layerLinkTime("team/app", file, problems::add)).isEmpty();
        assertThat(reader.layerLinkTime("team/app", symlinked, problems::add)).as("never followed").isEmpty();
        assertThat(problems).extracting(StorageProblem::message)
                .containsExactly("not a digest folder; left alone", "a symbolic link: never followed, left alone");
        assertThat(problems).allMatch(p -> p.impact() == StorageProblem.Impact.NOTED);
    }

    @Test
    void aLinkThatCannotBeLookedAtIsReportedAndKeptAsIfWrittenNow() throws IOException {
        storage();
        String unreadable = RegistryPaths.LAYOUT.layerLinkFolder("team/app", linked);
        FileSystemDriver files = new FileSystemDriver(root);
        // the filesystem as an unprivileged user may meet it: a folder it may not look into
        StorageDriver denying = (StorageDriver) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {StorageDriver.class}, (proxy, method, arguments) -> {
                    if (method.getName().equals("stat") && String.valueOf(arguments[0]).startsWith(unreadable)) {
                        throw new AccessDeniedException(files.describe(unreadable));
                    }
                    try {
                        return method.invoke(files, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Instant before = Instant.now();

        Optional<Instant> time = new StorageReader(denying).layerLinkTime("team/app", linked, problems::add);

        assertThat(time).hasValueSatisfying(written -> assertThat(written).isAfterOrEqualTo(before));
        assertThat(problems).singleElement().satisfies(problem -> {
            assertThat(problem.message()).startsWith("cannot look at the link: ").endsWith("; kept, with its blob");
            assertThat(problem.impact()).isEqualTo(StorageProblem.Impact.NOTED);
        });
    }

    private StorageReader storage() throws IOException {
        Path layers = root.resolve("docker/registry/v2/repositories/team/app/_layers/sha256");
        Path link = layers.resolve(linked.hex()).resolve("link");
        Files.createDirectories(link.getParent());
        Files.writeString(link, linked.toString());
        Files.setLastModifiedTime(link, FileTime.from(LINKED));
        Files.createDirectories(layers.resolve(emptied.hex()));
        Files.writeString(layers.resolve(file.hex()), "stray");
        Path outside = root.resolve("outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("link"), symlinked.toString());
        Files.createSymbolicLink(layers.resolve(symlinked.hex()), outside);
        Files.createDirectories(layers.resolve("not-a-digest"));
        return new StorageReader(new FileSystemDriver(root));
    }

    private static Digest digest(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }
}
