package io.registrygc.job;

import io.registrygc.scan.ScanRange;
import io.registrygc.scan.ScanTarget;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.StorageReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Enumerates the targets of one scan partition: its blob shards, or its repositories in walk order, then the
 * end of the partition (with what the walk could not read after its last repository). Its checkpoint is the
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
            targets = storage.blobShards(walkProblems::add).stream().filter(shards::contains)
                    .filter(s -> lastKey == null || (BLOBS + s.key()).compareTo(lastKey) > 0)
                    .<ScanTarget>map(ScanTarget.Shard::new).iterator();
        } else {
            targets = repositories((ScanRange.Repositories) range);
        }
    }

    private Iterator<ScanTarget> repositories(ScanRange.Repositories range) {
        String after = lastKey != null ? lastKey.substring(REPOSITORIES.length()) : range.after();
        Iterator<String> names = storage.repositories(after, walkProblems::add);
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
