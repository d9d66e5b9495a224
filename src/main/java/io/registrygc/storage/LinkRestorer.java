package io.registrygc.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Writes back a link that a manifest pushed during a run needs: the registry checked it when it accepted the
 * manifest, and the run deleted it before it saw the manifest. Only a link whose blob data still exists is written
 * back (without the data the link would only hide that the blob is gone), as the registry writes it: the digest,
 * no newline, visible only once complete.
 */
public final class LinkRestorer {

    private final StorageDriver storage;
    private final RegistryPaths paths = RegistryPaths.LAYOUT;

    public LinkRestorer(StorageDriver storage) {
        this.storage = storage;
    }

    /** Writes {@code repository/_layers/<digest>/link} back; true when it was missing and the blob's data exists. */
    public boolean restoreLayerLink(String repository, Digest digest) throws IOException {
        return restore(paths.layerLinkFolder(repository, digest), digest);
    }

    /** Writes the revision link of a manifest back (a child of an index pushed during the run). */
    public boolean restoreRevision(String repository, Digest digest) throws IOException {
        return restore(paths.revisionFolder(repository, digest), digest);
    }

    private boolean restore(String folder, Digest digest) throws IOException {
        String link = folder + "/link";
        Optional<StorageDriver.Entry> data = storage.stat(paths.blobData(digest));
        if (storage.stat(link).isPresent() || data.isEmpty() || !data.get().isFile()) {
            return false;
        }
        storage.write(link, digest.toString().getBytes(StandardCharsets.US_ASCII));
        return true;
    }
}
