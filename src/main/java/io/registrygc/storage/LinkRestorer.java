package io.registrygc.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Writes back a link that a manifest pushed during a run needs: the registry checked it when it accepted the
 * manifest, and the run deleted it before it saw the manifest. Only a link whose blob data still exists is written
 * back (without the data the link would only hide that the blob is gone), as the registry writes it: the digest,
 * no newline, in a new file renamed onto {@code link} so that no reader sees it half written.
 */
public final class LinkRestorer {

    private final RegistryPaths paths;

    public LinkRestorer(RegistryPaths paths) {
        this.paths = paths;
    }

    /** Writes {@code repository/_layers/<digest>/link} back; true when it was missing and the blob's data exists. */
    public boolean restoreLayerLink(String repository, Digest digest) throws IOException {
        return restore(paths.layerLinkFolder(repository, digest), digest);
    }

    /** Writes the revision link of a manifest back (a child of an index pushed during the run). */
    public boolean restoreRevision(String repository, Digest digest) throws IOException {
        return restore(paths.revisionFolder(repository, digest), digest);
    }

    private boolean restore(Path folder, Digest digest) throws IOException {
        Path link = folder.resolve("link");
        if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(paths.blobData(digest), LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Files.createDirectories(folder);
        Path written = folder.resolve("link." + UUID.randomUUID() + ".tmp");
        Files.writeString(written, digest.toString(), StandardCharsets.US_ASCII);
        Files.move(written, link, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }
}
