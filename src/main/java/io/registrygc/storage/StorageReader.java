package io.registrygc.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.Optional;

/**
 * Reads a Distribution filesystem storage, tolerantly and in one way: whatever cannot be read is handed to
 * the caller's problem sink as a {@link StorageProblem} (whose impact says what it holds back) and reading goes
 * on, so one bad file never stops a scan and is never a reason to delete something else. Reading one blob
 * returns {@link BlobContent}: its bytes, or why there are none, for the caller to judge.
 */
public final class StorageReader {

    private static final int MAX_LINK_BYTES = 1024;
    private static final String SYMLINK = "a symbolic link: never followed, left alone";
    /** Distribution refuses to store a manifest larger than this ({@code maxManifestBodySize}, 4 MiB). */
    public static final int MAX_MANIFEST_BYTES = 4 << 20;

    private final RegistryPaths paths;

    public StorageReader(RegistryPaths paths) {
        this.paths = paths;
    }

    public RegistryPaths paths() {
        return paths;
    }

    // ---------------------------------------------------------------- reading: blobs

    /**
     * Every {@code blobs/<algorithm>/<xx>} folder, sorted. The blobs of a folder that cannot be listed are not
     * known, so they are never candidates for the sweep.
     */
    public List<BlobShard> blobShards(Consumer<StorageProblem> problems) {
        List<BlobShard> shards = new ArrayList<>();
        if (!Files.isDirectory(paths.blobsRoot())) {
            return shards;
        }
        for (String algorithm : children(paths.blobsRoot(), problems)) {
            Path algorithmFolder = paths.blobsRoot().resolve(algorithm);
            if (Files.isDirectory(algorithmFolder)) {
                for (String prefix : children(algorithmFolder, problems)) {
                    Path shard = algorithmFolder.resolve(prefix);
                    if (Files.isSymbolicLink(shard)) {
                        problems.accept(StorageProblem.noted(shard, SYMLINK));
                    } else if (Files.isDirectory(shard)) {
                        shards.add(new BlobShard(algorithm, prefix));
                    }
                }
            }
        }
        return shards;
    }

    private static List<String> children(Path folder, Consumer<StorageProblem> problems) {
        try {
            return sortedChildren(folder);
        } catch (IOException e) {
            problems.accept(StorageProblem.noted(folder, "cannot list blob folder: " + e.getMessage()));
            return List.of();
        }
    }

    /** The names in a blob shard's folder, sorted (what {@link #listBlobs} is then asked for, in batches). */
    public List<String> blobNames(BlobShard shard, Consumer<StorageProblem> problems) {
        return children(paths.blobsRoot().resolve(shard.algorithm()).resolve(shard.prefix()), problems);
    }

    /** These blob folders of a shard. Folders that are not a digest are reported and left alone. */
    public List<BlobEntry> listBlobs(BlobShard shard, List<String> names, Consumer<StorageProblem> problems) {
        Path folder = paths.blobsRoot().resolve(shard.algorithm()).resolve(shard.prefix());
        List<BlobEntry> blobs = new ArrayList<>(names.size());
        for (String hex : names) {
            Path blobFolder = folder.resolve(hex);
            // one lstat per file (not a stat for each question): a scan makes hundreds of thousands of them
            try {
                BasicFileAttributes folderAttributes = lstatOrNull(blobFolder);
                if (folderAttributes == null) {
                    continue; // deleted while we looked
                }
                if (folderAttributes.isSymbolicLink()) {
                    problems.accept(StorageProblem.noted(blobFolder, SYMLINK));
                    continue;
                }
                Optional<Digest> digest = Digest.tryParse(shard.algorithm() + ":" + hex);
                if (digest.isEmpty() || !hex.startsWith(shard.prefix()) || !folderAttributes.isDirectory()) {
                    problems.accept(StorageProblem.noted(blobFolder, "not a blob folder; left alone"));
                    continue;
                }
                BasicFileAttributes data = lstatOrNull(blobFolder.resolve("data"));
                if (data != null && data.isSymbolicLink()) {
                    problems.accept(StorageProblem.noted(blobFolder, SYMLINK));
                } else if (data == null) {
                    blobs.add(new BlobEntry(digest.get(), -1, folderAttributes.lastModifiedTime().toInstant()));
                } else {
                    blobs.add(new BlobEntry(digest.get(), data.size(), data.lastModifiedTime().toInstant()));
                }
            } catch (IOException e) {
                problems.accept(StorageProblem.noted(blobFolder, "cannot read blob folder: " + e.getMessage()));
            }
        }
        return blobs;
    }

