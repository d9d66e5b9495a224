package io.registrygc.job;

import io.registrygc.scan.ScanTarget;
import io.registrygc.storage.BlobShard;
import io.registrygc.storage.StorageProblem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Enumerates blob shards, then repositories in walk order. Its checkpoint is the key of the last
 * target read, so a restarted scan continues after the last committed chunk.
 */
class ScanTargetReader implements ItemStreamReader<ScanTarget>, StepExecutionListener {

    static final String LAST_KEY = "scan.lastKey";
    private static final String BLOBS = "blobs/";
    private static final String REPOSITORIES = "repositories/";

    private RunContext run;
    private String lastKey;
    private Iterator<BlobShard> shards;
    private Iterator<String> repositories;
    private final List<StorageProblem> walkProblems = new ArrayList<>();
    private boolean finished;

    @Override
    public void beforeStep(StepExecution stepExecution) {
        run = RunContext.of(stepExecution);
    }

    @Override
    public void open(ExecutionContext context) {
        lastKey = context.containsKey(LAST_KEY) ? context.getString(LAST_KEY) : null;
        finished = "end".equals(lastKey);
        try {
            List<BlobShard> all = run.storage().blobShards();
            shards = all.stream().filter(s -> lastKey == null
                    || (lastKey.startsWith(BLOBS) && (BLOBS + s.key()).compareTo(lastKey) > 0)).iterator();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + run.storage().paths().blobsRoot(), e);
        }
        String afterRepository = lastKey != null && lastKey.startsWith(REPOSITORIES)
                ? lastKey.substring(REPOSITORIES.length()) : null;
        repositories = run.storage().repositories(afterRepository, walkProblems);
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
        if (!walkProblems.isEmpty()) {
            return new ScanTarget.TrailingProblems(List.copyOf(walkProblems));
        }
        return null;
    }

    @Override
    public void update(ExecutionContext context) {
        if (lastKey != null) {
            context.putString(LAST_KEY, lastKey);
        }
    }
}
