package io.registrygc.storage;

import io.registrygc.storage.StorageDriver.Branch;
import io.registrygc.storage.StorageDriver.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reads a Distribution storage through its {@link StorageDriver}, tolerantly and in one way: whatever cannot be read
 * is handed to the caller's problem sink as a {@link StorageProblem} (whose impact says what it holds back) and
 * reading goes on, so one bad file never stops a scan and is never a reason to delete something else. Reading one
 * blob returns {@link BlobContent}: its bytes, or why there are none, for the caller to judge.
 */
public final class StorageReader {

    private static final int MAX_LINK_BYTES = 1024;
    /** More small reads than this in one repository (manifests, tag links) go several at once on an object store. */
    private static final int MANY_READS = 64;
    private static final String SYMLINK = "a symbolic link: never followed, left alone";
    /** Distribution refuses to store a manifest larger than this ({@code maxManifestBodySize}, 4 MiB). */
    public static final int MAX_MANIFEST_BYTES = 4 << 20;
    /** What is read of a blob to tell JSON from a layer: a manifest may start with some white space. */
    private static final int JSON_SNIFF_BYTES = 16;
    /** Blobs up to this size are read whole when they may be manifests: one request instead of two on an object store. */
    private static final int WHOLE_READ_BYTES = 64 << 10;

    private final StorageDriver storage;
    private final RegistryPaths paths = RegistryPaths.LAYOUT;

    public StorageReader(StorageDriver storage) {
        this.storage = storage;
    }

    public RegistryPaths paths() {
        return paths;
    }

    public StorageDriver driver() {
        return storage;
    }

    /** A key as an operator finds it, for problems and logs. */
    public String describe(String key) {
        return storage.describe(key);
    }

    private StorageProblem problem(String key, String message, StorageProblem.Impact impact) {
        return new StorageProblem(storage.describe(key), message, impact);
    }

    private StorageProblem noted(String key, String message) {
        return problem(key, message, StorageProblem.Impact.NOTED);
    }

    // ---------------------------------------------------------------- reading: blobs

    /**
     * Every {@code blobs/<algorithm>/<xx>} folder, sorted. The blobs of a folder that cannot be listed are not
     * known, so they are never candidates for the sweep.
     */
    public List<BlobShard> blobShards(Consumer<StorageProblem> problems) {
        List<BlobShard> shards = new ArrayList<>();
        for (Entry algorithm : entries(paths.blobsRoot(), problems)) {
            if (!algorithm.isFolder()) {
                continue;
            }
            String algorithmFolder = paths.blobsRoot() + "/" + algorithm.name();
            for (Entry prefix : entries(algorithmFolder, problems)) {
                if (prefix.kind() == StorageDriver.Kind.SYMLINK) {
                    problems.accept(noted(algorithmFolder + "/" + prefix.name(), SYMLINK));
                } else if (prefix.isFolder()) {
                    shards.add(new BlobShard(algorithm.name(), prefix.name()));
                }
            }
        }
        return shards;
    }

    private List<Entry> entries(String folder, Consumer<StorageProblem> problems) {
        try {
            return storage.list(folder);
        } catch (IOException e) {
            problems.accept(noted(folder, "cannot list blob folder: " + e.getMessage()));
            return List.of();
        }
    }

    /** The names in a blob shard's folder, sorted (what {@link #listBlobs} is then asked for, in batches). */
    public List<String> blobNames(BlobShard shard, Consumer<StorageProblem> problems) {
        String folder = paths.blobShard(shard.algorithm(), shard.prefix());
        try {
            return storage.names(folder);
        } catch (IOException e) {
            problems.accept(noted(folder, "cannot list blob folder: " + e.getMessage()));
            return List.of();
        }
    }

    /**
     * These blob folders of a shard. Folders that are not a digest are reported and left alone. On a filesystem they
     * are named only, from the shard's listing, without a look inside each (two inodes a blob: from a cold cache a bare
     * walk of a million blobs' shards took 140 s with it and 1.6 s without), and most blobs are referenced, so their
     * size and time are never asked for. Planning looks at the others ({@link #blob(Digest, Consumer)}).
     */
    public List<BlobEntry> listBlobs(BlobShard shard, List<String> names, Consumer<StorageProblem> problems) {
        String folder = paths.blobShard(shard.algorithm(), shard.prefix());
        if (storage.hasSymbolicLinks() && storage.cheapReads()) {
            List<BlobEntry> blobs = new ArrayList<>(names.size());
            for (String name : names) {
                Optional<Digest> digest = Digest.tryParse(shard.algorithm() + ":" + name);
                if (digest.isEmpty() || !name.startsWith(shard.prefix())) {
                    problems.accept(noted(folder + "/" + name, "not a blob folder; left alone"));
                } else {
                    blobs.add(BlobEntry.named(digest.get()));
                }
            }
            return blobs;
        }
        List<Branch> branches;
        try {
            branches = storage.branches(folder, names, "data");
        } catch (IOException e) {
            problems.accept(noted(folder, "cannot read blob folders: " + e.getMessage()));
            return List.of();
        }
        List<BlobEntry> blobs = new ArrayList<>(branches.size());
        for (Branch branch : branches) {
            String blobFolder = folder + "/" + branch.name();
            Optional<Digest> digest = Digest.tryParse(shard.algorithm() + ":" + branch.name());
            if (digest.isEmpty() || !branch.name().startsWith(shard.prefix())) {
                problems.accept(noted(blobFolder, "not a blob folder; left alone"));
            } else {
                blobEntry(blobFolder, digest.get(), branch.folder(), branch.file(), problems).ifPresent(blobs::add);
            }
        }
        return blobs;
    }

