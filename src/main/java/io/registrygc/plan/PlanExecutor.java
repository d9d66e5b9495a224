package io.registrygc.plan;

import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.Concurrently;
import io.registrygc.storage.Digest;
import io.registrygc.storage.StorageDeleter;
import io.registrygc.storage.StorageReader;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Carries out plan items on the storage. Before removing a tag, a manifest, a link or a blob it reads the file's time
 * again: one written after the run's cutoff is kept, whatever the plan said. A dry run carries out nothing and
 * records every item as planned; an item that drifted from an applied plan is recorded, never carried out. While the
 * registry takes pushes, the content of each small JSON blob (a manifest, maybe) is handed to a {@link ContentKeeper}
 * before the chunk deletes any data: a push of that manifest may have found the data just before it went.
 */
public final class PlanExecutor {

    /** Tags whose index lists each manifest ({@code repository@digest}), so their index entries go with it. */
    public interface TagIndex {
        Map<String, List<String>> tagsIndexing(List<? extends PlanItem> manifests);
    }

    /**
     * Keeps, durably and before they go, the contents of blobs whose data a chunk is about to delete. Any other than
     * {@link #NONE} says the registry takes pushes during the run.
     */
    public interface ContentKeeper {
        /** Nothing kept: the registry is offline, so no push can need the data back, and a chunk may delete at its end. */
        ContentKeeper NONE = contents -> { };

        void keep(Map<Digest, byte[]> contents);
    }

    private final StorageReader reader;
    private final StorageDeleter deleter;
    private final TagIndex tagIndex;
    private final ContentKeeper keeper;
    private final Instant cutoff;
    private final boolean dryRun;

    public PlanExecutor(StorageReader reader, StorageDeleter deleter, TagIndex tagIndex, ContentKeeper keeper,
            Instant cutoff, boolean dryRun) {
        this.reader = reader;
        this.deleter = deleter;
        this.tagIndex = tagIndex;
        this.keeper = keeper;
        this.cutoff = cutoff;
        this.dryRun = dryRun;
    }

    /**
     * Carries out items in order; the first that cannot be deleted stops it with an exception naming the item. On an
     * object store several items of the chunk are re-checked at once (each waits for the store's answers) and what
     * they delete goes in one request per thousand keys at the end; the results keep the items' order. While the
     * registry takes pushes, tags, manifests and repositories go right after their check instead: until the chunk's
     * end the registry could write one again unseen (a tag pushed again, the revision of a manifest pushed again),
     * and no look would find it, where the blob phase's links and data are written back by the looks.
     */
    public List<ExecutedItem> carryOut(List<? extends PlanItem> items) throws IOException {
        Map<String, List<String>> indexingTags = dryRun ? Map.of() : tagIndex.tagsIndexing(items.stream()
                .filter(i -> i.action() == PlanItem.Action.DELETE_MANIFEST && i.drift() == null).toList());
        boolean online = keeper != ContentKeeper.NONE;
        if (!dryRun && online) {
            keepJsonContent(items);
        }
        StorageDeleter chunk = deleter.batch();
        List<ExecutedItem> done = Concurrently.map(items, dryRun ? 1 : reader.driver().concurrentRequests(),
                item -> carryOut(item, indexingTags, online && item.phase() == PlanItem.Phase.MANIFESTS ? deleter : chunk));
        try {
            chunk.commit();
        } catch (IOException e) {
            throw new IOException("cannot delete the " + items.size() + " items of a chunk: " + e.getMessage(), e);
        }
        return done;
    }

