package io.registrygc.storage;

import java.io.IOException;

/**
 * Removes things from a Distribution storage. Deletions are idempotent: deleting what is already gone returns false
 * and succeeds, so a resumed run can repeat the item it was interrupted in. A failure is an {@link IOException}: it
 * must stop the run, never be skipped.
 */
public final class StorageDeleter {

    private final StorageDriver storage;
    private final StorageDriver.Deletions deletions;
    private final RegistryPaths paths = RegistryPaths.LAYOUT;

    /** A deleter that deletes at once. */
    public StorageDeleter(StorageDriver storage) {
        this(storage, StorageDriver.immediateDeletions(storage));
    }

    private StorageDeleter(StorageDriver storage, StorageDriver.Deletions deletions) {
        this.storage = storage;
        this.deletions = deletions;
    }

    /**
     * A deleter whose deletions are carried out together by {@link #commit} (on an object store, a request per thousand
     * keys); what each deletion returns is what it found. Safe to use from several threads.
     */
    public StorageDeleter batch() {
        return new StorageDeleter(storage, storage.deletions());
    }

    /** Carries out a batch's deletions (nothing for a deleter that deletes at once). */
    public void commit() throws IOException {
        deletions.commit();
    }

    /** Removes a manifest revision (its link and legacy signatures). True when something was removed. */
    public boolean deleteRevision(String repository, Digest digest) throws IOException {
        return deleteFolder(paths.revisionFolder(repository, digest), "link").removedSomething();
    }

    public boolean deleteTagIndexEntry(String repository, String tag, Digest digest) throws IOException {
        return deleteFolder(paths.tagIndexEntry(repository, tag, digest), "link").removedSomething();
    }

    public boolean deleteTag(String repository, String tag) throws IOException {
        return deleteFolder(paths.tagFolder(repository, tag), null).removedSomething();
    }

    public boolean deleteLayerLink(String repository, Digest digest) throws IOException {
        return deleteFolder(paths.layerLinkFolder(repository, digest), "link").removedSomething();
    }

    /**
     * Removes a repository: its {@code _manifests}, {@code _layers} and {@code _uploads}, then its folder
     * and parents when empty. Repositories nested inside it stay.
     */
    public boolean deleteRepository(String repository) throws IOException {
        boolean removed = deleteFolder(paths.manifests(repository), null).removedSomething();
        removed |= deleteFolder(paths.layers(repository), null).removedSomething();
        removed |= deleteFolder(paths.uploads(repository), null).removedSomething();
        storage.deleteEmptyFolders(paths.repository(repository), paths.repositoriesRoot());
        return removed;
    }

    /**
     * Removes a blob folder; true when its data file was removed by this call (false: it was gone already, as an
     * interrupted delete removes the data before the folder).
     */
    public boolean deleteBlob(Digest digest) throws IOException {
        return deleteFolder(paths.blobFolder(digest), "data") == StorageDriver.Removal.FOLDER_AND_MAIN_FILE;
    }

    private StorageDriver.Removal deleteFolder(String folder, String mainFile) throws IOException {
        if (!folder.startsWith(paths.v2() + "/")) {
            throw new IOException("refusing to delete outside the storage: " + storage.describe(folder));
        }
        return deletions.deleteFolder(folder, mainFile);
    }
}