    /**
     * A blob folder as it is now, for a blob the scan only named ({@link BlobEntry#named}); empty where there is no blob
     * to count: the folder is gone, or it is not what a blob folder should be (reported, as the scan reports it, and
     * left alone). A folder that cannot be looked at is reported and answered as written now: it stays.
     */
    public Optional<BlobEntry> blob(Digest digest, Consumer<StorageProblem> problems) {
        String folder = paths.blobFolder(digest);
        try {
            Optional<Entry> folderEntry = storage.stat(folder);
            if (folderEntry.isEmpty()) {
                return Optional.empty();
            }
            Optional<Entry> data = folderEntry.get().isFolder() ? storage.stat(paths.blobData(digest)) : Optional.empty();
            return blobEntry(folder, digest, folderEntry.get(), data.orElse(null), problems);
        } catch (IOException e) {
            problems.accept(noted(folder, "cannot look at the blob: " + e.getMessage() + "; kept"));
            return Optional.of(new BlobEntry(digest, -1, Instant.now()));
        }
    }

    /** A blob folder and its data file (null: none), as the scan and planning judge them alike. */
    private Optional<BlobEntry> blobEntry(String blobFolder, Digest digest, Entry folder, Entry data,
            Consumer<StorageProblem> problems) {
        if (folder.kind() == StorageDriver.Kind.SYMLINK || data != null && data.kind() == StorageDriver.Kind.SYMLINK) {
            problems.accept(noted(blobFolder, SYMLINK));
            return Optional.empty();
        }
        if (!folder.isFolder()) {
            problems.accept(noted(blobFolder, "not a blob folder; left alone"));
            return Optional.empty();
        }
        return Optional.of(data == null ? new BlobEntry(digest, -1, timeOf(folder))
                : new BlobEntry(digest, data.size(), data.modified()));
    }

    /** A folder's time where the store keeps one; on an object store, where it has none, the newest time is assumed. */
    private static Instant timeOf(Entry folder) {
        return folder.modified() == null ? Instant.now() : folder.modified();
    }

    /**
     * How many of {@code reads} small reads of one repository (its manifests, its tags' links) go at once. On an object
     * store each is a request, and a repository is one partition's work: a huge one read a request after the other
     * (thousands, tens of milliseconds each) waits long after every other partition has finished. On a filesystem one
     * at a time: there a read is a system call, and on two cores reading five huge repositories' manifests eight at
     * once took the process's user time from 11 s to 14 s and the run no faster, even from a cold cache.
     */
    public int readsAtOnce(int reads) {
        return reads > MANY_READS && !storage.cheapReads() ? storage.concurrentRequests() : 1;
    }

    /** The bytes of a blob read as a manifest (at most {@link #MAX_MANIFEST_BYTES}), verified against its digest. */
    public BlobContent readBlob(Digest digest) {
        String data = paths.blobData(digest);
        try {
            // never more than a manifest may hold: a huge file in a revision's place must not exhaust the heap
            byte[] bytes = storage.read(data, MAX_MANIFEST_BYTES);
            if (bytes.length > MAX_MANIFEST_BYTES) {
                return new BlobContent.Unreadable(describe(data), "larger than a manifest may be ("
                        + MAX_MANIFEST_BYTES / (1024 * 1024) + " MiB, the registry's own limit): not read");
            }
            Digest actual = Digest.of(digest.algorithm(), bytes);
            if (!actual.equals(digest)) {
                return new BlobContent.Unreadable(describe(data), "content does not match its digest (found " + actual + ")");
            }
            return new BlobContent.Present(bytes);
        } catch (NoSuchFileException e) {
            return new BlobContent.Missing(describe(data));
        } catch (IOException | IllegalArgumentException e) {
            return new BlobContent.Unreadable(describe(data), e.toString());
        }
    }

