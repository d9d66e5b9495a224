package io.registrygc.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The one place that knows where Distribution keeps things, like its {@code paths.go}. Every path handed out
 * stays inside the storage root: names are validated first.
 *
 * <pre>
 * &lt;root&gt;/registry-gc.lease                                   ours: who collects this storage now (never read by the registry)
 * &lt;root&gt;/docker/registry/v2/
 *   blobs/&lt;alg&gt;/&lt;hex[0:2]&gt;/&lt;hex&gt;/data                      content of every blob, manifests included
 *   repositories/&lt;name&gt;/                                    name may be nested: team/project/service
 *     _uploads/&lt;uuid&gt;/...                                   uploads in progress (never read, removed with the repository)
 *     _layers/&lt;alg&gt;/&lt;hex&gt;/link                              "this repository may serve blob &lt;alg&gt;:&lt;hex&gt;"
 *     _manifests/revisions/&lt;alg&gt;/&lt;hex&gt;/link                 "this repository holds manifest &lt;alg&gt;:&lt;hex&gt;"
 *     _manifests/tags/&lt;tag&gt;/current/link                     the digest the tag points at now
 *     _manifests/tags/&lt;tag&gt;/index/&lt;alg&gt;/&lt;hex&gt;/link           every digest the tag has pointed at
 * </pre>
 *
 * A link file holds a digest ({@code sha256:...}). A revision or layer folder without its link file is what a
 * deletion through the registry's API leaves behind: it is not an entry. A folder is a repository when it holds
 * {@code _manifests} or {@code _layers}; folders whose names start with '_' never are.
 */
public final class RegistryPaths {

    /** Distribution's repository name grammar (path components separated by '/'). */
    private static final Pattern REPOSITORY_NAME =
            Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG_NAME = Pattern.compile("[\\w][\\w.-]{0,127}");

    private final Path root;
    private final Path v2;

    public RegistryPaths(Path storageRoot) {
        this.root = storageRoot.toAbsolutePath().normalize();
        this.v2 = root.resolve("docker").resolve("registry").resolve("v2");
    }

    /**
     * The layout of a storage root (the {@code rootdirectory} of the registry's config), refusing anything else.
     * The storage is known by its real path, symbolic links resolved, so that two spellings of one storage share
     * one lock and one history.
     */
    public static RegistryPaths open(Path storageRoot) throws NotARegistryStorageException {
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
            return new RegistryPaths(paths.root().toRealPath());
        } catch (IOException e) {
            throw new NotARegistryStorageException("storage root " + paths.root() + " cannot be resolved: " + e.getMessage());
        }
    }

    public static boolean isValidRepositoryName(String name) {
        return name != null && name.length() <= 255 && REPOSITORY_NAME.matcher(name).matches();
    }

    public static boolean isValidTagName(String tag) {
        return tag != null && TAG_NAME.matcher(tag).matches();
    }

    public Path root() {
        return root;
    }

    /** The storage lease of registry-gc, beside {@code docker/}: outside everything the registry reads. */
    public Path lease() {
        return root.resolve("registry-gc.lease");
    }

    public Path v2() {
        return v2;
    }

    public Path blobsRoot() {
        return v2.resolve("blobs");
    }

    public Path repositoriesRoot() {
        return v2.resolve("repositories");
    }

    /** {@code blobs/<alg>/<hex[0:2]>/<hex>}: the folder that holds a blob's data. */
    public Path blobFolder(Digest digest) {
        return blobsRoot().resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    public Path blobData(Digest digest) {
        return blobFolder(digest).resolve("data");
    }

    public Path repository(String name) {
        if (!isValidRepositoryName(name)) {
            throw new IllegalArgumentException("invalid repository name: " + name);
        }
        return repositoriesRoot().resolve(name);
    }

    public Path manifests(String repository) {
        return repository(repository).resolve("_manifests");
    }

    public Path layers(String repository) {
        return repository(repository).resolve("_layers");
    }

    public Path uploads(String repository) {
        return repository(repository).resolve("_uploads");
    }

    public Path revisionsRoot(String repository) {
        return manifests(repository).resolve("revisions");
    }

    public Path revisionFolder(String repository, Digest digest) {
        return revisionsRoot(repository).resolve(digest.algorithm()).resolve(digest.hex());
    }

    public Path tagsRoot(String repository) {
        return manifests(repository).resolve("tags");
    }

    public Path tagFolder(String repository, String tag) {
        if (!isValidTagName(tag)) {
            throw new IllegalArgumentException("invalid tag: " + tag);
        }
        return tagsRoot(repository).resolve(tag);
    }

    public Path tagCurrentLink(String repository, String tag) {
        return tagFolder(repository, tag).resolve("current").resolve("link");
    }

    public Path tagIndex(String repository, String tag) {
        return tagFolder(repository, tag).resolve("index");
    }

    public Path tagIndexEntry(String repository, String tag, Digest digest) {
        return tagIndex(repository, tag).resolve(digest.algorithm()).resolve(digest.hex());
    }

    public Path layerLinkFolder(String repository, Digest digest) {
        return layers(repository).resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** The name of a repository folder relative to {@code repositories/}, with '/' separators. */
    public String repositoryName(Path folder) {
        Path relative = repositoriesRoot().relativize(folder);
        return relative.toString().replace(folder.getFileSystem().getSeparator(), "/");
    }
}
