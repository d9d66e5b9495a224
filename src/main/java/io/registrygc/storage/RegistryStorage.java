package io.registrygc.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Reads and changes a Distribution filesystem storage. Reading is tolerant: whatever cannot be read
 * comes back as a {@link StorageProblem} instead of an exception, so one bad file never stops a scan.
 * Deletions are idempotent: deleting what is already gone reports that and succeeds.
 */
public final class RegistryStorage {

    private static final int MAX_LINK_BYTES = 1024;

    private final RegistryPaths paths;

    private RegistryStorage(RegistryPaths paths) {
        this.paths = paths;
    }

    /**
     * Opens a storage root (the {@code rootdirectory} of the registry's config), refusing anything else. The
     * storage is known by its real path, symbolic links resolved, so that two spellings of one storage share
     * one lock and one history.
     */
    public static RegistryStorage open(Path storageRoot) throws NotARegistryStorageException {
        RegistryPaths paths = new RegistryPaths(storageRoot);
        if (!Files.isDirectory(paths.root())) {
            throw new NotARegistryStorageException("storage root " + paths.root() + " is not a directory");
        }
        if (!Files.isDirectory(paths.v2())) {
            throw new NotARegistryStorageException("storage root " + paths.root()
                    + " is not a registry storage: it has no docker/registry/v2 folder");
        }
        if (!Files.isDirectory(paths.blobsRoot()) && !Files.isDirectory(paths.repositoriesRoot())) {
            throw new NotARegistryStorageException("storage root " + paths.root()
                    + " is not a registry storage: docker/registry/v2 holds neither blobs nor repositories");
        }
        try {
            return new RegistryStorage(new RegistryPaths(paths.root().toRealPath()));
        } catch (IOException e) {
            throw new NotARegistryStorageException("storage root " + paths.root() + " cannot be resolved: " + e.getMessage());
        }
    }

    public RegistryPaths paths() {
        return paths;
    }

    // ---------------------------------------------------------------- reading: blobs

    /** Every {@code blobs/<algorithm>/<xx>} folder, sorted. */
    public List<BlobShard> blobShards() throws IOException {
        List<BlobShard> shards = new ArrayList<>();
        if (!Files.isDirectory(paths.blobsRoot())) {
            return shards;
        }
        for (String algorithm : sortedChildren(paths.blobsRoot())) {
            Path algorithmFolder = paths.blobsRoot().resolve(algorithm);
            if (Files.isDirectory(algorithmFolder)) {
                for (String prefix : sortedChildren(algorithmFolder)) {
                    if (Files.isDirectory(algorithmFolder.resolve(prefix))) {
                        shards.add(new BlobShard(algorithm, prefix));
                    }
                }
            }
        }
        return shards;
    }

    /** The blob folders of one shard. Folders that are not a digest are reported and left alone. */
    public List<BlobEntry> listBlobs(BlobShard shard, List<StorageProblem> problems) {
        Path folder = paths.blobsRoot().resolve(shard.algorithm()).resolve(shard.prefix());
        List<BlobEntry> blobs = new ArrayList<>();
        List<String> names;
        try {
            names = sortedChildren(folder);
        } catch (IOException e) {
            problems.add(StorageProblem.noted(folder, "cannot list blob folder: " + e.getMessage()));
            return blobs;
        }
        for (String hex : names) {
            Path blobFolder = folder.resolve(hex);
            Optional<Digest> digest = Digest.tryParse(shard.algorithm() + ":" + hex);
            if (digest.isEmpty() || !hex.startsWith(shard.prefix()) || !Files.isDirectory(blobFolder)) {
                problems.add(StorageProblem.noted(blobFolder, "not a blob folder; left alone"));
                continue;
            }
            try {
                Path data = blobFolder.resolve("data");
                BasicFileAttributes attributes = attributesOrNull(data);
                if (attributes == null) {
                    Instant folderModified = Files.getLastModifiedTime(blobFolder).toInstant();
                    blobs.add(new BlobEntry(digest.get(), -1, folderModified));
                } else {
                    blobs.add(new BlobEntry(digest.get(), attributes.size(), attributes.lastModifiedTime().toInstant()));
                }
            } catch (IOException e) {
                problems.add(StorageProblem.noted(blobFolder, "cannot read blob folder: " + e.getMessage()));
            }
        }
        return blobs;
    }

    /** The bytes of a blob, verified against its digest. */
    public BlobContent readBlob(Digest digest) {
        Path data = paths.blobData(digest);
        try {
            byte[] bytes = Files.readAllBytes(data);
            Digest actual = Digest.of(digest.algorithm(), bytes);
            if (!actual.equals(digest)) {
                return new BlobContent.Unreadable(data.toString(), "content does not match its digest (found " + actual + ")");
            }
            return new BlobContent.Present(bytes);
        } catch (NoSuchFileException e) {
            return new BlobContent.Missing(data.toString());
        } catch (IOException | IllegalArgumentException e) {
            return new BlobContent.Unreadable(data.toString(), e.toString());
        }
    }