    /** The bytes of a blob read as a manifest (at most {@link #MAX_MANIFEST_BYTES}), verified against its digest. */
    public BlobContent readBlob(Digest digest) {
        Path data = paths.blobData(digest);
        try (InputStream in = Files.newInputStream(data)) {
            // never more than a manifest may hold: a huge file in a revision's place must not exhaust the heap
            byte[] bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            if (bytes.length > MAX_MANIFEST_BYTES) {
                return new BlobContent.Unreadable(data.toString(), "larger than a manifest may be ("
                        + MAX_MANIFEST_BYTES / (1024 * 1024) + " MiB, the registry's own limit): not read");
            }
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

    /**
     * When the file that makes an item exist was last written: a revision's, a tag's or a layer's link, a blob's data;
     * empty when it is gone. What the sweep re-checks just before it deletes.
     */
    public Optional<Instant> revisionModified(String repository, Digest digest) throws IOException {
        return modified(paths.revisionFolder(repository, digest).resolve("link"));
    }

    public Optional<Instant> tagModified(String repository, String tag) throws IOException {
        return modified(paths.tagCurrentLink(repository, tag));
    }

    public Optional<Instant> layerLinkModified(String repository, Digest digest) throws IOException {
        return modified(paths.layerLinkFolder(repository, digest).resolve("link"));
    }

    /** A blob's data file as it is now (its size and time, the link itself if it is one); empty when it is gone. */
    public Optional<BlobEntry> blobData(Digest digest) throws IOException {
        BasicFileAttributes data = lstatOrNull(paths.blobData(digest));
        return data == null ? Optional.empty()
                : Optional.of(new BlobEntry(digest, data.size(), data.lastModifiedTime().toInstant()));
    }

    private static Optional<Instant> modified(Path file) throws IOException {
        BasicFileAttributes attributes = attributesOrNull(file);
        return attributes == null ? Optional.empty() : Optional.of(attributes.lastModifiedTime().toInstant());
    }

    // ---------------------------------------------------------------- reading: repositories

    /**
     * Repository names in a stable walk order (parents before the repositories nested in them, siblings
     * sorted), lazily, starting after {@code after} (null: from the start). A folder is a repository
     * when it holds {@code _manifests} or {@code _layers}; folders whose names start with '_' never are.
     */
    public Iterator<String> repositories(String after, Consumer<StorageProblem> problems) {
        return new RepositoryWalk(after, problems, folder -> { });
    }

    /** As {@link #repositories}, from the start, handing each folder of the tree to {@code beforeListing} before it lists it. */
    Iterator<String> repositories(Consumer<StorageProblem> problems, Consumer<Path> beforeListing) {
        return new RepositoryWalk(null, problems, beforeListing);
    }

    /** Compares two repository names in walk order. */
    public static int compareInWalkOrder(String a, String b) {
        String[] left = a.split("/");
        String[] right = b.split("/");
        return Arrays.compare(left, right);
    }

    /**
     * What a tag pointed at over time: each digest of its index with the time its link was written (when the tag was
     * last pointed at it), newest first. Empty when the tag does not exist.
     */
    public List<LinkEntry> tagHistory(String repository, String tag, Consumer<StorageProblem> problems) {
        if (!RegistryPaths.isValidTagName(tag) || !Files.isDirectory(paths.tagFolder(repository, tag))) {
            return List.of();
        }
        List<LinkEntry> history = new ArrayList<>(readDigestFolders(paths.tagIndex(repository, tag), problems, false));
        history.sort((a, b) -> b.modified().compareTo(a.modified()));
        return history;
    }

    /**
     * The manifest revisions of a repository only (what the pre-deletion re-check reads). {@code unlinked} gets the
     * time of each revision folder that holds no link: one the registry deleted, or one it is writing right now.
     */
    public List<LinkEntry> readRevisions(String name, Consumer<StorageProblem> problems, Consumer<Instant> unlinked) {
        return readDigestFolders(paths.revisionsRoot(name), problems, true, unlinked);
    }

    /** The layer links of a repository only, as {@link #readRevisions} reads revisions. */
    public List<LinkEntry> readLayerLinks(String name, Consumer<StorageProblem> problems, Consumer<Instant> unlinked) {
        return readDigestFolders(paths.layers(name), problems, false, unlinked);
    }

    public RepositoryListing readRepository(String name, Consumer<StorageProblem> problems) {
        List<LinkEntry> revisions = readDigestFolders(paths.revisionsRoot(name), problems, true);
        List<LinkEntry> layers = readDigestFolders(paths.layers(name), problems, false);
        List<TagEntry> tags = readTags(name, problems);
        return new RepositoryListing(name, revisions, tags, layers);
    }

    private List<TagEntry> readTags(String repository, Consumer<StorageProblem> problems) {
        List<TagEntry> tags = new ArrayList<>();
        Path tagsRoot = paths.tagsRoot(repository);
        if (!Files.isDirectory(tagsRoot)) {
            return tags;
        }
        List<String> names;
        try {
            names = sortedChildren(tagsRoot);
        } catch (IOException e) {
            problems.accept(StorageProblem.keepsRepository(tagsRoot, "cannot list tags: " + e.getMessage()));
            return tags;
        }
        for (String tag : names) {
            Path tagFolder = tagsRoot.resolve(tag);
            if (Files.isSymbolicLink(tagFolder) || Files.isSymbolicLink(paths.tagCurrentLink(repository, tag))) {
                problems.accept(StorageProblem.keepsRepository(tagFolder, SYMLINK));
                continue;
            }
            if (!Files.isDirectory(tagFolder)) {
                continue;
            }
            if (!RegistryPaths.isValidTagName(tag)) {
                problems.accept(StorageProblem.keepsRepository(tagFolder, "not a valid tag name"));
                continue;
            }
            Path current = paths.tagCurrentLink(repository, tag);
            Optional<Digest> digest = readLink(current, problems, StorageProblem.Impact.REPOSITORY_KEPT);
            Instant modified = modifiedOrEpoch(current);
            List<Digest> index = readDigestFolders(paths.tagIndex(repository, tag), problems, false).stream()
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
    private List<LinkEntry> readDigestFolders(Path root, Consumer<StorageProblem> problems, boolean revisions) {
        return readDigestFolders(root, problems, revisions, folderTime -> { });
    }

    private List<LinkEntry> readDigestFolders(Path root, Consumer<StorageProblem> problems, boolean revisions,
            Consumer<Instant> unlinked) {
        List<LinkEntry> entries = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return entries;
        }
        StorageProblem.Impact unreadable = revisions ? StorageProblem.Impact.SWEEP_BLOCKED : StorageProblem.Impact.NOTED;
        if (Files.isSymbolicLink(root) || Files.isSymbolicLink(root.getParent())) {
            problems.accept(new StorageProblem(root.toString(), SYMLINK, unreadable));
            return entries;
        }
        try {
            for (String algorithm : sortedChildren(root)) {
                Path algorithmFolder = root.resolve(algorithm);
                if (!Files.isDirectory(algorithmFolder)) {
                    continue;
                }
                for (String hex : sortedChildren(algorithmFolder)) {
                    Path folder = algorithmFolder.resolve(hex);
                    Optional<Digest> digest = Digest.tryParse(algorithm + ":" + hex);
                    BasicFileAttributes folderAttributes = lstatOrNull(folder);
                    if (folderAttributes == null) {
                        continue; // deleted while we looked
                    }
                    if (folderAttributes.isSymbolicLink()) {
                        problems.accept(new StorageProblem(folder.toString(), SYMLINK, unreadable));
                        continue;
                    }
                    if (digest.isEmpty() || !folderAttributes.isDirectory()) {
                        problems.accept(StorageProblem.noted(folder, "not a digest folder; left alone"));
                        continue;
                    }
                    Path link = folder.resolve("link");
                    BasicFileAttributes linkAttributes = lstatOrNull(link);
                    if (linkAttributes == null) {
                        // what the registry leaves when it deletes a manifest or link through its API
                        unlinked.accept(folderAttributes.lastModifiedTime().toInstant());
                        continue;
                    }
                    if (linkAttributes.isSymbolicLink()) {
                        problems.accept(new StorageProblem(folder.toString(), SYMLINK, unreadable));
                        continue;
                    }
                    Optional<Digest> target = readLink(link, linkAttributes.size(), problems, StorageProblem.Impact.NOTED);
                    if (target.isPresent() && !target.get().equals(digest.get())) {
                        problems.accept(StorageProblem.noted(link, "link holds " + target.get() + ", folder names " + digest.get()));
                    }
                    Instant modified = (target.isPresent() ? linkAttributes : folderAttributes).lastModifiedTime().toInstant();
                    entries.add(new LinkEntry(digest.get(), modified));
                }
            }
        } catch (IOException e) {
            problems.accept(new StorageProblem(root.toString(), "cannot list: " + e.getMessage(), unreadable));
        }
        return entries;
    }

    /** Reads a link file tolerantly: missing, empty or corrupt links are reported with the given impact. */
    private Optional<Digest> readLink(Path link, Consumer<StorageProblem> problems, StorageProblem.Impact impact) {
        return readLink(link, -1, problems, impact);
    }

    /** {@code size}: the link file's size when its attributes were read already, or -1. */
    private Optional<Digest> readLink(Path link, long size, Consumer<StorageProblem> problems, StorageProblem.Impact impact) {
        try {
            if ((size < 0 ? Files.size(link) : size) > MAX_LINK_BYTES) {
                problems.accept(new StorageProblem(link.toString(), "link file is too large to be a link", impact));
                return Optional.empty();
            }
            String content = new String(Files.readAllBytes(link), StandardCharsets.UTF_8).strip();
            if (content.isEmpty()) {
                problems.accept(new StorageProblem(link.toString(), "link file is empty", impact));
                return Optional.empty();
            }
            Optional<Digest> digest = Digest.tryParse(content);
            if (digest.isEmpty()) {
                problems.accept(new StorageProblem(link.toString(), "link file does not hold a digest", impact));
            }
            return digest;
        } catch (NoSuchFileException e) {
            problems.accept(new StorageProblem(link.toString(), "link file is missing", impact));
            return Optional.empty();
        } catch (IOException e) {
            problems.accept(new StorageProblem(link.toString(), "cannot read link: " + e.getMessage(), impact));
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- helpers

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

    /** The attributes of the file itself (a symbolic link is not followed), or null when there is none. */
    private static BasicFileAttributes lstatOrNull(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
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
        private final Consumer<StorageProblem> problems;
        private final Consumer<Path> beforeListing;
        private String next;

        RepositoryWalk(String after, Consumer<StorageProblem> problems, Consumer<Path> beforeListing) {
            this.after = after;
            this.problems = problems;
            this.beforeListing = beforeListing;
            if (Files.isDirectory(paths.repositoriesRoot())) {
                pushChildren(paths.repositoriesRoot());
            }
            advance();
        }

        private void pushChildren(Path folder) {
            beforeListing.accept(folder);
            try {
                List<String> names = sortedChildren(folder);
                for (int i = names.size() - 1; i >= 0; i--) {
                    String name = names.get(i);
                    Path child = folder.resolve(name);
                    if (name.startsWith("_")) {
                        continue;
                    }
                    BasicFileAttributes attributes = lstatOrNull(child);
                    if (attributes != null && attributes.isSymbolicLink()) {
                        // the registry would follow it: what the repositories there reference is unknown to us
                        problems.accept(StorageProblem.blocksSweep(child, SYMLINK + "; the registry follows it, so"
                                + " the blobs its repositories need are unknown"));
                    } else if (attributes != null && attributes.isDirectory()) {
                        pending.push(child);
                    }
                }
            } catch (IOException e) {
                // A folder we cannot list may hold repositories: their blobs are unknown.
                problems.accept(StorageProblem.blocksSweep(folder, "cannot list repositories: " + e.getMessage()));
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
                    problems.accept(StorageProblem.blocksSweep(folder, "repository folder with an invalid name; its manifests cannot be scanned"));
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
