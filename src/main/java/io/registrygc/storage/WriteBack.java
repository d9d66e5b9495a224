package io.registrygc.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Writes back what a manifest pushed during a run needs: the registry checked it when it accepted the manifest, and
 * the run deleted it before it saw the manifest. A link is written back only while its blob's data exists (without
 * the data the link would only hide that the blob is gone), as the registry writes it: the digest, no newline,
 * visible only once complete. Blob data is written back only from content that matches its digest: what the run kept
 * of the small JSON blobs it deleted.
 */
public final class WriteBack {

    private final StorageDriver storage;
    private final RegistryPaths paths = RegistryPaths.LAYOUT;

    public WriteBack(StorageDriver storage) {
        this.storage = storage;
    }

    /** Writes {@code repository/_layers/<digest>/link} back; true when it was missing and the blob's data exists. */
    public boolean layerLink(String repository, Digest digest) throws IOException {
        return link(paths.layerLinkFolder(repository, digest), digest);
    }

    /** Writes the revision link of a manifest back (a child of an index pushed during the run). */
    public boolean revision(String repository, Digest digest) throws IOException {
        return link(paths.revisionFolder(repository, digest), digest);
    }

    /** Whether a blob's data is there. */
    public boolean hasData(Digest digest) throws IOException {
        Optional<StorageDriver.Entry> data = storage.stat(paths.blobData(digest));
        return data.isPresent() && data.get().isFile();
    }

    /** Writes a blob's data back; true when it was missing. Content that does not match the digest is refused. */
    public boolean data(Digest digest, byte[] content) throws IOException {
        if (!Digest.of(digest.algorithm(), content).equals(digest)) {
            throw new IllegalArgumentException("content does not match " + digest);
        }
        if (storage.stat(paths.blobData(digest)).isPresent()) {
            return false;
        }
        storage.write(paths.blobData(digest), content);
        return true;
    }

    private boolean link(String folder, Digest digest) throws IOException {
        String link = folder + "/link";
        if (storage.stat(link).isPresent() || !hasData(digest)) {
            return false;
        }
        storage.write(link, digest.toString().getBytes(StandardCharsets.US_ASCII));
        return true;
    }
}
