package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * On an object store a whole walk of the repositories (a look of online collection, the scan's split) lists a
 * top-level folder of more than a page in ranges of key order at once. Every key must come exactly once, whatever
 * the names, and folders with invalid names must still be reported.
 */
class WholeFolderListingTest {

    @Test
    void aBigSharedFolderIsListedInRangesAtOnceEachKeyOnce() throws IOException {
        Random random = new Random(1130);
        for (int trial = 0; trial < 12; trial++) {
            InMemoryObjectStore store = new InMemoryObjectStore(8);
            List<String> expected = new ArrayList<>();
            Set<String> repositories = new TreeSet<>(StorageReader::compareInWalkOrder);
            int count = 500 + random.nextInt(300);
            for (int i = 0; i < count; i++) {
                String name = ListingBoundsTest.randomName(random) + "/r" + i;
                repositories.add(name);
                expected.addAll(store.repository(name));
            }
            Set<String> invalid = new TreeSet<>();
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                String name = "t/" + ListingBoundsTest.randomSegment(random) + "/Bad" + i;
                invalid.add(name);
                store.repository(name);
            }
            StorageReader reader = new StorageReader(store);
            List<String> handed = Collections.synchronizedList(new ArrayList<>());
            Set<String> reported = Collections.synchronizedSet(new TreeSet<>());

            reader.walkRepositoryFiles((repository, rest, file) -> handed.add(repository + "/" + rest),
                    problem -> reported.add(problem.path().substring(InMemoryObjectStore.REPOSITORIES.length() + 1)));

            assertThat(handed).as("trial %d", trial).hasSameSizeAs(expected).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(reported).as("trial %d", trial).isEqualTo(invalid);
            int keys = expected.size() + 3 * invalid.size();
            assertThat(store.listed.get()).as("trial %d: keys listed, at most one beyond each range", trial)
                    .isBetween(keys, keys + 2 * 8);
            assertThat(store.walks.get()).as("trial %d: the first page of t/, then 8 ranges", trial).isGreaterThanOrEqualTo(9);

            assertThat(reader.allRepositories(1, problem -> { })).containsExactlyElementsOf(repositories);
        }
    }

    @Test
    void aFolderOfOnePageIsOneListing() throws IOException {
        InMemoryObjectStore store = new InMemoryObjectStore(8);
        for (int i = 0; i < 300; i++) {
            store.repository("org/app-" + i);
        }
        List<String> handed = Collections.synchronizedList(new ArrayList<>());

        new StorageReader(store).walkRepositoryFiles((repository, rest, file) -> handed.add(repository), problem -> { });

        assertThat(handed).hasSize(900);
        assertThat(store.walks.get()).isEqualTo(1);
    }
}
