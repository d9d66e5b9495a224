package io.registrygc.plan;

import io.registrygc.storage.Digest;
import io.registrygc.storage.RegistryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Carries out one plan item on the storage. Before removing a blob or a link it checks the file again:
 * one written after the run's cutoff is kept, whatever the plan said.
 */
public final class PlanExecutor {

    /** Tags whose index lists a manifest, so their index entries go with it. */
    public interface TagIndex {
        List<String> tagsIndexing(String repository, String digest);
    }

    private final RegistryStorage storage;
    private final TagIndex tagIndex;
    private final Instant cutoff;

    public PlanExecutor(RegistryStorage storage, TagIndex tagIndex, Instant cutoff) {
        this.storage = storage;
        this.tagIndex = tagIndex;
        this.cutoff = cutoff;
    }

    public record Result(Outcome outcome, long bytes) {
    }

    public Result execute(PlanItem item) throws IOException {
        return switch (item.action()) {
            case DELETE_TAG -> done(storage.deleteTag(item.repository(), item.tag()), 0);
            case DELETE_MANIFEST -> deleteManifest(item);
            case DELETE_LAYER_LINK -> deleteLayerLink(item);
            case DELETE_REPOSITORY -> done(storage.deleteRepository(item.repository()), 0);
            case DELETE_BLOB -> deleteBlob(item);
        };
    }

    private Result deleteManifest(PlanItem item) throws IOException {
        Digest digest = Digest.parse(item.digest());
        Path revision = storage.paths().revisionFolder(item.repository(), digest);
        if (changedSinceCutoff(revision.resolve("link"))) {
            return new Result(Outcome.KEPT_CHANGED, 0);
        }
        for (String tag : tagIndex.tagsIndexing(item.repository(), item.digest())) {
            storage.deleteTagIndexEntry(item.repository(), tag, digest);
        }
        return done(storage.deleteRevision(item.repository(), digest), 0);
    }

    private Result deleteLayerLink(PlanItem item) throws IOException {
        Digest digest = Digest.parse(item.digest());
        if (changedSinceCutoff(storage.paths().layerLinkFolder(item.repository(), digest).resolve("link"))) {
            return new Result(Outcome.KEPT_CHANGED, 0);
        }
        return done(storage.deleteLayerLink(item.repository(), digest), 0);
    }

    private Result deleteBlob(PlanItem item) throws IOException {
        Digest digest = Digest.parse(item.digest());
        if (changedSinceCutoff(storage.paths().blobData(digest))) {
            return new Result(Outcome.KEPT_CHANGED, 0);
        }
        long removed = storage.deleteBlob(digest);
        // an interrupted execution may have removed its data already: the scan knows its size
        return removed < 0 ? new Result(Outcome.ALREADY_GONE, item.bytes()) : new Result(Outcome.DELETED, removed);
    }

    private boolean changedSinceCutoff(Path file) throws IOException {
        try {
            return Files.getLastModifiedTime(file).toInstant().isAfter(cutoff);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static Result done(boolean removed, long bytes) {
        return new Result(removed ? Outcome.DELETED : Outcome.ALREADY_GONE, bytes);
    }
}
