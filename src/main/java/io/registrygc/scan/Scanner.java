package io.registrygc.scan;

import io.registrygc.manifest.ManifestParseException;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.policy.Retention.LastPull;
import io.registrygc.policy.Retention.ManifestFacts;
import io.registrygc.policy.Retention;
import io.registrygc.policy.RetentionPolicies;
import io.registrygc.policy.RetentionPolicy;
import io.registrygc.policy.Retention.TagFacts;
import io.registrygc.storage.BlobContent;
import io.registrygc.storage.Concurrently;
import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.StorageReader;
import io.registrygc.storage.RepositoryListing;
import io.registrygc.storage.StorageProblem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads one scan target from storage and parses what it holds; for a repository a retention policy applies to,
 * lets the policy decide on its tags and untagged manifests. Thread-safe; no Spring.
 */
public final class Scanner {

    private final StorageReader storage;
    private final ManifestParser parser;
    private final Optional<RetentionPolicies> retention;
    private final Function<String, Map<String, LastPull>> pulls;
    private final Instant now;
    private final boolean readTags;

    public Scanner(StorageReader storage, ManifestParser parser) {
        this(storage, parser, Optional.empty(), repository -> Map.of(), Instant.now(), true);
    }

    /**
     * {@code pulls}: when each manifest of a repository was last pulled (asked only for repositories whose policy has
     * a pull rule). {@code now}: the instant the policies' ages count from (the run's creation, the same on a resume).
     * {@code readTags}: whether the run's tags decide anything (the run settings' {@code readsTags}).
     */
    public Scanner(StorageReader storage, ManifestParser parser, Optional<RetentionPolicies> retention,
            Function<String, Map<String, LastPull>> pulls, Instant now, boolean readTags) {
        if (retention.isPresent() && !readTags) {
            throw new IllegalArgumentException("a retention policy decides on tags: they must be read");
        }
        this.storage = storage;
        this.parser = parser;
        this.retention = retention;
        this.pulls = pulls;
        this.now = now;
        this.readTags = readTags;
    }

    public ScanResult scan(ScanTarget target) {
        if (target instanceof ScanTarget.Shard shard) {
            return scanShard(shard);
        }
        if (target instanceof ScanTarget.Repository repository) {
            return scanRepository(repository);
        }
        return new ScanResult.End(((ScanTarget.End) target).problems());
    }

    private ScanResult scanShard(ScanTarget.Shard target) {
        List<StorageProblem> problems = new ArrayList<>();
        return new ScanResult.Blobs(storage.listBlobs(target.shard(), target.names(), problems::add), problems);
    }

    private ScanResult scanRepository(ScanTarget.Repository target) {
        List<StorageProblem> problems = new ArrayList<>(target.walkProblems());
        RepositoryListing listing = storage.readRepository(target.name(), readTags, problems::add);
        List<ScannedManifest> manifests = scanManifests(listing.revisions(), problems);
        ScanResult.Repository scanned = new ScanResult.Repository(listing, manifests, problems);
        // a repository whose tags or links could not all be read is kept whole: no policy ranks a partial listing
        Optional<RetentionPolicy> policy = scanned.tainted() ? Optional.empty()
                : retention.flatMap(policies -> policies.policyFor(listing.name()));
        if (policy.isEmpty()) {
            return scanned;
        }
        List<TagFacts> tags = listing.tags().stream()
                .map(t -> new TagFacts(t.name(), t.current().map(Object::toString), t.modified())).toList();
        List<ManifestFacts> revisions = listing.revisions().stream()
                .map(r -> new ManifestFacts(r.digest().toString(), r.modified())).toList();
        return new ScanResult.Repository(listing, manifests, problems, Optional.of(Retention.decide(policy.get(), tags,
                revisions, policy.get().usesPulls() ? pulls.apply(listing.name()) : Map.of(), now)));
    }

    /** The manifests in the revisions' order, and their problems in that order, however many were read at once. */
    private List<ScannedManifest> scanManifests(List<LinkEntry> revisions, List<StorageProblem> problems) {
        try {
            return Concurrently.mapInRuns(revisions, storage.readsAtOnce(revisions.size()), problems::add,
                    this::scanManifest);
        } catch (IOException e) {
            // a manifest's own failure is its state: this is only a wait for the readers that was interrupted
            throw new UncheckedIOException(e);
        }
    }

    private ScannedManifest scanManifest(LinkEntry revision, Consumer<StorageProblem> problems) {
        BlobContent content = storage.readBlob(revision.digest());
        if (content instanceof BlobContent.Missing missing) {
            problems.accept(new StorageProblem(missing.path(),
                    "manifest " + revision.digest() + " has a revision link but no blob data", StorageProblem.Impact.NOTED));
            return new ScannedManifest(revision.digest(), revision.modified(), ScannedManifest.State.MISSING,
                    "blob data missing: " + missing.path(), Optional.empty());
        }
        if (content instanceof BlobContent.Unreadable unreadable) {
            return new ScannedManifest(revision.digest(), revision.modified(), ScannedManifest.State.UNREADABLE,
                    unreadable.path() + ": " + unreadable.message(), Optional.empty());
        }
        byte[] bytes = ((BlobContent.Present) content).bytes();
        try {
            ParsedManifest parsed = parser.parse(bytes);
            return new ScannedManifest(revision.digest(), revision.modified(), ScannedManifest.State.OK, null,
                    Optional.of(parsed));
        } catch (ManifestParseException e) {
            Optional<ParsedManifest> unknownKind = parser.parseUnknownKind(bytes);
            if (unknownKind.isPresent()) {
                problems.accept(StorageProblem.noted(storage.describe(storage.paths().blobData(revision.digest())), "manifest "
                        + revision.digest() + " is JSON of an unknown kind (mediaType " + unknownKind.get().mediaType()
                        + "): its " + unknownKind.get().references().size() + " digest-like strings are kept as references"));
                return new ScannedManifest(revision.digest(), revision.modified(), ScannedManifest.State.OK, null,
                        unknownKind);
            }
            return new ScannedManifest(revision.digest(), revision.modified(), ScannedManifest.State.UNPARSEABLE,
                    storage.describe(storage.paths().blobData(revision.digest())) + ": " + e.getMessage(), Optional.empty());
        }
    }
}
