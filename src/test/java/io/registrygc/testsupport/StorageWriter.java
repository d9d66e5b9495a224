package io.registrygc.testsupport;

import io.registrygc.storage.Digest;
import io.registrygc.storage.FileSystemDriver;
import io.registrygc.storage.RegistryPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a registry storage in Distribution's on-disk layout (through {@link RegistryPaths}, the layout's one
 * description), as the registry's filesystem driver leaves it: blob data, revision links, tag links with their index,
 * {@code _layers} links, and a revision folder without its link for a manifest deleted through the API.
 */
public final class StorageWriter {

    private final RegistryPaths paths = RegistryPaths.LAYOUT;
    private final FileSystemDriver storage;

    public StorageWriter(Path root) {
        this.storage = new FileSystemDriver(root);
        try {
            Files.createDirectories(file(paths.blobsRoot()));
            Files.createDirectories(file(paths.repositoriesRoot()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Digest blob(byte[] content) {
        Digest digest = Digest.sha256(content);
        write(file(paths.blobData(digest)), content);
        return digest;
    }

    public Digest blob(String content) {
        return blob(content.getBytes(StandardCharsets.UTF_8));
    }

    public void layerLink(String repository, Digest digest) {
        link(file(paths.layerLinkFolder(repository, digest) + "/link"), digest);
    }

    public void revision(String repository, Digest manifest) {
        link(file(paths.revisionFolder(repository, manifest) + "/link"), manifest);
    }

    /** What the registry's API leaves of a deleted manifest: the revision folder without its link. */
    public void deleteRevisionThroughApi(String repository, Digest manifest) {
        try {
            Files.deleteIfExists(file(paths.revisionFolder(repository, manifest) + "/link"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Points a tag at a manifest (and records it in the tag's index), as a push by tag does. */
    public void tag(String repository, String tag, Digest manifest) {
        link(file(paths.tagCurrentLink(repository, tag)), manifest);
        link(file(paths.tagIndexEntry(repository, tag, manifest) + "/link"), manifest);
    }

    /** Removes a tag whole, as the API's tag deletion does. */
    public void untag(String repository, String tag) {
        try (var walk = Files.walk(file(paths.tagFolder(repository, tag)))) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file of a storage key. */
    public Path file(String key) {
        return storage.file(key);
    }

    private static void link(Path file, Digest digest) {
        write(file, digest.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static void write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
