package io.registrygc.scan;

import io.registrygc.manifest.ManifestParseException;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.storage.BlobContent;
import io.registrygc.storage.Digest;
import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.RepositoryWatch;
import io.registrygc.storage.StorageReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The manifests whose revision link was written after an instant, in every repository (new ones included): pushed,
 * or pushed again, while a run went on. For each, what it references, or that it could not be read (then what it
 * holds is unknown); and the layer links written after the instant. Reads only links and those manifests; no Spring.
 */
public final class RecentManifests {

    /** A manifest written after the instant; {@code references} is empty when {@code unreadable} says why. */
    public record Recent(String repository, Digest digest, List<Reference> references, Optional<String> unreadable) {
    }

    /** The content the run kept of a blob whose data it deleted, matching its digest (see {@code WithdrawnContent}). */
    public interface Withdrawn {
        Optional<byte[]> content(Digest digest);
    }

    private final StorageReader storage;
    private final ManifestParser parser;
    private final Withdrawn withdrawn;

    /**
     * {@code withdrawn}: where a manifest whose data the run deleted is read from; a push that found its blob just
     * before the sweep deleted it wrote only its links, and the look must still learn what it names.
     */
    public RecentManifests(StorageReader storage, ManifestParser parser, Withdrawn withdrawn) {
        this.storage = storage;
        this.parser = parser;
        this.withdrawn = withdrawn;
    }

    /**
     * Starts looking for what was written after {@code since}: the first {@link Watch#look} reads every repository (on
     * an object store: those with a link written since then), each later one only the repositories where a revision
     * or layer link may have appeared in between.
     */
    public Watch watch(Instant since) {
        return new Watch(since, new RepositoryWatch(storage, since));
    }

    /** A layer link written after the instant: an upload or a mount gave the repository this blob. */
    public record FreshLink(String repository, Digest digest) {
    }

    /** What one look found that no earlier look of its watch had. */
    public record Look(List<Recent> manifests, List<FreshLink> links) {
        public boolean isEmpty() {
            return manifests.isEmpty() && links.isEmpty();
        }
    }

    /** Repeated looks at the storage for what was written recently, each thing returned once. Not thread-safe. */
    public final class Watch {
        private final Instant since;
        private final RepositoryWatch repositories;
        private final Set<String> returned = new HashSet<>();

        private Watch(Instant since, RepositoryWatch repositories) {
            this.since = since;
            this.repositories = repositories;
        }

        /** The manifests and layer links written after the instant that no earlier look returned. */
        public Look look(Consumer<StorageProblem> problems) {
            RepositoryWatch.Changes changes = repositories.changedRepositories(problems);
            List<Recent> manifests = new ArrayList<>();
            for (String repository : changes.revisions()) {
                for (Digest digest : writtenAfter(storage.readRevisions(repository, problems, unsettled(repository)),
                        repository + "@")) {
                    manifests.add(read(repository, digest));
                }
            }
            List<FreshLink> links = new ArrayList<>();
            for (String repository : changes.layers()) {
                for (Digest digest : writtenAfter(storage.readLayerLinks(repository, problems, unsettled(repository)),
                        repository + "/_layers/")) {
                    links.add(new FreshLink(repository, digest));
                }
            }
            return new Look(manifests, links);
        }

        private List<Digest> writtenAfter(List<LinkEntry> entries, String prefix) {
            return entries.stream()
                    .filter(e -> e.modified().isAfter(since) && returned.add(prefix + e.digest()))
                    .map(LinkEntry::digest).toList();
        }

        /** A link folder without its link, changed since the instant: being written now (or deleted during the run). */
        private Consumer<Instant> unsettled(String repository) {
            return folderTime -> {
                if (folderTime.isAfter(since)) {
                    repositories.unsettled(repository);
                }
            };
        }
    }

    private Recent read(String repository, Digest digest) {
        BlobContent content = storage.readBlob(digest);
        if (content instanceof BlobContent.Missing) {
            content = withdrawn.content(digest).<BlobContent>map(BlobContent.Present::new).orElse(content);
        }
        if (content instanceof BlobContent.Present present) {
            try {
                return new Recent(repository, digest, parser.parse(present.bytes()).references(), Optional.empty());
            } catch (ManifestParseException e) {
                Optional<ParsedManifest> unknownKind = parser.parseUnknownKind(present.bytes());
                return unknownKind.isPresent()
                        ? new Recent(repository, digest, unknownKind.get().references(), Optional.empty())
                        : new Recent(repository, digest, List.of(), Optional.of(e.getMessage()));
            }
        }
        if (content instanceof BlobContent.Unreadable unreadable) {
            return new Recent(repository, digest, List.of(), Optional.of(unreadable.path() + ": " + unreadable.message()));
        }
        return new Recent(repository, digest, List.of(), Optional.empty()); // no data, none kept: it holds nothing
    }
}