    /** Reads the blobs the chunk may delete that can be manifests, and has their content kept. */
    private void keepJsonContent(List<? extends PlanItem> items) throws IOException {
        record Blob(Digest digest, long bytes) {
        }
        List<Blob> blobs = items.stream()
                // an empty blob is no manifest (and S3 may refuse a ranged read of an empty object: 416)
                .filter(i -> i.action() == PlanItem.Action.DELETE_BLOB && i.drift() == null && i.bytes() > 0
                        && i.bytes() <= StorageReader.MAX_MANIFEST_BYTES)
                .map(i -> new Blob(Digest.parse(i.digest()), i.bytes())).toList();
        List<Optional<byte[]>> contents = Concurrently.map(blobs, reader.driver().concurrentRequests(),
                blob -> reader.jsonContent(blob.digest(), blob.bytes()));
        Map<Digest, byte[]> json = new LinkedHashMap<>();
        for (int i = 0; i < blobs.size(); i++) {
            Digest digest = blobs.get(i).digest();
            contents.get(i).ifPresent(content -> json.put(digest, content));
        }
        if (!json.isEmpty()) {
            keeper.keep(json);
        }
    }

    private ExecutedItem carryOut(PlanItem item, Map<String, List<String>> indexingTags, StorageDeleter deleter)
            throws IOException {
        try {
            return item.drift() != null ? new ExecutedItem(item, Outcome.DRIFTED, 0)
                    : dryRun ? new ExecutedItem(item, Outcome.PLANNED, item.bytes()) : execute(item, indexingTags, deleter);
        } catch (IOException e) {
            throw new IOException("cannot delete " + item.describe() + ": " + e.getMessage(), e);
        }
    }

    private ExecutedItem execute(PlanItem item, Map<String, List<String>> indexingTags, StorageDeleter deleter)
            throws IOException {
        return switch (item.action()) {
            case DELETE_TAG -> changedSinceCutoff(reader.tagModified(item.repository(), item.tag())) ? kept(item)
                    : done(item, deleter.deleteTag(item.repository(), item.tag()));
            case DELETE_MANIFEST -> deleteManifest(item, indexingTags.getOrDefault(item.repository() + "@" + item.digest(),
                    List.of()), deleter);
            case DELETE_LAYER_LINK -> deleteLayerLink(item, deleter);
            case DELETE_REPOSITORY -> done(item, deleter.deleteRepository(item.repository()));
            case DELETE_BLOB -> deleteBlob(item, deleter);
        };
    }

    private ExecutedItem deleteManifest(PlanItem item, List<String> indexingTags, StorageDeleter deleter) throws IOException {
        Digest digest = Digest.parse(item.digest());
        if (changedSinceCutoff(reader.revisionModified(item.repository(), digest))) {
            return kept(item);
        }
        for (String tag : indexingTags) {
            deleter.deleteTagIndexEntry(item.repository(), tag, digest);
        }
        return done(item, deleter.deleteRevision(item.repository(), digest));
    }

    private ExecutedItem deleteLayerLink(PlanItem item, StorageDeleter deleter) throws IOException {
        Digest digest = Digest.parse(item.digest());
        if (changedSinceCutoff(reader.layerLinkModified(item.repository(), digest))) {
            return kept(item);
        }
        return done(item, deleter.deleteLayerLink(item.repository(), digest));
    }

    private ExecutedItem deleteBlob(PlanItem item, StorageDeleter deleter) throws IOException {
        Digest digest = Digest.parse(item.digest());
        Optional<BlobEntry> data = reader.blobData(digest);
        if (changedSinceCutoff(data.map(BlobEntry::modified))) {
            return kept(item);
        }
        // an interrupted execution may have removed its data already: the scan knows its size
        return deleter.deleteBlob(digest) && data.isPresent() ? new ExecutedItem(item, Outcome.DELETED, data.get().size())
                : new ExecutedItem(item, Outcome.ALREADY_GONE, item.bytes());
    }

    private boolean changedSinceCutoff(Optional<Instant> modified) {
        return modified.isPresent() && modified.get().isAfter(cutoff);
    }

    private static ExecutedItem kept(PlanItem item) {
        return new ExecutedItem(item, Outcome.KEPT_CHANGED, 0);
    }

    private static ExecutedItem done(PlanItem item, boolean removed) {
        return new ExecutedItem(item, removed ? Outcome.DELETED : Outcome.ALREADY_GONE, 0);
    }
}
