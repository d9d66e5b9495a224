package io.registrygc.scan;

import io.registrygc.policy.Retention.RepositoryDecisions;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.RepositoryListing;
import io.registrygc.storage.StorageProblem;
import java.util.List;
import java.util.Optional;

/** What scanning one {@link ScanTarget} found, ready to be stored. */
public sealed interface ScanResult {

    List<StorageProblem> problems();

    record Blobs(List<BlobEntry> blobs, List<StorageProblem> problems) implements ScanResult {
    }

    /** {@code retention}: what the repository's retention policy decided, when one applies to it. */
    record Repository(RepositoryListing listing, List<ScannedManifest> manifests, List<StorageProblem> problems,
            Optional<RepositoryDecisions> retention) implements ScanResult {

        public Repository(RepositoryListing listing, List<ScannedManifest> manifests, List<StorageProblem> problems) {
            this(listing, manifests, problems, Optional.empty());
        }

        /** Its tags or listing could not be read: which manifests it needs is unknown. */
        public boolean tainted() {
            return problems.stream().anyMatch(p -> p.impact() == StorageProblem.Impact.REPOSITORY_KEPT);
        }
    }

    /** The scan is complete: what remains to store is the problems the walk met at its end. */
    record End(List<StorageProblem> problems) implements ScanResult {
    }
}
