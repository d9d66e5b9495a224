package io.registrygc.job;

import io.registrygc.scan.ScanTarget;
import io.registrygc.storage.BlobShard;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.StorageReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Enumerates blob shards, then repositories in walk order, then the end of the scan. Its checkpoint is the
 * key of the last target read, so a restarted scan continues after the last committed chunk.
 */
class ScanTargetReader implements ItemStreamReader<ScanTarget> {

    static final String LAST_KEY = "scan.lastKey";
    private static final String BLOBS = "blobs/";
    private static final String REPOSITORIES = "repositories/";

    private final StorageReader storage;
    private String lastKey;
    private Iterator<BlobShard> shards;
    private Iterator<String> repositories;
    private final List<StorageProblem> walkProblems = new ArrayList<>();
    private boolean finished;

    ScanTargetReader(StorageReader storage) {
        this.storage = storage;
    }

    @Override
    public void open(ExecutionContext context) {
        lastKey = context.containsKey(LAST_KEY) ? context.getString(LAST_KEY) : null;
        finished = ScanTarget.End.KEY.equals(lastKey);
        walkProblems.clear();
        List<BlobShard> all = lastKey == null || lastKey.startsWith(BLOBS) ? storage.blobShards(walkProblems::add) : List.of();
        shards = all.stream().filter(s -> lastKey == null || (BLOBS + s.key()).compareTo(lastKey) > 0).iterator();
        String afterRepository = lastKey != null && lastKey.startsWith(REPOSITORIES)
                ? lastKey.substring(REPOSITORIES.length()) : null;
        repositories = finished ? List.<String>of().iterator() : storage.repositories(afterRepository, walkProblems::add);
    }

    @Override
    public ScanTarget read() {
        ScanTarget next = nextTarget();
        if (next != null) {
            lastKey = next.key();
        }
        return next;
    }

    private ScanTarget nextTarget() {
        if (finished) {
            return null;
        }
        if (shards.hasNext()) {
            return new ScanTarget.Shard(shards.next());
        }
        if (repositories.hasNext()) {
            String name = repositories.next();
            List<StorageProblem> problems = List.copyOf(walkProblems);
            walkProblems.clear();
            return new ScanTarget.Repository(name, problems);
        }
        finished = true;
        return new ScanTarget.End(List.copyOf(walkProblems));
    }

    @Override
    public void update(ExecutionContext context) {
        if (lastKey != null) {
            context.putString(LAST_KEY, lastKey);
        }
    }
}
