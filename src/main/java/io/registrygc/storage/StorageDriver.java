package io.registrygc.storage;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What the collector needs from a storage, and nothing more: list a folder, read a small file with a size cap, look
 * at one file, write one (a link written back, the lease), delete. A key is a path relative to the storage root with
 * '/' separators ({@code docker/registry/v2/blobs/...}); {@link RegistryPaths} is the only place that makes keys. The
 * filesystem ({@link FileSystemDriver}) and S3 ({@code S3Driver}) implement it; nothing above this interface knows
 * which one it talks to.
 *
 * <p>Folders: on a filesystem they exist on their own, and have times; on an object store a folder is the common
 * prefix of the keys below it, exists only while it holds one, and has no time of its own
 * ({@link #hasFolderTimes()}).
 */
public interface StorageDriver extends AutoCloseable {

    /** What a name in a folder is. A symbolic link is never followed: it is reported as one. */
    enum Kind { FILE, FOLDER, SYMLINK, OTHER }

    /**
     * A name in a folder: its kind and, for a file, its size and modification time (a folder's time where the store
     * keeps one, else null).
     */
    record Entry(String name, Kind kind, long size, Instant modified) {
        public boolean isFile() {
            return kind == Kind.FILE;
        }

        public boolean isFolder() {
            return kind == Kind.FOLDER;
        }
    }

    /** One named sub-folder of a folder and one file in it (null when absent); see {@link #branches}. */
    record Branch(String name, Entry folder, Entry file) {
    }

    /** How the storage is known in locks, history and metrics: a real absolute path, or {@code s3://bucket/root}. */
    String location();

    /** A key as an operator finds it (an absolute path, an {@code s3://} URL), for messages. */
    String describe(String key);

    /** The names in a folder, sorted; empty when the folder does not exist. */
    List<String> names(String folder) throws IOException;

    /** The names in a folder with what they are, sorted by name; empty when the folder does not exist. */
    List<Entry> list(String folder) throws IOException;

    /**
     * These sub-folders of {@code folder} (sorted names), each with its file {@code fileName}: the shape of a blob
     * shard ({@code <hex>/data}) and of a link folder ({@code <hex>/link}). A name that is gone is left out. On an
     * object store this is one ranged listing instead of a request per name.
     */
    List<Branch> branches(String folder, List<String> names, String fileName) throws IOException;

    /**
     * Every sub-folder of {@code folder}, as {@link #branches(String, List, String)} gives them; a filesystem reads
     * them in one opening of the folder. (An object store's scan lists whole trees instead.)
     */
    default List<Branch> branches(String folder, String fileName) throws IOException {
        return branches(folder, names(folder), fileName);
    }

    /**
     * Every file below {@code folder}, at any depth, with its size and time; its name is its path below the folder.
     * On an object store one listing of a tree costs a request per thousand keys, far less than a listing per folder.
     */
    default List<Entry> walk(String folder) throws IOException {
        List<Entry> files = new ArrayList<>();
        walk(folder, null, files::add);
        return files;
    }

    /**
     * As {@link #walk(String)}, handing each file on as it comes, in key order, only those whose name sorts after
     * {@code after}, until {@code each} answers false.
     */
    void walk(String folder, String after, Predicate<Entry> each) throws IOException;

    /** A file or folder as it is now (a symbolic link's own attributes), empty when there is none. */
    Optional<Entry> stat(String key) throws IOException;

    /** True when {@code key} is a folder (not a symbolic link to one). */
    boolean isFolder(String key) throws IOException;

    /**
     * Reads a file, at most {@code limit + 1} bytes (so that a caller can tell it is larger than it accepts).
     * {@link NoSuchFileException} when it does not exist.
     */
    byte[] read(String key, int limit) throws IOException;

    /** Writes a whole file, visible to readers only once complete (a new file renamed into place, or one PUT). */
    void write(String key, byte[] content) throws IOException;

    /**
     * Removes a folder and everything in it, never following a symbolic link. Says what was there; removing what
     * is gone succeeds (a resumed run repeats the item it was interrupted in).
     */
    Removal deleteFolder(String folder, String mainFile) throws IOException;

    /**
     * Folder deletions carried out together: each {@link Deletions#deleteFolder} says at once what it found, and
     * {@link Deletions#commit} removes them all. A filesystem removes each at once; an object store lists each folder
     * and removes every key of the batch with one request per thousand ({@code DeleteObjects}). A batch that was not
     * committed, or whose commit failed, may have removed some of its folders: deletions are idempotent, and a resumed
     * run repeats them.
     */
    default Deletions deletions() {
        return immediateDeletions(this);
    }

    /** Deletions that remove each folder as it comes. */
    static Deletions immediateDeletions(StorageDriver storage) {
        return new Deletions() {
            @Override
            public Removal deleteFolder(String folder, String mainFile) throws IOException {
                return storage.deleteFolder(folder, mainFile);
            }

            @Override
            public void commit() {
                // removed as they came
            }
        };
    }

    /** See {@link StorageDriver#deletions()}; safe to use from several threads. */
    interface Deletions {
        Removal deleteFolder(String folder, String mainFile) throws IOException;

        void commit() throws IOException;
    }

    /** What {@link #deleteFolder} found: nothing, the folder without its main file, or the folder with it. */
    enum Removal {
        NOTHING, FOLDER, FOLDER_AND_MAIN_FILE;

        public boolean removedSomething() {
            return this != NOTHING;
        }
    }

    /** Removes {@code folder} and then its parents up to (not including) {@code stop}, each only while empty. */
    void deleteEmptyFolders(String folder, String stop) throws IOException;

    /** Whether folders have modification times (a new child changes its folder's): what cheap looks rely on. */
    boolean hasFolderTimes();

    /** Whether the store has symbolic links (a filesystem), which are reported and never followed. */
    boolean hasSymbolicLinks();

    /** Whether reading a small file is cheap (a local read, not a request): then links are read to be verified. */
    boolean cheapReads();

    /**
     * How many independent deletions a caller may carry out at once: one on a filesystem (a local system call each),
     * more on an object store, where each request waits tens of milliseconds for its answer.
     */
    default int concurrentRequests() {
        return 1;
    }

    /** How many requests of each kind this driver made; empty for a filesystem. */
    default Optional<RequestCounts> requests() {
        return Optional.empty();
    }

    @Override
    default void close() {
    }
}
