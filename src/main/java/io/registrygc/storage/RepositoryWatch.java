package io.registrygc.storage;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Tells, cheaply and often, in which repositories a manifest revision or a layer link may have been written since
 * the last look, so that a run can re-read only those while the registry keeps accepting pushes.
 *
 * <p>A push writes each link in a folder of its own, {@code _manifests/revisions/<alg>/<hex>/link} or
 * {@code _layers/<alg>/<hex>/link}; a new link folder changes the modification time of the {@code <alg>} folder
 * (a new algorithm folder that of {@code revisions} or {@code _layers}, and so on up); a new repository is a new
 * folder in the repository tree, which changes the time of the folder it appears in. So one {@code lstat} per
 * folder of the tree and a few per repository say where to look, instead of one per link. A link written again in
 * a folder that already exists changes no folder: it was there at the last look, so what it holds was already
 * known. A folder created just now whose link is not written yet is not read as settled: the caller marks its
 * repository {@link #unsettled} and it is read again at the next look.
 *
 * <p>Modification times are read from the file system; on NFS the client's attribute cache can hide a change for
 * as long as it caches (see the README). An object store keeps no folder times: there every look reads every
 * repository again.
 */
public final class RepositoryWatch {

    private static final long ABSENT = Long.MIN_VALUE;

    private final StorageReader storage;
    private final StorageDriver driver;
    private final RegistryPaths paths;
    /** Every folder of the repository tree the last walk listed (namespaces and repositories), with its time. */
    private final Map<String, Long> treeFolders = new HashMap<>();
    /** Per repository: the folders its new revisions appear in, with their times. */
    private final Map<String, Map<String, Long>> revisionFolders = new HashMap<>();
    /** Per repository: the folders its new layer links appear in, with their times. */
    private final Map<String, Map<String, Long>> layerFolders = new HashMap<>();
    private final Set<String> unsettled = new LinkedHashSet<>();
    private boolean firstLook = true;
    /** Object stores: the repositories the last listing found, and when it began. */
    private final Set<String> known = new LinkedHashSet<>();
    private Instant lastListing;
    private final Instant writtenAfter;
    private final Duration clockMargin;

    /** The repositories to read again: for their revisions, for their layer links. */
    public record Changes(Set<String> revisions, Set<String> layers) {
    }

    public RepositoryWatch(StorageReader storage) {
        this(storage, null);
    }

    /**
     * A watch for what was written after {@code writtenAfter} (null: anything): on an object store its first look reads
     * only the repositories with a link written since then, where a filesystem's first look reads every repository.
     */
    public RepositoryWatch(StorageReader storage, Instant writtenAfter) {
        this(storage, writtenAfter, Duration.ofMinutes(5));
    }

    /** {@code clockMargin}: on an object store, how far its clock may be off this host's (see changedByListing). */
    RepositoryWatch(StorageReader storage, Instant writtenAfter, Duration clockMargin) {
        this.writtenAfter = writtenAfter;
        this.clockMargin = clockMargin;
        this.storage = storage;
        this.driver = storage.driver();
        this.paths = storage.paths();
    }

    /**
     * The repositories to read: at the first call every repository; then those whose revision or layer folders
     * changed, the new ones and the unsettled ones. The folders are stamped before the caller reads them, so what
     * is written while it reads shows at the next call.
     */
    public Changes changedRepositories(Consumer<StorageProblem> problems) {
        Set<String> changed = new LinkedHashSet<>(unsettled);
        unsettled.clear();
        if (!driver.hasFolderTimes()) {
            return changedByListing(problems, changed);
        }
        if (firstLook || folderChanged(treeFolders)) {
            walkTree(problems, changed);
            firstLook = false;
        }
        Set<String> revisions = new LinkedHashSet<>(changed);
        Set<String> layers = new LinkedHashSet<>(changed);
        for (String repository : revisionFolders.keySet()) {
            if (!changed.contains(repository) && folderChanged(revisionFolders.get(repository))) {
                revisions.add(repository);
            }
            if (!changed.contains(repository) && folderChanged(layerFolders.get(repository))) {
                layers.add(repository);
            }
        }
        for (String repository : revisions) {
            revisionFolders.put(repository, stamp(paths.manifests(repository), paths.revisionsRoot(repository)));
        }
        for (String repository : layers) {
            layerFolders.put(repository, stamp(paths.repository(repository), paths.layers(repository)));
        }
        return new Changes(revisions, layers);
    }

    /**
     * On an object store, where folders have no times: a listing of the whole repository tree (a thousand keys a
     * request, its top-level folders several at once), and the repositories where a revision or layer link was written since the last look began, less a
     * margin for the store's clock and the truncation of its times to the second; new repositories whole. Re-reading
     * a repository that did not change costs requests, never safety. A listing that fails reads every repository.
     */
    private Changes changedByListing(Consumer<StorageProblem> problems, Set<String> changed) {
        Instant lookStart = Instant.now();
        boolean first = lastListing == null;
        Instant since = !first ? lastListing.minus(clockMargin)
                : writtenAfter == null ? Instant.MIN : writtenAfter.minus(clockMargin);
        Set<String> revisions = Collections.synchronizedSet(new LinkedHashSet<>(changed));
        Set<String> layers = Collections.synchronizedSet(new LinkedHashSet<>(changed));
        Set<String> seen = Collections.synchronizedSet(new TreeSet<>());
        try {
            storage.walkRepositoryFiles((repository, rest, file) -> {
                seen.add(repository);
                boolean fresh = file.modified() == null || !file.modified().isBefore(since);
                if (fresh && rest.startsWith("_manifests/revisions/")) {
                    revisions.add(repository);
                } else if (fresh && rest.startsWith("_layers/")) {
                    layers.add(repository);
                }
            }, problems);
        } catch (IOException e) {
            problems.accept(StorageProblem.noted(driver.describe(paths.repositoriesRoot()),
                    "cannot list the repositories for a look: every repository is read again (" + e.getMessage() + ")"));
            revisions.addAll(known);
            layers.addAll(known);
            return new Changes(revisions, layers);
        }
        for (String repository : seen) {
            if (!first && !known.contains(repository)) {
                revisions.add(repository);
                layers.add(repository);
            }
        }
        known.clear();
        known.addAll(seen);
        revisions.retainAll(seen);
        layers.retainAll(seen);
        lastListing = lookStart;
        return new Changes(revisions, layers);
    }

    /** Reads {@code repository} again at the next look (a revision folder in it has no link yet). */
    public void unsettled(String repository) {
        unsettled.add(repository);
    }

    /** Walks the repository tree again, stamping each folder before it is listed; new repositories are changed. */
    private void walkTree(Consumer<StorageProblem> problems, Set<String> changed) {
        treeFolders.clear();
        treeFolders.put(paths.repositoriesRoot(), time(paths.repositoriesRoot()));
        Set<String> seen = new LinkedHashSet<>();
        for (Iterator<String> walk = storage.repositories(problems, folder -> treeFolders.put(folder, time(folder)));
                walk.hasNext(); ) {
            String repository = walk.next();
            seen.add(repository);
            if (!revisionFolders.containsKey(repository)) {
                changed.add(repository);
            }
        }
        revisionFolders.keySet().retainAll(seen);
        layerFolders.keySet().retainAll(seen);
        changed.retainAll(seen);
    }

    private boolean folderChanged(Map<String, Long> stamps) {
        for (Map.Entry<String, Long> stamp : stamps.entrySet()) {
            if (time(stamp.getKey()) != stamp.getValue()) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code links} ({@code revisions} or {@code _layers}) and each algorithm folder under it; when it does not exist
     * yet, {@code parent}, where it will appear.
     */
    private Map<String, Long> stamp(String parent, String links) {
        Map<String, Long> stamps = new HashMap<>();
        long linksTime = time(links);
        stamps.put(links, linksTime);
        if (linksTime == ABSENT) {
            stamps.put(parent, time(parent));
            return stamps;
        }
        for (String algorithm : algorithmFolders(links)) {
            stamps.put(algorithm, time(algorithm));
        }
        return stamps;
    }

    private List<String> algorithmFolders(String revisions) {
        List<String> folders = new ArrayList<>();
        try {
            for (String name : driver.names(revisions)) {
                folders.add(revisions + "/" + name);
            }
        } catch (IOException e) {
            // read again at the next look: its time stays as stamped, and the reading reports the problem
        }
        return folders;
    }

    /** The folder's modification time in nanoseconds (a symbolic link's own), or ABSENT. */
    private long time(String folder) {
        if (!driver.hasFolderTimes()) {
            return ABSENT;
        }
        try {
            Instant modified = driver.stat(folder).map(StorageDriver.Entry::modified).orElse(null);
            return modified == null ? ABSENT : modified.getEpochSecond() * 1_000_000_000L + modified.getNano();
        } catch (IOException e) {
            return ABSENT + 1; // unreadable now: a value no folder has, so it counts as changed until it reads again
        }
    }
}
