package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * On an object store a scan partition lists only the keys of its own range of a shared top-level folder
 * ({@link ListingBounds}). Key order and walk order disagree around {@code '-'} and {@code '.'}, so names are drawn to
 * collide there ({@code a}, {@code a-b}, {@code a.b}, {@code a_b}, {@code a/b} ...): every range must still find each
 * of its repositories, and the ranges together every folder with an invalid name, which holds the sweep back.
 */
class ListingBoundsTest {

    private static final String ROOT = "docker/registry/v2/repositories";

    @Test
    void everyRangeFindsItsRepositoriesAndTheRangesTogetherEveryInvalidFolder() throws IOException {
        Random random = new Random(20261130);
        for (int trial = 0; trial < 400; trial++) {
            KeyListing store = new KeyListing();
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
        KeyListing store = new KeyListing();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            names.add("org/app-" + i);
        }
        names.addAll(List.of("org/app", "org/app.v2", "org/app-7/sidecar"));
        names.forEach(store::repository);
        StorageReader reader = new StorageReader(store);
        List<String> all = reader.allRepositories(1, problem -> { });
        int folderKeys = store.listed;

        store.listed = 0;
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
        assertThat(store.listed).isLessThan(2 * folderKeys);
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

    /** An object store in memory: keys in byte order (ASCII), folders as their common prefixes; counts keys listed. */
    private static final class KeyListing implements StorageDriver {
        private final TreeSet<String> keys = new TreeSet<>();
        int listed;

        void repository(String name) {
            String folder = ROOT + "/" + name;
            keys.add(folder + "/_manifests/revisions/sha256/" + "a".repeat(64) + "/link");
            keys.add(folder + "/_manifests/tags/latest/current/link");
            keys.add(folder + "/_layers/sha256/" + "b".repeat(64) + "/link");
        }

        @Override
        public String location() {
            return "memory";
        }

        @Override
        public String describe(String key) {
            return key;
        }

        @Override
        public List<String> names(String folder) {
            return list(folder).stream().map(Entry::name).toList();
        }

        @Override
        public List<Entry> list(String folder) {
            String prefix = folder + "/";
            TreeSet<String> folders = new TreeSet<>();
            List<Entry> entries = new ArrayList<>();
            for (String key : keys.tailSet(prefix, false)) {
                if (!key.startsWith(prefix)) {
                    break;
                }
                String rest = key.substring(prefix.length());
                int slash = rest.indexOf('/');
                if (slash < 0) {
                    entries.add(new Entry(rest, Kind.FILE, 0, Instant.EPOCH));
                } else if (folders.add(rest.substring(0, slash))) {
                    entries.add(new Entry(rest.substring(0, slash), Kind.FOLDER, 0, null));
                }
            }
            entries.sort((a, b) -> a.name().compareTo(b.name()));
            return entries;
        }

        @Override
        public void walk(String folder, String after, Predicate<Entry> each) {
            String prefix = folder + "/";
            for (String key : keys.tailSet(after == null ? prefix : prefix + after, false)) {
                if (!key.startsWith(prefix)) {
                    return;
                }
                listed++;
                if (!each.test(new Entry(key.substring(prefix.length()), Kind.FILE, 0, Instant.EPOCH))) {
                    return;
                }
            }
        }

        @Override
        public List<Branch> branches(String folder, List<String> names, String fileName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Entry> stat(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isFolder(String key) {
            return !list(key).isEmpty();
        }

        @Override
        public byte[] read(String key, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(String key, byte[] content) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Removal deleteFolder(String folder, String mainFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deleteEmptyFolders(String folder, String stop) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean hasFolderTimes() {
            return false;
        }

        @Override
        public boolean hasSymbolicLinks() {
            return false;
        }

        @Override
        public boolean cheapReads() {
            return false;
        }
    }
}
