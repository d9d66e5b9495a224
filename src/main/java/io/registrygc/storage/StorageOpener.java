package io.registrygc.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The storages of this process, by location: the command line opens a storage once (with what it was told about it:
 * an S3 endpoint, keys) and every step of the run finds it here by the location its job parameters name. A location
 * nobody opened (an {@code apply} of a dry run, a resume) is opened from the location alone: a filesystem path, or an
 * {@code s3://} URL with the standard AWS environment.
 */
public final class StorageOpener {

    private final Map<String, StorageDriver> open = new ConcurrentHashMap<>();
    private final Set<String> checked = ConcurrentHashMap.newKeySet();

    /** Makes {@code storage}, which the command line checked to be a registry's, the one its location names in this process. */
    public StorageDriver register(StorageDriver storage) {
        checked.add(storage.location());
        StorageDriver previous = open.put(storage.location(), storage);
        if (previous != null && previous != storage) {
            previous.close();
        }
        return storage;
    }

    public StorageDriver open(String location) {
        return open.computeIfAbsent(location, StorageOpener::fromLocation);
    }

    /**
     * The storage at {@code location}, checked to be a registry's once per process (every step of every partition
     * asks: on S3 a check is two requests, and steps start under Spring Batch's step-scope lock).
     */
    public StorageDriver openRegistry(String location) throws NotARegistryStorageException {
        StorageDriver storage = open(location);
        if (!checked.contains(location)) {
            RegistryPaths.check(storage);
            checked.add(location);
        }
        return storage;
    }

    /** A storage from its location alone. */
    public static StorageDriver fromLocation(String location) {
        if (S3Location.isS3(location)) {
            return S3Driver.open(S3Location.parse(location), S3Settings.fromEnvironment(System.getenv()));
        }
        return new FileSystemDriver(Path.of(location));
    }

    /**
     * The storage a {@code --storage-root} names: an {@code s3://} URL (reached with the standard AWS environment), or a
     * folder, known by its real path so that two spellings of one storage share one lock and one history.
     */
    public static StorageDriver openRoot(String storageRoot) throws NotARegistryStorageException {
        if (S3Location.isS3(storageRoot)) {
            try {
                return fromLocation(storageRoot);
            } catch (IllegalArgumentException e) {
                throw new NotARegistryStorageException("storage root " + storageRoot + ": " + e.getMessage());
            }
        }
        Path root = Path.of(storageRoot).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new NotARegistryStorageException("storage root " + root + " is not a directory");
        }
        try {
            return new FileSystemDriver(root.toRealPath());
        } catch (java.io.IOException e) {
            throw new NotARegistryStorageException("storage root " + root + " cannot be resolved: " + e.getMessage());
        }
    }

    /** Closes every storage (the S3 clients and their connection pools). */
    public void closeAll() {
        open.values().forEach(StorageDriver::close);
        open.clear();
    }
}
