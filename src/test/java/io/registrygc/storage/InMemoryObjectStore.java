package io.registrygc.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An object store in memory, for what the scan lists: keys in S3's order (ASCII names here, where Java's order is
 * byte order), folders only as the common prefixes of keys, no symbolic links, reads not cheap. It counts the keys its
 * listings hand out, and refuses what the scan's listing does not use.
 */
final class InMemoryObjectStore implements StorageDriver {

    static final String REPOSITORIES = "docker/registry/v2/repositories";

    private final TreeSet<String> keys = new TreeSet<>();
    final AtomicInteger listed = new AtomicInteger();

    /** A repository's folder with a revision, a tag and a layer link; returns its keys below the repositories. */
    List<String> repository(String name) {
        List<String> written = List.of(
                name + "/_manifests/revisions/sha256/" + "a".repeat(64) + "/link",
                name + "/_manifests/tags/latest/current/link",
                name + "/_layers/sha256/" + "b".repeat(64) + "/link");
        written.forEach(key -> keys.add(REPOSITORIES + "/" + key));
        return written;
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
            listed.incrementAndGet();
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