    /** The blob's current data file modification time, if it has data. */
    public Optional<Instant> blobModified(Digest digest) throws IOException {
        BasicFileAttributes attributes = attributesOrNull(paths.blobData(digest));
        return attributes == null ? Optional.empty() : Optional.of(attributes.lastModifiedTime().toInstant());
    }

    // ---------------------------------------------------------------- reading: repositories

    /**
     * Repository names in a stable walk order (parents before the repositories nested in them, siblings
     * sorted), lazily, starting after {@code after} (null: from the start). A folder is a repository
     * when it holds {@code _manifests} or {@code _layers}; folders whose names start with '_' never are.
     */
    public Iterator<String> repositories(String after, List<StorageProblem> problems) {
        return new RepositoryWalk(after, problems);
    }

    /** Compares two repository names in walk order. */
    public static int compareInWalkOrder(String a, String b) {
        String[] left = a.split("/");
        String[] right = b.split("/");
        return Arrays.compare(left, right);
    }

    public RepositoryListing readRepository(String name) {
        List<StorageProblem> problems = new ArrayList<>();
        List<LinkEntry> revisions = readDigestFolders(paths.revisionsRoot(name), problems, true);
        List<LinkEntry> layers = readDigestFolders(paths.layers(name), problems, false);
        List<TagEntry> tags = readTags(name, problems);
        return new RepositoryListing(name, revisions, tags, layers, problems);
    }

    private List<TagEntry> readTags(String repository, List<StorageProblem> problems) {
        List<TagEntry> tags = new ArrayList<>();
        Path tagsRoot = paths.tagsRoot(repository);
        if (!Files.isDirectory(tagsRoot)) {
            return tags;
        }
        List<String> names;
        try {
            names = sortedChildren(tagsRoot);
        } catch (IOException e) {
            problems.add(StorageProblem.keepsRepository(tagsRoot, "cannot list tags: " + e.getMessage()));
            return tags;
        }
        for (String tag : names) {
            Path tagFolder = tagsRoot.resolve(tag);
            if (!Files.isDirectory(tagFolder)) {
                continue;
            }
            if (!RegistryPaths.isValidTagName(tag)) {
                problems.add(StorageProblem.keepsRepository(tagFolder, "not a valid tag name"));
                continue;
            }
            Path current = tagFolder.resolve("current/link");
            Optional<Digest> digest = readLink(current, problems, StorageProblem.Impact.REPOSITORY_KEPT);
            Instant modified = modifiedOrEpoch(current);
            List<Digest> index = readDigestFolders(tagFolder.resolve("index"), problems, false).stream()
                    .map(LinkEntry::digest).toList();
            tags.add(new TagEntry(tag, digest, modified, index));
        }
        return tags;
    }

