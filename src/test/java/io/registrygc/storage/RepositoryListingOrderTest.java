package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan splits its repositories into ranges of the walk order; the list it splits is walked one top-level folder
 * per thread, and must be the one walk's list exactly: same names, same order, same problems.
 */
class RepositoryListingOrderTest {

    @TempDir
    Path root;

    private Path repositories;

    @BeforeEach
    void tree() throws IOException {
        repositories = root.resolve("docker/registry/v2/repositories");
        for (String name : List.of("alpine", "alpine/edge", "library/nginx", "library/nginx/debug", "library/redis",
                "team-a/app", "team-a/app/sidecar", "team-a/tools/ci", "team-b/deep/er/still/app", "zeta")) {
            Files.createDirectories(repositories.resolve(name).resolve("_manifests/revisions/sha256"));
        }
        // a repository that holds layer links only, a folder with none, and what is never a repository
        Files.createDirectories(repositories.resolve("layers-only/app/_layers/sha256"));
        Files.createDirectories(repositories.resolve("empty/folder"));
        Files.createDirectories(repositories.resolve("_uploads/app/_manifests"));
        Files.writeString(repositories.resolve("stray-file"), "not a folder");
        // followed by the registry: reported
        Path outside = Files.createDirectories(root.resolve("outside/app/_manifests"));
        Files.createSymbolicLink(repositories.resolve("linked"), outside.getParent());
    }

    @Test
    void theListWalkedPerTopLevelFolderIsTheOneWalksList() {
        StorageReader reader = new StorageReader(new FileSystemDriver(root));
        List<StorageProblem> walkProblems = new ArrayList<>();
        List<String> walked = new ArrayList<>();
        reader.repositories((String) null, walkProblems::add).forEachRemaining(walked::add);

        for (int threads : new int[] {1, 3, 16}) {
            List<StorageProblem> problems = Collections.synchronizedList(new ArrayList<>());

            List<String> listed = reader.allRepositories(threads, problems::add);

            assertThat(listed).as("%d threads", threads).isEqualTo(walked);
            assertThat(problems).as("%d threads", threads).containsExactlyInAnyOrderElementsOf(walkProblems);
        }
        assertThat(walked).containsExactly("alpine", "alpine/edge", "layers-only/app", "library/nginx",
                "library/nginx/debug", "library/redis", "team-a/app", "team-a/app/sidecar", "team-a/tools/ci",
                "team-b/deep/er/still/app", "zeta");
        assertThat(walkProblems).singleElement().satisfies(problem -> {
            assertThat(problem.path()).endsWith("repositories/linked");
            assertThat(problem.impact()).isEqualTo(StorageProblem.Impact.SWEEP_BLOCKED);
        });
    }

    @Test
    void aStorageWithoutRepositoriesListsNone() throws IOException {
        Path bare = Files.createDirectories(root.resolve("bare/docker/registry/v2/blobs"));
        StorageReader reader = new StorageReader(new FileSystemDriver(bare.getParent().getParent().getParent().getParent()));
        List<StorageProblem> problems = new ArrayList<>();

        assertThat(reader.allRepositories(4, problems::add)).isEmpty();
        assertThat(problems).isEmpty();
    }
}
