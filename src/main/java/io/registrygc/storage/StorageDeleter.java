package io.registrygc.storage;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removes things from a Distribution filesystem storage. Deletions are idempotent: deleting what is already
 * gone returns false (or -1) and succeeds, so a resumed run can repeat the item it was interrupted in. A failure
 * is an {@link IOException}: it must stop the run, never be skipped.
 */
public final class StorageDeleter {

    private final RegistryPaths paths;

    public StorageDeleter(RegistryPaths paths) {
        this.paths = paths;
    }

    /** Removes a manifest revision (its link and legacy signatures). True when something was removed. */
    public boolean deleteRevision(String repository, Digest digest) throws IOException {
        return deleteLinkFolder(paths.revisionFolder(repository, digest));
    }

    public boolean deleteTagIndexEntry(String repository, String tag, Digest digest) throws IOException {
        return deleteLinkFolder(paths.tagIndexEntry(repository, tag, digest));
    }

    public boolean deleteTag(String repository, String tag) throws IOException {
        return deleteTree(paths.tagFolder(repository, tag));
    }

    public boolean deleteLayerLink(String repository, Digest digest) throws IOException {
        return deleteLinkFolder(paths.layerLinkFolder(repository, digest));
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
     * Removes a blob folder; true when its data file was removed by this call (false: it was gone already, as an
     * interrupted delete removes the data before the folder).
     */
    public boolean deleteBlob(Digest digest) throws IOException {
        Path folder = paths.blobFolder(digest);
        return isRealFolder(folder) && deleteFolderOf(folder, "data");
    }

    /**
     * A folder that holds a {@code link} file (a revision, a layer link, a tag index entry): the link, then the folder;
     * anything else in it (legacy signatures, a temporary link) is removed as a tree.
     */
    private boolean deleteLinkFolder(Path folder) throws IOException {
        if (!isRealFolder(folder)) {
            return false;
        }
        deleteFolderOf(folder, "link");
        return true;
    }

    /**
     * The common case in two system calls (remove the one file, then the folder) instead of a walk: a sweep removes
     * hundreds of thousands of these. A folder that holds more falls back to the walk. True when the file was there.
     */
    private boolean deleteFolderOf(Path folder, String onlyFile) throws IOException {
        insideStorage(folder);
        boolean fileRemoved = false;
        try {
            fileRemoved = Files.deleteIfExists(folder.resolve(onlyFile));
            Files.delete(folder);
        } catch (NoSuchFileException e) {
            // removed meanwhile (an interrupted execution, or the registry): nothing left to do
        } catch (DirectoryNotEmptyException e) {
            deleteTree(folder);
        }
        return fileRemoved;
    }

    /** A directory itself, not a symbolic link to one (which is never followed). */
    private static boolean isRealFolder(Path folder) throws IOException {
        try {
            return Files.readAttributes(folder, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private void insideStorage(Path target) throws IOException {
        if (!target.toAbsolutePath().normalize().startsWith(paths.v2())) {
            throw new IOException("refusing to delete outside the storage: " + target);
        }
    }

    private boolean deleteTree(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        insideStorage(target);
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

    private static boolean isEmptyDirectory(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            return !children.iterator().hasNext();
        }
    }
}
