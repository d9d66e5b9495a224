package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * On an object store a scan partition lists only the keys of its own range of a shared top-level folder
 * ({@link ListingBounds}). Key order and walk order disagree around {@code '-'} and {@code '.'}, so names are drawn to
 * collide there ({@code a}, {@code a-b}, {@code a.b}, {@code a_b}, {@code a/b} ...): every range must still find each
 * of its repositories, and the ranges together every folder with an invalid name, which holds the sweep back.
 */
class ListingBoundsTest {

    private static final String ROOT = InMemoryObjectStore.REPOSITORIES;

    @Test
    void everyRangeFindsItsRepositoriesAndTheRangesTogetherEveryInvalidFolder() throws IOException {
        Random random = new Random(20261130);
        for (int trial = 0; trial < 400; trial++) {
            InMemoryObjectStore store = new InMemoryObjectStore();
            Set<String> expected = new TreeSet<>(StorageReader::compareInWalkOrder);
            int repositories = 1 + random.nextInt(40);
            for (int i = 0; i < repositories; i++) {
                String name = randomName(random);
                expected.add(name);
                store.repository(name);
            }
            Set<String> invalid = new TreeSet<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                String name = (random.nextBoolean() ? "t/" : "u/") + randomSegment(random) + (random.nextBoolean() ? "-" : "/Bad");
                invalid.add(name);
                store.repository(name);
            }
            StorageReader reader = new StorageReader(store);
            List<String> all = reader.allRepositories(1, problem -> { });
            assertThat(all).as("trial %d", trial).containsExactlyElementsOf(expected);

            List<String> cuts = new ArrayList<>(new TreeSet<>(random.ints(1 + random.nextInt(6), 0, all.size())
                    .mapToObj(all::get).toList()));
            cuts.sort(StorageReader::compareInWalkOrder);
            Set<String> reported = new TreeSet<>();
            List<String> found = new ArrayList<>();
            for (int range = 0; range <= cuts.size(); range++) {
                String after = range == 0 ? null : cuts.get(range - 1);
                String last = range == cuts.size() ? null : cuts.get(range);
                List<StorageProblem> problems = new ArrayList<>();
                reader.repositories(after, last, problems::add).forEachRemaining(name -> {
                    if (last == null || StorageReader.compareInWalkOrder(name, last) <= 0) {
                        found.add(name);
                    }
                });
                problems.forEach(problem -> reported.add(problem.path().substring(ROOT.length() + 1)));
            }
            assertThat(found).as("trial %d, ranges ending at %s", trial, cuts).containsExactlyElementsOf(expected);
            assertThat(reported).as("trial %d, ranges ending at %s", trial, cuts).isEqualTo(invalid);
        }
    }

    @Test
    void partitionsOfOneSharedFolderListItAboutOnceBetweenThem() throws IOException {
        InMemoryObjectStore store = new InMemoryObjectStore();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            names.add("org/app-" + i);
        }
        names.addAll(List.of("org/app", "org/app.v2", "org/app-7/sidecar"));
        names.forEach(store::repository);
        StorageReader reader = new StorageReader(store);
        List<String> all = reader.allRepositories(1, problem -> { });
        int folderKeys = store.listed.get();

        store.listed.set(0);
        List<String> found = new ArrayList<>();
        int partitions = 16;
        for (int i = 0; i < partitions; i++) {
            String after = i == 0 ? null : all.get(i * all.size() / partitions - 1);
            String last = i == partitions - 1 ? null : all.get((i + 1) * all.size() / partitions - 1);
            reader.repositories(after, last, problem -> { }).forEachRemaining(name -> {
                if (last == null || StorageReader.compareInWalkOrder(name, last) <= 0) {
                    found.add(name);
                }
            });
        }

        assertThat(found).containsExactlyElementsOf(all).hasSize(names.size());
        // unbounded, each of the 16 listed the whole folder
        assertThat(store.listed.get()).isLessThan(2 * folderKeys);
    }

    @Test
    void boundsOfAHyphenatedNameListItsShorterFolderApart() {
        ListingBounds bounds = ListingBounds.of("org", "org/app-1", "org/app-2.x");
        assertThat(bounds.startAfter()).isEqualTo("app-1");
        assertThat(bounds.stopAt()).isEqualTo("app-2.x0");
        assertThat(bounds.shorterFolders()).containsExactly("app", "app-2");
        assertThat(bounds.beyond("app-2.x/_manifests/revisions")).isFalse();
        assertThat(bounds.beyond("app-2.y/_manifests/revisions")).isTrue();

        assertThat(ListingBounds.of("other", "org/app-1", "zoo/app")).isEqualTo(ListingBounds.WHOLE);
        // the folder's own repository lists after names that start with a digit
        assertThat(ListingBounds.of("org", null, "org/1").stopAt()).isEqualTo("`");
    }

    private static String randomName(Random random) {
        StringBuilder name = new StringBuilder(random.nextInt(8) == 0 ? "u" : "t");
        for (int depth = random.nextInt(4); depth > 0; depth--) {
            name.append('/').append(randomSegment(random));
        }
        String valid = name.toString();
        assertThat(RegistryPaths.isValidRepositoryName(valid)).as(valid).isTrue();
        return valid;
    }

    /** One to three components of "a", "b" and "0" joined by separators: names that collide in both orders. */
    private static String randomSegment(Random random) {
        String[] components = {"a", "b", "0", "ab", "a0"};
        String[] separators = {"-", ".", "_", "__", "--"};
        StringBuilder segment = new StringBuilder(components[random.nextInt(components.length)]);
        for (int more = random.nextInt(3); more > 0; more--) {
            segment.append(separators[random.nextInt(separators.length)]).append(components[random.nextInt(components.length)]);
        }
        return segment.toString();
    }
}
