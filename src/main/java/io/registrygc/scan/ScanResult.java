package io.registrygc.scan;

import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.RepositoryListing;
import io.registrygc.storage.StorageProblem;
import java.util.List;

/** What scanning one {@link ScanTarget} found, ready to be stored. */
public sealed interface ScanResult {

    List<StorageProblem> problems();

    record Blobs(List<BlobEntry> blobs, List<StorageProblem> problems) implements ScanResult {
    }

    record Repository(RepositoryListing listing, List<ScannedManifest> manifests, List<StorageProblem> problems)
            implements ScanResult {
        /** Its tags or listing could not be read: which manifests it needs is unknown. */
        public boolean tainted() {
            return problems.stream().anyMatch(p -> p.impact() == StorageProblem.Impact.REPOSITORY_KEPT);
        }
    }

    /** The scan is complete: what remains to store is the problems the walk met at its end. */
    record End(List<StorageProblem> problems) implements ScanResult {
    }
}
