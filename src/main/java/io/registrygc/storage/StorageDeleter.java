package io.registrygc.storage;

import java.io.IOException;
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
        long size;
        try {
            size = Files.size(paths.blobData(digest));
        } catch (NoSuchFileException e) {
            size = -1;
        }
        deleteTree(paths.blobFolder(digest));
        return size;
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

    private static boolean isEmptyDirectory(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            return !children.iterator().hasNext();
        }
    }
}
