package io.registrygc.scan;

import io.registrygc.manifest.ManifestParseException;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.storage.BlobContent;
import io.registrygc.storage.Digest;
import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.StorageReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The manifests whose revision link was written after an instant, in every repository (new ones included): pushed,
 * or pushed again, while a run went on. For each, what it references, or that it could not be read (then what it
 * holds is unknown). Reads only revision links and those manifests; no Spring.
 */
public final class RecentManifests {

    /** A manifest written after the instant; {@code references} is empty when {@code unreadable} says why. */
    public record Recent(String repository, Digest digest, List<Digest> references, Optional<String> unreadable) {
    }

    private final StorageReader storage;
    private final ManifestParser parser;

    public RecentManifests(StorageReader storage, ManifestParser parser) {
        this.storage = storage;
        this.parser = parser;
    }

    public List<Recent> writtenAfter(Instant since, Consumer<StorageProblem> problems) {
        List<Recent> out = new ArrayList<>();
        for (Iterator<String> repositories = storage.repositories(null, problems); repositories.hasNext(); ) {
            String repository = repositories.next();
            for (LinkEntry revision : storage.readRevisions(repository, problems)) {
                if (revision.modified().isAfter(since)) {
                    out.add(read(repository, revision.digest()));
                }
            }
        }
        return out;
    }

    private Recent read(String repository, Digest digest) {
        BlobContent content = storage.readBlob(digest);
        if (content instanceof BlobContent.Present present) {
            try {
                List<Digest> references = parser.parse(present.bytes()).references().stream().map(Reference::digest).toList();
                return new Recent(repository, digest, references, Optional.empty());
            } catch (ManifestParseException e) {
                Optional<ParsedManifest> unknownKind = parser.parseUnknownKind(present.bytes());
                return unknownKind.isPresent()
                        ? new Recent(repository, digest, unknownKind.get().references().stream().map(Reference::digest).toList(),
                                Optional.empty())
                        : new Recent(repository, digest, List.of(), Optional.of(e.getMessage()));
            }
        }
        if (content instanceof BlobContent.Unreadable unreadable) {
            return new Recent(repository, digest, List.of(), Optional.of(unreadable.path() + ": " + unreadable.message()));
        }
        return new Recent(repository, digest, List.of(), Optional.empty()); // no data: it holds nothing
    }
}