    /**
     * The content of a blob of {@code size} bytes that may be a manifest: a JSON document (its first byte, after any
     * white space, a {@code '{'}) no larger than a manifest may be, matching its digest. Empty for anything else, a blob
     * that is gone included. A blob of at most {@link #WHOLE_READ_BYTES} is read whole at once (on an object store a
     * request each); a larger one first as far as it takes to tell, so a layer costs one small read.
     */
    public Optional<byte[]> jsonContent(Digest digest, long size) throws IOException {
        String data = paths.blobData(digest);
        boolean whole = size <= WHOLE_READ_BYTES;
        byte[] start;
        try {
            start = storage.read(data, whole ? (int) size : JSON_SNIFF_BYTES - 1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        int first = 0;
        while (first < start.length && Character.isWhitespace(start[first])) {
            first++;
        }
        if (first == start.length || start[first] != '{') {
            return Optional.empty();
        }
        // no byte past the size the plan gave: what was read is the whole blob (a blob written since is read again)
        if (whole && start.length <= size) {
            return Digest.of(digest.algorithm(), start).equals(digest) ? Optional.of(start) : Optional.empty();
        }
        return readBlob(digest) instanceof BlobContent.Present present ? Optional.of(present.bytes()) : Optional.empty();
    }

    /**
     * When the file that makes an item exist was last written: a revision's, a tag's or a layer's link, a blob's data;
     * empty when it is gone. What the sweep re-checks just before it deletes.
     */
    public Optional<Instant> revisionModified(String repository, Digest digest) throws IOException {
        return modified(paths.revisionFolder(repository, digest) + "/link");
    }

    public Optional<Instant> tagModified(String repository, String tag) throws IOException {
        return modified(paths.tagCurrentLink(repository, tag));
    }

    public Optional<Instant> layerLinkModified(String repository, Digest digest) throws IOException {
        return modified(paths.layerLinkFolder(repository, digest) + "/link");
    }

    /** A blob's data file as it is now (its size and time, the link itself if it is one); empty when it is gone. */
    public Optional<BlobEntry> blobData(Digest digest) throws IOException {
        return storage.stat(paths.blobData(digest)).map(data -> new BlobEntry(digest, data.size(), data.modified()));
    }

    private Optional<Instant> modified(String file) throws IOException {
        return storage.stat(file).map(Entry::modified);
    }

    // ---------------------------------------------------------------- reading: repositories

    /**
     * Repository names in a stable walk order (parents before the repositories nested in them, siblings
     * sorted), lazily, starting after {@code after} (null: from the start). A folder is a repository
     * when it holds {@code _manifests} or {@code _layers}; folders whose names start with '_' never are.
     */
    public Iterator<String> repositories(String after, Consumer<StorageProblem> problems) {
        return repositories(after, null, problems);
    }

    /**
     * As {@link #repositories(String, Consumer)}; {@code last} (null: none) lets an object store's listing stop early:
     * the caller still stops at it, and names beyond it may come.
     */
    public Iterator<String> repositories(String after, String last, Consumer<StorageProblem> problems) {
        if (!storage.hasSymbolicLinks()) {
            return repositoriesByListing(after, last, problems);
        }
        return new RepositoryWalk(after, problems, folder -> { });
    }

    /**
     * On an object store: the repositories named by the listings of their top-level folders (a thousand keys a request;
     * walking the tree folder by folder costs a request per folder), only of the top-level folders from
     * {@code after}'s to {@code last}'s and, in those two, only of the keys {@link ListingBounds} allows, so a
     * partition of the scan lists its own range, not the whole tree nor every repository of a shared folder. Only the
     * names are kept, sorted in walk order.
     */
    private Iterator<String> repositoriesByListing(String after, String last, Consumer<StorageProblem> problems) {
        Set<String> names = Collections.synchronizedSet(
                new TreeSet<>(StorageReader::compareInWalkOrder));
        try {
            walkRepositoryFiles(after, last, (repository, rest, file) -> {
                if (after == null || compareInWalkOrder(repository, after) > 0) {
                    names.add(repository);
                }
            }, problems);
        } catch (IOException e) {
            problems.accept(problem(paths.repositoriesRoot(), "cannot list repositories: " + e.getMessage(),
                    StorageProblem.Impact.SWEEP_BLOCKED));
        }
        return new ArrayList<>(names).iterator();
    }

    /** A file of a repository: {@code rest} is its path from the repository's folder, {@code _manifests/...} or {@code _layers/...}. */
    @FunctionalInterface
    public interface RepositoryFile {
        void accept(String repository, String rest, Entry file);
    }

    /**
     * On an object store: every file of every repository, with one listing per top-level folder (a thousand keys a
     * request), several at once; {@code each} is called from several threads. A folder whose name starts with '_' is
     * never a repository; a repository with an invalid name is reported (its manifests cannot be scanned) and its files
     * are not handed on. A listing that fails fails the walk.
     */
    public void walkRepositoryFiles(RepositoryFile each, Consumer<StorageProblem> problems) throws IOException {
        walkRepositoryFiles(null, null, each, problems);
    }

    /**
     * As {@link #walkRepositoryFiles(RepositoryFile, Consumer)}, only as far as the repositories after {@code after}
     * up to {@code last} (in walk order; null: open) need: the top-level folders from {@code after}'s to
     * {@code last}'s, and in those two only the keys {@link ListingBounds} proves may hold them. Files of repositories
     * outside the range may still come.
     */
    private void walkRepositoryFiles(String after, String last, RepositoryFile each,
            Consumer<StorageProblem> problems) throws IOException {
        String afterTop = after == null ? null : after.split("/", 2)[0];
        String lastTop = last == null ? null : last.split("/", 2)[0];
        String root = paths.repositoriesRoot();
        List<String> tops = storage.list(root).stream().filter(Entry::isFolder).map(Entry::name)
                .filter(name -> !name.startsWith("_"))
                .filter(top -> (afterTop == null || top.compareTo(afterTop) >= 0)
                        && (lastTop == null || top.compareTo(lastTop) <= 0))
                .toList();
        Set<String> invalid = ConcurrentHashMap.newKeySet();
        Concurrently.map(tops, storage.concurrentRequests() * 2,
                top -> walkTopLevel(root, top, ListingBounds.of(top, after, last), invalid, each));
        new TreeSet<>(invalid).forEach(name -> problems.accept(problem(root + "/" + name,
                "repository folder with an invalid name; its manifests cannot be scanned", StorageProblem.Impact.SWEEP_BLOCKED)));
    }

    private Void walkTopLevel(String root, String top, ListingBounds bounds, Set<String> invalid, RepositoryFile each)
            throws IOException {
        String folder = root + "/" + top;
        storage.walk(folder, bounds.startAfter(),
                file -> !bounds.beyond(file.name()) && repositoryFile(top, file.name(), file, invalid, each));
        for (String shorter : bounds.shorterFolders()) {
            storage.walk(folder + "/" + shorter, null,
                    file -> repositoryFile(top, shorter + "/" + file.name(), file, invalid, each));
        }
        return null;
    }

    /** Hands on a file of a top-level folder's listing if it is a repository's; always true (the listing goes on). */
    private static boolean repositoryFile(String top, String name, Entry file, Set<String> invalid, RepositoryFile each) {
        String path = top + "/" + name;
        int manifests = path.indexOf("/_manifests/");
        int layers = path.indexOf("/_layers/");
        int end = manifests < 0 ? layers : layers < 0 ? manifests : Math.min(manifests, layers);
        String repository = end <= 0 ? null : path.substring(0, end);
        if (repository == null || repository.contains("/_")) {
            return true; // not a repository's file, or inside a folder whose name starts with '_'
        }
        if (!RegistryPaths.isValidRepositoryName(repository)) {
            invalid.add(repository);
        } else {
            each.accept(repository, path.substring(end + 1), file);
        }
        return true;
    }

    /** As {@link #repositories}, from the start, handing each folder of the tree to {@code beforeListing} before it lists it. */
    Iterator<String> repositories(Consumer<StorageProblem> problems, Consumer<String> beforeListing) {
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
        try {
            if (!RegistryPaths.isValidTagName(tag) || !storage.isFolder(paths.tagFolder(repository, tag))) {
                return List.of();
            }
        } catch (IOException e) {
            problems.accept(noted(paths.tagFolder(repository, tag), "cannot read tag: " + e.getMessage()));
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

    /**
     * A repository as the scan reads it. On a filesystem its layer links and its tags' index entries are named only,
     * from their folders' names (one listing of a folder, no look inside each): there are more of them than of anything
     * else in a repository, and a look inside each was most of a cold scan's reads. The times of layer links are
     * looked at later, by {@link #layerLinkTime}, for the few the plan may act on ({@link LinkEntry#named}); an index
     * entry's folder is only ever removed, with the manifest it names, and removing one without a link is harmless.
     * Without {@code withTags} (a run whose tags decide nothing) the listing holds no tags and none is read.
     */
    public RepositoryListing readRepository(String name, boolean withTags, Consumer<StorageProblem> problems) {
        List<LinkEntry> revisions = readDigestFolders(paths.revisionsRoot(name), problems, true);
        List<LinkEntry> layers = namedWhereCheap(paths.layers(name), problems);
        List<TagEntry> tags = withTags ? readTags(name, problems) : List.of();
        return new RepositoryListing(name, revisions, tags, layers);
    }

    /** The digest folders under a root, named only where that is cheaper than looking inside each (a filesystem). */
    private List<LinkEntry> namedWhereCheap(String root, Consumer<StorageProblem> problems) {
        return storage.hasSymbolicLinks() && storage.cheapReads() ? nameDigestFolders(root, problems)
                : readDigestFolders(root, problems, false);
    }

    private List<TagEntry> readTags(String repository, Consumer<StorageProblem> problems) {
        if (!storage.hasSymbolicLinks()) {
            return readTagsByListing(repository, problems);
        }
        List<TagEntry> tags = new ArrayList<>();
        String tagsRoot = paths.tagsRoot(repository);
        List<Entry> entries;
        try {
            entries = storage.list(tagsRoot);
        } catch (IOException e) {
            problems.accept(problem(tagsRoot, "cannot list tags: " + e.getMessage(), StorageProblem.Impact.REPOSITORY_KEPT));
            return tags;
        }
        for (Entry entry : entries) {
            String tag = entry.name();
            String tagFolder = tagsRoot + "/" + tag;
            if (entry.kind() == StorageDriver.Kind.SYMLINK) {
                problems.accept(problem(tagFolder, SYMLINK, StorageProblem.Impact.REPOSITORY_KEPT));
                continue;
            }
            if (!entry.isFolder()) {
                continue;
            }
            if (!RegistryPaths.isValidTagName(tag)) {
                problems.accept(problem(tagFolder, "not a valid tag name", StorageProblem.Impact.REPOSITORY_KEPT));
                continue;
            }
            String current = paths.tagCurrentLink(repository, tag);
            Optional<Entry> currentFile;
            try {
                currentFile = storage.stat(current);
            } catch (IOException e) {
                currentFile = Optional.empty();
            }
            if (currentFile.isPresent() && currentFile.get().kind() == StorageDriver.Kind.SYMLINK) {
                problems.accept(problem(tagFolder, SYMLINK, StorageProblem.Impact.REPOSITORY_KEPT));
                continue;
            }
            Optional<Digest> digest = readLink(current, -1, problems, StorageProblem.Impact.REPOSITORY_KEPT);
            Instant modified = currentFile.map(Entry::modified).orElse(Instant.EPOCH);
            List<Digest> index = namedWhereCheap(paths.tagIndex(repository, tag), problems).stream()
                    .map(LinkEntry::digest).toList();
            tags.add(new TagEntry(tag, digest, modified, index));
        }
        return tags;
    }

    /**
     * Reads {@code <alg>/<hex>/link} folders. The digest comes from the folder name, as the registry
     * enumerates them; a folder without a link file is what a deletion through the API leaves and does
     * not count; a revision link whose content disagrees or is unreadable is reported (where reads are cheap: on an
     * object store no link's content is read, as the registry itself enumerates by name).
     */
    private List<LinkEntry> readDigestFolders(String root, Consumer<StorageProblem> problems, boolean revisions) {
        return readDigestFolders(root, problems, revisions, folderTime -> { });
    }

    private List<LinkEntry> readDigestFolders(String root, Consumer<StorageProblem> problems, boolean revisions,
            Consumer<Instant> unlinked) {
        if (!storage.hasSymbolicLinks()) {
            return readDigestFoldersByListing(root, problems, revisions, unlinked);
        }
        List<LinkEntry> entries = new ArrayList<>();
        StorageProblem.Impact unreadable = revisions ? StorageProblem.Impact.SWEEP_BLOCKED : StorageProblem.Impact.NOTED;
        try {
            for (Entry algorithm : algorithmFolders(root, problems, unreadable)) {
                String algorithmFolder = root + "/" + algorithm.name();
                for (Branch branch : storage.branches(algorithmFolder, "link")) {
                    String folder = algorithmFolder + "/" + branch.name();
                    Optional<Digest> digest = Digest.tryParse(algorithm.name() + ":" + branch.name());
                    if (branch.folder().kind() == StorageDriver.Kind.SYMLINK) {
                        problems.accept(problem(folder, SYMLINK, unreadable));
                        continue;
                    }
                    if (digest.isEmpty() || !branch.folder().isFolder()) {
                        problems.accept(noted(folder, "not a digest folder; left alone"));
                        continue;
                    }
                    Entry link = branch.file();
                    if (link == null) {
                        // what the registry leaves when it deletes a manifest or link through its API
                        unlinked.accept(timeOf(branch.folder()));
                        continue;
                    }
                    if (link.kind() == StorageDriver.Kind.SYMLINK) {
                        problems.accept(problem(folder, SYMLINK, unreadable));
                        continue;
                    }
                    Instant modified = link.modified();
                    // a revision's link is read where reads are cheap; layer links are enumerated by name, as the
                    // registry's own walk does (reading the tens of thousands of them cost a third of a warm scan)
                    if (revisions && storage.cheapReads()) {
                        Optional<Digest> target = readLink(folder + "/link", link.size(), problems, StorageProblem.Impact.NOTED);
                        if (target.isPresent() && !target.get().equals(digest.get())) {
                            problems.accept(noted(folder + "/link", "link holds " + target.get() + ", folder names " + digest.get()));
                        }
                        modified = target.isPresent() ? link.modified() : timeOf(branch.folder());
                    }
                    entries.add(new LinkEntry(digest.get(), modified));
                }
            }
        } catch (IOException e) {
            problems.accept(problem(root, "cannot list: " + e.getMessage(), unreadable));
        }
        return entries;
    }

    /**
     * The {@code <alg>/<hex>} folder names under {@code root}, without a look inside any of them: entries whose link
     * is not known yet ({@link LinkEntry#named}). A name that is no digest is reported as {@link #readDigestFolders}
     * reports it; what a digest-named entry really is (a folder with its link, one without, a file, a symbolic link)
     * {@link #layerLinkTime} tells.
     */
    private List<LinkEntry> nameDigestFolders(String root, Consumer<StorageProblem> problems) {
        List<LinkEntry> entries = new ArrayList<>();
        try {
            for (Entry algorithm : algorithmFolders(root, problems, StorageProblem.Impact.NOTED)) {
                String algorithmFolder = root + "/" + algorithm.name();
                for (String name : storage.names(algorithmFolder)) {
                    Optional<Digest> digest = Digest.tryParse(algorithm.name() + ":" + name);
                    if (digest.isEmpty()) {
                        problems.accept(noted(algorithmFolder + "/" + name, "not a digest folder; left alone"));
                        continue;
                    }
                    entries.add(LinkEntry.named(digest.get()));
                }
            }
        } catch (IOException e) {
            problems.accept(noted(root, "cannot list: " + e.getMessage()));
        }
        return entries;
    }

    /**
     * When a layer link the scan only named ({@link LinkEntry#named}) was written, looked at now; empty where there is
     * no link to count: the folder is gone or has no link (what a deletion through the API leaves), or it is not what
     * a link folder should be (reported, as the scan reports it, and left alone). A link that cannot be looked at is
     * reported and answered as written now: it stays, and so does its blob.
     */
    public Optional<Instant> layerLinkTime(String repository, Digest digest, Consumer<StorageProblem> problems) {
        String folder = paths.layerLinkFolder(repository, digest);
        try {
            return layerLinkTime(folder, problems);
        } catch (IOException e) {
            problems.accept(noted(folder, "cannot look at the link: " + e.getMessage() + "; kept, with its blob"));
            return Optional.of(Instant.now());
        }
    }

    private Optional<Instant> layerLinkTime(String folder, Consumer<StorageProblem> problems) throws IOException {
        Optional<Entry> folderEntry = storage.stat(folder);
        if (folderEntry.isEmpty()) {
            return Optional.empty();
        }
        if (folderEntry.get().kind() == StorageDriver.Kind.SYMLINK) {
            problems.accept(noted(folder, SYMLINK));
            return Optional.empty();
        }
        if (!folderEntry.get().isFolder()) {
            problems.accept(noted(folder, "not a digest folder; left alone"));
            return Optional.empty();
        }
        Optional<Entry> link = storage.stat(folder + "/link");
        if (link.isPresent() && link.get().kind() == StorageDriver.Kind.SYMLINK) {
            problems.accept(noted(folder, SYMLINK));
            return Optional.empty();
        }
        return link.map(Entry::modified);
    }

    /**
     * The {@code <alg>} folders of a link root on a filesystem: none where the root is missing or not a folder, or
     * where it or its parent is a symbolic link (reported with {@code impact}: never followed).
     */
    private List<Entry> algorithmFolders(String root, Consumer<StorageProblem> problems, StorageProblem.Impact impact)
            throws IOException {
        Optional<Entry> rootEntry = storage.stat(root);
        if (rootEntry.isEmpty()) {
            return List.of();
        }
        Optional<Entry> parentEntry = storage.stat(RegistryPaths.parent(root));
        if (rootEntry.get().kind() == StorageDriver.Kind.SYMLINK
                || parentEntry.map(e -> e.kind() == StorageDriver.Kind.SYMLINK).orElse(false)) {
            problems.accept(problem(root, SYMLINK, impact));
            return List.of();
        }
        if (!rootEntry.get().isFolder()) {
            return List.of();
        }
        return storage.list(root).stream().filter(Entry::isFolder).toList();
    }

    // ---------------------------------------------------------------- reading: on an object store

    /*
     * On an object store a folder is only a prefix: one listing of everything below it (a thousand keys a request) says
     * which link files exist and when they were written, where reading folder by folder would cost a request per
     * folder. Links are not read, as the registry itself enumerates them by name; tags' current links are.
     */

    private List<LinkEntry> readDigestFoldersByListing(String root, Consumer<StorageProblem> problems, boolean revisions,
            Consumer<Instant> unlinked) {
        StorageProblem.Impact unreadable = revisions ? StorageProblem.Impact.SWEEP_BLOCKED : StorageProblem.Impact.NOTED;
        List<Entry> files;
        try {
            files = storage.walk(root);
        } catch (IOException e) {
            problems.accept(problem(root, "cannot list: " + e.getMessage(), unreadable));
            return List.of();
        }
        return linkFolders(root, files, problems, unlinked);
    }

    /** {@code <alg>/<hex>/link} among {@code files} (names relative to {@code root}), sorted; other files' folders are unlinked. */
    private List<LinkEntry> linkFolders(String root, List<Entry> files, Consumer<StorageProblem> problems,
            Consumer<Instant> unlinked) {
        TreeMap<String, Entry> links = new TreeMap<>();
        TreeMap<String, Instant> others = new TreeMap<>();
        for (Entry file : files) {
            String[] parts = file.name().split("/", 3);
            if (parts.length < 3) {
                continue; // a file beside the digest folders: not an entry
            }
            String folder = parts[0] + "/" + parts[1];
            if (parts[2].equals("link")) {
                links.put(folder, file);
            } else {
                others.merge(folder, file.modified(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        TreeSet<String> folders = new TreeSet<>(links.keySet());
        folders.addAll(others.keySet());
        List<LinkEntry> entries = new ArrayList<>(links.size());
        for (String folder : folders) {
            Optional<Digest> digest = Digest.tryParse(folder.replace('/', ':'));
            if (digest.isEmpty()) {
                problems.accept(noted(root + "/" + folder, "not a digest folder; left alone"));
            } else if (!links.containsKey(folder)) {
                unlinked.accept(others.get(folder));
            } else {
                entries.add(new LinkEntry(digest.get(), links.get(folder).modified()));
            }
        }
        return entries;
    }

    private List<TagEntry> readTagsByListing(String repository, Consumer<StorageProblem> problems) {
        String tagsRoot = paths.tagsRoot(repository);
        List<Entry> files;
        try {
            files = storage.walk(tagsRoot);
        } catch (IOException e) {
            problems.accept(problem(tagsRoot, "cannot list tags: " + e.getMessage(), StorageProblem.Impact.REPOSITORY_KEPT));
            return List.of();
        }
        TreeMap<String, List<Entry>> byTag = new TreeMap<>();
        for (Entry file : files) {
            int slash = file.name().indexOf('/');
            if (slash > 0) {
                byTag.computeIfAbsent(file.name().substring(0, slash), t -> new ArrayList<>())
                        .add(new Entry(file.name().substring(slash + 1), file.kind(), file.size(), file.modified()));
            }
        }
        // each tag's current link is a request of its own: a repository of thousands of tags has them read several at once
        List<Map.Entry<String, List<Entry>>> tagFiles = new ArrayList<>(byTag.entrySet());
        try {
            return Concurrently.mapInRuns(tagFiles, readsAtOnce(tagFiles.size()), problems,
                    (tag, own) -> readTagByListing(repository, tag.getKey(), tag.getValue(), own))
                    .stream().flatMap(Optional::stream).toList();
        } catch (IOException e) {
            problems.accept(problem(tagsRoot, "cannot read tags: " + e.getMessage(), StorageProblem.Impact.REPOSITORY_KEPT));
            return List.of();
        }
    }

    /** One tag from the listing of its files ({@code files}: named from the tag's folder); empty for an invalid name. */
    private Optional<TagEntry> readTagByListing(String repository, String tag, List<Entry> files,
            Consumer<StorageProblem> problems) {
        String tagFolder = paths.tagsRoot(repository) + "/" + tag;
        if (!RegistryPaths.isValidTagName(tag)) {
            problems.accept(problem(tagFolder, "not a valid tag name", StorageProblem.Impact.REPOSITORY_KEPT));
            return Optional.empty();
        }
        String current = paths.tagCurrentLink(repository, tag);
        Optional<Entry> currentFile = files.stream().filter(f -> f.name().equals("current/link")).findFirst();
        Optional<Digest> digest;
        if (currentFile.isEmpty()) {
            problems.accept(problem(current, "link file is missing", StorageProblem.Impact.REPOSITORY_KEPT));
            digest = Optional.empty();
        } else {
            digest = readLink(current, currentFile.get().size(), problems, StorageProblem.Impact.REPOSITORY_KEPT);
        }
        List<Entry> index = files.stream().filter(f -> f.name().startsWith("index/"))
                .map(f -> new Entry(f.name().substring("index/".length()), f.kind(), f.size(), f.modified())).toList();
        List<Digest> indexed = linkFolders(tagFolder + "/index", index, problems, time -> { }).stream()
                .map(LinkEntry::digest).toList();
        return Optional.of(new TagEntry(tag, digest, currentFile.map(Entry::modified).orElse(Instant.EPOCH), indexed));
    }

    /**
     * Reads a link file tolerantly: missing, empty or corrupt links are reported with the given impact. {@code size}:
     * the link file's size when its attributes were read already, or -1.
     */
    private Optional<Digest> readLink(String link, long size, Consumer<StorageProblem> problems, StorageProblem.Impact impact) {
        try {
            byte[] bytes = size > MAX_LINK_BYTES ? null : storage.read(link, MAX_LINK_BYTES);
            if (bytes == null || bytes.length > MAX_LINK_BYTES) {
                problems.accept(problem(link, "link file is too large to be a link", impact));
                return Optional.empty();
            }
            String content = new String(bytes, StandardCharsets.UTF_8).strip();
            if (content.isEmpty()) {
                problems.accept(problem(link, "link file is empty", impact));
                return Optional.empty();
            }
            Optional<Digest> digest = Digest.tryParse(content);
            if (digest.isEmpty()) {
                problems.accept(problem(link, "link file does not hold a digest", impact));
            }
            return digest;
        } catch (NoSuchFileException e) {
            problems.accept(problem(link, "link file is missing", impact));
            return Optional.empty();
        } catch (IOException e) {
            problems.accept(problem(link, "cannot read link: " + e.getMessage(), impact));
            return Optional.empty();
        }
    }

    /**
     * Every repository name in walk order, as {@link #repositories} gives them, with up to {@code threads} walks at
     * once, one for each top-level folder: on a cold cache a single walk waits on one read after another. The list
     * the scan splits into partitions. {@code problems} may be called from several threads.
     */
    public List<String> allRepositories(int threads, Consumer<StorageProblem> problems) {
        if (!storage.hasSymbolicLinks()) {
            List<String> names = new ArrayList<>();
            repositories(null, problems).forEachRemaining(names::add);
            return names;
        }
        List<String> tops;
        try {
            if (!storage.isFolder(paths.repositoriesRoot())) {
                return List.of();
            }
            tops = subFolders(paths.repositoriesRoot(), null, problems).folders();
        } catch (IOException e) {
            problems.accept(problem(paths.repositoriesRoot(), "cannot list repositories: " + e.getMessage(),
                    StorageProblem.Impact.SWEEP_BLOCKED));
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try {
            Concurrently.map(tops, threads, top -> {
                List<String> under = new ArrayList<>();
                new RepositoryWalk(top, null, problems, folder -> { }).forEachRemaining(under::add);
                return under;
            }).forEach(names::addAll);
        } catch (IOException e) {
            // a walk reports what it cannot list: only an interruption, or a bug, ends up here
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** A folder's sub-folders that may hold repositories, in walk order, and whether it is a repository itself. */
    private record SubFolders(boolean repository, List<String> folders) {
    }

    /**
     * Lists a folder for {@link RepositoryWalk}: it is a repository when it holds {@code _manifests} or {@code _layers};
     * its other sub-folders may hold repositories, but for those wholly before {@code after} (null: none).
     */
    private SubFolders subFolders(String folder, String after, Consumer<StorageProblem> problems) throws IOException {
        boolean repository = false;
        List<String> folders = new ArrayList<>();
        for (Entry entry : storage.list(folder)) {
            String child = folder + "/" + entry.name();
            if (entry.name().startsWith("_")) {
                repository |= entry.isFolder() && (entry.name().equals("_manifests") || entry.name().equals("_layers"));
                continue;
            }
            if (entry.kind() == StorageDriver.Kind.SYMLINK) {
                // the registry would follow it: what the repositories there reference is unknown to us
                problems.accept(problem(child, SYMLINK + "; the registry follows it, so"
                        + " the blobs its repositories need are unknown", StorageProblem.Impact.SWEEP_BLOCKED));
            } else if (entry.isFolder() && !beforeStart(child, after)) {
                folders.add(child);
            }
        }
        return new SubFolders(repository, folders);
    }

    /**
     * Whether every repository in {@code folder}'s subtree comes before {@code after} in walk order: then it is not
     * listed at all (a partition of the scan starts in the middle of the tree without walking what lies before).
     */
    private boolean beforeStart(String folder, String after) {
        if (after == null) {
            return false;
        }
        String name = paths.repositoryName(folder);
        return compareInWalkOrder(name, after) < 0 && !after.startsWith(name + "/");
    }

    /** Depth-first walk of {@code repositories/}, siblings sorted, one folder listing at a time. */
    private final class RepositoryWalk implements Iterator<String> {
        private final Deque<String> pending = new ArrayDeque<>();
        private final String after;
        private final Consumer<StorageProblem> problems;
        private final Consumer<String> beforeListing;
        private String next;

        /** The whole tree. */
        RepositoryWalk(String after, Consumer<StorageProblem> problems, Consumer<String> beforeListing) {
            this(null, after, problems, beforeListing);
        }

        /** {@code top}: a top-level folder, whose subtree alone is walked (null: the whole tree). */
        RepositoryWalk(String top, String after, Consumer<StorageProblem> problems, Consumer<String> beforeListing) {
            this.after = after;
            this.problems = problems;
            this.beforeListing = beforeListing;
            if (top != null) {
                pending.push(top);
            } else {
                try {
                    if (storage.isFolder(paths.repositoriesRoot())) {
                        pushChildren(paths.repositoriesRoot());
                    }
                } catch (IOException e) {
                    problems.accept(problem(paths.repositoriesRoot(), "cannot list repositories: " + e.getMessage(),
                            StorageProblem.Impact.SWEEP_BLOCKED));
                }
            }
            advance();
        }

        /** Lists a folder, pushing its sub-folders; true when it is a repository. */
        private boolean pushChildren(String folder) {
            beforeListing.accept(folder);
            try {
                SubFolders children = subFolders(folder, after, problems);
                for (int i = children.folders().size() - 1; i >= 0; i--) {
                    pending.push(children.folders().get(i));
                }
                return children.repository();
            } catch (IOException e) {
                // A folder we cannot list may hold repositories: their blobs are unknown.
                problems.accept(problem(folder, "cannot list repositories: " + e.getMessage(), StorageProblem.Impact.SWEEP_BLOCKED));
                return false;
            }
        }

        private void advance() {
            next = null;
            while (next == null && !pending.isEmpty()) {
                String folder = pending.pop();
                if (!pushChildren(folder)) {
                    continue;
                }
                String name = paths.repositoryName(folder);
                if (after != null && compareInWalkOrder(name, after) <= 0) {
                    continue;
                }
                if (!RegistryPaths.isValidRepositoryName(name)) {
                    problems.accept(problem(folder, "repository folder with an invalid name; its manifests cannot be scanned",
                            StorageProblem.Impact.SWEEP_BLOCKED));
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
