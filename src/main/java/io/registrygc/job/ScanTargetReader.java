package io.registrygc.job;

import io.registrygc.scan.ScanRange;
import io.registrygc.scan.ScanTarget;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.StorageReader;
import io.registrygc.storage.BlobShard;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Enumerates the targets of one scan partition: its blob shards' folders in batches, or its repositories in walk
 * order, then the end of the partition (with what the walk could not read after its last repository). Its checkpoint is the
 * key of the last target read, so a restarted partition continues after its last committed chunk.
 */
class ScanTargetReader implements ItemStreamReader<ScanTarget> {

    static final String LAST_KEY = "scan.lastKey";
    private static final String BLOBS = "blobs/";
    private static final String REPOSITORIES = "repositories/";

    private final StorageReader storage;
    private final ScanRange range;
    private final List<StorageProblem> walkProblems = new ArrayList<>();
    private String lastKey;
    private Iterator<ScanTarget> targets;
    private boolean finished;

    ScanTargetReader(StorageReader storage, ScanRange range) {
        this.storage = storage;
        this.range = range;
    }

    @Override
    public void open(ExecutionContext context) {
        lastKey = context.containsKey(LAST_KEY) ? context.getString(LAST_KEY) : null;
        finished = ScanTarget.End.KEY.equals(lastKey) || range instanceof ScanRange.Empty;
        walkProblems.clear();
        if (finished) {
            targets = Collections.emptyIterator();
        } else if (range instanceof ScanRange.Shards shards) {
            targets = blobBatches(storage.blobShards(walkProblems::add).stream().filter(shards::contains).toList());
        } else {
            targets = repositories((ScanRange.Repositories) range);
        }
    }

    /**
     * The shards' folders in batches of at most {@link ScanTarget.Shard#MAX_BLOBS}, each shard listed when its turn
     * comes, after the checkpoint ({@code blobs/<shard>/<last name>}; a checkpoint of the shard alone, as an
     * earlier version wrote it, means the whole shard is done).
     */
    private Iterator<ScanTarget> blobBatches(List<BlobShard> shards) {
        String[] done = lastKey != null && lastKey.startsWith(BLOBS) ? lastKey.substring(BLOBS.length()).split("/", 3) : null;
        String resumeShard = done == null ? null : done[0] + "/" + done[1];
        String resumeAfter = done != null && done.length > 2 ? done[2] : null;
        Deque<ScanTarget> batches = new ArrayDeque<>();
        Iterator<BlobShard> pending = shards.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                while (batches.isEmpty() && pending.hasNext()) {
                    BlobShard shard = pending.next();
                    int order = resumeShard == null ? 1 : shard.key().compareTo(resumeShard);
                    if (order < 0 || (order == 0 && resumeAfter == null)) {
                        continue; // done before the restart
                    }
                    List<String> names = storage.blobNames(shard, walkProblems::add);
                    if (order == 0) {
                        names = names.stream().filter(n -> n.compareTo(resumeAfter) > 0).toList();
                    }
                    for (int from = 0; from < names.size(); from += ScanTarget.Shard.MAX_BLOBS) {
                        batches.add(new ScanTarget.Shard(shard,
                                names.subList(from, Math.min(names.size(), from + ScanTarget.Shard.MAX_BLOBS))));
                    }
                }
                return !batches.isEmpty();
            }

            @Override
            public ScanTarget next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return batches.poll();
            }
        };
    }

    private Iterator<ScanTarget> repositories(ScanRange.Repositories range) {
        String after = lastKey != null ? lastKey.substring(REPOSITORIES.length()) : range.after();
        Iterator<String> names = storage.repositories(after, range.last(), walkProblems::add);
        return new Iterator<>() {
            private String next = advance();

            private String advance() {
                if (!names.hasNext()) {
                    return null;
                }
                String name = names.next();
                return range.last() == null || StorageReader.compareInWalkOrder(name, range.last()) <= 0 ? name : null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public ScanTarget next() {
                String name = next;
                next = advance();
                List<StorageProblem> problems = drainWalkProblems();
                return new ScanTarget.Repository(name, problems);
            }
        };
    }

    @Override
    public ScanTarget read() {
        if (finished) {
            return null;
        }
        ScanTarget next = targets.hasNext() ? targets.next() : endOfPartition();
        lastKey = next.key();
        return next;
    }

    private ScanTarget endOfPartition() {
        finished = true;
        return new ScanTarget.End(drainWalkProblems());
    }

    private List<StorageProblem> drainWalkProblems() {
        List<StorageProblem> drained = List.copyOf(walkProblems);
        walkProblems.clear();
        return drained;
    }

    @Override
    public void update(ExecutionContext context) {
        if (lastKey != null) {
            context.putString(LAST_KEY, lastKey);
        }
    }
}