    /**
     * Reads {@code <alg>/<hex>/link} folders. The digest comes from the folder name, as the registry
     * enumerates them; a folder without a link file is what a deletion through the API leaves and does
     * not count; a link whose content disagrees or is unreadable is reported.
     */
    private List<LinkEntry> readDigestFolders(Path root, List<StorageProblem> problems, boolean revisions) {
        List<LinkEntry> entries = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return entries;
        }
        StorageProblem.Impact unreadable = revisions ? StorageProblem.Impact.SWEEP_BLOCKED : StorageProblem.Impact.NOTED;
        try {
            for (String algorithm : sortedChildren(root)) {
                Path algorithmFolder = root.resolve(algorithm);
                if (!Files.isDirectory(algorithmFolder)) {
                    continue;
                }
                for (String hex : sortedChildren(algorithmFolder)) {
                    Path folder = algorithmFolder.resolve(hex);
                    Optional<Digest> digest = Digest.tryParse(algorithm + ":" + hex);
                    if (digest.isEmpty() || !Files.isDirectory(folder)) {
                        problems.add(StorageProblem.noted(folder, "not a digest folder; left alone"));
                        continue;
                    }
                    Path link = folder.resolve("link");
                    if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                        // what the registry leaves when it deletes a manifest or link through its API
                        continue;
                    }
                    Optional<Digest> target = readLink(link, problems, StorageProblem.Impact.NOTED);
                    if (target.isPresent() && !target.get().equals(digest.get())) {
                        problems.add(StorageProblem.noted(link, "link holds " + target.get() + ", folder names " + digest.get()));
                    }
                    Instant modified = target.isPresent() ? modifiedOrEpoch(link) : modifiedOrEpoch(folder);
                    entries.add(new LinkEntry(digest.get(), modified));
                }
            }
        } catch (IOException e) {
            problems.add(new StorageProblem(root.toString(), "cannot list: " + e.getMessage(), unreadable));
        }
        return entries;
    }

    /** Reads a link file tolerantly: missing, empty or corrupt links are reported with the given impact. */
    Optional<Digest> readLink(Path link, List<StorageProblem> problems, StorageProblem.Impact impact) {
        try {
            if (Files.size(link) > MAX_LINK_BYTES) {
                problems.add(new StorageProblem(link.toString(), "link file is too large to be a link", impact));
                return Optional.empty();
            }
            String content = new String(Files.readAllBytes(link), StandardCharsets.UTF_8).strip();
            if (content.isEmpty()) {
                problems.add(new StorageProblem(link.toString(), "link file is empty", impact));
                return Optional.empty();
            }
            Optional<Digest> digest = Digest.tryParse(content);
            if (digest.isEmpty()) {
                problems.add(new StorageProblem(link.toString(), "link file does not hold a digest", impact));
            }
            return digest;
        } catch (NoSuchFileException e) {
            problems.add(new StorageProblem(link.toString(), "link file is missing", impact));
            return Optional.empty();
        } catch (IOException e) {
            problems.add(new StorageProblem(link.toString(), "cannot read link: " + e.getMessage(), impact));
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- deleting

    /** Removes a manifest revision (its link and legacy signatures). True when something was removed. */
    public boolean deleteRevision(String repository, Digest digest) throws IOException {
        return deleteTree(paths.revisionFolder(repository, digest));
    }

    public boolean deleteTagIndexEntry(String repository, String tag, Digest digest) throws IOException {
        return deleteTree(paths.tagIndexEntry(repository, tag, digest));
    }

    public boolean deleteTag(String repository, String tag) throws IOException {
        return deleteTree(paths.tagFolder(repository, tag));
    }

    public boolean deleteLayerLink(String repository, Digest digest) throws IOException {
        return deleteTree(paths.layerLinkFolder(repository, digest));
    }

    /**
     * Removes a repository: its {@code _manifests}, {@code _layers} and {@code _uploads}, then its folder
     * and parents when empty. Repositories nested inside it stay.
     */
    public boolean deleteRepository(String repository) throws IOException {
        boolean removed = deleteTree(paths.manifests(repository));
        removed |= deleteTree(paths.layers(repository));
        removed |= deleteTree(paths.uploads(repository));
        Path folder = paths.repository(repository);
        while (!folder.equals(paths.repositoriesRoot()) && isEmptyDirectory(folder)) {
            Files.deleteIfExists(folder);
            folder = folder.getParent();
        }
        return removed;
    }

    /**
     * Removes a blob folder; returns the bytes of data removed, or -1 when its data file was already
     * gone (an interrupted delete removes the data before the folder).
     */
    public long deleteBlob(Digest digest) throws IOException {
        BasicFileAttributes data = attributesOrNull(paths.blobData(digest));
        deleteTree(paths.blobFolder(digest));
        return data == null ? -1 : data.size();
    }

    private boolean deleteTree(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (!target.toAbsolutePath().normalize().startsWith(paths.v2())) {
            throw new IOException("refusing to delete outside the storage: " + target);
        }
        Files.walkFileTree(target, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        return true;
    }

    // ---------------------------------------------------------------- helpers

    private static boolean isEmptyDirectory(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            return !children.iterator().hasNext();
        }
    }

    static List<String> sortedChildren(Path folder) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            for (Path child : children) {
                names.add(child.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    private static BasicFileAttributes attributesOrNull(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Instant modifiedOrEpoch(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    /** Depth-first walk of {@code repositories/}, siblings sorted, one folder listing at a time. */
    private final class RepositoryWalk implements Iterator<String> {
        private final Deque<Path> pending = new ArrayDeque<>();
        private final String after;
        private final List<StorageProblem> problems;
        private String next;

        RepositoryWalk(String after, List<StorageProblem> problems) {
            this.after = after;
            this.problems = problems;
            if (Files.isDirectory(paths.repositoriesRoot())) {
                pushChildren(paths.repositoriesRoot());
            }
            advance();
        }

        private void pushChildren(Path folder) {
            try {
                List<String> names = sortedChildren(folder);
                for (int i = names.size() - 1; i >= 0; i--) {
                    String name = names.get(i);
                    Path child = folder.resolve(name);
                    if (!name.startsWith("_") && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                        pending.push(child);
                    }
                }
            } catch (IOException e) {
                // A folder we cannot list may hold repositories: their blobs are unknown.
                problems.add(StorageProblem.blocksSweep(folder, "cannot list repositories: " + e.getMessage()));
            }
        }

        private void advance() {
            next = null;
            while (next == null && !pending.isEmpty()) {
                Path folder = pending.pop();
                pushChildren(folder);
                boolean repository = Files.isDirectory(folder.resolve("_manifests")) || Files.isDirectory(folder.resolve("_layers"));
                if (!repository) {
                    continue;
                }
                String name = paths.repositoryName(folder);
                if (after != null && compareInWalkOrder(name, after) <= 0) {
                    continue;
                }
                if (!RegistryPaths.isValidRepositoryName(name)) {
                    problems.add(StorageProblem.blocksSweep(folder, "repository folder with an invalid name; its manifests cannot be scanned"));
                    continue;
                }
                next = name;
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public String next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            String current = next;
            advance();
            return current;
        }
    }
}
