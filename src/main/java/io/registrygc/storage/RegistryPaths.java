package io.registrygc.storage;

import java.util.regex.Pattern;

/**
 * The one place that knows where Distribution keeps things, like its {@code paths.go}. It hands out keys (paths
 * relative to the storage root, '/' separated) for a {@link StorageDriver}; every key stays inside the storage root:
 * names are validated first.
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

    /** The layout: it has no state, one serves every storage. */
    public static final RegistryPaths LAYOUT = new RegistryPaths();

    private static final String V2 = "docker/registry/v2";

    private RegistryPaths() {
    }

    /**
     * Checks that a storage is a registry's (refusing anything else): it has {@code docker/registry/v2} with blobs or
     * repositories in it.
     */
    public static void check(StorageDriver storage) throws NotARegistryStorageException {
        try {
            if (!storage.isFolder(V2)) {
                throw new NotARegistryStorageException("storage root " + storage.location()
                        + " is not a registry storage: it has no docker/registry/v2 folder");
            }
            if (!storage.isFolder(LAYOUT.blobsRoot()) && !storage.isFolder(LAYOUT.repositoriesRoot())) {
                throw new NotARegistryStorageException("storage root " + storage.location()
                        + " is not a registry storage: docker/registry/v2 holds neither blobs nor repositories");
            }
        } catch (java.io.IOException e) {
            throw new NotARegistryStorageException("storage root " + storage.location() + " cannot be read: " + e.getMessage());
        }
    }

    public static boolean isValidRepositoryName(String name) {
        return name != null && name.length() <= 255 && REPOSITORY_NAME.matcher(name).matches();
    }

    public static boolean isValidTagName(String tag) {
        return tag != null && TAG_NAME.matcher(tag).matches();
    }

    /** The storage lease of registry-gc, beside {@code docker/}: outside everything the registry reads. */
    public String lease() {
        return "registry-gc.lease";
    }

    public String v2() {
        return V2;
    }

    public String blobsRoot() {
        return V2 + "/blobs";
    }

    public String repositoriesRoot() {
        return V2 + "/repositories";
    }

    /** {@code blobs/<alg>/<hex[0:2]>}: a shard, the folder of blob folders. */
    public String blobShard(String algorithm, String prefix) {
        return blobsRoot() + "/" + algorithm + "/" + prefix;
    }

    /** {@code blobs/<alg>/<hex[0:2]>/<hex>}: the folder that holds a blob's data. */
    public String blobFolder(Digest digest) {
        return blobShard(digest.algorithm(), digest.hex().substring(0, 2)) + "/" + digest.hex();
    }

    public String blobData(Digest digest) {
        return blobFolder(digest) + "/data";
    }

    public String repository(String name) {
        if (!isValidRepositoryName(name)) {
            throw new IllegalArgumentException("invalid repository name: " + name);
        }
        return repositoriesRoot() + "/" + name;
    }

    public String manifests(String repository) {
        return repository(repository) + "/_manifests";
    }

    public String layers(String repository) {
        return repository(repository) + "/_layers";
    }

    public String uploads(String repository) {
        return repository(repository) + "/_uploads";
    }

    public String revisionsRoot(String repository) {
        return manifests(repository) + "/revisions";
    }

    public String revisionFolder(String repository, Digest digest) {
        return revisionsRoot(repository) + "/" + digest.algorithm() + "/" + digest.hex();
    }

    public String tagsRoot(String repository) {
        return manifests(repository) + "/tags";
    }

    public String tagFolder(String repository, String tag) {
        if (!isValidTagName(tag)) {
            throw new IllegalArgumentException("invalid tag: " + tag);
        }
        return tagsRoot(repository) + "/" + tag;
    }

    public String tagCurrentLink(String repository, String tag) {
        return tagFolder(repository, tag) + "/current/link";
    }

    public String tagIndex(String repository, String tag) {
        return tagFolder(repository, tag) + "/index";
    }

    public String tagIndexEntry(String repository, String tag, Digest digest) {
        return tagIndex(repository, tag) + "/" + digest.algorithm() + "/" + digest.hex();
    }

    public String layerLinkFolder(String repository, Digest digest) {
        return layers(repository) + "/" + digest.algorithm() + "/" + digest.hex();
    }

    /** The name of a repository folder relative to {@code repositories/}. */
    public String repositoryName(String folder) {
        return folder.substring(repositoriesRoot().length() + 1);
    }

    /** A key's parent folder. */
    public static String parent(String key) {
        return key.substring(0, key.lastIndexOf('/'));
    }
}
